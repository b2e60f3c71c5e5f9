/**
 * Start-up marks for the cold-start benchmark (scripts/bench/app-cold-start.mjs): the first
 * time the app reaches `name`, a `performance.mark("sift:NAME")` is set in the animation frame
 * that paints it (the DOM already shows it then). Later calls do nothing.
 */
export type StartupMark = "shell" | "for-you";

export function markStartup(name: StartupMark): void {
  const mark = `sift:${name}`;
  if (typeof performance === "undefined" || performance.getEntriesByName(mark).length > 0) return;
  const set = () => {
    if (performance.getEntriesByName(mark).length === 0) performance.mark(mark);
  };
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(set);
  else set();
}
