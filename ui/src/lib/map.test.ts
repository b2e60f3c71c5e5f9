import { describe, expect, it } from "vitest";
import { UNCLUSTERED, buildMapModel } from "./map";
import type { ClusterSummary, MapPoint } from "./pending-types";

const clusters: ClusterSummary[] = [
  { id: 0, label: "rust, compilers", keywords: ["rust", "compilers"], size: 2, liked: 1, disliked: 0 },
  { id: 1, label: "", keywords: ["photography", "landscape"], size: 1, liked: 0, disliked: 0 },
];
const points: MapPoint[] = [
  { id: 1, x: 0, y: 0, cluster: 0, rating: "like", score: 0.9 },
  { id: 2, x: 2, y: 2, cluster: 0, rating: null, score: 0.7 },
  { id: 3, x: 5, y: 5, cluster: 1, rating: "dislike", score: 0.1 },
  { id: 4, x: 9, y: 9, cluster: null, rating: null, score: 0.5 },
];

describe("buildMapModel", () => {
  it("groups points by cluster, unclustered last, and names clusters", () => {
    const model = buildMapModel(points, clusters);
    expect(model.series.map((s) => s.name)).toEqual(["rust, compilers", "photography, landscape", UNCLUSTERED]);
    expect(model.series[0].points).toEqual([[0, 0, 1, 0.9], [2, 2, 2, 0.7]]);
  });
  it("marks liked and disliked articles and labels clusters at their centre", () => {
    const model = buildMapModel(points, clusters);
    expect(model.liked).toEqual([[0, 0, 1]]);
    expect(model.disliked).toEqual([[5, 5, 3]]);
    expect(model.labels).toEqual([
      { name: "rust, compilers", x: 1, y: 1 },
      { name: "photography, landscape", x: 5, y: 5 },
    ]);
  });
  it("handles an empty map", () => {
    expect(buildMapModel([], [])).toEqual({ series: [], liked: [], disliked: [], labels: [] });
  });
});
