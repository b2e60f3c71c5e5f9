// End-to-end: "Start at login" (opt-in). Turning it on in Settings writes the XDG autostart
// entry under the test's own XDG_CONFIG_HOME; its Exec line, run as a desktop session runs
// it at login, starts this Sift hidden in the tray (Show brings the window); turning it off
// removes the entry. When the binary moved, starting Sift from its new place points the
// entry there. Runs on a private desktop (lib/desktop.mjs: D-Bus session with a tray) and
// its own Xvfb, which outlive each start of the app. Needs dbus-daemon and python3-gi.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { appBinary, launchApp, spawnGroup, startXvfb, stopGroup } from "./lib/app.mjs";
import { startDesktop } from "./lib/desktop.mjs";

/**
 * The program and arguments of a desktop entry's Exec value (Desktop Entry Specification:
 * the string escapes first, then double-quoted arguments with \-escapes inside).
 */
function execArguments(value) {
  const unescaped = value.replace(/\\(.)/g, (_, c) => ({ s: " ", n: "\n", t: "\t", r: "\r", "\\": "\\" })[c] ?? `\\${c}`);
  const args = [];
  let current = null;
  let quoted = false;
  for (let i = 0; i < unescaped.length; i++) {
    const c = unescaped[i];
    if (quoted) {
      if (c === "\\" && i + 1 < unescaped.length) current += unescaped[++i];
      else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"') {
      quoted = true;
      current ??= "";
    } else if (c === " ") {
      if (current !== null) args.push(current);
      current = null;
    } else {
      current = (current ?? "") + c;
    }
  }
  if (current !== null) args.push(current);
  return args.map((a) => a.replace(/%%/g, "%"));
}

describe("start at login", { timeout: 300_000 }, () => {
  let desktop;
  let xvfb;
  let app;
  let scratch;
  let store;
  let config;
  let entryPath;
  const launched = [];

  before(async () => {
    desktop = await startDesktop();
    xvfb = await startXvfb();
    scratch = mkdtempSync(join(tmpdir(), "sift-e2e-autostart-"));
    store = join(scratch, "store");
    config = join(scratch, "config");
    entryPath = join(config, "autostart", "Sift.desktop");
  });

  after(async () => {
    await app?.stop();
    for (const child of launched) await stopGroup(child);
    await stopGroup(xvfb?.process);
    await desktop?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  /** What the app needs to run on this desktop with this store and config directory. */
  const env = () => ({ ...desktop.env, XDG_CONFIG_HOME: config });
  const entry = () => (existsSync(entryPath) ? readFileSync(entryPath, "utf8") : null);
  const entryExec = () => execArguments(/^Exec=(.*)$/m.exec(entry())[1]);

  /** Starts `argv` as a login would: detached, on this desktop, with this store. */
  function startAsLogin(argv) {
    const child = spawnGroup(argv[0], argv.slice(1), {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, ...env(), DISPLAY: xvfb.display, SIFT_DATA_DIR: store },
    });
    launched.push(child);
    return child;
  }

  /** The next tray icon to register after `count` have. */
  const nextTray = (count, what) => {
    let seen = 0;
    return desktop.waitForEvent((e) => e.event === "tray" && ++seen > count, { timeoutMs: 60_000, what });
  };
  let traysSoFar = 0;

  /** Quit in the tray menu, then wait for the process (its name on the bus) to go. */
  async function quitFromTray(item) {
    await desktop.clickTray("Quit Sift");
    await waitFor(async () => !(await desktop.hasOwner(item.name)), "Sift to quit");
  }

  it("turning it on in Settings writes an entry that starts this Sift with --minimized; off removes it", async () => {
    mkdirSync(store);
    app = await launchApp({ env: env(), dataDir: store, display: xvfb.display });
    const first = await nextTray(traysSoFar, "the tray icon");
    traysSoFar++;
    const { session } = app;
    await session.click('[data-testid="nav-settings"]');
    const toggle = '[data-testid="setting-start-at-login"]';
    await session.waitFor(toggle);
    assert.equal(entry(), null, "off by default: no entry");
    await session.click(toggle);
    await session.waitUntil(async () => entry() !== null, { what: "the autostart entry to be written" });
    assert.deepEqual(entryExec(), [realpathSync(appBinary()), "--minimized"]);
    assert.match(entry(), /^\[Desktop Entry\]\nType=Application\n/);
    assert.match(entry(), /^Name=Sift$/m);
    await session.click(toggle);
    await session.waitUntil(async () => entry() === null, { what: "the entry to be removed" });
    await session.click(toggle);
    await session.waitUntil(async () => entry() !== null, { what: "the entry to be written again" });
    assert.equal(await session.execute(`return document.querySelector('${toggle}').checked`), true);
    await quitFromTray(first);
    await app.stop();
    app = null;
  });

  it("the entry's Exec line starts Sift hidden in the tray, and Show brings the window", async () => {
    const child = startAsLogin(entryExec());
    const item = await nextTray(traysSoFar, "Sift started at login to put its icon in the tray");
    traysSoFar++;
    // Give a window that would show time to map, then check it stayed hidden.
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(await desktop.windowShown(xvfb.display), false, "started hidden in the tray");
    assert.equal(child.exitCode, null, "still running");
    await desktop.clickTray("Show Sift");
    await waitFor(async () => desktop.windowShown(xvfb.display), "the window to show");
    await quitFromTray(item);
  });

  it("started from a new place, Sift points the entry there", async () => {
    // The same program at another path with a space in it (a moved AppImage, another build).
    const moved = join(scratch, "moved Sift", "sift-app");
    mkdirSync(dirname(moved));
    try {
      linkSync(appBinary(), moved);
    } catch {
      copyFileSync(appBinary(), moved);
      chmodSync(moved, 0o755);
    }
    startAsLogin([moved]);
    const item = await nextTray(traysSoFar, "Sift from its new place to start");
    traysSoFar++;
    await waitFor(async () => entryExec()[0] === moved, "the entry to name the new place");
    assert.deepEqual(entryExec(), [moved, "--minimized"]);
    assert.match(entry(), /^Exec="[^"]*moved Sift\/sift-app" --minimized$/m, "a path with a space is quoted");
    await quitFromTray(item);
  });
});

async function waitFor(check, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => false);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
