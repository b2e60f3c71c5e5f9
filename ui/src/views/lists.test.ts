// Long lists render the first screenful, more as the end comes near or the keyboard goes there
// (ui/src/lib/rows.svelte.ts); j/k and End still reach every row.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";

import App from "../App.svelte";
import { FIRST_ROWS, MORE_ROWS, RowWindow, sameRows } from "../lib/rows.svelte";
import type { ArticleView } from "../lib/bindings/ArticleView";
import type { ForYouItem } from "../lib/bindings/ForYouItem";

const RANKED = 300;
const LISTED = 501;

const forYouItem = (i: number): ForYouItem => ({
  id: i + 1,
  title: `Ranked ${i + 1}`,
  link: null,
  feed_id: 1,
  score: 1 - i / 1000,
  confidence: 0.5,
  cluster: null,
  reason: "close to what you liked",
  model_score: 1 - i / 1000,
  rule: null,
  published: null,
  read: false,
  saved: false,
});

const articleView = (i: number): ArticleView => ({
  id: i + 1,
  feed_id: 1,
  title: `Listed ${i + 1}`,
  link: null,
  published: null,
  author: null,
  summary: null,
  content_html: null,
  score: null,
  confidence: null,
  rating: null,
  read: false,
  saved: false,
});

const rowsOf = (testid: string) => document.querySelectorAll(`[data-testid="${testid}"]`).length;

describe("the row window", () => {
  it("starts at a screenful, grows by a step and covers a selected row", () => {
    const rows = new RowWindow();
    expect(rows.count).toBe(FIRST_ROWS);
    rows.more();
    expect(rows.count).toBe(FIRST_ROWS + MORE_ROWS);
    rows.cover(10);
    expect(rows.count).toBe(FIRST_ROWS + MORE_ROWS);
    rows.cover(250);
    expect(rows.count).toBeGreaterThan(255);
    rows.reset();
    expect(rows.count).toBe(FIRST_ROWS);
  });
});

describe("a reloaded list", () => {
  it("is the same only when every row says the same", () => {
    const list = [forYouItem(0), forYouItem(1)];
    expect(sameRows(list, [forYouItem(0), forYouItem(1)])).toBe(true);
    expect(sameRows(null, list)).toBe(false);
    expect(sameRows(list, [forYouItem(0)])).toBe(false);
    expect(sameRows(list, [forYouItem(1), forYouItem(0)])).toBe(false);
    expect(sameRows(list, [forYouItem(0), { ...forYouItem(1), read: true }])).toBe(false);
    expect(sameRows(list, [forYouItem(0), { ...forYouItem(1), score: 0.2 }])).toBe(false);
  });
});

describe("long lists", () => {
  beforeEach(() => {
    mockIPC((cmd) => {
      switch (cmd) {
        case "app_info":
          return { version: "0.1.0", data_dir: "/tmp/store", schema_version: 1, feed_count: 1 };
        case "get_settings":
          return null;
        case "feeds":
          return [];
        case "for_you":
          return Array.from({ length: RANKED }, (_, i) => forYouItem(i));
        case "articles":
          return Array.from({ length: LISTED }, (_, i) => articleView(i));
        case "unread_counts":
          return { total: 0, for_you: 0, saved: 0, feeds: [], folders: [], can_undo: false };
        default:
          return [];
      }
    });
  });

  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("For you renders the first screenful of its 300 and reaches the last with the keyboard", async () => {
    render(App);
    await waitFor(() => expect(rowsOf("rec-item")).toBe(FIRST_ROWS));
    expect(screen.getByTestId("more-rows")).toBeTruthy();
    // j past the rendered rows renders more and selects the next one.
    for (let i = 0; i < FIRST_ROWS + 1; i++) await fireEvent.keyDown(window, { key: "j" });
    await waitFor(() => expect(document.activeElement?.textContent).toBe(`Ranked ${FIRST_ROWS + 1}`));
    expect(rowsOf("rec-item")).toBeGreaterThan(FIRST_ROWS + 1);
    await fireEvent.keyDown(window, { key: "End" });
    await waitFor(() => expect(document.activeElement?.textContent).toBe(`Ranked ${RANKED}`));
    expect(rowsOf("rec-item")).toBe(RANKED);
    expect(screen.queryByTestId("more-rows")).toBeNull();
    // "Mark list read" still covers the whole list, not only the rendered rows.
    expect(screen.getByTestId("mark-list-read").hasAttribute("disabled")).toBe(false);
  }, 30_000); // hundreds of rows in jsdom, on two shared cores

  it("All articles renders the first screenful of its 500 and reaches the last with the keyboard", async () => {
    render(App);
    await fireEvent.keyDown(window, { key: "3" });
    await waitFor(() => expect(rowsOf("article-item")).toBe(FIRST_ROWS));
    expect(screen.getByTestId("article-count").textContent).toBe("500+ of 0");
    await fireEvent.keyDown(window, { key: "End" });
    await waitFor(() => expect(document.activeElement?.textContent).toBe("Listed 500"));
    expect(rowsOf("article-item")).toBe(500);
  }, 30_000);
});
