// Turning the core's map view into what the chart draws, and the questions the view asks
// of it (what is under the pointer, what is inside a brushed rectangle). Pure, so it is
// unit-tested without a canvas.
//
// The core sends everything in one call (`MapView`): points with titles, the interest
// clusters an article is close to (others stay neutral), and labelled corpus regions.
import type { ArticleId } from "./bindings/ArticleId";
import type { MapCluster } from "./bindings/MapCluster";
import type { MapPoint } from "./bindings/MapPoint";
import type { MapRegion } from "./bindings/MapRegion";
import type { MapView } from "./bindings/MapView";

/** [x, y, index into MapModel.points] — what a scatter series draws. */
export type Datum = [number, number, number];

export interface ClusterSeries {
  name: string;
  /** The interest cluster, or null for the neutral rest of the corpus. */
  cluster: number | null;
  data: Datum[];
}

export interface MapLabel {
  name: string;
  x: number;
  y: number;
}

export interface MapModel {
  points: MapPoint[];
  series: ClusterSeries[];
  liked: Datum[];
  disliked: Datum[];
  /** Interest clusters: bold island names. */
  clusterLabels: MapLabel[];
  /** Corpus regions: what each part of the map is about. */
  regionLabels: MapLabel[];
  regions: Map<number, MapRegion>;
  clusters: Map<number, MapCluster>;
}

export const NEUTRAL = "Other articles";

export function clusterName(cluster: Pick<MapCluster, "id" | "label" | "keywords">): string {
  return cluster.label || cluster.keywords.slice(0, 3).join(", ") || `Cluster ${cluster.id + 1}`;
}

export function buildMapModel(view: MapView): MapModel {
  const clusters = new Map(view.clusters.map((c) => [c.id, c]));
  const regions = new Map(view.regions.map((r) => [r.id, r]));
  const groups = new Map<number | null, ClusterSeries>();
  const liked: Datum[] = [];
  const disliked: Datum[] = [];
  view.points.forEach((p, i) => {
    const key = p.cluster !== null && clusters.has(p.cluster) ? p.cluster : null;
    let group = groups.get(key);
    if (!group) {
      const cluster = key === null ? undefined : clusters.get(key);
      group = { name: cluster ? clusterName(cluster) : NEUTRAL, cluster: key, data: [] };
      groups.set(key, group);
    }
    group.data.push([p.x, p.y, i]);
    if (p.rating === "like") liked.push([p.x, p.y, i]);
    else if (p.rating === "dislike") disliked.push([p.x, p.y, i]);
  });
  // The neutral rest first (drawn underneath), then clusters in the core's order.
  const series = [...groups.values()].sort((a, b) => (a.cluster ?? -1) - (b.cluster ?? -1));
  // Biggest first: labels are placed in this order, and a label without room is hidden.
  const clusterLabels = view.clusters
    .filter((c) => c.size > 0)
    .sort((a, b) => b.size - a.size)
    .map((c) => ({ name: clusterName(c), x: c.x, y: c.y }));
  const regionLabels = view.regions
    .filter((r) => r.size > 0 && r.label)
    .sort((a, b) => b.size - a.size)
    .map((r) => ({ name: r.label, x: r.x, y: r.y }));
  return { points: view.points, series, liked, disliked, clusterLabels, regionLabels, regions, clusters };
}

/**
 * The point nearest (x, y), in data coordinates, if it is within `radius`; `scale`
 * stretches y so distances match the screen (data units per pixel differ per axis).
 */
export function nearestPoint(points: MapPoint[], x: number, y: number, radius = Infinity, scale = 1): number | null {
  let best: number | null = null;
  let bestD = radius * radius;
  for (let i = 0; i < points.length; i++) {
    const dx = points[i].x - x;
    const dy = (points[i].y - y) * scale;
    const d = dx * dx + dy * dy;
    if (d <= bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/** What the pointer is over: the nearest article's region, and the article if it is close. */
export function describePlace(model: MapModel, nearest: number | null, close: boolean): { area: string; title: string | null; cluster: string | null } | null {
  if (nearest === null) return null;
  const p = model.points[nearest];
  const region = p.region !== null ? model.regions.get(p.region) : undefined;
  const cluster = p.cluster !== null ? model.clusters.get(p.cluster) : undefined;
  return {
    area: region?.label ?? "",
    title: close ? p.title : null,
    cluster: cluster ? clusterName(cluster) : null,
  };
}

/** The articles inside a rectangle [[x0, x1], [y0, y1]] (data coordinates), best score first. */
export function pointsInRect(points: MapPoint[], range: [[number, number], [number, number]]): MapPoint[] {
  const [[xa, xb], [ya, yb]] = range;
  const [x0, x1] = [Math.min(xa, xb), Math.max(xa, xb)];
  const [y0, y1] = [Math.min(ya, yb), Math.max(ya, yb)];
  return points
    .filter((p) => p.x >= x0 && p.x <= x1 && p.y >= y0 && p.y <= y1)
    .sort((a, b) => b.score - a.score || a.title.localeCompare(b.title));
}

/** Ids of `points` (for tests and lists). */
export function ids(points: MapPoint[]): ArticleId[] {
  return points.map((p) => p.id);
}

/** A label to place, in screen pixels: anchored at (px, py), `width` × `height` big. */
export interface LabelToPlace {
  px: number;
  py: number;
  width: number;
  height: number;
}

/** Where a placed label's centre goes, relative to its anchor (pixels), or null: hidden. */
export type LabelOffset = [number, number] | null;

/**
 * Places labels without overlap, greedily in the order given (most important first):
 * each goes centred on its anchor if that spot is free, else above or below it (further
 * and further), else beside it; a label with no free spot inside `bounds` is hidden (it
 * shows again when zooming in makes room). Recomputed after every pan and zoom, since
 * overlap is a matter of pixels, not of map units.
 */
export function placeLabels(labels: LabelToPlace[], bounds: { width: number; height: number }, gap = 2): LabelOffset[] {
  const placed: { x0: number; y0: number; x1: number; y1: number }[] = [];
  return labels.map((l) => {
    const w = l.width;
    const h = l.height;
    // On the anchor, then ever further above and below it, then beside it.
    const step = h + gap;
    const side = w / 2 + gap + 4;
    const candidates: [number, number][] = [[0, 0]];
    for (const k of [1, 1.5, 2, 3]) candidates.push([0, -k * step], [0, k * step]);
    candidates.push([side, 0], [-side, 0], [side, -step], [-side, -step], [side, step], [-side, step]);
    for (const [dx, dy] of candidates) {
      const cx = l.px + dx;
      const cy = l.py + dy;
      const box = { x0: cx - w / 2, y0: cy - h / 2, x1: cx + w / 2, y1: cy + h / 2 };
      if (box.x0 < 0 || box.y0 < 0 || box.x1 > bounds.width || box.y1 > bounds.height) continue;
      const clash = placed.some((o) => box.x0 < o.x1 + gap && o.x0 < box.x1 + gap && box.y0 < o.y1 + gap && o.y0 < box.y1 + gap);
      if (clash) continue;
      placed.push(box);
      return [dx, dy];
    }
    return null;
  });
}
