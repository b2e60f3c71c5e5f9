// Narrowing the article list in the All articles view. The core filters by feed and
// "unrated"; rating and text search are applied here to the list it returned.
import type { ArticleView } from "./bindings/ArticleView";

export type RatingFilter = "any" | "unrated" | "like" | "dislike" | "skip";

export interface ArticleFilters {
  rating: RatingFilter;
  query: string;
}

/** Lower-case words of the query; an article matches when it contains every one. */
function words(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

export function filterArticles(articles: ArticleView[], filters: ArticleFilters): ArticleView[] {
  const needles = words(filters.query);
  return articles.filter((a) => {
    if (filters.rating === "unrated" && a.rating) return false;
    if (filters.rating !== "any" && filters.rating !== "unrated" && a.rating !== filters.rating) return false;
    if (needles.length === 0) return true;
    const haystack = `${a.title}\n${a.summary ?? ""}\n${a.author ?? ""}`.toLowerCase();
    return needles.every((n) => haystack.includes(n));
  });
}
