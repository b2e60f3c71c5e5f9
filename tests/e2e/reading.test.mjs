// End-to-end: a new user's first session, in the real app against a local feed server —
// subscribe, let articles arrive and embed, answer five cards with the keyboard, watch For
// you reorder, read an article, see the map, import OPML, and open a hostile article
// safely. Needs the model files (models/fetch.sh), like the app itself.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { launchApp } from "./lib/app.mjs";
import { renderAllRows } from "./lib/rows.mjs";
import { opml, startFixtureServer } from "./lib/fixtures.mjs";

/** Embedding ~50 summaries takes seconds on 2 cores; a loaded CI machine gets slack. */
const EMBED_TIMEOUT_MS = 150_000;

describe("reading with Sift", { timeout: 420_000 }, () => {
  let app;
  let server;
  let scratch;

  before(async () => {
    server = await startFixtureServer();
    scratch = mkdtempSync(join(tmpdir(), "sift-e2e-files-"));
    const opmlFile = join(scratch, "subscriptions.opml");
    writeFileSync(opmlFile, opml([{ title: "Totally Normal Blog", url: server.url("/hostile.xml") }]));
    // The native file dialog cannot be driven through WebDriver; the app takes this instead.
    app = await launchApp({ env: { SIFT_E2E_PICK_FILE: opmlFile } });
  });

  after(async () => {
    await app?.stop();
    await server?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const topIds = async () =>
    app.session.execute(
      `return [...document.querySelectorAll('[data-testid="rec-item"]')].slice(0, 8).map((e) => e.dataset.id)`,
    );

  it("subscribes to a feed by URL and shows its articles", async () => {
    const { session } = app;
    await session.click('[data-testid="nav-feeds"]');
    const input = await session.waitFor('[data-testid="feed-url"]');
    await input.sendKeys(server.url("/topics.json"));
    await session.click('[data-testid="feed-add"]');
    await session.waitFor('[data-testid="feed-item"]', { what: "the new feed in the list" });
    await session.waitUntil(
      async () => {
        const count = await session.find('[data-testid="feed-article-count"]');
        return count && /^4[0-9] articles$/.test(await count.text());
      },
      { timeoutMs: 30_000, what: "the feed's 48 articles to arrive" },
    );
  });

  let initialOrder;

  it("embeds in the background and offers cards", async () => {
    const { session } = app;
    await session.click('[data-testid="nav-for-you"]');
    // Wait for the embedding to finish: every article scored, the progress gone.
    await session.waitUntil(
      async () =>
        (await renderAllRows(session)) &&
        (await session.findAll('[data-testid="rec-item"]')).length >= 40 &&
        !(await session.find('[data-testid="activity"]')),
      { timeoutMs: EMBED_TIMEOUT_MS, what: "the articles to be embedded and listed in For you" },
    );
    initialOrder = await topIds();
    await session.click('[data-testid="nav-cards"]');
    await session.waitFor('[data-testid="card"]', { what: "a first card" });
  });

  it("answers five cards with the keyboard and says what changed", async () => {
    const { session } = app;
    const seen = [];
    for (const key of ["l", "d", "l", "d", "l"]) {
      const card = await session.waitFor('[data-testid="card"]');
      const id = await card.attribute("data-id");
      assert.ok(!seen.includes(id), `card ${id} was asked twice`);
      seen.push(id);
      await session.execute("document.activeElement?.blur?.()");
      await session.pressKeys([key]);
      // The next card replaces it at once; the answer is saved behind it.
      await session.waitUntil(async () => (await (await session.waitFor('[data-testid="card"]')).attribute("data-id")) !== id, {
        timeoutMs: 5_000,
        what: `the next card after answering ${key}`,
      });
    }
    assert.match(await session.text('[data-testid="answer-count"]'), /^5 answers/);
    await session.waitFor('[data-testid="what-changed"]', { timeoutMs: 20_000, what: "what changed in the model" });
    // Undo takes back the last answer and shows its card again.
    await session.pressKeys(["u"]);
    await session.waitUntil(async () => (await (await session.find('[data-testid="card"]'))?.attribute("data-id")) === seen[4], {
      what: "the undone card to come back",
    });
    await session.pressKeys(["l"]);
    await session.waitUntil(async () => /^5 answers/.test(await session.text('[data-testid="answer-count"]')), {
      what: "five answers again",
    });
  });

  it("reorders For you after the answers", async () => {
    const { session } = app;
    await session.click('[data-testid="nav-for-you"]');
    await session.waitUntil(async () => (await session.findAll('[data-testid="rec-item"]')).length > 0, {
      what: "the ranked list",
    });
    assert.equal(await session.find('[data-testid="untrained-banner"]'), null, "the model no longer says it is untrained");
    const order = await session.waitUntil(async () => {
      const now = await topIds();
      return JSON.stringify(now) !== JSON.stringify(initialOrder) && now;
    }, { what: "For you to change its order" });
    assert.notDeepEqual(order, initialOrder);
    const reason = await session.text('[data-testid="rec-reason"]');
    assert.ok(reason.length > 0, "the top article says why it is there");
  });

  it("opens an article in the reader and closes it with Escape", async () => {
    const { session } = app;
    const title = await session.text('[data-testid="rec-item"] .title');
    const id = await (await session.find('[data-testid="rec-item"]')).attribute("data-id");
    await session.click('[data-testid="rec-item"] .title');
    await session.waitFor('[data-testid="reader"]', { what: "the reader" });
    assert.equal(await session.text('[data-testid="reader-title"]'), title);
    const content = await session.text('[data-testid="reader-content"]');
    assert.ok(content.length > 40, "the reader shows the article's text");
    await session.pressKeys(["\uE00C"]); // Escape
    await session.waitUntil(async () => !(await session.find('[data-testid="reader"]')), { what: "the reader to close" });
    await session.waitFor(`[data-testid="rec-item"][data-id="${id}"][data-read="true"]`, { what: "the article marked read" });
  });

  it("draws the map's points", async () => {
    const { session } = app;
    await session.click('[data-testid="nav-map"]');
    const points = await session.waitUntil(
      async () => Number(await (await session.find('[data-testid="map-chart"]'))?.attribute("data-points")),
      { what: "points on the map" },
    );
    assert.ok(points >= 40, `the map has ${points} points`);
    assert.ok(await session.find('[data-testid="map-chart"] canvas'), "the chart drew on a canvas");
    // Labels are placed without overlap once the points are on screen; some always fit.
    const labels = await session.waitUntil(
      async () => Number(await (await session.find('[data-testid="map-chart"]'))?.attribute("data-labels")),
      { what: "labels placed on the map" },
    );
    assert.ok(labels >= 2, `${labels} labels shown`);
  });

  it("shows a point's title and its area on hover and opens it on click", async () => {
    const { session } = app;
    const box = await session.execute(
      `const r = document.querySelector('[data-testid="map-chart"]').getBoundingClientRect();
       return { x: r.x, y: r.y, width: r.width, height: r.height };`,
    );
    // Points are drawn on a canvas: sweep the mouse from the centre outwards until the
    // readout names an article (titles come with the map; no call per point).
    const readout = () =>
      session.execute(
        `const h = document.querySelector('[data-testid="map-hover"]');
         return h ? { title: h.querySelector("strong")?.textContent ?? "", text: h.textContent } : null;`,
      );
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    let found = null;
    let area = null;
    search: for (let r = 0; r < Math.min(box.width, box.height) / 2; r += 6) {
      for (let a = 0; a < 360; a += r === 0 ? 360 : Math.max(10, 360 / (r / 2))) {
        const x = cx + r * Math.cos((a * Math.PI) / 180);
        const y = cy + r * Math.sin((a * Math.PI) / 180);
        await session.pointerAt(x, y);
        const seen = await readout();
        if (seen?.text.includes("About:")) area ??= seen.text;
        if (seen?.title) {
          found = { x, y, title: seen.title };
          break search;
        }
      }
    }
    assert.ok(area, "hovering the map says what the area is about");
    assert.ok(found, "hovering a point shows its title");
    await session.pointerAt(found.x, found.y, { click: true });
    const title = await session.text('[data-testid="reader-title"]');
    assert.equal(found.title, title, "the article opened is the one named on hover");
    await session.pressKeys(["\uE00C"]);
    await session.waitUntil(async () => !(await session.find('[data-testid="reader"]')), { what: "the reader to close" });
  });

  it("reports how long drawing the map took", async () => {
    const { session } = app;
    const chart = await session.find('[data-testid="map-chart"]');
    const renderMs = Number(await chart.attribute("data-render-ms"));
    const points = Number(await chart.attribute("data-points"));
    assert.ok(renderMs > 0, "the map measured its first frame");
    console.log(`map: ${points} points drawn in ${renderMs} ms`);
  });

  it("lists the articles of a selected area", async () => {
    const { session } = app;
    await session.click('[data-testid="map-select"]');
    const box = await session.execute(
      `const r = document.querySelector('[data-testid="map-chart"]').getBoundingClientRect();
       return { x: r.x, y: r.y, width: r.width, height: r.height };`,
    );
    const bottom = Math.min(box.y + box.height, await session.execute("return window.innerHeight")) - 10;
    await drag(session, box.x + 10, box.y + 40, box.x + box.width - 10, bottom);
    const items = await session.waitUntil(async () => (await session.findAll('[data-testid="map-selection-item"]')).length, {
      what: "the selected articles listed",
    });
    assert.ok(items >= 20, `a rectangle over the whole map lists its articles (${items})`);
    const title = await session.text('[data-testid="map-selection-item"]');
    await session.click('[data-testid="map-selection-item"]');
    assert.equal(await session.text('[data-testid="reader-title"]'), title);
    await session.pressKeys(["\uE00C"]);
    await session.waitUntil(async () => !(await session.find('[data-testid="reader"]')), { what: "the reader to close" });
    await session.click('[data-testid="map-select"]');
  });

  it("imports OPML and shows the new feed", async () => {
    const { session } = app;
    await session.click('[data-testid="nav-feeds"]');
    await session.click('[data-testid="opml-import"]');
    await session.waitUntil(async () => (await session.findAll('[data-testid="feed-item"]')).length === 2, {
      what: "the imported feed in the list",
    });
    await session.waitUntil(
      async () => {
        const items = await session.findAll('[data-testid="feed-item"][data-status="ok"]');
        return items.length === 2;
      },
      { timeoutMs: 30_000, what: "the imported feed to be fetched" },
    );
  });

  it("renders a hostile article without running anything in it", async () => {
    const { session } = app;
    await session.click('[data-testid="nav-articles"]');
    const search = await session.waitFor('[data-testid="article-search"]');
    await search.sendKeys("Free prizes");
    await session.waitUntil(async () => (await session.findAll('[data-testid="article-item"]')).length === 1, {
      what: "the hostile article in the search results",
    });
    await session.click('[data-testid="article-item"] .title');
    await session.waitFor('[data-testid="reader-content"]');
    const html = await session.execute(`return document.querySelector('[data-testid="reader-content"]').innerHTML`);
    assert.doesNotMatch(html, /<script|<iframe|<object|<form|<meta|<base|onerror|onload|onmouseover|javascript:/i);
    // Remote images stay off until Settings allows them: the reader says so and loads none.
    await session.waitFor('[data-testid="images-blocked"]', { what: "the blocked-images notice" });
    const remoteImages = await session.execute(
      `return [...document.querySelectorAll('[data-testid="reader-content"] img[src]')].filter((i) => /^https?:/.test(i.getAttribute("src"))).length`,
    );
    assert.equal(remoteImages, 0, "no remote image is loaded");
    // An alert() would have left a dialog open; WebDriver reports "no such alert" otherwise.
    await assert.rejects(session.cmd("GET", "/alert/text"), /no such alert/);
    assert.equal(await session.execute("return location.protocol + '//' + location.host"), await session.execute("return window.origin"));
    await session.pressKeys(["\uE00C"]);
  });
});

/** Presses the mouse at (x0, y0), moves it to (x1, y1) in steps, and releases it. */
async function drag(session, x0, y0, x1, y1) {
  const steps = 8;
  const actions = [
    { type: "pointerMove", duration: 0, x: Math.round(x0), y: Math.round(y0), origin: "viewport" },
    { type: "pointerDown", button: 0 },
  ];
  for (let i = 1; i <= steps; i++) {
    const x = x0 + ((x1 - x0) * i) / steps;
    const y = y0 + ((y1 - y0) * i) / steps;
    actions.push({ type: "pointerMove", duration: 30, x: Math.round(x), y: Math.round(y), origin: "viewport" });
  }
  actions.push({ type: "pointerUp", button: 0 });
  await session.cmd("POST", "/actions", {
    actions: [{ type: "pointer", id: "mouse", parameters: { pointerType: "mouse" }, actions }],
  });
}
