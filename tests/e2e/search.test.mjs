// End-to-end: whole articles and search, as a new user would try them. A summary-only feed
// from a local server is noticed as such, switched to whole articles in the Feeds view and
// read whole in the reader; then a search by words and one by meaning find the expected
// articles, and "more like this" lists neighbours. Needs the model files (models/fetch.sh).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { findExecutable, launchApp, REPO_ROOT } from "./lib/app.mjs";
import { startFixtureServer } from "./lib/fixtures.mjs";

const EMBED_TIMEOUT_MS = 150_000;

/** The titles of the sample's Sports topic (the /topics.json fixture holds 12 of them). */
function sportsTitles() {
  const sample = JSON.parse(readFileSync(join(REPO_ROOT, "crates", "core", "sample", "sample.json"), "utf8"));
  return new Set(sample.items.filter((i) => i.tags?.[0] === "Sports").map((i) => i.title));
}

/**
 * With SIFT_SHOTS_DIR set, saves what the X screen shows (the window) as NAME.png there:
 * `SIFT_SHOTS_DIR=docs/screenshots npm run e2e -- ...` retakes the README's pictures.
 */
async function shot(app, name) {
  const dir = process.env.SIFT_SHOTS_DIR;
  const importTool = findExecutable("import");
  if (!dir || !importTool) return;
  // Notices of earlier steps would cover the view: close them, as a reader would.
  await app.session.execute(`document.querySelectorAll('[data-testid="toast"] button').forEach((b) => b.click())`);
  await app.session.execute("document.activeElement?.blur?.()");
  await new Promise((r) => setTimeout(r, 800));
  mkdirSync(dir, { recursive: true });
  const png = execFileSync(importTool, ["-window", "root", "png:-"], {
    env: { ...process.env, DISPLAY: app.display },
    maxBuffer: 64 * 1024 * 1024,
  });
  writeFileSync(join(dir, `${name}.png`), png);
}

describe("whole articles and search", { timeout: 420_000 }, () => {
  let app;
  let server;

  before(async () => {
    server = await startFixtureServer();
    app = await launchApp();
  });

  after(async () => {
    await app?.stop();
    await server?.close();
  });

  async function subscribe(path, articles) {
    const { session } = app;
    await session.click('[data-testid="nav-feeds"]');
    const input = await session.waitFor('[data-testid="feed-url"]');
    await input.sendKeys(server.url(path));
    await session.click('[data-testid="feed-add"]');
    await session.waitUntil(
      async () => {
        const counts = await session.execute(
          `return [...document.querySelectorAll('[data-testid="feed-article-count"]')].map((e) => e.textContent)`,
        );
        return counts.some((c) => c === articles);
      },
      { timeoutMs: 30_000, what: `${articles} from ${path}` },
    );
  }

  it("notices a summary-only feed and turns it into whole articles", async () => {
    const { session } = app;
    await subscribe("/topics.json", "48 articles");
    await subscribe("/teasers.xml", "3 articles");
    const offer = await session.waitFor('[data-testid="feed-truncated"]', { what: "the offer to fetch whole articles" });
    assert.match(await offer.text(), /only summaries/);
    const teaserFeed = await session.execute(
      `return document.querySelector('[data-testid="feed-truncated"]').closest('[data-testid="feed-item"]').dataset.id`,
    );
    await session.click(`[data-testid="feed-item"][data-id="${teaserFeed}"] [data-testid="feed-full-text"]`);
    await session.waitUntil(
      async () => session.execute(
        `return document.querySelector('[data-testid="feed-item"][data-id="${teaserFeed}"] [data-testid="feed-full-text"]').checked
          && !document.querySelector('[data-testid="feed-truncated"]')`,
      ),
      { timeoutMs: 30_000, what: "the switch on and the offer gone" },
    );

    await session.click('[data-testid="nav-articles"]');
    const search = await session.waitFor('[data-testid="article-search"]');
    await search.sendKeys("lighthouse");
    await session.waitUntil(async () => (await session.findAll('[data-testid="article-item"]')).length === 1, {
      what: "the lighthouse article listed",
    });
    await session.click('[data-testid="article-item"] .title');
    await session.waitFor('[data-testid="reader"]', { what: "the reader" });
    await session.waitFor('[data-testid="whole-article"]', { what: "the whole-article note" });
    const content = await session.text('[data-testid="reader-content"]');
    assert.match(content, /great Fresnel lens/, "the page's text, not the teaser");
    assert.match(content, /enough for any man/);
    assert.doesNotMatch(content, /Cookies|Ten harbours/, "no navigation, sidebar or footer");
    await shot(app, "reader-whole");
    await session.pressKeys(["\uE00C"]); // Escape
    await session.waitUntil(async () => !(await session.find('[data-testid="reader"]')), { what: "the reader to close" });
  });

  it("finds articles by words, with the matches highlighted", async () => {
    const { session } = app;
    await session.click('[data-testid="nav-search"]');
    await session.click('[data-testid="search-mode-words"]');
    const input = await session.waitFor('[data-testid="search-input"]');
    await input.sendKeys("fresnel prisms");
    await session.waitUntil(async () => (await session.findAll('[data-testid="search-hit"]')).length === 1, {
      what: "one hit for words only the whole article has",
    });
    const title = await session.text('[data-testid="search-hit"] .title');
    assert.equal(title, "The lighthouse keeper's last season");
    const marks = await session.execute(
      `return [...document.querySelectorAll('[data-testid="search-snippet"] mark')].map((m) => m.textContent.toLowerCase())`,
    );
    assert.ok(marks.includes("fresnel") || marks.includes("prisms"), `highlighted: ${marks}`);
  });

  it("finds articles by meaning across feeds, and more like one", async () => {
    const { session } = app;
    // Wait until every article is embedded (the progress under the navigation is gone).
    await session.waitUntil(async () => !(await session.find('[data-testid="activity"]')), {
      timeoutMs: EMBED_TIMEOUT_MS,
      what: "embedding to finish",
    });
    await session.click('[data-testid="search-mode-meaning"]');
    const input = await session.find('[data-testid="search-input"]');
    // Select what is there and type over it, as a person would.
    await session.execute(`document.querySelector('[data-testid="search-input"]').select()`);
    const query = "athletes competing in a tournament";
    await input.sendKeys(query);
    const sports = sportsTitles();
    // The results of the whole phrase (typing pauses make searches for its first words too).
    const top = await session.waitUntil(
      async () => {
        const shownFor = await session.execute(
          `return document.querySelector('[data-testid="search-results"]')?.dataset.shownFor ?? null`,
        );
        if (shownFor !== `meaning:${query}`) return null;
        const titles = await session.execute(
          `return [...document.querySelectorAll('[data-testid="search-hit"] .title')].slice(0, 5).map((e) => e.textContent)`,
        );
        return titles.length === 5 ? titles : null;
      },
      { what: "meaning results" },
    ).catch(async (e) => {
      const state = await session.execute(
        `return [document.querySelector('[data-testid="search-input"]').value, ...[...document.querySelectorAll('[data-testid="search-hit"] .title')].slice(0, 5).map((e) => e.textContent)]`,
      );
      throw new Error(`${e.message}; the box and the top titles: ${JSON.stringify(state)}`);
    });
    assert.ok(sports.has(top[0]), `the best match is a sports article: ${top}`);
    assert.ok(top.filter((t) => sports.has(t)).length >= 4, `most of the top 5 are sports articles: ${top}`);
    await shot(app, "search");

    // More like this, from the reader.
    await session.click('[data-testid="search-hit"] .title');
    await session.waitFor('[data-testid="reader"]', { what: "the reader" });
    await session.click('[data-testid="reader-more-like"]');
    await session.waitFor('[data-testid="search-like"]', { what: "the more-like-this list" });
    const like = await session.waitUntil(
      async () => {
        const titles = await session.execute(
          `return [...document.querySelectorAll('[data-testid="search-hit"] .title')].slice(0, 5).map((e) => e.textContent)`,
        );
        return titles.length === 5 ? titles : null;
      },
      { what: "similar articles" },
    );
    assert.ok(!like.includes(top[0]), "the article itself is not listed");
    assert.ok(like.filter((t) => sports.has(t)).length >= 3, `its neighbours are sports articles: ${like}`);
  });
});
