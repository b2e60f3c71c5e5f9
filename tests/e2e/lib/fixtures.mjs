// A local HTTP server for the end-to-end tests: feeds the app subscribes to, on 127.0.0.1
// only, on a port the OS picks. No network is needed.

import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";

import { REPO_ROOT } from "./app.mjs";

const FEED_FIXTURES = join(REPO_ROOT, "tests", "fixtures", "feeds");
const SAMPLE = join(REPO_ROOT, "crates", "core", "sample", "sample.json");

/**
 * A JSON Feed of `perTopic` articles from each of the first `topics` topics of the bundled
 * sample (real Wikipedia summaries, CC BY-SA 4.0): enough for the learner to tell topics
 * apart, small enough to embed in seconds.
 */
export function topicFeed({ topics = 4, perTopic = 12 } = {}) {
  const sample = JSON.parse(readFileSync(SAMPLE, "utf8"));
  const byTopic = new Map();
  for (const item of sample.items) {
    const topic = item.tags?.[0] ?? "other";
    if (!byTopic.has(topic)) byTopic.set(topic, []);
    byTopic.get(topic).push(item);
  }
  const items = [...byTopic.values()].slice(0, topics).flatMap((list) => list.slice(0, perTopic));
  // Distinct dates, so "newest first" is well defined.
  const start = Date.parse("2026-11-01T08:00:00Z");
  items.forEach((item, i) => (item.date_published = new Date(start + i * 3_600_000).toISOString()));
  return JSON.stringify({ ...sample, title: "Topics (e2e fixture)", items });
}

/**
 * A reader's morning at scale: the bundled sample as one JSON Feed per topic (`topics`
 * feeds of `perTopic` articles, one a hour from November 1st). Every `plantEvery`-th
 * article carries `plant` only at the end of a long body — past its summary and the first
 * words Sift keeps at hand — so a rule on that word must read whole texts. Returns
 * [{ path, title, body, planted: [titles] }].
 */
export function sampleFeeds({ topics = 6, perTopic = 50, plant = null, plantEvery = 10 } = {}) {
  const sample = JSON.parse(readFileSync(SAMPLE, "utf8"));
  const byTopic = new Map();
  for (const item of sample.items) {
    const topic = item.tags?.[0] ?? "other";
    if (!byTopic.has(topic)) byTopic.set(topic, []);
    byTopic.get(topic).push(item);
  }
  const start = Date.parse("2026-11-01T08:00:00Z");
  // A paragraph longer than a summary (400 characters) and the kept first words (30).
  const padding = "The rest of this piece went on about the same things at greater length. ".repeat(8);
  let n = 0;
  return [...byTopic.entries()].slice(0, topics).map(([topic, list], t) => {
    const planted = [];
    const items = list.slice(0, perTopic).map((item) => {
      const copy = { ...item, date_published: new Date(start + n * 3_600_000).toISOString() };
      if (plant && n % plantEvery === plantEvery - 1) {
        copy.content_text = `${item.content_text}\n\n${padding}\n\nThis part was an ${plant}.`;
        planted.push(item.title);
      }
      n += 1;
      return copy;
    });
    const title = `${topic} (e2e fixture)`;
    return { path: `/sample-${t}.json`, title, body: JSON.stringify({ ...sample, title, items }), planted };
  });
}

const WHOLE_FIXTURES = join(REPO_ROOT, "tests", "fixtures", "whole");

/**
 * A summary-only RSS feed: two teasers ending in "Read more" whose links lead to whole
 * articles on the same server (`base` is the server's own URL).
 */
export function teaserFeed(base) {
  const items = [
    ["lighthouse", "The lighthouse keeper's last season", "The old lighthouse on the point has had a keeper for 140 years… Read more"],
    ["bees", "How a village keeps its bees alive through winter", "Twelve families share a cooperative in the hills… Read more"],
    ["harbour", "Harbour dues rise again", "The harbour authority announced new fees… Read more"],
  ]
    .map(
      ([slug, title, teaser], i) =>
        `<item><title>${title}</title><link>${base}/post/${slug}</link><guid>${base}/post/${slug}</guid>` +
        `<pubDate>Tue, 0${i + 1} Dec 2026 10:00:00 GMT</pubDate><description>${teaser}</description></item>`,
    )
    .join("");
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Coastal Notes</title><link>${base}/</link>${items}</channel></rss>`;
}

/**
 * Starts the server; returns { url(path), close() }. `dynamic` maps more paths to functions
 * returning { type, body } at each request (a feed that changes during a test).
 */
export async function startFixtureServer({ dynamic = {} } = {}) {
  const routes = new Map([
    ["/topics.json", { type: "application/feed+json", body: topicFeed() }],
    ["/hostile.xml", { type: "application/rss+xml", body: readFileSync(join(FEED_FIXTURES, "hostile.xml")) }],
    ["/atom.xml", { type: "application/atom+xml", body: readFileSync(join(FEED_FIXTURES, "atom10.xml")) }],
    ["/post/lighthouse", { type: "text/html; charset=utf-8", body: readFileSync(join(WHOLE_FIXTURES, "lighthouse.html")) }],
    ["/post/bees", { type: "text/html; charset=utf-8", body: readFileSync(join(WHOLE_FIXTURES, "bees.html")) }],
    // The site's icon, for the feeds served from here (Sift fetches it once and stores it).
    ["/favicon.ico", { type: "image/png", body: readFileSync(join(REPO_ROOT, "icons", "32x32.png")) }],
  ]);
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (path === "/teasers.xml") {
      res.writeHead(200, { "content-type": "application/rss+xml" }).end(teaserFeed(`http://${req.headers.host}`));
      return;
    }
    const route = dynamic[path]?.() ?? routes.get(path);
    if (!route) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": route.type }).end(route.body);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** An OPML 2.0 document subscribing to `feeds` ({ title, url }). */
export function opml(feeds) {
  const outlines = feeds
    .map((f) => `    <outline type="rss" text="${f.title}" title="${f.title}" xmlUrl="${f.url}"/>`)
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>e2e subscriptions</title></head>
  <body>
${outlines}
  </body>
</opml>
`;
}
