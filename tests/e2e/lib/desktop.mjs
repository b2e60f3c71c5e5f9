// A private desktop session for the end-to-end tests: its own D-Bus session bus, with a
// notification server that records what the app shows and a tray (a
// StatusNotifierWatcher) the app's icon registers with, both served by desktop.py; and the
// user's hands on them: clicking the tray menu's items (over dbusmenu, as a desktop's tray
// does) and closing the window as a title bar's close button does. Pass `env` to
// launchApp so the app talks to this bus and no other. `startDesktop({ tray: false })` is
// a desktop that shows no tray icons (no StatusNotifierWatcher on the bus).

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { findExecutable, spawnGroup, stopGroup } from "./app.mjs";

const HELPER = join(dirname(fileURLToPath(import.meta.url)), "desktop.py");
// The helper needs Debian's python3-gi, which only the system's python3 has.
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

function lines(stream, onLine) {
  createInterface({ input: stream }).on("line", onLine);
}

export async function startDesktop({ tray = true } = {}) {
  const daemonPath = findExecutable("dbus-daemon");
  if (!daemonPath) throw new Error("dbus-daemon was not found; install it (Debian: apt-get install dbus-daemon)");
  const started = { daemon: null, helper: null };
  let log = "";

  async function stop() {
    started.helper?.stdin.end();
    await stopGroup(started.helper);
    await stopGroup(started.daemon);
  }

  try {
    started.daemon = spawnGroup(daemonPath, ["--session", "--nofork", "--nopidfile", "--print-address=1"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    started.daemon.stderr.on("data", (d) => (log += d));
    const address = await new Promise((resolve, reject) => {
      lines(started.daemon.stdout, (line) => line.trim() && resolve(line.trim()));
      started.daemon.once("exit", (code) => reject(new Error(`dbus-daemon exited (code ${code}): ${log}`)));
      setTimeout(() => reject(new Error(`dbus-daemon printed no address within 10 s: ${log}`)), 10_000);
    });

    const events = [];
    const waiters = new Set();
    const replies = new Map();
    let nextId = 1;
    started.helper = spawnGroup(PYTHON, [HELPER, address, ...(tray ? [] : ["--no-tray"])], { stdio: ["pipe", "pipe", "pipe"] });
    started.helper.stderr.on("data", (d) => (log += d));
    lines(started.helper.stdout, (line) => {
      const message = JSON.parse(line);
      if (message.event) {
        events.push(message);
        for (const check of waiters) check();
      } else {
        replies.get(message.id)?.(message);
        replies.delete(message.id);
      }
    });

    /** Resolves with the first recorded event that `matches`, waiting up to `timeoutMs`. */
    function waitForEvent(matches, { timeoutMs = 30_000, what = "a desktop event" } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(matches);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; seen: ${JSON.stringify(events)}\n${log}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    }

    /** Sends a command to desktop.py and returns its answer (throws its error). */
    function command(cmd, args = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`desktop.py did not answer ${cmd} within 20 s\n${log}`)), 20_000);
        replies.set(id, (reply) => {
          clearTimeout(timer);
          if (reply.ok) resolve(reply);
          else reject(new Error(`${cmd}: ${reply.error}`));
        });
        started.helper.stdin.write(JSON.stringify({ id, cmd, ...args }) + "\n");
      });
    }

    await waitForEvent((e) => e.event === "ready" || e.event === "error", { timeoutMs: 15_000, what: "desktop.py to own its names" }).then(
      (e) => {
        if (e.event === "error") throw new Error(`desktop.py: ${e.error}`);
      },
    );

    return {
      address,
      /** The environment the app needs to use this session. */
      env: { DBUS_SESSION_BUS_ADDRESS: address },
      /** Every notification shown so far: [{ summary, body, app }]. */
      notifications: () => events.filter((e) => e.event === "notify"),
      waitForEvent,
      waitForTray: (opts) => waitForEvent((e) => e.event === "tray", { what: "the tray icon to register", ...opts }),
      tray: async () => (await command("tray")).tray,
      menu: async () => (await command("menu")).menu,
      clickTray: (label) => command("click", { label }),
      closeWindow: (display, title = "Sift") => command("close_window", { display, title }),
      /** Acts as an X11 (XEmbed) system tray on `display`, as i3bar or stalonetray do. */
      ownXembedTray: (display) => command("own_xembed_tray", { display }),
      windowShown: async (display, title = "Sift") => (await command("window", { display, title })).shown,
      hasOwner: async (name) => (await command("has_owner", { name })).owned,
      /** Every name owned on the bus (well-known and unique). */
      busNames: async () => (await command("names")).names,
      log: () => log,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
