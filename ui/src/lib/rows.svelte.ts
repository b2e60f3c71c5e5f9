// How many rows of a long list are in the DOM: the first screenful when a view opens, more as
// the reader scrolls towards the end or moves the selection there with the keyboard. A switch
// to For you or All articles then builds (and WebKit lays out) a screenful, not hundreds of
// rows, and the web process holds fewer nodes.

/** Rows rendered when a list opens: a screenful of For you on a large monitor, and some. */
export const FIRST_ROWS = 30;
/** Rows added each time the end comes near. */
export const MORE_ROWS = 60;
/** How far below the window the end of the rendered rows may be before more are added. */
export const AHEAD = "800px";

export class RowWindow {
  /** How many rows to render (the list may have fewer). */
  count = $state(FIRST_ROWS);

  /** Back to the first screenful (a new list, another filter). */
  reset(): void {
    this.count = FIRST_ROWS;
  }

  /** The end came near: render more rows. */
  more(): void {
    this.count += MORE_ROWS;
  }

  /** Row `index` is about to be selected (j/k, Space, End): it and a few below it exist. */
  cover(index: number): void {
    if (index + 5 >= this.count) this.count = index + 5 + MORE_ROWS;
  }
}

/**
 * Svelte action for the element after the last rendered row: calls `more` when it comes
 * within {@link AHEAD} of the visible area. Observed anew whenever it is created, so key it by
 * the row count ({#key}) to have it report again after rows were added. Without an
 * IntersectionObserver (an old engine, jsdom) nothing is added by scrolling; the keyboard still
 * extends the window.
 */
export function nearEnd(node: Element, more: () => void): { destroy(): void } {
  if (typeof IntersectionObserver === "undefined") return { destroy() {} };
  const observer = new IntersectionObserver(
    (entries) => {
      if (entries.some((e) => e.isIntersecting)) more();
    },
    { rootMargin: `0px 0px ${AHEAD} 0px` },
  );
  observer.observe(node);
  return { destroy: () => observer.disconnect() };
}

/**
 * Whether a reloaded list says exactly what the one on screen says: while the core embeds,
 * views reload after every batch and often get the same page back; keeping the list on screen
 * then leaves every row as it is instead of having Svelte compare each one again.
 */
export function sameRows<T>(onScreen: readonly T[] | null, loaded: readonly T[]): boolean {
  if (!onScreen || onScreen.length !== loaded.length) return false;
  return loaded.every((row, i) => JSON.stringify(row) === JSON.stringify(onScreen[i]));
}
