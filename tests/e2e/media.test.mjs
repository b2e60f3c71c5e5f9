// End-to-end: feed icons and enclosures against a loopback server that records every
// request. The icon is fetched once (by the core, at the first refresh) and lists show it
// from the app's store afterwards — rendering the feed list and the article lists asks the
// server nothing. The article's enclosures show as players and links; with remote images
// off nothing is requested before the user asks, and with them on players still never
// preload.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";

import { launchApp } from "./lib/app.mjs";

// A real 1×1 PNG, so the icon decodes in the webview.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");

function feed(origin) {
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Pod Weekly</title>
  <id>urn:pod-weekly</id>
  <updated>2026-11-30T12:00:00Z</updated>
  <link href="${origin}/"/>
  <icon>${origin}/icon.png</icon>
  <entry>
    <title>Episode one: lighthouses</title>
    <id>urn:pod-weekly:1</id>
    <updated>2026-11-30T12:00:00Z</updated>
    <link href="${origin}/episodes/1"/>
    <link rel="enclosure" href="${origin}/media/ep1.mp3" type="audio/mpeg" length="2345678"/>
    <link rel="enclosure" href="${origin}/media/cover.png" type="image/png"/>
    <link rel="enclosure" href="${origin}/media/notes.pdf" type="application/pdf" length="4096"/>
    <content type="html">&lt;p&gt;The keepers of the last manned lighthouses talk about storms, lamps and solitude.&lt;/p&gt;</content>
  </entry>
</feed>`;
}

async function startServer() {
  const requests = [];
  let origin = "";
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (path === "/feed.xml") return res.writeHead(200, { "content-type": "application/atom+xml" }).end(feed(origin));
    requests.push(path);
    if (path === "/icon.png" || path === "/favicon.ico" || path === "/media/cover.png") return res.writeHead(200, { "content-type": "image/png" }).end(PNG);
    if (path === "/media/ep1.mp3") return res.writeHead(200, { "content-type": "audio/mpeg" }).end(Buffer.alloc(2048));
    res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, requests, count: (p) => requests.filter((r) => r === p).length, close: () => new Promise((r) => server.close(r)) };
}

const settle = (ms = 2_000) => new Promise((r) => setTimeout(r, ms));

describe("feed icons and enclosures", { timeout: 240_000 }, () => {
  let app;
  let server;

  before(async () => {
    server = await startServer();
    app = await launchApp();
  });

  after(async () => {
    await app?.stop();
    await server?.close();
  });

  it("fetches a feed's icon once and shows it from the store in every list", async () => {
    const { session } = app;
    await session.click('[data-testid="nav-feeds"]');
    const input = await session.waitFor('[data-testid="feed-url"]');
    await input.sendKeys(`${server.origin}/feed.xml`);
    await session.click('[data-testid="feed-add"]');
    await session.waitFor('[data-testid="feed-item"] [data-testid="feed-icon"]', { timeoutMs: 60_000, what: "the feed's icon in the feed list" });
    assert.equal(server.count("/icon.png"), 1, "the icon was fetched once");

    const iconsDrawn = () =>
      session.execute(`return [...document.querySelectorAll('[data-testid="feed-icon"]')].map((i) => ({ src: i.getAttribute("src"), ok: i.complete && i.naturalWidth > 0 }))`);
    await session.waitUntil(async () => (await iconsDrawn()).every((i) => i.ok), { what: "the icon decoded" });
    const [shown] = await iconsDrawn();
    assert.match(shown.src, /^(sift-icon:\/\/localhost|http:\/\/sift-icon\.localhost)\/\d+$/, "served by the app, not the site");

    // Every list that shows the icon, twice over: the server hears nothing more.
    for (const view of ["articles", "for-you", "feeds", "articles"]) {
      await session.click(`[data-testid="nav-${view}"]`);
      await settle(800);
    }
    await session.click('[data-testid="nav-articles"]');
    await session.waitFor('[data-testid="article-item"] [data-testid="feed-icon"]', { what: "the icon beside the article" });
    await session.waitUntil(async () => (await iconsDrawn()).length > 0 && (await iconsDrawn()).every((i) => i.ok), { what: "the icon drawn in the article list" });
    await settle();
    assert.equal(server.count("/icon.png"), 1, "rendering lists asked the site for the icon again");
    assert.equal(server.count("/favicon.ico"), 0);
  });

  it("shows enclosures and, with remote images off, loads none until asked", async () => {
    const { session } = app;
    await session.click('[data-testid="article-item"] .title');
    await session.waitFor('[data-testid="attachments"]', { what: "the attachments" });
    const kinds = await session.execute(`return [...document.querySelectorAll('[data-testid="attachment"]')].map((a) => a.dataset.kind)`);
    assert.deepEqual(kinds, ["audio", "image", "file"]);
    await settle();
    assert.deepEqual(server.requests.filter((p) => p.startsWith("/media/")), [], "media was requested before the user asked");

    // Asking for the image loads that image, and only it.
    await session.click('[data-testid="attachment"][data-kind="image"] [data-testid="attachment-load"]');
    await session.waitUntil(async () => server.count("/media/cover.png") > 0, { what: "the image requested once asked for" });
    // Asking for the audio puts a player there (which plays, so it asks the server).
    await session.click('[data-testid="attachment"][data-kind="audio"] [data-testid="attachment-load"]');
    const player = await session.waitFor('[data-testid="attachment"][data-kind="audio"] audio', { what: "the audio player" });
    assert.equal(await player.attribute("preload"), "none");
    await session.waitUntil(async () => server.count("/media/ep1.mp3") > 0, { timeoutMs: 15_000, what: "the audio requested once played" });
    assert.equal(server.count("/media/notes.pdf"), 0, "a file is only a link");
    await session.pressKeys(["\uE00C"]);
  });

  it("with remote images on, shows players that still request nothing before play", async () => {
    const { session } = app;
    await session.click('[data-testid="nav-settings"]');
    const box = await session.waitFor('[data-testid="setting-remote-images"]');
    await box.click();
    await session.waitUntil(async () => (await session.execute(`return document.querySelector('[data-testid="setting-remote-images"]').checked`)) === true, { what: "the setting on" });
    const before = server.count("/media/ep1.mp3");
    await session.click('[data-testid="nav-articles"]');
    await session.waitFor('[data-testid="article-item"]');
    await session.click('[data-testid="article-item"] .title');
    const player = await session.waitFor('[data-testid="attachment"][data-kind="audio"] audio', { what: "the audio player" });
    assert.equal(await player.attribute("preload"), "none");
    await session.waitFor('[data-testid="attachment"][data-kind="image"] img', { what: "the image shown" });
    await settle();
    assert.equal(server.count("/media/ep1.mp3"), before, "the player preloaded");
    await session.pressKeys(["\uE00C"]);
  });
});
