import { describe, expect, it } from "vitest";
import { filterArticles } from "./articles";
import type { ArticleView } from "./bindings/ArticleView";

function article(id: number, title: string, rating: string | null, summary = ""): ArticleView {
  return { id, feed_id: 1, title, link: null, published: null, author: null, summary, content_html: null, score: null, confidence: null, rating };
}

const LIST = [
  article(1, "Rust 2.0 released", "like", "The compiler got faster"),
  article(2, "Celebrity gossip", "dislike"),
  article(3, "GraphQL in practice", null, "APIs and schemas"),
  article(4, "Landscape photography", "skip"),
];

describe("filterArticles", () => {
  it("filters by rating", () => {
    expect(filterArticles(LIST, { rating: "any", query: "" })).toHaveLength(4);
    expect(filterArticles(LIST, { rating: "unrated", query: "" }).map((a) => a.id)).toEqual([3]);
    expect(filterArticles(LIST, { rating: "like", query: "" }).map((a) => a.id)).toEqual([1]);
    expect(filterArticles(LIST, { rating: "skip", query: "" }).map((a) => a.id)).toEqual([4]);
  });
  it("keeps only the feeds of a folder", () => {
    const mixed = [...LIST, { ...LIST[0], id: 9, feed_id: 2 }];
    expect(filterArticles(mixed, { rating: "any", query: "", feeds: new Set([2]) }).map((a) => a.id)).toEqual([9]);
    expect(filterArticles(mixed, { rating: "any", query: "", feeds: null })).toHaveLength(5);
  });
  it("hides read articles when asked", () => {
    const read = new Set([1, 3]);
    expect(filterArticles(LIST, { rating: "any", query: "", unreadOnly: true, read }).map((a) => a.id)).toEqual([2, 4]);
    expect(filterArticles(LIST, { rating: "any", query: "", unreadOnly: false, read })).toHaveLength(4);
  });
  it("searches title and summary for every word, ignoring case", () => {
    expect(filterArticles(LIST, { rating: "any", query: "compiler RUST" }).map((a) => a.id)).toEqual([1]);
    expect(filterArticles(LIST, { rating: "any", query: "schemas" }).map((a) => a.id)).toEqual([3]);
    expect(filterArticles(LIST, { rating: "like", query: "graphql" })).toEqual([]);
  });
});
