#!/usr/bin/env node
// Screenshots of the real Sift window, driven through tauri-driver like the e2e tests.
// Builds nothing: it runs the binary tests/e2e/lib/app.mjs finds ($SIFT_APP_BIN, else
// $CARGO_TARGET_DIR/debug/sift-app), and needs the model files (models/fetch.sh).
//
//   node scripts/screenshots.mjs              realistic data, every view -> docs/screenshots/<view>.png
//   node scripts/screenshots.mjs --view for-you --out shot.png
//   options: --data-dir DIR   use this store as it is (default: a fresh one, filled with the
//                             bundled sample, a local feed and a dozen answered cards)
//            --empty          a fresh store left empty (first-run screens)
//            --out-dir DIR, --theme light|dark (default light, so pictures do not depend
//            on the host), --settle MS

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

import { REPO_ROOT, capture, launchApp } from "../tests/e2e/lib/app.mjs";
import { startFixtureServer } from "../tests/e2e/lib/fixtures.mjs";

const VIEWS = ["for-you", "cards", "articles", "saved", "map", "clusters", "feeds", "settings", "search", "reader", "reader-whole", "reader-media"];

const { values: opts } = parseArgs({
  options: {
    view: { type: "string" },
    out: { type: "string" },
    "out-dir": { type: "string", default: join(REPO_ROOT, "docs", "screenshots") },
    "data-dir": { type: "string" },
    empty: { type: "boolean", default: false },
    theme: { type: "string", default: "light" },
    settle: { type: "string", default: "800" },
  },
});

const views = opts.view ? [opts.view] : VIEWS;
for (const view of views) {
  if (!VIEWS.includes(view)) {
    console.error(`screenshots: unknown view "${view}"; one of ${VIEWS.join(", ")}`);
    process.exit(2);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Topics a pretend reader likes, for answering the sample's cards truthfully. */
const LIKED_TOPICS = new Set(["Science", "Technology"]);
const DISLIKED_TOPICS = new Set(["Sports", "Politics & economy"]);

function sampleTopics() {
  const sample = JSON.parse(readFileSync(join(REPO_ROOT, "crates/core/sample/sample.json"), "utf8"));
  return new Map(sample.items.map((item) => [item.title, item.tags?.[0]]));
}

/** Waits until no background work has been shown for a few seconds (embedding done). */
async function waitForQuiet(session, { quietMs = 4_000, timeoutMs = 600_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let quietSince = Date.now();
  while (Date.now() - quietSince < quietMs) {
    if (Date.now() > deadline) throw new Error("screenshots: background work did not finish");
    if (await session.find('[data-testid="activity"]')) quietSince = Date.now();
    await sleep(250);
  }
}

/** Fills a fresh store the way a new user would: the sample, one more feed, a dozen answers. */
async function fillWithRealisticData(session, server) {
  await session.click('[data-testid="nav-for-you"]');
  await session.click('[data-testid="first-run-sample"]');
  await session.click('[data-testid="nav-feeds"]');
  const input = await session.waitFor('[data-testid="feed-url"]');
  await input.sendKeys(server.url("/atom.xml"));
  await session.click('[data-testid="feed-add"]');
  await session.waitUntil(async () => (await session.findAll('[data-testid="feed-item"]')).length === 2, {
    timeoutMs: 30_000,
    what: "two feeds",
  });
  // A summary-only feed, switched to whole articles as its offer suggests.
  await input.sendKeys(server.url("/teasers.xml"));
  await session.click('[data-testid="feed-add"]');
  await session.waitFor('[data-testid="feed-truncated"]', { timeoutMs: 30_000, what: "the whole-article offer" });
  const teasers = await session.execute(
    `return document.querySelector('[data-testid="feed-truncated"]').closest('[data-testid="feed-item"]').dataset.id`,
  );
  await session.click(`[data-testid="feed-item"][data-id="${teasers}"] [data-testid="feed-full-text"]`);
  await session.waitUntil(async () => !(await session.find('[data-testid="feed-truncated"]')), { timeoutMs: 30_000, what: "whole articles on" });
  await waitForQuiet(session);
  const topics = sampleTopics();
  await session.click('[data-testid="nav-cards"]');
  let answered = 0;
  for (let i = 0; i < 40 && answered < 14; i++) {
    const card = await session.waitFor('[data-testid="card"]', { timeoutMs: 30_000 });
    const title = await (await session.waitFor('[data-testid="card"] h2')).text();
    const topic = topics.get(title);
    const key = LIKED_TOPICS.has(topic) ? "l" : DISLIKED_TOPICS.has(topic) ? "d" : "s";
    const id = await card.attribute("data-id");
    await session.execute("document.activeElement?.blur?.()");
    await session.pressKeys([key]);
    if (key !== "s") answered++;
    await session.waitUntil(async () => (await (await session.find('[data-testid="card"]'))?.attribute("data-id")) !== id, {
      what: "the next card",
    });
  }
  await session.waitFor('[data-testid="what-changed"]', { timeoutMs: 30_000 });
  await waitForQuiet(session, { quietMs: 1_500 });
}

const server = opts.empty || opts["data-dir"] ? null : await startFixtureServer();
const app = await launchApp({ dataDir: opts["data-dir"] ? resolve(opts["data-dir"]) : undefined });
try {
  const { session } = app;
  await session.click('[data-testid="nav-settings"]');
  await session.execute(
    `const select = document.querySelector('[data-testid="setting-theme"]');
     select.value = arguments[0];
     select.dispatchEvent(new Event("change", { bubbles: true }));`,
    [opts.theme],
  );
  if (server) await fillWithRealisticData(session, server);
  for (const view of views) {
    if (view === "reader-whole" || view === "reader-media") {
      // A whole article fetched from its page; an article carrying a podcast episode.
      const [words, title] = view === "reader-whole" ? ["lighthouse", "lighthouse keeper"] : ["relative", "xml:base"];
      await session.click('[data-testid="nav-articles"]');
      const box = await session.waitFor('[data-testid="article-search"]');
      await session.execute(`document.querySelector('[data-testid="article-search"]').select()`);
      await box.sendKeys(words);
      // The list filters asynchronously: wait for the article itself, not the first item.
      const id = await session
        .waitUntil(
          () =>
            session.execute(
              `return [...document.querySelectorAll('[data-testid="article-item"]')].find((i) => i.querySelector(".title")?.textContent.includes(arguments[0]))?.dataset.id ?? null`,
              [title],
            ),
          { timeoutMs: 10_000, what: `the article about "${title}"` },
        )
        .catch(() => null);
      if (!id) {
        console.log(`screenshots: ${view} skipped (no article about "${title}" in this store)`);
        continue;
      }
      await session.click(`[data-testid="article-item"][data-id="${id}"] .title`);
      await session.waitFor(view === "reader-whole" ? '[data-testid="whole-article"]' : '[data-testid="attachments"]', { timeoutMs: 30_000 });
      if (view === "reader-media") {
        await session.execute(`document.querySelector('[data-testid="attachments"]').scrollIntoView({ block: "center" })`);
      }
    } else if (view === "saved" && server) {
      // A few saved from For you, one of them read since: Saved shows what it keeps and what
      // was read.
      await session.click('[data-testid="nav-for-you"]');
      await session.waitFor('[data-testid="rec-item"]', { timeoutMs: 10_000 });
      const ids = await session.execute(`return [...document.querySelectorAll('[data-testid="rec-item"]')].slice(1, 4).map((e) => e.dataset.id)`);
      for (const id of ids) {
        await session.click(`[data-testid="rec-item"][data-id="${id}"] [data-testid="rec-save"]`);
        await session.waitFor(`[data-testid="rec-item"][data-id="${id}"][data-saved="true"]`);
      }
      await session.click(`[data-testid="rec-item"][data-id="${ids[1]}"] .title`);
      await session.waitFor('[data-testid="reader-save"][aria-pressed="true"]');
      await session.pressKeys(["\uE00C"]);
      await session.waitUntil(async () => !(await session.find('[data-testid="reader"]')), { what: "the reader to close" });
      await session.click('[data-testid="nav-saved"]');
      await session.waitUntil(async () => (await session.findAll('[data-testid="saved-item"]')).length === ids.length, { what: "the saved articles" });
      // The "Saved for later" toasts go by themselves; the picture is of the view.
      await session.waitUntil(async () => !(await session.find('[data-testid="toast"]')), { timeoutMs: 20_000, what: "the toasts to go" });
    } else if (view === "search") {
      await session.click('[data-testid="nav-search"]');
      const box = await session.waitFor('[data-testid="search-input"]');
      await box.sendKeys("telescopes looking at distant planets");
      await session.waitFor('[data-testid="search-hit"]', { timeoutMs: 30_000 });
    } else if (view === "reader") {
      await session.click('[data-testid="nav-for-you"]');
      const first = await session
        .waitFor('[data-testid="rec-item"] .title', { timeoutMs: 10_000 })
        .catch(() => null);
      if (!first) {
        console.log("screenshots: reader skipped (nothing to read in this store)");
        continue;
      }
      await first.click();
      await session.waitFor('[data-testid="reader-content"]');
    } else {
      await session.click(`[data-testid="nav-${view}"]`);
      await session.waitFor(`[data-testid="view-${view}"]`);
    }
    // Let data arrive and transitions finish; the map until its first frame and labels are drawn
    // (it was laid out in the background after embedding).
    if (view === "map") {
      await session.waitFor('[data-testid="map-chart"][data-render-ms]', { timeoutMs: 120_000, what: "the map drawn" }).catch(() => {});
    }
    await sleep(Number(opts.settle));
    // Focus rings belong to keyboard use, not to a picture of the view.
    await session.execute("document.activeElement?.blur?.()");
    const png = await capture(app);
    const out = opts.out && views.length === 1 ? resolve(opts.out) : join(resolve(opts["out-dir"]), `${view}.png`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, png);
    console.log(`screenshots: ${view} -> ${out}`);
    if (view.startsWith("reader")) await session.pressKeys(["\uE00C"]);
  }
} finally {
  await app.stop();
  await server?.close();
}
