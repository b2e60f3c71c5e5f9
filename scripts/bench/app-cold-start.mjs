#!/usr/bin/env node
// Cold start of the release app on a large store, to the first painted view and to a usable
// For you, against references measured in the same rounds. Each round, interleaved:
//   - reference: the same app on an empty store, to its first painted view (what starting the
//     process, GTK and the webview costs with nothing to load);
//   - the app on STORE, to its first painted view and to For you's first item;
//   - reference: the CLI on STORE, `sift --json recommend --limit 50` (process to For you),
//     when --cli is given.
// Times are taken from the app process's start (its start time in /proc, 10 ms resolution)
// to marks the page sets when the shell and For you's first items are in the DOM
// (performance.mark "sift:shell" and "sift:for-you", set in the frame that paints them; see
// ui/src/lib/startup.ts), converted to wall time with performance.timeOrigin. WebDriver's
// polling does not count. The app is launched under Xvfb through tauri-driver (like the
// e2e tests); starting Xvfb and the driver is not counted either.
// On the store, the app also writes where its time went (SIFT_TRACE: the core's spans, such
// as opening the store, reading the corpus file, training and ranking, with wall-clock
// times; see crates/core/src/trace.rs), and the page marks For you's answer arriving
// (sift:for-you-answer) apart from its items being painted: the section ends with a table of
// those moments from the process's start (medians), so the call and the render are told apart.
//
//   node scripts/bench/app-cold-start.mjs APP_BIN STORE [--runs 5] [--cli SIFT_BIN] [--json FILE]
//
// STORE is a data directory (e.g. from `sift generate-store --articles 100000 --feeds 500`);
// the app opens it as a user's store (start-up work included). Prints one Markdown section
// on stdout, progress on stderr.

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { launchApp } from "../../tests/e2e/lib/app.mjs";
import { appPid, wholeAppPss } from "./proc.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const [appBin, storeArg] = args;
const RUNS = Number(option("--runs", "5"));
const CLI = option("--cli", null);
const JSON_OUT = option("--json", null);
const TARGET_MS = 1000;
const PSS_TARGET_MB = 500;
if (!appBin || !existsSync(appBin) || !storeArg || !existsSync(storeArg) || (CLI && !existsSync(CLI))) {
  console.error("usage: app-cold-start.mjs APP_BIN STORE [--runs N] [--cli SIFT_BIN] [--json FILE]");
  process.exit(2);
}
process.env.SIFT_APP_BIN = resolve(appBin);
const store = resolve(storeArg);
const log = (...a) => console.error("app-cold-start:", ...a);

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
/**
 * When the machine booted, in ms since the epoch, to the millisecond or so. Not /proc/stat's
 * btime: that is whole seconds, cut down, so every time measured from it read up to a second
 * long (0.90 s on the boot this was found on: the app's setup() ran 0.25-0.35 s after its
 * exec, the bench said 1.2 s). The wall clock less the uptime, taken just as the uptime
 * (10 ms steps) ticks over.
 */
function bootMs() {
  const uptime = () => readFileSync("/proc/uptime", "utf8").split(" ")[0];
  const first = uptime();
  let now = uptime();
  while (now === first) now = uptime();
  return Date.now() - Number(now) * 1000;
}
const BOOT_MS = bootMs();

/** When process `pid` started, in ms since the epoch (field 22 of /proc/PID/stat). */
function processStartMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return BOOT_MS + (Number(fields[19]) / CLOCK_TICKS) * 1000;
}

/** The page's marks as ms since the epoch. */
async function marks(session) {
  return session.execute(
    `const at = (n) => { const m = performance.getEntriesByName(n)[0]; return m ? performance.timeOrigin + m.startTime : null; };
     const ended = (n) => { const m = performance.getEntriesByName(n)[0]; return m ? performance.timeOrigin + m.startTime + m.duration : null; };
     return { origin: performance.timeOrigin, shell: at("sift:shell"), forYou: at("sift:for-you"), answer: at("sift:for-you-answer"),
              dom: ended("sift:for-you:dom"), painted: ended("sift:for-you:paint"), now: performance.timeOrigin + performance.now() };`,
  );
}

/** One launch of the app on `dataDir`: ms from the process's start to the shell and (if `forYou`) to For you's items. */
async function launch(dataDir, { forYou, trace }) {
  const app = await launchApp({ dataDir, env: trace ? { SIFT_TRACE: trace } : {} });
  let result;
  try {
    const pid = appPid(dataDir);
    if (!pid) throw new Error(`no sift-app process for ${dataDir}`);
    const started = processStartMs(pid);
    if (forYou) await app.session.waitFor('[data-testid="rec-item"]', { timeoutMs: 120_000, what: "For you's first item" });
    let m = await marks(app.session);
    for (let i = 0; i < 50 && (m.shell === null || (forYou && m.forYou === null)); i++) {
      await new Promise((r) => setTimeout(r, 100));
      m = await marks(app.session);
    }
    if (m.shell === null || (forYou && m.forYou === null)) throw new Error("the page set no start-up marks (an older UI build?)");
    result = {
      started,
      shell: m.shell - started,
      forYou: forYou ? m.forYou - started : null,
      // The figure the first version of this script reported: the page's own clock at the item.
      page: forYou ? m.forYou - m.origin : null,
      webviewOrigin: m.origin - started,
      // The whole app's memory (sift-app and its WebKit processes, PSS) once For you is usable.
      pssMb: forYou ? wholeAppPss(pid) : null,
      moments: {
        "webview page started (performance.timeOrigin)": [m.origin - started],
        "shell painted (sift:shell)": [m.shell - started],
        ...(m.answer ? { "For you's answer reached the page (sift:for-you-answer)": [m.answer - started] } : {}),
        ...(forYou ? { "For you's items painted (sift:for-you)": [m.forYou - started] } : {}),
        // The first load's User Timing measures (ui/src/lib/timing.ts): Svelte's update done,
        // then the end of the frame that painted the list (style, layout and paint included).
        ...(forYou && m.dom ? { "For you's list in the DOM (sift:for-you:dom ends)": [m.dom - started] } : {}),
        ...(forYou && m.painted ? { "the frame painting For you's list ended (sift:for-you:paint ends)": [m.painted - started] } : {}),
      },
    };
  } finally {
    await app.stop();
  }
  if (trace && existsSync(trace)) Object.assign(result.moments, traceMoments(trace, result.started));
  return result;
}

/** The app's trace (one JSON line per span or event) as moments from the process's start:
 *  each span's first occurrence as [start, end], each event's first as [at]. */
function traceMoments(file, started) {
  const moments = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (entry.span && !(`${entry.span} (app)` in moments)) moments[`${entry.span} (app)`] = [entry.start_ms - started, entry.end_ms - started];
    else if (entry.event && entry.level === "INFO" && !(`${entry.event} (app)` in moments)) moments[`${entry.event} (app)`] = [entry.at_ms - started];
  }
  return moments;
}

function cliColdStart() {
  const t0 = performance.now();
  execFileSync(CLI, ["--data-dir", store, "--json", "recommend", "--limit", "50"], { stdio: ["ignore", "ignore", "inherit"] });
  return performance.now() - t0;
}

const articles = (() => {
  try {
    const out = CLI ? JSON.parse(execFileSync(CLI, ["--data-dir", store, "--json", "stats"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })) : null;
    return out?.articles ?? null;
  } catch {
    return null;
  }
})();

const rows = { empty: [], shell: [], forYou: [], page: [], origin: [], cli: [], pss: [] };
/** Per moment's name, one [start] or [start, end] per round (app on the store). */
const moments = new Map();
for (let run = 1; run <= RUNS; run++) {
  const empty = mkdtempSync(join(tmpdir(), "sift-cold-empty-"));
  try {
    rows.empty.push((await launch(empty, { forYou: false })).shell);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
  const traceDir = mkdtempSync(join(tmpdir(), "sift-cold-trace-"));
  let big;
  try {
    big = await launch(store, { forYou: true, trace: join(traceDir, "trace.jsonl") });
  } finally {
    rmSync(traceDir, { recursive: true, force: true });
  }
  for (const [name, times] of Object.entries(big.moments)) {
    if (!moments.has(name)) moments.set(name, []);
    moments.get(name).push(times);
  }
  rows.shell.push(big.shell);
  rows.forYou.push(big.forYou);
  rows.page.push(big.page);
  rows.origin.push(big.webviewOrigin);
  rows.pss.push(big.pssMb);
  if (CLI) rows.cli.push(cliColdStart());
  log(
    `round ${run}/${RUNS}: empty store shell ${rows.empty.at(-1).toFixed(0)} ms; store shell ${big.shell.toFixed(0)} ms, For you ${big.forYou.toFixed(0)} ms` +
      (CLI ? `; CLI ${rows.cli.at(-1).toFixed(0)} ms` : ""),
  );
}

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => {
  const s = sorted(xs);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const stat = (xs) => {
  const s = sorted(xs);
  return `${fmt(s[0])} | **${fmt(median(s))}** | ${fmt(s.at(-1))}`;
};
const ratios = (xs, ref) => xs.map((x, i) => x / ref[i]);
const verdict = (xs) => (median(xs) <= TARGET_MS ? "met" : "not met");


const out = [
  `The release app started cold on a store${articles ? ` of ${articles.toLocaleString("en")} articles` : ""} (${store.replace(/^.*\//, "")}), ${RUNS} rounds; each round also starts the app on an empty store${CLI ? " and runs the CLI to For you" : ""} (references, same round). ${process.env.DBUS_SESSION_BUS_ADDRESS ? "Inside a D-Bus session, as on a desktop (scripts/bench/session-bus.sh)." : "Without a D-Bus session bus (GLib's attempts to start one are counted)."}`,
  `Command: \`node scripts/bench/app-cold-start.mjs APP_BIN STORE --runs ${RUNS}${CLI ? " --cli SIFT_BIN" : ""}\` (STORE from \`sift generate-store --articles 100000 --feeds 500\`). From the app process's start (/proc, 10 ms resolution) to the page's marks: the shell painted (\`sift:shell\`), For you's first items painted (\`sift:for-you\`).`,
  "",
  "| measure | min ms | median ms | max ms | target |",
  "|---|---:|---:|---:|---|",
  `| reference: app on an empty store, process to first painted view | ${stat(rows.empty)} | |`,
  `| app on the store, process to first painted view | ${stat(rows.shell)} | ≤ 1000 (${verdict(rows.shell)}) |`,
  `| app on the store, process to a usable For you (first items painted) | ${stat(rows.forYou)} | ≤ 1000 (${verdict(rows.forYou)}) |`,
  `| of which before the webview's page started (process to performance.timeOrigin) | ${stat(rows.origin)} | |`,
  `| page clock at For you's items (performance.now(), the figure of the first version) | ${stat(rows.page)} | |`,
  `| whole app PSS MB (sift-app and its WebKit processes) when For you is usable | ${stat(rows.pss)} | ≤ ${PSS_TARGET_MB} (${median(rows.pss) <= PSS_TARGET_MB ? "met" : "not met"}) |`,
  ...(CLI ? [`| reference: CLI process to For you (\`sift --json recommend --limit 50\`) | ${stat(rows.cli)} | ≤ 1000 |`] : []),
  "",
  `Ratio per round, store / empty store to the first painted view: ${stat(ratios(rows.shell, rows.empty)).replace(/ \| /g, " / ").replace(/\*\*/g, "")} (min / median / max).`,
];
// Where the time goes: every moment seen, in the order of its median start.
const timeline = [...moments.entries()]
  .map(([name, runs]) => ({
    name,
    start: median(runs.map((r) => r[0])),
    end: runs.every((r) => r.length > 1) ? median(runs.map((r) => r[1])) : null,
    took: runs.every((r) => r.length > 1) ? median(runs.map((r) => r[1] - r[0])) : null,
    seen: runs.length,
  }))
  .sort((a, b) => a.start - b.start);
out.push(
  "",
  `Where the time goes on the store (medians over the rounds, ms from the app process's start; spans marked (app) come from the app's own trace, \`SIFT_TRACE\`, and run on their own threads, so they overlap):`,
  "",
  "| moment | start ms | end ms | took ms (median of each round's) | rounds |",
  "|---|---:|---:|---:|---:|",
  ...timeline.map((m) => `| ${m.name} | ${fmt(m.start)} | ${m.end === null ? "" : fmt(m.end)} | ${m.took === null ? "" : fmt(m.took)} | ${m.seen} |`),
);
out.push(
  "",
  `<!-- summary: app cold start at ${articles ?? "?"} articles, medians of ${RUNS}: first painted view ${fmt(median(rows.shell))} ms, usable For you ${fmt(median(rows.forYou))} ms (target ≤ ${TARGET_MS}: ${verdict(rows.shell)} / ${verdict(rows.forYou)}), whole app then ${fmt(median(rows.pss))} MB PSS (target ≤ ${PSS_TARGET_MB}: ${median(rows.pss) <= PSS_TARGET_MB ? "met" : "not met"}); references: empty store ${fmt(median(rows.empty))} ms${CLI ? `, CLI to For you ${fmt(median(rows.cli))} ms` : ""} -->`,
);
console.log(out.join("\n"));
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ runs: RUNS, articles, ...rows }, null, 2));
