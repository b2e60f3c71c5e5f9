import { describe, expect, it } from "vitest";
import { visibleItems } from "./unread";

const items = [
  { id: 1, read: false },
  { id: 2, read: true },
  { id: 3, read: true },
  { id: 4, read: false },
];

describe("visibleItems", () => {
  it("hides read items unless asked", () => {
    expect(visibleItems(items, { showRead: false, readNow: new Map() }).map((i) => i.id)).toEqual([1, 4]);
    expect(visibleItems(items, { showRead: true, readNow: new Map() }).map((i) => i.id)).toEqual([1, 2, 3, 4]);
  });
  it("keeps items read while the list is on screen in their place", () => {
    const readNow = new Map([[3, true]]);
    expect(visibleItems(items, { showRead: false, readNow }).map((i) => i.id)).toEqual([1, 3, 4]);
  });
});
