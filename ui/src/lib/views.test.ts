import { describe, expect, it } from "vitest";
import { VIEWS, viewForKey } from "./views";

describe("views", () => {
  it("lists the six views in navigation order", () => {
    expect(VIEWS.map((v) => v.label)).toEqual([
      "For you", "Cards", "All articles", "Map", "Feeds", "Settings",
    ]);
  });
  it("maps number keys to views and ignores other keys", () => {
    expect(viewForKey("2")?.id).toBe("cards");
    expect(viewForKey("x")).toBeUndefined();
  });
});
