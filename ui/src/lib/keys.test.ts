import { describe, expect, it } from "vitest";
import { cardActionForKey, hasCommandModifier, isTypingTarget, moveSelection } from "./keys";

describe("isTypingTarget", () => {
  it("is true for text fields and false for checkboxes and buttons", () => {
    const text = document.createElement("input");
    const checkbox = document.createElement("input");
    checkbox.type = "checkbox";
    expect(isTypingTarget(text)).toBe(true);
    expect(isTypingTarget(document.createElement("textarea"))).toBe(true);
    expect(isTypingTarget(document.createElement("select"))).toBe(true);
    expect(isTypingTarget(checkbox)).toBe(false);
    expect(isTypingTarget(document.createElement("button"))).toBe(false);
    expect(isTypingTarget(null)).toBe(false);
  });
});

describe("hasCommandModifier", () => {
  it("sees Ctrl, Meta and Alt but not Shift", () => {
    expect(hasCommandModifier({ ctrlKey: true, metaKey: false, altKey: false })).toBe(true);
    expect(hasCommandModifier({ ctrlKey: false, metaKey: false, altKey: false })).toBe(false);
  });
});

describe("moveSelection", () => {
  it("moves down with j and up with k, staying inside the list", () => {
    expect(moveSelection("j", -1, 3)).toBe(0);
    expect(moveSelection("j", 0, 3)).toBe(1);
    expect(moveSelection("j", 2, 3)).toBe(2);
    expect(moveSelection("k", 2, 3)).toBe(1);
    expect(moveSelection("k", 0, 3)).toBe(0);
    expect(moveSelection("k", -1, 3)).toBe(0);
  });
  it("understands arrows, Home and End, and ignores other keys and empty lists", () => {
    expect(moveSelection("ArrowDown", 0, 3)).toBe(1);
    expect(moveSelection("End", 0, 3)).toBe(2);
    expect(moveSelection("Home", 2, 3)).toBe(0);
    expect(moveSelection("x", 0, 3)).toBeUndefined();
    expect(moveSelection("j", -1, 0)).toBeUndefined();
  });
});

describe("cardActionForKey", () => {
  it("maps L, D, S, U in either case", () => {
    expect(cardActionForKey("l")).toBe("like");
    expect(cardActionForKey("D")).toBe("dislike");
    expect(cardActionForKey("s")).toBe("skip");
    expect(cardActionForKey("u")).toBe("undo");
    expect(cardActionForKey("x")).toBeUndefined();
  });
});
