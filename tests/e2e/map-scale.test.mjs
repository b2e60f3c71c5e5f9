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

  it("zooms 10,000 points", async () => {
    const { session } = app;
    const box = await session.execute(
      `const r = document.querySelector('[data-testid="map-chart"]').getBoundingClientRect();
       return { x: r.x, y: r.y, width: r.width, height: Math.min(r.height, window.innerHeight - r.y) };`,
    );
    const x = Math.round(box.x + box.width / 2);
    const y = Math.round(box.y + box.height / 2);
    const pans = async () => Number(await (await session.find('[data-testid="map-chart"]')).attribute("data-pans"));
    const times = [];
    // The mouse wheel, in and out (WebDriver drags do not pan ECharts under Xvfb; a zoom
    // redraws every point just as a pan does).
    for (let i = 0; i < 6; i++) {
      const before = await pans();
      await session.cmd("POST", "/actions", {
        actions: [{ type: "wheel", id: "wheel", actions: [{ type: "scroll", x, y, deltaX: 0, deltaY: i % 2 === 0 ? -300 : 300, duration: 0, origin: "viewport" }] }],
      });
      await session.waitUntil(async () => (await pans()) > before, { what: "the zoom drawn" });
      times.push(Number(await (await session.find('[data-testid="map-chart"]')).attribute("data-pan-ms")));
    }
    const sorted = [...times].sort((a, b) => a - b);
    console.log(`map scale: zoom (wheel to drawn frame) median ${sorted[Math.floor(sorted.length / 2)]} ms, all ${times.join(", ")} ms`);
    assert.ok(times.every((t) => t > 0), "every zoom was measured");
  });

  it("pans 10,000 points", async () => {
    const { session } = app;
    const box = await session.execute(
      `const r = document.querySelector('[data-testid="map-chart"]').getBoundingClientRect();
       return { x: r.x, y: r.y, width: r.width, height: Math.min(r.height, window.innerHeight - r.y) };`,
    );
    const x = Math.round(box.x + box.width / 2);
    const y = Math.round(box.y + box.height / 2);
    const chart = async () => session.find('[data-testid="map-chart"]');
    const pans = async () => Number(await (await chart()).attribute("data-pans"));
    // A whole map has nowhere to pan to: zoom in first, as a reader would.
    let before = await pans();
    await session.cmd("POST", "/actions", {
      actions: [{ type: "wheel", id: "wheel", actions: [{ type: "scroll", x, y, deltaX: 0, deltaY: -300, duration: 0, origin: "viewport" }] }],
    });
    await session.waitUntil(async () => (await pans()) > before, { what: "zoomed in" });
    const times = [];
    for (let i = 0; i < 5; i++) {
      before = await pans();
      const dx = i % 2 === 0 ? 120 : -120;
      const actions = [{ type: "pointerMove", duration: 0, x, y, origin: "viewport" }, { type: "pointerDown", button: 0 }];
      for (let step = 1; step <= 4; step++) actions.push({ type: "pointerMove", duration: 30, x: x + (dx * step) / 4, y, origin: "viewport" });
      actions.push({ type: "pointerUp", button: 0 });
      await session.cmd("POST", "/actions", { actions: [{ type: "pointer", id: "mouse", parameters: { pointerType: "mouse" }, actions }] });
      await session.waitUntil(async () => (await pans()) > before, { what: "the pan drawn" });
      await new Promise((r) => setTimeout(r, 500));
      times.push(Number(await (await chart()).attribute("data-pan-ms")));
    }
    const sorted = [...times].sort((a, b) => a - b);
    console.log(`map scale: pan (drag step to drawn frame) median ${sorted[Math.floor(sorted.length / 2)]} ms, all ${times.join(", ")} ms`);
    assert.ok(times.every((t) => t > 0), "every pan was measured");
  });
});
