// Shapes of the core's learner types (crates/core/src/engine/learn.rs on its branch), written by hand until those branches are merged and ts-rs generates
// them into ./bindings. Each name matches its Rust type, so switching is an import change.
import type { ArticleId } from "./bindings/ArticleId";
import type { FeedId } from "./bindings/FeedId";

export type Rating = "like" | "dislike" | "skip";

export interface RatedArticle {
  id: ArticleId;
  rating: Rating | null;
}

export interface Recommendation {
  id: ArticleId;
  title: string;
  link: string | null;
  feed_id: FeedId;
  score: number;
  confidence: number;
  cluster: string | null;
  reason: string;
}

export interface Card {
  id: ArticleId;
  title: string;
  link: string | null;
  score: number;
  confidence: number;
  reason: string;
}

export interface ClusterSummary {
  id: number;
  label: string;
  keywords: string[];
  size: number;
  liked: number;
  disliked: number;
}

export interface MapPoint {
  id: ArticleId;
  x: number;
  y: number;
  cluster: number | null;
  rating: Rating | null;
  score: number;
}
