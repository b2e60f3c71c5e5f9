#!/usr/bin/env node
// Screenshots of the real Sift window, driven through tauri-driver like the e2e tests.
// Builds nothing: it runs the binary tests/e2e/lib/app.mjs finds ($SIFT_APP_BIN, else
// $CARGO_TARGET_DIR/debug/sift-app).
//
//   node scripts/screenshots.mjs                      every view -> docs/screenshots/<view>.png
//   node scripts/screenshots.mjs --view settings --out shot.png
//   options: --data-dir DIR (default: a fresh temporary store), --out-dir DIR,
//            --theme light|dark (default: light, so screenshots do not depend on the host)

import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

import { REPO_ROOT, findExecutable, launchApp } from "../tests/e2e/lib/app.mjs";

const VIEWS = ["for-you", "cards", "articles", "map", "clusters", "feeds", "settings"];

const { values: opts } = parseArgs({
  options: {
    view: { type: "string" },
    out: { type: "string" },
    "out-dir": { type: "string", default: join(REPO_ROOT, "docs", "screenshots") },
    "data-dir": { type: "string" },
    theme: { type: "string", default: "light" },
    settle: { type: "string", default: "600" },
  },
});

const views = opts.view ? [opts.view] : VIEWS;
for (const view of views) {
  if (!VIEWS.includes(view)) {
    console.error(`screenshots: unknown view "${view}"; one of ${VIEWS.join(", ")}`);
    process.exit(2);
  }
}

/**
 * The whole X screen, which Xvfb sized to the window: what a person would see, including
 * native widgets. Falls back to the webview's own capture when imagemagick is missing or a
 * real display (larger than the window) is in use.
 */
async function capture(app) {
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

const app = await launchApp({ dataDir: opts["data-dir"] ? resolve(opts["data-dir"]) : undefined });
try {
  const { session } = app;
  await session.execute("window.localStorage.setItem('sift.theme', arguments[0]);", [opts.theme]);
  await session.execute("document.documentElement.dataset.theme = arguments[0];", [opts.theme]);
  for (const view of views) {
    await session.click(`[data-testid="nav-${view}"]`);
    await session.waitFor(`[data-testid="view-${view}"]`);
    // Let data arrive and transitions (e.g. the map's) finish.
    await new Promise((r) => setTimeout(r, Number(opts.settle)));
    // Focus rings belong to keyboard use, not to a picture of the view.
    await session.execute("document.activeElement?.blur?.()");
    const png = await capture(app);
    const out = opts.out && views.length === 1 ? resolve(opts.out) : join(resolve(opts["out-dir"]), `${view}.png`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, png);
    console.log(`screenshots: ${view} -> ${out}`);
  }
} finally {
  await app.stop();
}
