/**
 * How long a list view's load took, split where the time goes, as User Timing measures the
 * benchmarks read from the page (scripts/bench/app-import.mjs):
 *
 * - `sift:VIEW:call`: the command, from asking the core to the answer in the page (the core's
 *   work, IPC, JSON parsing);
 * - `sift:VIEW:dom`: from the answer to the list in the DOM (Svelte's update);
 * - `sift:VIEW:paint`: from the answer to the end of the frame that paints it (style, layout
 *   and paint included).
 *
 * Each measure starts where its span starts, so a bench keeps the ones that started after its
 * click. Only the newest {@link KEPT} sift measures are kept: the app runs for days.
 */
import { tick } from "svelte";

export const KEPT = 200;

export interface LoadTiming {
  /** The core answered: ends the call span, starts the render spans. */
  arrived(): void;
  /** The answer was handed to the view's state: measures its DOM update and paint. */
  shown(): Promise<void>;
}

function measure(name: string, start: number, end: number): void {
  if (typeof performance === "undefined" || typeof performance.measure !== "function") return;
  const ours = performance.getEntriesByType("measure").filter((e) => e.name.startsWith("sift:"));
  if (ours.length >= KEPT) performance.clearMeasures();
  try {
    performance.measure(name, { start, end });
  } catch {
    // An engine without User Timing level 3: no figures, nothing else changes.
  }
}

/** The next painted frame: after requestAnimationFrame's callbacks, style, layout and paint run,
 *  then the task queued from inside the callback. */
function afterPaint(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof requestAnimationFrame !== "function") return resolve();
    requestAnimationFrame(() => setTimeout(resolve, 0));
  });
}

/** Starts timing one load of `view` (call it right before asking the core). */
export function timeLoad(view: string): LoadTiming {
  const now = () => (typeof performance === "undefined" ? 0 : performance.now());
  const asked = now();
  let answered = asked;
  return {
    arrived() {
      answered = now();
      measure(`sift:${view}:call`, asked, answered);
    },
    async shown() {
      await tick();
      measure(`sift:${view}:dom`, answered, now());
      await afterPaint();
      measure(`sift:${view}:paint`, answered, now());
    },
  };
}
