import { describe, expect, it } from "vitest";
import { articleFilter, errorMessage } from "./api";

describe("errorMessage", () => {
  it("reads a CommandError, a string or an Error, never dumping objects", () => {
    expect(errorMessage({ kind: "not_found", message: "not found: article 7" })).toBe("not found: article 7");
    expect(errorMessage("Command subscribe not found")).toBe("Command subscribe not found");
    expect(errorMessage(new Error("boom"))).toBe("boom");
    expect(errorMessage({ weird: true })).toBe("Something went wrong.");
    expect(errorMessage(undefined)).toBe("Something went wrong.");
  });
});

describe("articleFilter", () => {
  it("fills every filter the core takes with its no-filter value", () => {
    expect(articleFilter()).toEqual({
      limit: null,
      feed: null,
      unrated: false,
      feeds: null,
      rating: null,
      query: null,
      unread_only: false,
      without_content: false,
    });
  });

  it("keeps what the view sets", () => {
    const f = articleFilter({ query: "rust", rating: "like", feeds: [1, 2], without_content: true });
    expect(f.query).toBe("rust");
    expect(f.rating).toBe("like");
    expect(f.feeds).toEqual([1, 2]);
    expect(f.without_content).toBe(true);
    expect(f.unrated).toBe(false);
  });
});
