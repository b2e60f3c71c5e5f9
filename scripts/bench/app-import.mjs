#!/usr/bin/env node
// The app under a large import, as a new user meets it: the release app starts on an empty
// store under Xvfb (driven through tauri-driver like the e2e tests), subscribes through its
// Feeds view to feeds served from a loopback server (AG News stories, title + description),
// fetches, stores and embeds them all, while this script
//   - reads the whole app's memory (PSS of sift-app and its WebKit processes, through
//     scripts/app-pss.sh) idle before the import, every second during it, right after it and
//     until the embedder's idle release has run;
//   - times, inside the page, switching views and answering cards while the core embeds:
//     from the click (or key press) to the moment the new view's content is in the DOM,
//     measured with performance.now() in the window, so WebDriver's own round trips do not
//     count.
// Prints one Markdown section on stdout (progress on stderr).
//
//   node scripts/bench/app-import.mjs APP_BIN [--articles N] [--feeds F] [--corpus CSV] [--json FILE]
//
// APP_BIN is a release sift-app (`cargo build --release -p sift-app`, after `npm run build`).

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { resolve } from "node:path";

import { REPO_ROOT, capture, launchApp } from "../../tests/e2e/lib/app.mjs";
import { appPid, largestFiles, othersNamed, pssBreakdown } from "./proc.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const appBin = args.find((a, i) => !a.startsWith("--") && (i === 0 || !args[i - 1].startsWith("--")));
if (!appBin || !existsSync(appBin)) {
  console.error("usage: app-import.mjs APP_BIN [--articles N] [--feeds F] [--corpus CSV] [--json FILE]");
  process.exit(2);
}
process.env.SIFT_APP_BIN = resolve(appBin);
// --rss-dir DIR: serve the RSS feeds scripts/bench/article-feeds.py wrote there (full-length
// articles) instead of AG News stories; --shots DIR: screenshots of For you and All articles
// while the import runs and of For you after it.
const RSS_DIR = option("--rss-dir", null);
const SHOTS_DIR = option("--shots", null);
const rssFeeds = RSS_DIR ? readdirSync(RSS_DIR).filter((f) => /^feed\d+\.xml$/.test(f)).sort() : [];
const ARTICLES = RSS_DIR
  ? rssFeeds.reduce((n, f) => n + (readFileSync(resolve(RSS_DIR, f), "utf8").match(/<item>/g)?.length ?? 0), 0)
  : Number(option("--articles", "10000"));
const FEEDS = RSS_DIR ? rssFeeds.length : Number(option("--feeds", "10"));
const CORPUS = option("--corpus", process.env.BENCH_CORPUS ?? resolve(REPO_ROOT, "../shared/data/ag_news/test.csv"));
const JSON_OUT = option("--json", null);
const IDLE_WAIT_S = Number(option("--idle-wait", "90"));
const TARGET_MS = 100;
// A command run with the app's pid once it has settled, before it stops (a profiler, gdb).
const SETTLED_HOOK = option("--settled-hook", null);
const log = (...a) => console.error("app-import:", ...a);

/** `count` news items (title + description) from the AG News CSV, distinct texts. */
function newsItems(csvPath, count) {
  const rows = readFileSync(csvPath, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((line) => {
      const fields = [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1].replace(/""/g, '"').replace(/\\/g, " "));
      return { title: fields[1] ?? "", text: fields[2] ?? "" };
    });
  const items = [];
  for (let i = 0; items.length < count; i++) {
    const row = rows[i % rows.length];
    const round = Math.floor(i / rows.length);
    const title = round === 0 ? row.title : `${row.title} (${round + 1})`;
    const text = round === 0 ? `${row.title}. ${row.text}` : `${row.text} (${round + 1})`;
    const published = new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString();
    items.push({ id: `n${i}`, url: `https://news.example/${i}`, title, content_text: text, date_published: published });
  }
  return items;
}

/** { total, app } PSS in MB of the app's process tree. */
function pss(pid) {
  const out = JSON.parse(execFileSync(resolve(REPO_ROOT, "scripts/app-pss.sh"), ["--json", String(pid)], { encoding: "utf8" }));
  const app = out.processes.find((p) => p.pid === pid);
  // The embedding worker (sift-app started again as `sift-embed`), while it runs.
  const worker = out.processes.filter((p) => p.name === "sift-embed").reduce((a, p) => a + p.pss_mb, 0);
  return { total: out.total_mb, app: app?.pss_mb ?? NaN, appRss: app?.rss_mb ?? NaN, worker, processes: out.processes.length };
}

let otherWebKitSeen = 0;

/** Each process of the app's tree (PSS MB) and where in it the PSS lies (`pssBreakdown`). */
function pssByProcess(pid, dataDir) {
  const out = JSON.parse(execFileSync(resolve(REPO_ROOT, "scripts/app-pss.sh"), ["--json", String(pid)], { encoding: "utf8" }));
  // Another WebKit app running meanwhile shares the libraries' pages, so their PSS reads low.
  otherWebKitSeen = Math.max(otherWebKitSeen, othersNamed("WebKitWebProces", out.processes.map((p) => p.pid)));
  return out.processes.map((p) => {
    const kinds = pssBreakdown(p.pid, dataDir);
    // The sum of one reading of smaps, so that the row adds up.
    const pss = kinds ? Object.values(kinds).reduce((a, v) => a + v, 0) : p.pss_mb;
    return { name: p.name, pss, kinds, files: largestFiles(p.pid) };
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stats = (values) => {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return { n: 0, min: NaN, median: NaN, p95: NaN, max: NaN };
  const at = (q) => v[Math.min(v.length - 1, Math.floor(q * (v.length - 1) + 0.5))];
  const median = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  return { n: v.length, min: v[0], median, p95: at(0.95), max: v[v.length - 1] };
};

// In the page: click a navigation button (or press a key), then watch the DOM (a mutation
// observer, and a 4 ms timer as a fallback) until `ready` matches an element that is not the
// `before` one (compared by data-id); resolves with the elapsed ms, or -1 after `timeoutMs`.
const TIME_IN_PAGE = `
  const [action, target, ready, before, timeoutMs] = arguments;
  const stale = before ? document.querySelector(before)?.getAttribute("data-id") ?? null : null;
  const started = performance.now();
  window.__siftTimedFrom = started;
  return new Promise((resolve) => {
    let done = false;
    const finish = (value) => {
      if (done) return;
      done = true;
      observer.disconnect();
      clearInterval(timer);
      resolve(value);
    };
    const check = () => {
      const found = document.querySelector(ready);
      const elapsed = performance.now() - started;
      if (found && (!before || found.getAttribute("data-id") !== stale)) finish(elapsed);
      else if (elapsed > timeoutMs) finish(-1);
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, { childList: true, subtree: true, attributes: true });
    const timer = setInterval(check, 4);
    if (action === "click") document.querySelector(target).click();
    else window.dispatchEvent(new KeyboardEvent("keydown", { key: target, bubbles: true }));
    check();
  });
`;

// In the page, after a timed switch: the view's own load measures (ui/src/lib/timing.ts) that
// started after the click: the command ("call"), then from its answer to the list in the DOM
// ("dom") and to the end of the frame that painted it ("paint"). Waits up to timeoutMs for the
// paint; resolves with { call, dom, paint } (ms, null when not measured).
const SPLIT_IN_PAGE = `
  const [view, timeoutMs] = arguments;
  const since = window.__siftTimedFrom ?? 0;
  const entries = (part) => performance.getEntriesByName(\`sift:\${view}:\${part}\`, "measure");
  const waited = performance.now();
  return new Promise((resolve) => {
    const poll = () => {
      const call = entries("call").find((e) => e.startTime >= since - 0.5);
      // The render spans of that answer start where its call ended.
      const after = (part) => call && entries(part).find((e) => Math.abs(e.startTime - (call.startTime + call.duration)) < 0.5);
      const paint = after("paint");
      if (paint || performance.now() - waited > timeoutMs) {
        resolve({ call: call?.duration ?? null, dom: after("dom")?.duration ?? null, paint: paint?.duration ?? null });
      } else setTimeout(poll, 10);
    };
    poll();
  });
`;

// Each view is ready when its content (or its empty state) is in the DOM.
const within = (view, ...selectors) => selectors.map((s) => `[data-testid="view-${view}"] ${s}`).join(", ");
const EMPTY = '[data-testid="empty-state"]';
const VIEW_SWITCHES = [
  { name: "For you", nav: "for-you", split: "for-you", ready: within("for-you", '[data-testid="mark-list-read"]', '[data-testid="empty-go-feeds"]') },
  { name: "Cards", nav: "cards", ready: within("cards", '[data-testid="card"]', EMPTY) },
  { name: "All articles", nav: "articles", split: "articles", ready: within("articles", '[data-testid="article-item"]', EMPTY) },
  { name: "Clusters", nav: "clusters", ready: within("clusters", '[data-testid="cluster-list"]', EMPTY) },
  { name: "Feeds", nav: "feeds", ready: within("feeds", '[data-testid="feed-item"]') },
];

async function main() {
  const items = RSS_DIR ? [] : newsItems(CORPUS, ARTICLES);
  const perFeed = Math.ceil(ARTICLES / FEEDS);
  const server = createServer((req, res) => {
    if (RSS_DIR) {
      const name = rssFeeds[Number(new URL(req.url, "http://x").pathname.match(/\/news-(\d+)\.json/)?.[1])];
      if (!name) return res.writeHead(404).end();
      return res.writeHead(200, { "content-type": "application/rss+xml" }).end(readFileSync(resolve(RSS_DIR, name)));
    }
    const n = Number(new URL(req.url, "http://x").pathname.match(/\/news-(\d+)\.json/)?.[1]);
    if (!Number.isInteger(n) || n >= FEEDS) return res.writeHead(404).end();
    const body = JSON.stringify({ version: "https://jsonfeed.org/version/1.1", title: `News ${n}`, items: items.slice(n * perFeed, (n + 1) * perFeed) });
    res.writeHead(200, { "content-type": "application/feed+json" }).end(body);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${server.address().port}`;

  const app = await launchApp();
  const profile = /\/debug\//.test(resolve(appBin)) ? "debug" : "release";
  const result = { articles: ARTICLES, feeds: FEEDS, rss: Boolean(RSS_DIR), profile, idleWait: IDLE_WAIT_S, readings: [], views: {}, splits: {}, cards: [] };
  const shoot = async (name) => {
    if (!SHOTS_DIR) return;
    mkdirSync(SHOTS_DIR, { recursive: true });
    writeFileSync(resolve(SHOTS_DIR, `${name}.png`), await capture(app));
    log(`screenshot ${name}.png`);
  };
  try {
    const { session, dataDir } = app;
    const pid = appPid(dataDir);
    if (!pid) throw new Error("could not find the sift-app process");
    log(`app pid ${pid}, data dir ${dataDir}`);
    await sleep(5_000);
    result.idle = pss(pid);
    result.idleProcesses = pssByProcess(pid, dataDir);
    log(`idle: ${JSON.stringify(result.idle)}`);

    const started = Date.now();
    const sampler = setInterval(() => {
      try {
        result.readings.push({ t: (Date.now() - started) / 1000, ...pss(pid) });
      } catch {
        // The app is gone; the run fails below.
      }
    }, 1_000);

    await session.click('[data-testid="nav-feeds"]');
    for (let n = 0; n < FEEDS; n++) {
      const input = await session.waitFor('[data-testid="feed-url"]');
      await input.clear();
      await input.sendKeys(`${base}/news-${n}.json`);
      await session.click('[data-testid="feed-add"]');
      await session.waitUntil(async () => (await session.findAll('[data-testid="feed-item"]')).length === n + 1, {
        timeoutMs: 60_000,
        what: `feed ${n + 1} in the list`,
      });
    }
    log(`subscribed to ${FEEDS} feeds in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    // While the core works (the activity bar shows), time rounds of view switches and card answers.
    const timed = (action, target, ready, before = null) =>
      session.execute(TIME_IN_PAGE, [action, target, ready, before, 10_000]);
    const busy = async () => Boolean(await session.find('[data-testid="activity"]'));
    let rounds = 0;
    let embeddedAt = null;
    await session.waitUntil(busy, { timeoutMs: 60_000, what: "the import to start" });
    while (await busy()) {
      for (const view of VIEW_SWITCHES) {
        const ms = await timed("click", `[data-testid="nav-${view.nav}"]`, view.ready);
        (result.views[view.name] ??= []).push(ms);
        if (view.split) (result.splits[view.name] ??= []).push(await session.execute(SPLIT_IN_PAGE, [view.split, 2_000]));
      }
      // Answer a few cards with the keyboard, as a reader does (l / d).
      await timed("click", '[data-testid="nav-cards"]', within("cards", '[data-testid="card"]', EMPTY));
      for (const key of ["l", "d", "l"]) {
        // Only a card on screen can be answered.
        const card = await session.execute('document.activeElement?.blur?.(); return Boolean(document.querySelector(\'[data-testid="card"]\'))');
        if (!card) break;
        const ms = await timed("key", key, within("cards", '[data-testid="card"]', EMPTY), '[data-testid="card"]');
        result.cards.push(ms);
      }
      rounds += 1;
      result.rounds = rounds;
      if (rounds === 3) {
        for (const view of VIEW_SWITCHES.filter((v) => v.split)) {
          await timed("click", `[data-testid="nav-${view.nav}"]`, view.ready);
          await sleep(300);
          await shoot(`importing-${view.nav}`);
        }
      }
      if (rounds % 5 === 0) log(`round ${rounds}, ${((Date.now() - started) / 1000).toFixed(0)} s, ${JSON.stringify(result.readings.at(-1))}`);
      await sleep(500);
    }
    embeddedAt = (Date.now() - started) / 1000;
    result.importSeconds = embeddedAt;
    if (SHOTS_DIR) {
      await timed("click", '[data-testid="nav-for-you"]', VIEW_SWITCHES[0].ready);
      await sleep(300);
      await shoot("imported-for-you");
    }
    result.after = pss(pid);
    result.afterProcesses = pssByProcess(pid, dataDir);
    log(`import done after ${embeddedAt.toFixed(0)} s: ${JSON.stringify(result.after)}`);
    result.stored = await session.execute(
      `return document.querySelector('[data-testid="view-feeds"]') ? [...document.querySelectorAll('[data-testid="feed-article-count"]')].map((e) => e.textContent) : null`,
    );
    clearInterval(sampler);
    // Until the embedder's idle release (60 s after its last batch) has run.
    for (let waited = 0; waited < IDLE_WAIT_S; waited += 15) {
      await sleep(15_000);
      result.readings.push({ t: (Date.now() - started) / 1000, ...pss(pid) });
    }
    result.settled = result.readings.at(-1);
    result.settledProcesses = pssByProcess(pid, dataDir);
    result.otherWebKit = otherWebKitSeen;
    if (SETTLED_HOOK) execFileSync(SETTLED_HOOK, [String(pid)], { stdio: ["ignore", "inherit", "inherit"] });
    log(`settled: ${JSON.stringify(result.settled)}`);
  } finally {
    await app.stop();
    server.close();
  }
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(result, null, 1));
  print(result);
}

function print(r) {
  const during = r.readings.filter((x) => x.t <= r.importSeconds);
  const peak = during.reduce((a, x) => (x.total > a.total ? x : a), { total: 0, app: 0 });
  const peakApp = Math.max(...during.map((x) => x.app));
  const peakWorker = Math.max(0, ...during.map((x) => x.worker ?? 0));
  const fmt = (x) => x.toFixed(0);
  const lines = [];
  lines.push(
    `The ${r.profile} app on an empty store under Xvfb (driven through tauri-driver${process.env.DBUS_SESSION_BUS_ADDRESS ? ", inside a D-Bus session as on a desktop" : ""}), subscribing in its Feeds view to ${r.feeds} ` +
      (r.rss
        ? `loopback RSS feeds of ${Math.round(r.articles / r.feeds)} full-length articles each (scripts/bench/article-feeds.py: a dozen AG News stories per article, ~600 tokens), fetching, storing and embedding ` +
          `all ${r.articles} with the real model: \`node scripts/bench/app-import.mjs $CARGO_TARGET_DIR/${r.profile}/sift-app --rss-dir DIR --idle-wait ${r.idleWait}\`. `
        : `loopback JSON Feeds of ${r.articles / r.feeds} AG News stories each (title + description), fetching, storing and embedding ` +
          `all ${r.articles} with the real model: \`node scripts/bench/app-import.mjs $CARGO_TARGET_DIR/${r.profile}/sift-app --articles ${r.articles} --feeds ${r.feeds} --idle-wait ${r.idleWait}\`. `) +
      `Memory is PSS (scripts/app-pss.sh: sift-app, its WebKit processes and its embedding worker while that runs), read every second. The import took ${r.importSeconds.toFixed(0)} s.`,
  );
  lines.push("");
  lines.push("| moment | whole app PSS MB | sift-app PSS MB | target |");
  lines.push("|---|---:|---:|---|");
  lines.push(`| idle, empty store, 5 s after launch | ${fmt(r.idle.total)} | ${fmt(r.idle.app)} | |`);
  lines.push(`| peak during the import | ${fmt(peak.total)} | ${fmt(peakApp)} | ${peakWorker > 0 ? `(the embedding worker, \`sift-embed\`, at most ${fmt(peakWorker)})` : ""} |`);
  lines.push(`| right after the import | ${fmt(r.after.total)} | ${fmt(r.after.app)} | ≤ 400 / ≤ 150 |`);
  lines.push(`| ${r.idleWait} s later (the embedding worker ends when the queue is empty, or after 60 s idle) | **${fmt(r.settled.total)}** | **${fmt(r.settled.app)}** | ≤ 400 / ≤ 150 |`);
  lines.push("");
  lines.push("Where it is, per process (PSS MB; anonymous = the allocator's heaps, large blocks and stacks; store files = the search index's mapped files; shared memory = WebKit's buffers between its processes):");
  lines.push("");
  const kinds = Object.keys(r.settledProcesses[0]?.kinds ?? {});
  lines.push(`| process | moment | PSS | ${kinds.join(" | ")} |`);
  lines.push(`|---|---|---:|${kinds.map(() => "---:").join("|")}|`);
  const moments = [["idle", r.idleProcesses], ["right after", r.afterProcesses], ["settled", r.settledProcesses]];
  const names = [...new Set(r.settledProcesses.map((p) => p.name))];
  for (const name of names) {
    for (const [moment, list] of moments) {
      // A process of this name (several web processes are summed).
      const same = (list ?? []).filter((p) => p.name === name);
      if (same.length === 0) continue;
      const sum = (f) => same.reduce((a, p) => a + f(p), 0);
      lines.push(`| ${name}${same.length > 1 ? ` (${same.length})` : ""} | ${moment} | ${fmt(sum((p) => p.pss))} | ${kinds.map((k) => fmt(sum((p) => p.kinds?.[k] ?? 0))).join(" | ")} |`);
    }
  }
  if (r.otherWebKit > 0) {
    lines.push("");
    lines.push(`Other WebKit web processes ran during the run (up to ${r.otherWebKit}): they share library pages with the app's, so "libraries" (and PSS) read lower than on a quiet machine; "anonymous" is not affected.`);
  }
  lines.push("");
  for (const p of r.settledProcesses) {
    lines.push(`- ${p.name}'s largest mapped files when settled: ${p.files.map((f) => `${f.file} ${fmt(f.pss)}`).join(", ")} (MB PSS).`);
  }
  lines.push("");
  lines.push(`While the import ran (${r.rounds} rounds), measured in the window from the click or key press to the new content in the DOM (ms; target ≤ ${TARGET_MS}):`);
  lines.push("");
  lines.push("| action | n | min | median | p95 | max | over 100 ms (or nothing in 10 s) |");
  lines.push("|---|---:|---:|---:|---:|---:|---:|");
  const row = (name, values) => {
    const s = stats(values.filter((v) => v >= 0));
    const over = values.filter((v) => v < 0 || v > TARGET_MS).length;
    lines.push(`| ${name} | ${s.n} | ${s.min.toFixed(0)} | **${s.median.toFixed(0)}** | ${s.p95.toFixed(0)} | ${s.max.toFixed(0)} | ${over} |`);
  };
  for (const [name, values] of Object.entries(r.views)) row(`switch to ${name}`, values);
  row("answer a card (l / d), next card shown", r.cards);
  // Where a switch's time went: the view's own measures (ui/src/lib/timing.ts).
  const splits = Object.entries(r.splits ?? {});
  if (splits.length > 0) {
    lines.push("");
    lines.push(
      "Where those switches' time went, from the page's own measures (ui/src/lib/timing.ts; ms, median / p95 / max): " +
        "the command from asking to its answer in the page (core, IPC, JSON), then from the answer to the list in the DOM, " +
        "and to the end of the frame that painted it (style, layout, paint):",
    );
    lines.push("");
    lines.push("| view | n | command | answer → DOM | answer → painted |");
    lines.push("|---|---:|---:|---:|---:|");
    const cell = (values) => {
      const s = stats(values.filter((v) => typeof v === "number"));
      return s.n === 0 ? "–" : `${s.median.toFixed(0)} / ${s.p95.toFixed(0)} / ${s.max.toFixed(0)}`;
    };
    for (const [name, parts] of splits) {
      const n = parts.filter((p) => typeof p.call === "number").length;
      lines.push(`| ${name} | ${n} | ${cell(parts.map((p) => p.call))} | ${cell(parts.map((p) => p.dom))} | ${cell(parts.map((p) => p.paint))} |`);
    }
  }
  console.log(lines.join("\n"));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
