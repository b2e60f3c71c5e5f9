import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

/** A fresh copy of the module: its "first answer" is once per page. */
async function fresh() {
  vi.resetModules();
  return import("./startup");
}

describe("start-up work after For you's first answer", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("runs once For you answered, not before, and only once", async () => {
    const { afterFirstForYou, forYouAnswered } = await fresh();
    const work = vi.fn();
    afterFirstForYou(work, 3000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(work).not.toHaveBeenCalled();
    forYouAnswered();
    await vi.advanceTimersByTimeAsync(0);
    expect(work).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(5000);
    forYouAnswered();
    expect(work).toHaveBeenCalledTimes(1);
  });

  it("runs after the limit when For you never answers (another view first)", async () => {
    const { afterFirstForYou } = await fresh();
    const work = vi.fn();
    afterFirstForYou(work, 3000);
    await vi.advanceTimersByTimeAsync(2999);
    expect(work).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(work).toHaveBeenCalledTimes(1);
  });

  it("marks the first time only", async () => {
    vi.useRealTimers();
    const { markStartup } = await fresh();
    const frame = () => new Promise((r) => setTimeout(r, 60));
    performance.clearMarks();
    markStartup("shell");
    await frame();
    markStartup("shell");
    await frame();
    expect(performance.getEntriesByName("sift:shell")).toHaveLength(1);
  });

  it("marks an answer at once, the first time only", async () => {
    vi.useRealTimers();
    const { markAnswer } = await fresh();
    performance.clearMarks();
    markAnswer("for-you");
    expect(performance.getEntriesByName("sift:for-you-answer")).toHaveLength(1);
    markAnswer("for-you");
    expect(performance.getEntriesByName("sift:for-you-answer")).toHaveLength(1);
  });

  it("runs work after the next frame is painted, not within it", async () => {
    vi.useRealTimers();
    const { afterPaint } = await fresh();
    const order: string[] = [];
    afterPaint(() => order.push("after paint"));
    requestAnimationFrame(() => order.push("frame"));
    expect(order).toEqual([]);
    await new Promise((r) => setTimeout(r, 100));
    expect(order).toEqual(["frame", "after paint"]);
  });
});
