// Typed wrappers over the Tauri commands; the UI never calls `invoke` directly. The types
// come from ./bindings, generated from the Rust types (see src-tauri/src/bindings.rs).
import { invoke } from "@tauri-apps/api/core";

import type { ArticleId } from "./bindings/ArticleId";
import type { ArticleFilter } from "./bindings/ArticleFilter";
import type { ArticleView } from "./bindings/ArticleView";
import type { CommandError } from "./bindings/CommandError";
import type { EngineInfo } from "./bindings/EngineInfo";
import type { FeedId } from "./bindings/FeedId";
import type { FeedRefreshResult } from "./bindings/FeedRefreshResult";
import type { FeedSummary } from "./bindings/FeedSummary";
import type { ForYouItem } from "./bindings/ForYouItem";
import type { ModelInfo } from "./bindings/ModelInfo";
import type { OpmlImportReport } from "./bindings/OpmlImportReport";
import type { RefreshReport } from "./bindings/RefreshReport";
import type { Settings } from "./bindings/Settings";
import type { Card } from "./bindings/Card";
import type { ClusterSummary } from "./bindings/ClusterSummary";
import type { MapPoint } from "./bindings/MapPoint";
import type { MapView } from "./bindings/MapView";
import type { RatedArticle } from "./bindings/RatedArticle";
import type { Rating } from "./bindings/Rating";
import type { Recommendation } from "./bindings/Recommendation";
import type { SearchHit } from "./bindings/SearchHit";
import type { SearchMode } from "./bindings/SearchMode";
import type { SearchQuery } from "./bindings/SearchQuery";
import type { WholeArticlesReport } from "./bindings/WholeArticlesReport";
import type { MarkReadReport } from "./bindings/MarkReadReport";
import type { MarkReadScope } from "./bindings/MarkReadScope";
import type { NewRule } from "./bindings/NewRule";
import type { PruneReport } from "./bindings/PruneReport";
import type { ReadState } from "./bindings/ReadState";
import type { RuleView } from "./bindings/RuleView";

/** A rule as stored (a listed rule without its `active` flag). */
type Rule = Omit<RuleView, "active">;
import type { SavedState } from "./bindings/SavedState";
import type { StoreStats } from "./bindings/StoreStats";
import type { UnreadCounts } from "./bindings/UnreadCounts";

export type {
  ArticleFilter,
  ArticleId,
  ArticleView,
  Card,
  ClusterSummary,
  CommandError,
  EngineInfo,
  FeedId,
  FeedRefreshResult,
  FeedSummary,
  ForYouItem,
  MapPoint,
  MapView,
  ModelInfo,
  OpmlImportReport,
  RatedArticle,
  Rating,
  Recommendation,
  RefreshReport,
  SearchHit,
  SearchMode,
  SearchQuery,
  Settings,
  WholeArticlesReport,
  MarkReadReport,
  MarkReadScope,
  NewRule,
  PruneReport,
  ReadState,
  Rule,
  RuleView,
  SavedState,
  StoreStats,
  UnreadCounts,
};

const NO_SCOPE: MarkReadScope = {
  feed: null,
  folder: null,
  ids: null,
  older_than_days: null,
  below_threshold: false,
  all: false,
};

/** The full scope `mark_read_where` takes, from the selectors a view sets. */
export function markReadScope(scope: Partial<MarkReadScope>): MarkReadScope {
  return { ...NO_SCOPE, ...scope };
}

function isCommandError(e: unknown): e is CommandError {
  return typeof e === "object" && e !== null && "message" in e && typeof (e as CommandError).message === "string";
}

/** Whether a command failed because the store could not be opened at start (nothing can work). */
export function isUnavailable(e: unknown): boolean {
  return isCommandError(e) && e.kind === "unavailable";
}

/** Commands reject with a `CommandError`; turn any rejection into text a person can read. */
export function errorMessage(e: unknown): string {
  if (isCommandError(e)) return e.message;
  if (typeof e === "string" && e.trim()) return e;
  if (e instanceof Error && e.message) return e.message;
  return "Something went wrong.";
}

/** Any subset of the core's article filter; the rest take their "no filter" values. */
export type ArticleQuery = Partial<ArticleFilter>;

const NO_FILTER: ArticleFilter = {
  limit: null,
  feed: null,
  unrated: false,
  feeds: null,
  rating: null,
  query: null,
  unread_only: false,
  without_content: false,
};

/** The full filter the `articles` command takes, from the parts a view sets. */
export function articleFilter(query: ArticleQuery = {}): ArticleFilter {
  return { ...NO_FILTER, ...query };
}

export const api = {
  appInfo: () => invoke<EngineInfo>("app_info"),
  modelInfo: () => invoke<ModelInfo>("model_info"),
  settings: () => invoke<Settings>("get_settings"),
  updateSettings: (settings: Settings) => invoke<Settings>("update_settings", { settings }),

  feeds: () => invoke<FeedSummary[]>("feeds"),
  subscribe: (url: string) => invoke<FeedSummary>("subscribe", { url }),
  unsubscribe: (id: FeedId) => invoke<FeedId>("unsubscribe", { id }),
  /** Fetches every feed; embedding the new articles goes on in the background (events). */
  refreshAll: () => invoke<RefreshReport>("refresh_all"),
  refreshFeed: (id: FeedId) => invoke<FeedRefreshResult>("refresh_feed", { id }),
  /** Asks for a file with the system dialog (Rust side); null when the user cancels. */
  importOpmlDialog: () => invoke<OpmlImportReport | null>("import_opml_dialog"),
  /** Asks where to save (Rust side); the path written, or null when the user cancels. */
  exportOpmlDialog: () => invoke<string | null>("export_opml_dialog"),
  /** Adds the bundled offline sample (a few hundred articles) as a feed. */
  loadSample: () => invoke<FeedSummary>("load_sample"),

  /** Articles newest first, filtered in the core (feeds, rating, read mark, words). */
  articles: (query: ArticleQuery = {}) => invoke<ArticleView[]>("articles", { filter: articleFilter(query) }),
  article: (id: ArticleId) => invoke<ArticleView>("article", { id }),
  rate: (id: ArticleId, rating: Rating | null) => invoke<RatedArticle>("rate", { id, rating }),
  recommend: (limit?: number) => invoke<Recommendation[]>("recommend", { limit: limit ?? null }),
  /** The ranking after the rules, with date, read and saved marks; unread only unless asked. */
  forYou: (limit?: number, includeRead = false) =>
    invoke<ForYouItem[]>("for_you", { limit: limit ?? null, includeRead }),
  setRead: (id: ArticleId, read: boolean) => invoke<ReadState>("set_read", { id, read }),
  /** Bulk mark-as-read (a feed, a folder, ids, an age, or below the threshold); undoable. */
  markReadWhere: (scope: Partial<MarkReadScope>) =>
    invoke<MarkReadReport>("mark_read_where", { scope: markReadScope(scope) }),
  /** Exactly the articles the last bulk mark changed become unread again. */
  undoMarkRead: () => invoke<MarkReadReport>("undo_mark_read"),
  unreadCounts: () => invoke<UnreadCounts>("unread_counts"),
  setSaved: (id: ArticleId, saved: boolean) => invoke<SavedState>("set_saved", { id, saved }),
  saved: () => invoke<ArticleView[]>("saved"),
  rules: () => invoke<RuleView[]>("rules"),
  addRule: (rule: NewRule) => invoke<Rule>("add_rule", { rule }),
  removeRule: (id: number) => invoke<Rule>("remove_rule", { id }),
  /** Deletes unrated, unsaved articles older than the retention setting. */
  prune: () => invoke<PruneReport>("prune"),
  storeStats: () => invoke<StoreStats>("store_stats"),
  cards: (limit?: number) => invoke<Card[]>("cards", { limit: limit ?? null }),
  clusters: () => invoke<ClusterSummary[]>("clusters"),
  /** The whole map in one call; `recompute` lays it out again instead of keeping it. */
  map: (recompute = false) => invoke<MapView>("map", { recompute }),

  /** Ranked, highlighted matches by words, meaning, or both blended. */
  search: (query: SearchQuery) => invoke<SearchHit[]>("search", { query }),
  /** The articles closest in meaning to one article. */
  moreLikeThis: (id: ArticleId, limit?: number) => invoke<SearchHit[]>("more_like_this", { id, limit: limit ?? null }),
  /** Fetch whole articles from the entries' pages for this feed (on fetches recent ones now). */
  setFullText: (id: FeedId, on: boolean) => invoke<WholeArticlesReport>("set_full_text", { id, on }),

  /** The article's original page, in the system browser. */
  openArticleLink: (id: ArticleId) => invoke<void>("open_article_link", { id }),
  /** A link inside an article, in the system browser (http and https only). */
  openExternal: (url: string) => invoke<void>("open_external", { url }),
};
