// Turning the core's map points into what the chart draws: one series per cluster (so the
// legend can show and hide them), liked and disliked articles marked on top, and each
// cluster's label placed at its centre. Pure, so it is unit-tested without a canvas.
import type { ArticleId } from "./bindings/ArticleId";
import type { ClusterSummary, MapPoint } from "./pending-types";

export interface ClusterSeries {
  name: string;
  cluster: number | null;
  /** [x, y, article id, score] */
  points: [number, number, ArticleId, number][];
}

export interface ClusterLabel {
  name: string;
  x: number;
  y: number;
}

export interface MapModel {
  series: ClusterSeries[];
  liked: [number, number, ArticleId][];
  disliked: [number, number, ArticleId][];
  labels: ClusterLabel[];
}

export const UNCLUSTERED = "Not in a cluster";

export function clusterName(cluster: ClusterSummary): string {
  return cluster.label || cluster.keywords.slice(0, 3).join(", ") || `Cluster ${cluster.id + 1}`;
}

export function buildMapModel(points: MapPoint[], clusters: ClusterSummary[]): MapModel {
  const byId = new Map(clusters.map((c) => [c.id, c]));
  const groups = new Map<number | null, ClusterSeries>();
  const liked: MapModel["liked"] = [];
  const disliked: MapModel["disliked"] = [];
  for (const p of points) {
    const key = p.cluster !== null && byId.has(p.cluster) ? p.cluster : null;
    let group = groups.get(key);
    if (!group) {
      const cluster = key === null ? undefined : byId.get(key);
      group = { name: cluster ? clusterName(cluster) : UNCLUSTERED, cluster: key, points: [] };
      groups.set(key, group);
    }
    group.points.push([p.x, p.y, p.id, p.score]);
    if (p.rating === "like") liked.push([p.x, p.y, p.id]);
    else if (p.rating === "dislike") disliked.push([p.x, p.y, p.id]);
  }
  // Clusters in the core's order, the unclustered rest last.
  const series = [...groups.values()].sort((a, b) => (a.cluster ?? Infinity) - (b.cluster ?? Infinity));
  const labels = series
    .filter((s) => s.cluster !== null && s.points.length > 0)
    .map((s) => ({
      name: s.name,
      x: s.points.reduce((sum, p) => sum + p[0], 0) / s.points.length,
      y: s.points.reduce((sum, p) => sum + p[1], 0) / s.points.length,
    }));
  return { series, liked, disliked, labels };
}
