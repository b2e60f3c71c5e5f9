// What the app benchmarks read from /proc about the app they started.
import { readdirSync, readFileSync } from "node:fs";

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
