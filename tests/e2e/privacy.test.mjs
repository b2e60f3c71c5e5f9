// End-to-end: "remote images off" holds in the real window. A loopback server serves a
// feed whose one article carries a tracking pixel in every spelling and every attribute a
// browser fetches from (odd URL spellings, srcset, <picture>, poster, SVG <image>,
// background, CSS url(), ...), all pointing back at the server itself. The app subscribes,
// the article is opened in the reader, and the server must not have seen a single request
// other than for the feed.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";

import { launchApp } from "./lib/app.mjs";

/** Every form of a remote image the reader must not fetch, pointing at `origin`. */
function trackingArticle(origin) {
  const host = origin.replace(/^http:\/\//, "");
  const px = (name) => `${origin}/px/${name}.gif`;
  return [
    `<p>Tracking pixels, one per spelling.</p>`,
    `<img src="${px("plain")}" alt="plain">`,
    `<img src=" ${px("leading-space")}">`,
    `<img src="http:${host}/px/no-slashes.gif">`,
    `<img src="http:\\\\${host}\\px\\backslashes.gif">`,
    `<img src="ht\ttp://${host}/px/tab-in-scheme.gif">`,
    `<img src="ht&#9;tp://${host}/px/tab-entity.gif">`,
    `<img src="htt\np://${host}/px/newline-in-scheme.gif">`,
    `<img src="HTTP://${host}/px/upper-case.gif">`,
    `<img src="//${host}/px/scheme-relative.gif">`,
    `<img src="/px/relative.gif">`,
    `<img srcset="${px("srcset")} 1x, ${px("srcset-2x")} 2x">`,
    `<picture><source srcset="${px("picture-source")}"><img src="${px("picture-img")}"></picture>`,
    `<video poster="${px("poster")}" src="${px("video")}"></video>`,
    `<audio src="${px("audio")}"></audio>`,
    `<svg width="10" height="10"><image href="${px("svg-href")}" width="10" height="10"/><image xlink:href="${px("svg-xlink")}" width="10" height="10"/></svg>`,
    `<table background="${px("table-background")}"><tr><td background="${px("td-background")}">cell</td></tr></table>`,
    `<div style="background-image:url(${px("css-url")})">styled</div>`,
    `<input type="image" src="${px("input-image")}">`,
    `<link rel="stylesheet" href="${px("stylesheet")}">`,
    `<object data="${px("object")}"></object><embed src="${px("embed")}">`,
    `<iframe src="${px("iframe")}"></iframe>`,
    `<img lowsrc="${px("lowsrc")}" dynsrc="${px("dynsrc")}">`,
    `<a href="${origin}/page" ping="${px("ping")}">a link (only fetched when clicked)</a>`,
  ].join("\n");
}

function trackingFeed(origin) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel>
    <title>Tracker Weekly</title>
    <link>${origin}/</link>
    <description>Pixels everywhere</description>
    <item>
      <title>Pixel parade</title>
      <link>${origin}/posts/pixels</link>
      <guid>pixels-1</guid>
      <pubDate>Wed, 06 Mar 2024 12:00:00 GMT</pubDate>
      <content:encoded><![CDATA[${trackingArticle(origin)}]]></content:encoded>
    </item>
  </channel>
</rss>
`;
}

/** A loopback server that serves the feed and records every other request it gets. */
async function startTrackingServer() {
  const requests = [];
  let origin = "";
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (path === "/feed.xml") {
      res.writeHead(200, { "content-type": "application/rss+xml" }).end(trackingFeed(origin));
      return;
    }
    requests.push(path);
    // A real 1×1 GIF, so a leak would also render.
    const gif = Buffer.from("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==", "base64");
    res.writeHead(200, { "content-type": "image/gif" }).end(gif);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, requests, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe("remote images off", { timeout: 180_000 }, () => {
  let app;
  let server;

  before(async () => {
    server = await startTrackingServer();
    app = await launchApp();
  });

  after(async () => {
    await app?.stop();
    await server?.close();
  });

  it("opens an article full of tracking pixels and the tracker hears nothing", async () => {
    const { session } = app;
    await session.click('[data-testid="nav-feeds"]');
    const input = await session.waitFor('[data-testid="feed-url"]');
    await input.sendKeys(`${server.origin}/feed.xml`);
    await session.click('[data-testid="feed-add"]');
    await session.waitUntil(
      async () => {
        const count = await session.find('[data-testid="feed-article-count"]');
        return count && /^1 article/.test(await count.text());
      },
      { timeoutMs: 30_000, what: "the feed's article to arrive" },
    );

    await session.click('[data-testid="nav-articles"]');
    await session.waitFor('[data-testid="article-item"]', { what: "the article in the list" });
    await session.click('[data-testid="article-item"] .title');
    await session.waitFor('[data-testid="reader-content"]');
    await session.waitFor('[data-testid="images-blocked"]', { what: "the blocked-images notice" });
    // Give anything that would load (lazy images included) time to ask.
    await session.execute(`document.querySelector('[data-testid="reader-content"]').scrollIntoView(); return null`);
    await new Promise((r) => setTimeout(r, 3_000));

    // Sift itself looks for the feed's icon once at refresh (the site's /favicon.ico,
    // through the feed fetcher, stored and served from the store: tests/e2e/media.test.mjs);
    // that is not the reader loading anything.
    const fromReader = server.requests.filter((p) => p !== "/favicon.ico");
    assert.deepEqual(fromReader, [], "the reader fetched from the tracker");
    const notice = await session.text('[data-testid="images-blocked"]');
    assert.match(notice, /^\d+ images? from other sites not loaded/);
    const html = await session.execute(`return document.querySelector('[data-testid="reader-content"]').innerHTML`);
    assert.match(html, /Tracking pixels, one per spelling/);
    assert.doesNotMatch(html, /\/px\//, "no tracker URL is left in the page");
    await session.pressKeys(["\uE00C"]);
  });

  it("has no script of the opener plugin that opens clicked links by itself", async () => {
    const { session } = app;
    // The opener plugin's injected handler sends `plugin:opener|open_url` over IPC (a fetch
    // of ipc://localhost/...) for a clicked link with target=_blank. Record fetches, click
    // such a link (its default action is cancelled by a listener that runs after the
    // plugin's) and see whether anything asked to open it.
    const calls = await session.execute(`
      const calls = [];
      const originalFetch = window.fetch;
      window.fetch = (url, ...rest) => { calls.push(String(url)); return originalFetch(url, ...rest); };
      const a = document.createElement("a");
      a.href = "${server.origin}/clicked";
      a.target = "_blank";
      a.textContent = "x";
      document.body.appendChild(a);
      const cancel = (e) => e.preventDefault();
      window.addEventListener("click", cancel);
      a.click();
      window.removeEventListener("click", cancel);
      a.remove();
      await new Promise((r) => setTimeout(r, 300));
      window.fetch = originalFetch;
      return calls;
    `);
    assert.deepEqual(calls.filter((c) => /opener/.test(c)), [], "a script opened a clicked link without the app's checks");
    assert.ok(!server.requests.includes("/clicked"));
  });
});
