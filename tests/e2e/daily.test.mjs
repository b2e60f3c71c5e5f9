// End-to-end: the daily loop in the real app against a local feed server with a few
// hundred articles (300, in six feeds) — answer a few cards, dismiss everything below the
// threshold and undo it, save an article and find it in Saved, mute a word that appears
// only deep in some articles' bodies and see its effect and reason, and clean up old
// articles while the rated and saved ones stay. Needs the model files (models/fetch.sh),
// like the app itself.
//
// Closing to the tray and the notification of a refresh that ran while the window was
// closed are in background.test.mjs (which brings its own notification server and tray).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";

import { launchApp } from "./lib/app.mjs";
import { renderAllRows } from "./lib/rows.mjs";
import { sampleFeeds, startFixtureServer } from "./lib/fixtures.mjs";

const EMBED_TIMEOUT_MS = 300_000;
/** Six feeds of fifty articles; every tenth article says this word only at its end. */
const MUTED_WORD = "advertorial";
const FEEDS = sampleFeeds({ topics: 6, perTopic: 50, plant: MUTED_WORD, plantEvery: 10 });
const ARTICLES = 300;
const ANSWERS = 6;

describe("the daily loop", { timeout: 720_000 }, () => {
  let app;
  let server;

  before(async () => {
    const dynamic = Object.fromEntries(FEEDS.map((f) => [f.path, () => ({ type: "application/feed+json", body: f.body })]));
    server = await startFixtureServer({ dynamic });
    app = await launchApp();
  });

  after(async () => {
    await app?.stop();
    await server?.close();
  });

  /** For you as the page shows it: [{ id, score, read, reason }]. */
  const listed = async () =>
    (await renderAllRows(app.session)) &&
    app.session.execute(
      `return [...document.querySelectorAll('[data-testid="rec-item"]')].map((e) => ({
        id: e.dataset.id,
        score: Number(e.dataset.score),
        read: e.dataset.read === "true",
        saved: e.dataset.saved === "true",
        reason: e.querySelector('[data-testid="rec-reason"]')?.textContent ?? "",
        title: e.querySelector(".title").textContent,
      }))`,
    );

  it("subscribes to six feeds, embeds 300 articles and learns from six answers", async () => {
    const { session } = app;
    await session.click('[data-testid="nav-feeds"]');
    for (const [n, feed] of FEEDS.entries()) {
      const input = await session.waitFor('[data-testid="feed-url"]');
      await input.sendKeys(server.url(feed.path));
      await session.click('[data-testid="feed-add"]');
      await session.waitUntil(async () => (await session.findAll('[data-testid="feed-item"]')).length === n + 1, {
        what: `${feed.title} in the feed list`,
      });
      await session.waitUntil(async () => (await session.execute(`return document.querySelector('[data-testid="feed-url"]').value`)) === "", {
        what: "the address field emptied",
      });
    }
    await session.click('[data-testid="nav-for-you"]');
    await session.waitUntil(
      async () =>
        (await listed()).length === ARTICLES && !(await session.find('[data-testid="activity"]')),
      { timeoutMs: EMBED_TIMEOUT_MS, what: `all ${ARTICLES} articles embedded and listed in For you` },
    );
    await session.click('[data-testid="nav-cards"]');
    for (const key of ["l", "d", "l", "d", "l", "d"]) {
      const card = await session.waitFor('[data-testid="card"]');
      const id = await card.attribute("data-id");
      await session.execute("document.activeElement?.blur?.()");
      await session.pressKeys([key]);
      await session.waitUntil(async () => (await (await session.waitFor('[data-testid="card"]')).attribute("data-id")) !== id, {
        what: `the next card after ${key}`,
      });
    }
    await session.waitUntil(async () => /^6 answers/.test(await session.text('[data-testid="answer-count"]')), {
      timeoutMs: 20_000,
      what: "six answers saved",
    });
  });

  it("dismisses everything below the threshold, then undoes it exactly", async () => {
    const { session } = app;
    await session.click('[data-testid="nav-for-you"]');
    // The first item read by hand stays read through the bulk mark and its undo.
    await session.waitUntil(async () => (await listed()).length === ARTICLES - ANSWERS, { timeoutMs: 30_000, what: "For you after the answers" });
    const before = await listed();
    const below = before.filter((i) => i.score < 0.5);
    assert.ok(below.length > 0 && below.length < before.length, `some but not all below 0.5 (${below.length} of ${before.length})`);
    await session.click('[data-testid="dismiss-rest"]');
    await session.waitFor('[data-testid="undo-bar"]', { what: "the undo bar" });
    assert.equal(Number(await session.text('[data-testid="undo-count"]')), below.length);
    const after = await session.waitUntil(async () => {
      const now = await listed();
      return now.length === before.length - below.length && now;
    }, { what: "the dismissed articles to leave the list" });
    assert.ok(after.every((i) => i.score >= 0.5 && !i.read), "only unread articles above the threshold are left");
    await session.waitUntil(
      async () => Number(await session.text('[data-testid="unread-for-you"]')) === after.length,
      { what: "the navigation's unread count to follow" },
    );

    await session.click('[data-testid="undo-mark"]');
    const restored = await session.waitUntil(async () => {
      const now = await listed();
      return now.length === before.length && now;
    }, { what: "the undo to bring every dismissed article back" });
    assert.deepEqual(restored.map((i) => i.id).sort(), before.map((i) => i.id).sort());
    assert.ok(restored.every((i) => !i.read));
  });

  let savedId;

  it("saves an article and finds it in Saved", async () => {
    const { session } = app;
    const [first] = await listed();
    savedId = first.id;
    await session.click(`[data-testid="rec-item"][data-id="${savedId}"] [data-testid="rec-save"]`);
    await session.waitFor(`[data-testid="rec-item"][data-id="${savedId}"][data-saved="true"]`, { what: "the saved mark" });
    await session.click('[data-testid="nav-saved"]');
    await session.waitFor(`[data-testid="saved-item"][data-id="${savedId}"]`, { what: "the article in Saved" });
    assert.equal((await session.findAll('[data-testid="saved-item"]')).length, 1);
  });

  it("mutes a word found only deep in some bodies: they sink to the bottom and say why", async () => {
    const { session } = app;
    await session.click('[data-testid="nav-for-you"]');
    await session.waitUntil(async () => (await listed()).length > 0, { what: "For you" });
    const planted = new Set(FEEDS.flatMap((f) => f.planted));
    const before = await listed();
    const expected = before.filter((i) => planted.has(i.title));
    assert.ok(expected.length >= 20, `articles with the word in For you: ${expected.length}`);
    assert.ok(before.every((i) => !i.title.toLowerCase().includes(MUTED_WORD) && !i.reason.startsWith("muted:")));
    await session.click('[data-testid="nav-settings"]');
    const pattern = await session.waitFor('[data-testid="rule-pattern"]');
    await pattern.sendKeys(MUTED_WORD);
    // For a limited time ("mute 'election' for 7 days").
    await (await session.waitFor('[data-testid="rule-days"]')).sendKeys("7");
    await session.click('[data-testid="rule-add"]');
    const rule = await session.waitFor('[data-testid="rule-item"]', { what: "the rule in the list" });
    assert.match(await rule.text(), new RegExp(`^Mute '${MUTED_WORD}' until `));
    await session.click('[data-testid="nav-for-you"]');
    const now = await session.waitUntil(async () => {
      const list = await listed();
      return list.length === before.length && list.filter((i) => i.reason.startsWith("muted:")).length === expected.length && list;
    }, { what: "the articles with the word muted" });
    // Exactly those, scored 0, with the reason, at the bottom; nothing deleted.
    const muted = now.slice(now.length - expected.length);
    assert.deepEqual(muted.map((i) => i.id).sort(), expected.map((i) => i.id).sort());
    for (const item of muted) {
      assert.equal(item.reason, `muted: '${MUTED_WORD}'`);
      assert.equal(item.score, 0);
    }
    assert.ok(now.slice(0, now.length - expected.length).every((i) => !i.reason.startsWith("muted:")));
  });

  it("cleans up old articles while the rated and saved ones stay", async () => {
    const { session } = app;
    await session.click('[data-testid="nav-settings"]');
    const before = await session.text('[data-testid="stats-articles"]');
    assert.match(before, new RegExp(`^${ARTICLES} `));
    // The fixture's articles were published a month ago: a 7-day retention takes them.
    await session.execute(
      `const input = document.querySelector('[data-testid="setting-retention"]');
       input.value = "7";
       input.dispatchEvent(new Event("change", { bubbles: true }));`,
    );
    await session.waitUntil(async () => (await session.execute(`return document.querySelector('[data-testid="setting-retention"]').value`)) === "7", {
      what: "the retention setting",
    });
    await session.click('[data-testid="prune-now"]');
    const after = await session.waitUntil(async () => {
      const text = await session.text('[data-testid="stats-articles"]');
      return text !== before && text;
    }, { timeoutMs: 30_000, what: "the store to shrink" });
    // Six answers and one saved article stay.
    assert.match(after, /^7 \(.*6 rated, 1 saved\)/);
    assert.equal(await session.text('[data-testid="stats-vectors"]'), "7");
    // The cleanup's sizes before and after (compacted when that helps) are shown, and the
    // size on disk is the one after.
    const cleanup = await session.waitFor('[data-testid="stats-last-cleanup"]', { what: "the last cleanup's line" });
    const line = await cleanup.text();
    const sizes = line.match(new RegExp(`^just now: ${ARTICLES - ANSWERS - 1} articles deleted, (.+) → (.+) on disk$`));
    assert.ok(sizes, line);
    assert.equal(await session.text('[data-testid="stats-size"]'), sizes[2]);
    await session.click('[data-testid="nav-saved"]');
    await session.waitFor(`[data-testid="saved-item"][data-id="${savedId}"]`, { what: "the saved article after the cleanup" });
  });
});
