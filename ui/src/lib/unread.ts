// What a reading list shows: pure functions, so they are unit-tested.
import type { ArticleId } from "./api";

/**
 * The items a list shows: unread ones, plus those read or unread since it was shown (so the
 * list keeps its place while the reader works through it), or everything with `showRead`.
 */
export function visibleItems<T extends { id: ArticleId; read: boolean }>(
  items: T[],
  { showRead, readNow }: { showRead: boolean; readNow: Map<ArticleId, boolean> },
): T[] {
  if (showRead) return items;
  return items.filter((item) => !item.read || readNow.has(item.id));
}
