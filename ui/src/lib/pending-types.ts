// Shapes of the core's feeds and learner types (crates/core/src/engine/{feeds,learn}.rs on
// their branches), written by hand until those branches are merged and ts-rs generates
// them into ./bindings. Each name matches its Rust type, so switching is an import change.
import type { ArticleId } from "./bindings/ArticleId";
import type { FeedId } from "./bindings/FeedId";

export type Rating = "like" | "dislike" | "skip";

export interface FeedSummary {
  id: FeedId;
  url: string;
  title: string;
  site_url: string | null;
  last_fetched: string | null;
  /** "pending" (never fetched), "ok", "not_modified" or "error". */
  status: string;
  error: string | null;
  article_count: number;
  liked_ratio: number | null;
  folder: string | null;
  tags: string[];
}

export interface ArticleView {
  id: ArticleId;
  feed_id: FeedId;
  title: string;
  link: string | null;
  published: string | null;
  author: string | null;
  summary: string | null;
  content_html: string | null;
  score: number | null;
  confidence: number | null;
  rating: string | null;
}

export interface OpmlImportReport {
  added: number;
  skipped: number;
  errors: string[];
}

export type RefreshStatus = "ok" | "not_modified" | "error";

export interface FeedRefreshResult {
  id: FeedId;
  url: string;
  status: RefreshStatus;
  new_articles: number;
  updated_articles: number;
  error: string | null;
}

export interface RefreshReport {
  feeds: FeedRefreshResult[];
  new_articles: number;
}

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
