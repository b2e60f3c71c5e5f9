// End-to-end: the next unread article is one key away, and "unread" means unread. Articles
// read before a list was shown are skipped by Space / j in the reader (the reader used to
// know only what was read since the list opened), Saved shows an article read in the
// reader as read, and saving from the reader is what Saved and the list show. Runs on the
// All articles and Saved views, which need no embedding.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";

import { launchApp } from "./lib/app.mjs";
import { renderAllRows } from "./lib/rows.mjs";
import { startFixtureServer, topicFeed } from "./lib/fixtures.mjs";

describe("the next unread article", { timeout: 300_000 }, () => {
  let app;
  let server;

  before(async () => {
    const feed = topicFeed({ topics: 2, perTopic: 3 });
    server = await startFixtureServer({ dynamic: { "/six.json": () => ({ type: "application/feed+json", body: feed }) } });
    app = await launchApp();
  });

  after(async () => {
    await app?.stop();
    await server?.close();
  });

  /** The All articles list, newest first: [{ id, title, read }]. */
  const listed = async () =>
    (await renderAllRows(app.session)) &&
    app.session.execute(
      `return [...document.querySelectorAll('[data-testid="article-item"]')].map((e) => ({
        id: e.dataset.id, title: e.querySelector(".title").textContent.trim(), read: e.classList.contains("read"),
      }))`,
    );
  const readerTitle = () => app.session.text('[data-testid="reader-title"]');

  async function openAndClose(title) {
    const { session } = app;
    const item = (await listed()).find((i) => i.title === title);
    await session.click(`[data-testid="article-item"][data-id="${item.id}"] .title`);
    await session.waitUntil(async () => (await readerTitle()) === title, { what: `${title} in the reader` });
    await session.pressKeys(["\uE00C"]); // Escape
    await session.waitUntil(async () => !(await session.find('[data-testid="reader"]')), { what: "the reader to close" });
  }

  /** Leaves for another view and comes back: the list loads afresh from the store. */
  async function reopen(view) {
    await app.session.click('[data-testid="nav-feeds"]');
    await app.session.waitFor('[data-testid="feed-item"]');
    await app.session.click(`[data-testid="nav-${view}"]`);
  }

  let titles;

  it("lists the feed's six articles", async () => {
    const { session } = app;
    await session.click('[data-testid="nav-feeds"]');
    await (await session.waitFor('[data-testid="feed-url"]')).sendKeys(server.url("/six.json"));
    await session.click('[data-testid="feed-add"]');
    await session.waitFor('[data-testid="feed-item"]', { what: "the new feed" });
    await session.click('[data-testid="nav-articles"]');
    titles = await session.waitUntil(
      async () => {
        const now = await listed();
        return now.length === 6 && now.map((i) => i.title);
      },
      { timeoutMs: 30_000, what: "the six articles in All articles" },
    );
  });

  it("Space and j in the reader skip articles read before the list was shown", async () => {
    const { session } = app;
    // Read the second and third, then come back: the list knows them read only from the store.
    await openAndClose(titles[1]);
    await openAndClose(titles[2]);
    await reopen("articles");
    await session.waitUntil(
      async () => {
        const now = await listed();
        return now.length === 6 && now[1].read && now[2].read && !now[0].read && !now[3].read;
      },
      { what: "the list to show the second and third read" },
    );
    const first = (await listed())[0];
    await session.click(`[data-testid="article-item"][data-id="${first.id}"] .title`);
    await session.waitUntil(async () => (await readerTitle()) === titles[0], { what: "the first article in the reader" });
    await session.pressKeys([" "]);
    await session.waitUntil(async () => (await readerTitle()) !== titles[0], { what: "Space to open the next unread" });
    assert.equal(await readerTitle(), titles[3], "Space skipped the two articles read before");
    await session.pressKeys(["j"]);
    await session.waitUntil(async () => (await readerTitle()) !== titles[3], { what: "j to open the next unread" });
    assert.equal(await readerTitle(), titles[4]);
  });

  it("the reader says an article is saved, and Saved shows it read once read", async () => {
    const { session } = app;
    // Saved from the reader (article 5 is open): the button says so.
    await session.pressKeys(["s"]);
    await session.waitFor('[data-testid="reader-save"][aria-pressed="true"]', { what: "the reader's Save to say Saved" });
    await session.pressKeys(["\uE00C"]);
    await session.waitUntil(async () => !(await session.find('[data-testid="reader"]')), { what: "the reader to close" });
    // Save the sixth (unread) from its reader too, then mark it unread there.
    const sixth = (await listed())[5];
    await session.click(`[data-testid="article-item"][data-id="${sixth.id}"] .title`);
    await session.waitUntil(async () => (await readerTitle()) === titles[5], { what: "the sixth article" });
    await session.waitFor('[data-testid="reader-save"][aria-pressed="false"]', { what: "the sixth not saved yet" });
    await session.pressKeys(["s"]);
    await session.waitFor('[data-testid="reader-save"][aria-pressed="true"]');
    await session.pressKeys(["r"]);
    await session.waitUntil(async () => /Mark read/.test(await session.text('[data-testid="reader-toggle-read"]')), {
      what: "the sixth marked unread",
    });
    await session.pressKeys(["\uE00C"]);
    await session.waitUntil(async () => !(await session.find('[data-testid="reader"]')), { what: "the reader to close" });

    await session.click('[data-testid="nav-saved"]');
    const saved = () =>
      session.execute(
        `return [...document.querySelectorAll('[data-testid="saved-item"]')].map((e) => ({
          id: e.dataset.id, title: e.querySelector(".title").textContent.trim(), read: e.classList.contains("read"),
        }))`,
      );
    await session.waitUntil(async () => (await saved()).length === 2, { what: "two articles in Saved" });
    const unread = (await saved()).find((i) => i.title === titles[5]);
    assert.equal(unread.read, false);
    assert.equal((await saved()).find((i) => i.title === titles[4]).read, true);
    // Opened from Saved: the reader knows it is saved, and Saved shows it read on closing.
    await session.click(`[data-testid="saved-item"][data-id="${unread.id}"] .title`);
    await session.waitUntil(async () => (await readerTitle()) === titles[5], { what: "the saved article in the reader" });
    await session.waitFor('[data-testid="reader-save"][aria-pressed="true"]', { what: "the reader to say it is saved" });
    await session.pressKeys(["\uE00C"]);
    await session.waitUntil(async () => (await saved()).find((i) => i.id === unread.id)?.read === true, {
      what: "Saved to show the article read",
    });
    // Unsaved in the reader: it leaves Saved.
    await session.click(`[data-testid="saved-item"][data-id="${unread.id}"] .title`);
    await session.waitFor('[data-testid="reader-save"][aria-pressed="true"]');
    await session.pressKeys(["s"]);
    await session.waitFor('[data-testid="reader-save"][aria-pressed="false"]');
    await session.pressKeys(["\uE00C"]);
    await session.waitUntil(async () => (await saved()).length === 1, { what: "the unsaved article to leave Saved" });
  });
});
