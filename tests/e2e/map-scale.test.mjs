// The map with 10,000 articles in the real window: how long the first frame takes.
// Slow (the CLI embeds 10,000 news items with the real model first), so it runs only when
// asked: `SIFT_E2E_MAP_SCALE=1 npm run e2e -- --test-name-pattern=10,000` (or run this file).
// Needs the `sift` CLI next to the app binary (or `$SIFT_CLI_BIN`) and the AG News test CSV
// (`$SIFT_E2E_CORPUS`, default ../shared/data/ag_news/test.csv from the repository root).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

import { REPO_ROOT, appBinary, launchApp } from "./lib/app.mjs";

const ARTICLES = 10_000;
const PER_FEED = 1_000;
const enabled = process.env.SIFT_E2E_MAP_SCALE === "1";

/** `count` news items (title + description) from the AG News CSV, cycling with variants. */
function newsItems(csvPath, count) {
  const rows = readFileSync(csvPath, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((line) => {
      const fields = [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1].replace(/""/g, '"'));
      return { title: fields[1] ?? "", text: fields[2] ?? "" };
    });
  const items = [];
  for (let i = 0; items.length < count; i++) {
    const row = rows[i % rows.length];
    const round = Math.floor(i / rows.length);
    // Past the corpus's end the description alone is the article: a different text, a different vector.
    const title = round === 0 ? row.title : `${row.title} (${round + 1})`;
    const text = round === 0 ? `${row.title}. ${row.text}` : row.text;
    // Recent dates (a minute apart): older ones would be pruned by retention when the app starts.
    const published = new Date(Date.now() - i * 60_000).toISOString();
    items.push({ id: `n${i}`, url: `https://news.example/${i}`, title, content_text: text, date_published: published });
  }
  return items;
}

describe("the map with 10,000 articles", { skip: !enabled && "set SIFT_E2E_MAP_SCALE=1", timeout: 900_000 }, () => {
  let app;
  let server;
  let dataDir;

  before(async () => {
    const corpus = process.env.SIFT_E2E_CORPUS ?? resolve(REPO_ROOT, "../shared/data/ag_news/test.csv");
    assert.ok(existsSync(corpus), `the AG News CSV at ${corpus}`);
    const cli = process.env.SIFT_CLI_BIN ?? join(dirname(appBinary()), "sift");
    assert.ok(existsSync(cli), `the sift CLI at ${cli} (cargo build -p sift-cli)`);
    const items = newsItems(corpus, ARTICLES);
    server = createServer((req, res) => {
      const n = Number(new URL(req.url, "http://x").pathname.match(/\/news-(\d+)\.json/)?.[1]);
      if (!Number.isInteger(n)) return res.writeHead(404).end();
      const body = JSON.stringify({ version: "https://jsonfeed.org/version/1.1", title: `News ${n}`, items: items.slice(n * PER_FEED, (n + 1) * PER_FEED) });
      res.writeHead(200, { "content-type": "application/feed+json" }).end(body);
    });
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address();
    dataDir = mkdtempSync(join(tmpdir(), "sift-map-scale-"));
    // Asynchronously: the feed server runs in this process and must answer meanwhile.
    const run = promisify(execFile);
    const sift = async (...args) => (await run(cli, ["--data-dir", dataDir, ...args], { encoding: "utf8", maxBuffer: 1 << 28 })).stdout;
    for (let n = 0; n < ARTICLES / PER_FEED; n++) await sift("subscribe", `http://127.0.0.1:${port}/news-${n}.json`);
    let started = Date.now();
    await sift("refresh", "--json");
    console.log(`map scale: fetched and embedded ${ARTICLES} articles in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    started = Date.now();
    const points = JSON.parse(await sift("map", "--json")).length;
    console.log(`map scale: laid out ${points} articles (CLI, debug build) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    app = await launchApp({ dataDir });
  });

  after(async () => {
    await app?.stop();
    await new Promise((r) => (server ? server.close(r) : r()));
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("draws 10,000 points", async () => {
    const { session } = app;
    const opened = Date.now();
    await session.click('[data-testid="nav-map"]');
    const chart = await session.waitFor('[data-testid="map-chart"][data-render-ms]', { timeoutMs: 120_000, what: "the map drawn" });
    const loaded = Date.now() - opened;
    const points = Number(await chart.attribute("data-points"));
    const renderMs = Number(await chart.attribute("data-render-ms"));
    assert.equal(points, ARTICLES);
    console.log(`map scale: ${points} points; view opened to drawn ${loaded} ms (IPC + stored layout + render); first frame ${renderMs} ms`);
  });
});
