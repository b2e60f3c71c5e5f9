import { afterEach, describe, expect, it, vi } from "vitest";
import { Toasts } from "./toasts.svelte";

describe("Toasts", () => {
  afterEach(() => vi.useRealTimers());

  it("shows messages, fades info sooner than errors, and dismisses", () => {
    vi.useFakeTimers();
    const toasts = new Toasts(1_000, 5_000);
    toasts.show("Saved");
    const errorId = toasts.error("Could not reach the feed");
    expect(toasts.items.map((t) => t.kind)).toEqual(["info", "error"]);
    vi.advanceTimersByTime(1_500);
    expect(toasts.items.map((t) => t.message)).toEqual(["Could not reach the feed"]);
    toasts.dismiss(errorId);
    expect(toasts.items).toEqual([]);
  });

  it("shows a repeated message once and keeps at most four", () => {
    const toasts = new Toasts();
    toasts.error("same");
    toasts.error("same");
    expect(toasts.items).toHaveLength(1);
    for (let i = 0; i < 6; i++) toasts.show(`m${i}`);
    expect(toasts.items).toHaveLength(4);
  });
});
