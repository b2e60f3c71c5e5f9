import { describe, expect, it } from "vitest";
import { CardDeck, describeChange } from "./cards.svelte";
import type { Card, Recommendation } from "./pending-types";

const card = (id: number): Card => ({ id, title: `Card ${id}`, link: null, score: 0.5, confidence: 0.1, reason: "unsure" });
const rec = (id: number): Recommendation => ({ id, title: `Article ${id}`, link: null, feed_id: 1, score: 0.9, confidence: 0.5, cluster: null, reason: "" });

describe("CardDeck", () => {
  it("answers move to the next card at once and count", () => {
    const deck = new CardDeck();
    deck.refill([card(1), card(2), card(3)]);
    expect(deck.current?.id).toBe(1);
    expect(deck.answer("like")).toEqual({ card: card(1), rating: "like" });
    expect(deck.current?.id).toBe(2);
    deck.answer("dislike");
    expect(deck.answered).toBe(2);
  });

  it("undo brings the last card back first", () => {
    const deck = new CardDeck();
    deck.refill([card(1), card(2)]);
    deck.answer("skip");
    expect(deck.undo()?.card.id).toBe(1);
    expect(deck.current?.id).toBe(1);
    expect(deck.answered).toBe(0);
    expect(deck.undo()).toBeUndefined();
  });

  it("refill skips cards already queued or answered", () => {
    const deck = new CardDeck();
    deck.refill([card(1), card(2)]);
    deck.answer("like");
    deck.refill([card(1), card(2), card(3)]);
    expect(deck.queue.map((c) => c.id)).toEqual([2, 3]);
  });

  it("replacing after an answer keeps the card on screen", () => {
    const deck = new CardDeck();
    deck.refill([card(1), card(2)]);
    deck.replaceAfterCurrent([card(5), card(1), card(6)]);
    expect(deck.queue.map((c) => c.id)).toEqual([1, 5, 6]);
  });

  it("answering an empty deck does nothing", () => {
    expect(new CardDeck().answer("like")).toBeUndefined();
  });
});

describe("describeChange", () => {
  it("names a new top pick and articles entering the top", () => {
    expect(describeChange([rec(1), rec(2)], [rec(3), rec(1)])).toEqual([
      "New top pick: “Article 3”",
      "“Article 3” entered your top 2",
    ]);
  });
  it("says when nothing moved, and handles the first ranking", () => {
    expect(describeChange([rec(1), rec(2)], [rec(1), rec(2)])).toEqual(["Your top 2 held steady"]);
    expect(describeChange([], [rec(4)])).toEqual(["Your top pick is now “Article 4”"]);
    expect(describeChange([rec(1)], [])).toEqual([]);
  });
});
