import { describe, expect, it } from "vitest";
import { Activity, describeProgress } from "./activity.svelte";

describe("Activity", () => {
  it("tracks running tasks and forgets finished ones", () => {
    const activity = new Activity();
    activity.update({ task: "embed", done: 3, total: 10, detail: null, finished: false });
    activity.update({ task: "refresh", done: 1, total: 4, detail: null, finished: false });
    expect(activity.running.map((p) => p.task).sort()).toEqual(["embed", "refresh"]);
    activity.update({ task: "embed", done: 10, total: 10, detail: null, finished: true });
    expect(activity.running.map((p) => p.task)).toEqual(["refresh"]);
  });
  it("describes progress in words", () => {
    expect(describeProgress({ task: "embed", done: 40, total: 120, detail: null, finished: false })).toBe("Embedding articles: 40 of 120");
    expect(describeProgress({ task: "refresh", done: 0, total: 0, detail: null, finished: false })).toBe("Refreshing feeds…");
  });
});
