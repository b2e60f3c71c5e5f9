// Keyboard handling shared by the views: pure functions, so they are unit-tested.

/** True when a key press is meant for a text field, not for a shortcut. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    // Checkboxes and buttons do not take text; shortcuts still apply on them.
    return !["checkbox", "radio", "button", "submit", "reset", "range"].includes(target.type);
  }
  return false;
}

/** True when the event carries a modifier that makes it some other shortcut (Ctrl+L, …). */
export function hasCommandModifier(e: Pick<KeyboardEvent, "ctrlKey" | "metaKey" | "altKey">): boolean {
  return e.ctrlKey || e.metaKey || e.altKey;
}

/**
 * The selected index after j/k (or the arrow keys) in a list of `length` items; `current`
 * is -1 when nothing is selected yet. Returns undefined for keys that do not move.
 */
export function moveSelection(key: string, current: number, length: number): number | undefined {
  if (length === 0) return undefined;
  switch (key) {
    case "j":
    case "ArrowDown":
      return Math.min(current + 1, length - 1);
    case "k":
    case "ArrowUp":
      return current < 0 ? 0 : Math.max(current - 1, 0);
    case "Home":
      return 0;
    case "End":
      return length - 1;
    default:
      return undefined;
  }
}

export type CardAction = "like" | "dislike" | "skip" | "undo";

/** The card answer a key gives: L like, D dislike, S skip, U undo (either case). */
export function cardActionForKey(key: string): CardAction | undefined {
  switch (key.toLowerCase()) {
    case "l":
      return "like";
    case "d":
      return "dislike";
    case "s":
      return "skip";
    case "u":
      return "undo";
    default:
      return undefined;
  }
}
