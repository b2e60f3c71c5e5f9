// Starts the real Sift binary under Xvfb through tauri-driver (which drives
// WebKitWebDriver) and hands back a WebDriver session. Everything started here is stopped
// by `stop()`, and also when the process exits or is interrupted, so a failing test leaves
// no Xvfb, driver or app behind.

import { execFileSync, spawn } from "node:child_process";
import { existsSync, accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, homedir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { Session, driverReady } from "./webdriver.mjs";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** The window size the app is driven and photographed at (tauri.conf.json's default). */
export const WINDOW = { width: 1200, height: 800 };

const liveGroups = new Set();

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

process.on("exit", () => {
  for (const pid of liveGroups) killGroup(pid, "SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    for (const pid of liveGroups) killGroup(pid, "SIGKILL");
    process.exit(130);
  });
}

/** Spawns `command` as the leader of its own process group, so stopping it stops its children. */
export function spawnGroup(command, args, options) {
  const child = spawn(command, args, { ...options, detached: true });
  liveGroups.add(child.pid);
  child.once("exit", () => liveGroups.delete(child.pid));
  return child;
}

export async function stopGroup(child, graceMs = 3_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  killGroup(child.pid, "SIGTERM");
  const timer = setTimeout(() => killGroup(child.pid, "SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
  // Grandchildren may outlive a leader that exits on SIGTERM.
  killGroup(child.pid, "SIGKILL");
  liveGroups.delete(child.pid);
}

/** `name` from PATH or ~/.cargo/bin, or null. */
export function findExecutable(name) {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), join(homedir(), ".cargo", "bin")];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return null;
}

function requireExecutable(name, howToInstall) {
  const found = findExecutable(name);
  if (!found) throw new Error(`${name} was not found on PATH or in ~/.cargo/bin; ${howToInstall}`);
  return found;
}

/** The app binary: $SIFT_APP_BIN, else $CARGO_TARGET_DIR (or target/)/debug/sift-app. */
export function appBinary() {
  const fromEnv = process.env.SIFT_APP_BIN;
  const targetDir = process.env.CARGO_TARGET_DIR
    ? resolve(REPO_ROOT, process.env.CARGO_TARGET_DIR)
    : join(REPO_ROOT, "target");
  const binary = fromEnv ? resolve(REPO_ROOT, fromEnv) : join(targetDir, "debug", "sift-app");
  if (!existsSync(binary)) {
    throw new Error(
      `the app binary ${binary} does not exist; build it first (npm run build && cargo build -p sift-app) ` +
        `or point SIFT_APP_BIN at it`,
    );
  }
  return binary;
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Waits for a just-started tauri-driver to answer. Returns "ready", "port taken" when it
 * could not listen on a port it was given, or a message saying what went wrong.
 */
async function waitForDriver(driver, baseUrl, log) {
  const deadline = Date.now() + 15_000;
  while (!(await driverReady(baseUrl))) {
    if (/Unable to listen|Address already in use/i.test(log())) return "port taken";
    if (driver.exitCode !== null) return `tauri-driver exited (code ${driver.exitCode}): ${log().trim()}`;
    if (Date.now() > deadline) return `tauri-driver did not answer on ${baseUrl} within 15 s: ${log().trim()}`;
    await new Promise((r) => setTimeout(r, 150));
  }
  return "ready";
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Starts Xvfb on a display it picks itself (-displayfd), sized to the window so a
 * root-window capture is exactly the window. Returns { display, process }.
 */
export async function startXvfb({ width, height } = WINDOW) {
  const xvfb = requireExecutable("Xvfb", "install it (Debian: apt-get install xvfb)");
  const child = spawnGroup(xvfb, ["-displayfd", "3", "-screen", "0", `${width}x${height}x24`, "-nolisten", "tcp"], {
    stdio: ["ignore", "ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const display = await withTimeout(
    new Promise((resolveDisplay, reject) => {
      let out = "";
      child.stdio[3].on("data", (d) => {
        out += d;
        if (out.includes("\n")) resolveDisplay(`:${out.trim()}`);
      });
      child.once("exit", (code) => reject(new Error(`Xvfb exited (code ${code}) before it was ready: ${stderr.trim()}`)));
    }),
    10_000,
    "Xvfb to start",
  ).catch(async (e) => {
    await stopGroup(child);
    throw e;
  });
  return { display, process: child };
}

/**
 * Launches Sift and returns { session, dataDir, display, stop }.
 * Options: dataDir (default: a fresh temporary directory, removed on stop), env (extra
 * environment for the app), display (an X display to use instead of starting Xvfb; it
 * outlives the app, for tests that start Sift again on it).
 */
export async function launchApp({ dataDir, env = {}, window = WINDOW, display: ownDisplay } = {}) {
  const application = appBinary();
  const tauriDriver = requireExecutable("tauri-driver", "install it with: cargo install tauri-driver --locked");
  requireExecutable("WebKitWebDriver", "install it (Debian: apt-get install webkit2gtk-driver)");

  const ownDataDir = !dataDir;
  const store = dataDir ?? mkdtempSync(join(tmpdir(), "sift-e2e-"));
  const started = { xvfb: null, driver: null, session: null };
  let driverLog = "";

  async function stop() {
    if (started.session) {
      await started.session.delete().catch(() => {});
      started.session = null;
    }
    await stopGroup(started.driver);
    await stopGroup(started.xvfb);
    if (ownDataDir) rmSync(store, { recursive: true, force: true });
  }

  try {
    let display = ownDisplay ?? process.env.DISPLAY;
    if (!display) {
      const xvfb = await startXvfb(window);
      started.xvfb = xvfb.process;
      display = xvfb.display;
    }

    // A port found free can be taken before tauri-driver binds it (test files run side by
    // side, each starting drivers and WebKitWebDriver instances), so a driver that cannot
    // listen is started again on other ports rather than failing the test.
    let baseUrl;
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const nativePort = await freePort();
      let attemptLog = "";
      started.driver = spawnGroup(tauriDriver, ["--port", String(port), "--native-port", String(nativePort)], {
        stdio: ["ignore", "pipe", "pipe"],
        // The app inherits this environment through WebKitWebDriver.
        env: { ...process.env, ...env, DISPLAY: display, SIFT_DATA_DIR: store },
      });
      const collect = (d) => {
        driverLog += d;
        attemptLog += d;
      };
      started.driver.stdout.on("data", collect);
      started.driver.stderr.on("data", collect);

      baseUrl = `http://127.0.0.1:${port}`;
      const ready = await waitForDriver(started.driver, baseUrl, () => attemptLog);
      if (ready === "ready") break;
      await stopGroup(started.driver);
      started.driver = null;
      if (ready !== "port taken" || attempt === 3) throw new Error(ready);
    }

    started.session = await Session.create(baseUrl, {
      alwaysMatch: { browserName: "wry", "tauri:options": { application } },
    });
    await started.session.waitFor('[data-testid="nav"]', { timeoutMs: 30_000, what: "the main window's navigation" });
    return { session: started.session, dataDir: store, display, stop, log: () => driverLog };
  } catch (e) {
    const log = driverLog.trim();
    await stop();
    if (log && !e.message.includes(log)) e.message += `\n--- tauri-driver / app output ---\n${log.slice(-4000)}`;
    throw e;
  }
}

/**
 * The whole X screen, which Xvfb sized to the window: what a person would see. Falls back
 * to the webview's own capture when imagemagick is missing or a real display is in use.
 */
export async function capture(app) {
  const importTool = findExecutable("import");
  if (importTool && !process.env.DISPLAY) {
    return execFileSync(importTool, ["-window", "root", "png:-"], {
      env: { ...process.env, DISPLAY: app.display },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 20_000,
    });
  }
  return app.session.screenshot();
}
