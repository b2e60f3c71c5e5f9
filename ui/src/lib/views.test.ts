import { describe, expect, it } from "vitest";
import { VIEWS, viewForKey } from "./views";

describe("views", () => {
  it("lists the views in navigation order, on keys 1 to 8", () => {
    expect(VIEWS.map((v) => v.label)).toEqual([
      "For you", "Cards", "All articles", "Saved", "Map", "Clusters", "Feeds", "Settings", "Search",
    ]);
    expect(VIEWS.map((v) => v.key).join("")).toBe("123456789");
  });
  it("maps number keys to views and ignores other keys", () => {
    expect(viewForKey("2")?.id).toBe("cards");
    expect(viewForKey("x")).toBeUndefined();
  });
});
