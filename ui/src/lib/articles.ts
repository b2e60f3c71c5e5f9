// Narrowing the article list in the All articles view. The core filters by feed and
// "unrated"; folder, rating and text search are applied here to the list it returned.
import type { ArticleView } from "./bindings/ArticleView";
import type { ArticleId } from "./bindings/ArticleId";
import type { FeedId } from "./bindings/FeedId";

export type RatingFilter = "any" | "unrated" | "like" | "dislike" | "skip";

export interface ArticleFilters {
  rating: RatingFilter;
  query: string;
  /** Only articles of these feeds (a folder's); null or absent for all. */
  feeds?: ReadonlySet<FeedId> | null;
  /** With `read`, only the articles not in it. */
  unreadOnly?: boolean;
  read?: ReadonlySet<ArticleId>;
}

/** Lower-case words of the query; an article matches when it contains every one. */
function words(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

export function filterArticles(articles: ArticleView[], filters: ArticleFilters): ArticleView[] {
  const needles = words(filters.query);
  return articles.filter((a) => {
    if (filters.feeds && !filters.feeds.has(a.feed_id)) return false;
    if (filters.unreadOnly && filters.read?.has(a.id)) return false;
    if (filters.rating === "unrated" && a.rating) return false;
    if (filters.rating !== "any" && filters.rating !== "unrated" && a.rating !== filters.rating) return false;
    if (needles.length === 0) return true;
    const haystack = `${a.title}\n${a.summary ?? ""}\n${a.author ?? ""}`.toLowerCase();
    return needles.every((n) => haystack.includes(n));
  });
}
