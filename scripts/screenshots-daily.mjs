#!/usr/bin/env node
// Screenshots of the daily loop's controls in the real window (tauri-driver, like the e2e
// tests), on a local topic feed the pretend reader has answered for (likes science,
// dislikes sport):
//   daily-dismissed.png  For you right after "Dismiss the rest", with the undo bar
//   daily-muted.png      For you scrolled to the muted articles and their reason
//   daily-settings.png   Settings: a rule, retention, the store's size and the last cleanup
// Builds nothing: it runs the binary tests/e2e/lib/app.mjs finds; needs models/fetch.sh.
//
//   node scripts/screenshots-daily.mjs [--out-dir DIR]

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

import { REPO_ROOT, capture, launchApp } from "../tests/e2e/lib/app.mjs";
import { startFixtureServer } from "../tests/e2e/lib/fixtures.mjs";
import { renderAllRows } from "../tests/e2e/lib/rows.mjs";

const { values: opts } = parseArgs({
  options: { "out-dir": { type: "string", default: join(REPO_ROOT, "docs", "screenshots") } },
});
const outDir = resolve(opts["out-dir"]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const topics = new Map(
  JSON.parse(readFileSync(join(REPO_ROOT, "crates/core/sample/sample.json"), "utf8")).items.map((i) => [i.title, i.tags?.[0]]),
);

async function shot(app, name) {
  // Toasts from earlier steps would cover the view; the picture is of the view.
  await app.session.execute(`document.querySelectorAll('[data-testid="toast"] .dismiss').forEach((b) => b.click())`);
  await app.session.execute("document.activeElement?.blur?.()");
  await sleep(600);
  const png = await capture(app);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, name), png);
  console.log(`screenshots: ${name}`);
}

// For you renders a screenful and more on scrolling: every row first (tests/e2e/lib/rows.mjs).
const listed = async (session) =>
  (await renderAllRows(session)) &&
  session.execute(
    `return [...document.querySelectorAll('[data-testid="rec-item"]')].map((e) => ({
      id: e.dataset.id, title: e.querySelector(".title").textContent.trim() }))`,
  );

const server = await startFixtureServer();
const app = await launchApp();
try {
  const { session } = app;
  await session.click('[data-testid="nav-settings"]');
  await session.execute(
    `const select = document.querySelector('[data-testid="setting-theme"]');
     select.value = "light";
     select.dispatchEvent(new Event("change", { bubbles: true }));`,
  );
  await session.click('[data-testid="nav-feeds"]');
  await (await session.waitFor('[data-testid="feed-url"]')).sendKeys(server.url("/topics.json"));
  await session.click('[data-testid="feed-add"]');
  await session.click('[data-testid="nav-for-you"]');
  await session.waitUntil(
    async () => (await listed(session)).length >= 48 && !(await session.find('[data-testid="activity"]')),
    { timeoutMs: 300_000, what: "the feed to be embedded" },
  );
  const items = await listed(session);
  const answers = [
    ...items.filter((i) => topics.get(i.title) === "Science").slice(0, 4).map((i) => [i, "rec-like"]),
    ...items.filter((i) => topics.get(i.title) === "Sports").slice(0, 4).map((i) => [i, "rec-dislike"]),
  ];
  for (const [item, button] of answers) {
    await session.click(`[data-testid="rec-item"][data-id="${item.id}"] [data-testid="${button}"]`);
    await session.waitUntil(async () => !(await listed(session)).some((i) => i.id === item.id), { what: "the answer" });
  }
  const [top] = await listed(session);
  await session.click(`[data-testid="rec-item"][data-id="${top.id}"] [data-testid="rec-save"]`);

  // A rule muting a word of a well-scored science article.
  const science = (await listed(session)).filter((i) => topics.get(i.title) === "Science");
  const word = science[1].title.split(/[^\p{L}\p{N}]+/u).find((w) => w.length > 4) ?? science[1].title;
  await session.click('[data-testid="nav-settings"]');
  await (await session.waitFor('[data-testid="rule-pattern"]')).sendKeys(word);
  await (await session.waitFor('[data-testid="rule-days"]')).sendKeys("7");
  await session.click('[data-testid="rule-add"]');
  await session.waitFor('[data-testid="rule-item"]');

  await session.click('[data-testid="nav-for-you"]');
  await session.waitUntil(
    async () => (await listed(session)).length > 0 && session.execute(`return !document.querySelector('[data-testid="dismiss-rest"]').disabled`),
    { timeoutMs: 30_000, what: "articles below the threshold to dismiss" },
  );
  await session.click('[data-testid="dismiss-rest"]');
  await session.waitFor('[data-testid="undo-bar"]');
  await shot(app, "daily-dismissed.png");
  await session.click('[data-testid="undo-mark"]');
  await session.waitUntil(async () => !(await session.find('[data-testid="undo-bar"]')), { what: "the undo" });

  await session.waitUntil(
    async () =>
      // Muted articles sink to the bottom: every row rendered first (tests/e2e/lib/rows.mjs).
      (await renderAllRows(session)) &&
      session.execute(`const muted = [...document.querySelectorAll('[data-testid="rec-reason"]')].find((r) => r.textContent.startsWith("muted:"));
        if (!muted) return false;
        muted.closest('[data-testid="rec-item"]').scrollIntoView({ block: "center" });
        return true;`),
    { what: "a muted article" },
  );
  await shot(app, "daily-muted.png");

  // A week's retention takes the fixture's month-old articles; rated and saved ones stay.
  await session.click('[data-testid="nav-settings"]');
  await session.execute(
    `const input = document.querySelector('[data-testid="setting-retention"]');
     input.value = "7";
     input.dispatchEvent(new Event("change", { bubbles: true }));`,
  );
  await sleep(500);
  await session.click('[data-testid="prune-now"]');
  await session.waitFor('[data-testid="stats-last-cleanup"]', { timeoutMs: 30_000 });
  await session.execute(`document.querySelector('[data-testid="rule-list"]').scrollIntoView({ block: "start" })`);
  await shot(app, "daily-settings.png");
} finally {
  await app.stop();
  await server.close();
}
