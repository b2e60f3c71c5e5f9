import { describe, expect, it } from "vitest";
import { NEUTRAL, buildMapModel, describePlace, nearestPoint, placeLabels, pointsInRect, ids } from "./map";
import type { MapView } from "./bindings/MapView";

const view: MapView = {
  points: [
    { id: 1, x: 0, y: 0, cluster: 0, rating: "like", score: 0.9, title: "Rust 2.0", region: 0 },
    { id: 2, x: 2, y: 2, cluster: 0, rating: null, score: 0.7, title: "Borrow checker tips", region: 0 },
    { id: 3, x: 5, y: 5, cluster: null, rating: "dislike", score: 0.1, title: "Football scores", region: 1 },
    { id: 4, x: 9, y: 9, cluster: null, rating: null, score: 0.5, title: "Cup final", region: 1 },
  ],
  clusters: [{ id: 0, label: "rust, compilers", keywords: ["rust", "compilers"], size: 2, x: 1, y: 1 }],
  regions: [
    { id: 0, label: "rust, borrow", keywords: ["rust", "borrow"], size: 2, x: 0, y: 0 },
    { id: 1, label: "football, cup", keywords: ["football", "cup"], size: 2, x: 9, y: 9 },
  ],
  layout: { full_size: 4, placed_since: 0, recomputed: true },
};

describe("buildMapModel", () => {
  it("colours only articles close to an interest cluster; the rest are neutral, drawn first", () => {
    const model = buildMapModel(view);
    expect(model.series.map((s) => s.name)).toEqual([NEUTRAL, "rust, compilers"]);
    expect(model.series[0].data).toEqual([[5, 5, 2], [9, 9, 3]]);
    expect(model.series[1].data).toEqual([[0, 0, 0], [2, 2, 1]]);
  });
  it("marks liked and disliked articles and labels clusters and regions where the core says", () => {
    const model = buildMapModel(view);
    expect(model.liked).toEqual([[0, 0, 0]]);
    expect(model.disliked).toEqual([[5, 5, 2]]);
    expect(model.clusterLabels).toEqual([{ name: "rust, compilers", x: 1, y: 1 }]);
    expect(model.regionLabels.map((l) => l.name)).toEqual(["rust, borrow", "football, cup"]);
  });
  it("handles an empty map", () => {
    const model = buildMapModel({ points: [], clusters: [], regions: [], layout: { full_size: 0, placed_since: 0, recomputed: false } });
    expect(model.series).toEqual([]);
    expect(model.clusterLabels).toEqual([]);
  });
});

describe("what is under the pointer", () => {
  it("finds the nearest point within a radius", () => {
    expect(nearestPoint(view.points, 4.6, 5.2, 1)).toBe(2);
    expect(nearestPoint(view.points, 20, 20, 1)).toBeNull();
    expect(nearestPoint(view.points, 20, 20)).toBe(3);
  });
  it("names the area, and the article only when the pointer is on it", () => {
    const model = buildMapModel(view);
    expect(describePlace(model, 1, false)).toEqual({ area: "rust, borrow", title: null, cluster: "rust, compilers" });
    expect(describePlace(model, 3, true)).toEqual({ area: "football, cup", title: "Cup final", cluster: null });
    expect(describePlace(model, null, true)).toBeNull();
  });
});

describe("pointsInRect", () => {
  it("lists the articles inside a brushed rectangle, best first, whichever way it was drawn", () => {
    expect(ids(pointsInRect(view.points, [[3, -1], [-1, 6]]))).toEqual([1, 2]);
    expect(ids(pointsInRect(view.points, [[4, 10], [4, 10]]))).toEqual([4, 3]);
    expect(pointsInRect(view.points, [[20, 30], [20, 30]])).toEqual([]);
  });
});

describe("placeLabels", () => {
  const bounds = { width: 400, height: 300 };
  type Box = { x0: number; y0: number; x1: number; y1: number };
  const boxes = (labels: { px: number; py: number; width: number; height: number }[], offsets: ([number, number] | null)[]): Box[] =>
    labels.flatMap((l, i) => {
      const o = offsets[i];
      if (!o) return [];
      const cx = l.px + o[0];
      const cy = l.py + o[1];
      return [{ x0: cx - l.width / 2, y0: cy - l.height / 2, x1: cx + l.width / 2, y1: cy + l.height / 2 }];
    });
  const overlap = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

  it("keeps a label on its anchor when there is room", () => {
    expect(placeLabels([{ px: 100, py: 100, width: 80, height: 16 }], bounds)).toEqual([[0, 0]]);
  });

  it("moves a label that would cover an earlier one next to it, so none overlap", () => {
    // Three labels anchored at almost the same spot (what the old map drew on top of each other).
    const labels = [
      { px: 200, py: 150, width: 120, height: 18 },
      { px: 205, py: 152, width: 100, height: 14 },
      { px: 198, py: 149, width: 90, height: 14 },
    ];
    const offsets = placeLabels(labels, bounds);
    expect(offsets[0]).toEqual([0, 0]);
    expect(offsets.every((o) => o !== null)).toBe(true);
    const placed = boxes(labels, offsets);
    for (let i = 0; i < placed.length; i++) for (let j = i + 1; j < placed.length; j++) expect(overlap(placed[i], placed[j])).toBe(false);
  });

  it("hides what cannot be placed without overlap, keeping the earlier (more important) labels", () => {
    const labels = Array.from({ length: 40 }, () => ({ px: 200, py: 150, width: 150, height: 20 }));
    const offsets = placeLabels(labels, bounds);
    expect(offsets[0]).toEqual([0, 0]);
    const shown = offsets.filter((o) => o !== null).length;
    expect(shown).toBeGreaterThan(1);
    expect(shown).toBeLessThan(40);
    const placed = boxes(labels, offsets);
    for (let i = 0; i < placed.length; i++) for (let j = i + 1; j < placed.length; j++) expect(overlap(placed[i], placed[j])).toBe(false);
  });

  it("keeps labels inside the chart", () => {
    const offsets = placeLabels([{ px: 2, py: 2, width: 60, height: 14 }], bounds);
    expect(offsets[0]).not.toBeNull();
    const [b] = boxes([{ px: 2, py: 2, width: 60, height: 14 }], offsets);
    expect(b.x0).toBeGreaterThanOrEqual(0);
    expect(b.y0).toBeGreaterThanOrEqual(0);
  });
});
