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

/**
 * The first time `name`'s answer arrives from the core (before it is drawn), a
 * `performance.mark("sift:NAME-answer")` at once: the benchmark tells the call from the render.
 */
export function markAnswer(name: StartupMark): void {
  const mark = `sift:${name}-answer`;
  if (typeof performance === "undefined" || performance.getEntriesByName(mark).length > 0) return;
  performance.mark(mark);
}

let answered: () => void = () => {};
const firstForYou = new Promise<void>((resolve) => (answered = resolve));

/** For you's first answer arrived (a list, an empty one or an error). */
export function forYouAnswered(): void {
  answered();
}

/**
 * Runs `work` once what the page just changed has been painted: after the next animation
 * frame (which paints it), not within it. Start-up work that reads the whole store waits
 * for For you's list to be drawn, not only answered.
 */
export function afterPaint(work: () => void): void {
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => setTimeout(work, 0));
  else setTimeout(work, 0);
}

/**
 * Runs `work` once For you's first answer arrived, or after `atMostMs` if it does not come
 * (another view was opened first): start-up work that reads the whole store (the unread
 * counts read every article's metadata) then does not compete with the first view.
 */
export function afterFirstForYou(work: () => void, atMostMs = 3000): void {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    work();
  };
  firstForYou.then(run);
  setTimeout(run, atMostMs);
}
