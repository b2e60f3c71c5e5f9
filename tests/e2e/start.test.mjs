// End-to-end: the window shows before the store is open, commands sent meanwhile wait and
// then answer, and a store that cannot be opened is said in the window.

import { describe, it } from "node:test";
import assert from "node:assert/strict";

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { launchApp } from "./lib/app.mjs";

describe("starting Sift", { timeout: 120_000 }, () => {
  it("shows the window while the store opens, and For you answers once it is open", async () => {
    // Long enough that the window shows well before, even on a loaded machine.
    const delayMs = 8_000;
    const launched = Date.now();
    const app = await launchApp({ env: { SIFT_E2E_OPEN_DELAY_MS: String(delayMs) } });
    try {
      const { session } = app;
      // launchApp returned once the navigation was on screen; For you has not answered yet.
      const waiting = await session.execute(
        `return document.querySelector('[data-testid="view-for-you"] [data-testid="empty-state"]') === null`,
      );
      assert.ok(waiting, "For you answered before the store was open");
      // Its first call waited for the store, then answered: a new store's empty state, no error.
      await session.waitFor('[data-testid="view-for-you"] [data-testid="empty-state"]', {
        timeoutMs: 30_000,
        what: "For you's answer once the store is open",
      });
      assert.ok(Date.now() - launched >= delayMs, "answered before the store was open");
      assert.equal(await session.find('[data-testid="unavailable"]'), null);
      const toasts = await session.execute(`return document.querySelectorAll('[data-testid="toast"]').length`);
      assert.equal(toasts, 0, "a call that waited for the store failed");
    } finally {
      await app.stop();
    }
  });

  it("says in the window why a store that cannot be opened was not, and changes nothing", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "sift-e2e-broken-"));
    // A file where the store's directory belongs.
    writeFileSync(join(dataDir, "store"), "not a store");
    const app = await launchApp({ dataDir });
    try {
      const { session } = app;
      const shown = await session.waitUntil(
        async () => {
          const element = await session.find('[data-testid="unavailable"]');
          return element && (await element.text());
        },
        { timeoutMs: 30_000, what: "the window to say the store could not be opened" },
      );
      assert.match(shown, /Sift could not open its store/);
      assert.ok(shown.includes(dataDir), "the message names the data directory");
      assert.equal(readFileSync(join(dataDir, "store"), "utf8"), "not a store", "the file was changed");
    } finally {
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
  it("runs with glibc's per-thread caches off, and so do its WebKit processes", async () => {
    const app = await launchApp();
    try {
      // The app and the WebKit processes it started: those whose environment names this
      // store (the test's driver processes do too, and are left out).
      const appProcess = /^(sift-app|WebKitWebProces|WebKitNetworkPr)/;
      const ours = [];
      for (const entry of readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          const environ = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
          if (!environ.includes(`SIFT_DATA_DIR=${app.dataDir}`)) continue;
          const comm = readFileSync(`/proc/${entry}/comm`, "utf8").trim();
          if (!appProcess.test(comm)) continue;
          ours.push({ comm, tunables: environ.find((v) => v.startsWith("GLIBC_TUNABLES=")) });
        } catch {
          // Gone, or not ours to read.
        }
      }
      const names = ours.map((p) => p.comm);
      assert.ok(names.includes("sift-app"), `the app among ${names}`);
      assert.ok(names.some((n) => n.startsWith("WebKitWebProces")), `a web process among ${names}`);
      for (const p of ours) {
        assert.match(p.tunables ?? "", /(^|[=:])glibc\.malloc\.tcache_count=0(:|$)/, `${p.comm}: ${p.tunables}`);
      }
    } finally {
      await app.stop();
    }
  });
});
