import { afterEach, describe, expect, it } from "vitest";

import { KEPT, timeLoad } from "./timing";

const ours = (view: string) => performance.getEntriesByType("measure").filter((e) => e.name.startsWith(`sift:${view}:`));

describe("load timing marks", () => {
  afterEach(() => performance.clearMeasures());

  it("measures the call, then the DOM update and the paint from the answer", async () => {
    const timing = timeLoad("for-you");
    await new Promise((r) => setTimeout(r, 20));
    timing.arrived();
    await timing.shown();
    const byName = Object.fromEntries(ours("for-you").map((e) => [e.name, e]));
    expect(Object.keys(byName).sort()).toEqual(["sift:for-you:call", "sift:for-you:dom", "sift:for-you:paint"]);
    const call = byName["sift:for-you:call"];
    expect(call.duration).toBeGreaterThanOrEqual(15);
    // The render spans start where the call ended, and the paint ends after the DOM update.
    expect(byName["sift:for-you:dom"].startTime).toBeCloseTo(call.startTime + call.duration, 3);
    expect(byName["sift:for-you:paint"].duration).toBeGreaterThanOrEqual(byName["sift:for-you:dom"].duration);
  });

  it("keeps a bounded number of measures however long the app runs", async () => {
    for (let i = 0; i < KEPT * 3; i++) {
      const timing = timeLoad("articles");
      timing.arrived();
    }
    expect(ours("articles").length).toBeLessThanOrEqual(KEPT);
    expect(ours("articles").length).toBeGreaterThan(0);
  });
});
