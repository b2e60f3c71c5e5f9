// What the app benchmarks read from /proc about the app they started.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const APP_PSS = join(dirname(fileURLToPath(import.meta.url)), "..", "app-pss.sh");

/** The whole app's PSS in MB: sift-app `pid` and every process it started (scripts/app-pss.sh). */
export function wholeAppPss(pid) {
  return JSON.parse(execFileSync(APP_PSS, ["--json", String(pid)], { encoding: "utf8" })).total_mb;
}

/** The sift-app process serving `dataDir`: the one whose environment names it. */
export function appPid(dataDir) {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== "sift-app") continue;
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0");
      if (environ.includes(`SIFT_DATA_DIR=${dataDir}`)) return Number(entry);
    } catch {
      // Gone, or not ours to read.
    }
  }
  return null;
}

/**
 * Where a process's proportional set size (PSS) lies, in MB, from /proc/PID/smaps: anonymous
 * memory (the allocator's heaps, large blocks mapped on their own, thread stacks), the files
 * under `dataDir` it maps (the search index), shared libraries and the executable, shared
 * memory (memfd, /dev/shm: WebKit's buffers between its processes) and other files.
 */
export function pssBreakdown(pid, dataDir = null) {
  const kinds = { anonymous: 0, "store files": 0, libraries: 0, "shared memory": 0, "other files": 0 };
  let current = null;
  let text;
  let exe;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, "utf8");
    exe = readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
  for (const line of text.split("\n")) {
    const head = line.match(/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/);
    if (head) {
      current = kindOf(head[1].trim(), dataDir, exe);
      continue;
    }
    const pss = line.match(/^Pss:\s+(\d+) kB/);
    if (pss && current) kinds[current] += Number(pss[1]) / 1024;
  }
  return Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, Math.round(v * 10) / 10]));
}

/** The `n` files a process maps with the most PSS: [{ file (base name), pss (MB) }]. */
export function largestFiles(pid, n = 6) {
  const byFile = new Map();
  let current = null;
  let text;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, "utf8");
  } catch {
    return [];
  }
  for (const line of text.split("\n")) {
    const head = line.match(/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/);
    if (head) {
      const path = head[1].trim();
      current = path.startsWith("/") ? path.split("/").pop() : null;
      continue;
    }
    const pss = line.match(/^Pss:\s+(\d+) kB/);
    if (pss && current) byFile.set(current, (byFile.get(current) ?? 0) + Number(pss[1]) / 1024);
  }
  return [...byFile.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([file, pss]) => ({ file, pss: Math.round(pss * 10) / 10 }));
}

function kindOf(path, dataDir, exe) {
  if (path === "" || path === "[heap]" || path === "[stack]" || path.startsWith("[anon")) return "anonymous";
  if (path.startsWith("/memfd:") || path.startsWith("/dev/shm/") || path.startsWith("/SYSV")) return "shared memory";
  if (dataDir && path.startsWith(dataDir)) return "store files";
  if (/\.so(\.[\d.]+)?( \(deleted\))?$/.test(path) || path === exe) return "libraries";
  if (path.startsWith("[")) return "anonymous"; // [vvar], [vdso]: a page or two
  return "other files";
}

/** Processes named `name` (e.g. "WebKitWebProces", as /proc/PID/comm shortens it) that are not `ours`. */
export function othersNamed(name, ours) {
  const mine = new Set(ours);
  let count = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || mine.has(Number(entry))) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === name) count += 1;
    } catch {
      // Gone meanwhile.
    }
  }
  return count;
}
