// The Cards view's deck: the queue of questions, the answers given in this session (for
// undo) and their count. Answering moves to the next card at once; saving the answer and
// fetching more cards happen behind it, so the next card never waits on the model.
import type { ArticleId } from "./bindings/ArticleId";
import type { Card, Rating, Recommendation } from "./pending-types";

export interface Answer {
  card: Card;
  rating: Rating;
}

export class CardDeck {
  queue: Card[] = $state([]);
  history: Answer[] = $state([]);

  get current(): Card | undefined {
    return this.queue[0];
  }

  /** Answers given in this session and not undone. */
  get answered(): number {
    return this.history.length;
  }

  /** Answers the current card; returns the answer to save, or undefined when empty. */
  answer(rating: Rating): Answer | undefined {
    const card = this.queue[0];
    if (!card) return undefined;
    this.queue = this.queue.slice(1);
    const answer = { card, rating };
    this.history = [...this.history, answer];
    return answer;
  }

  /** Takes back the last answer and shows its card again; returns it to clear. */
  undo(): Answer | undefined {
    const last = this.history.at(-1);
    if (!last) return undefined;
    this.history = this.history.slice(0, -1);
    this.queue = [last.card, ...this.queue.filter((c) => c.id !== last.card.id)];
    return last;
  }

  /**
   * Adds freshly selected cards behind the current one, skipping any already queued or
   * answered (the core may not have stored an answer that is still being saved).
   */
  refill(cards: Card[]): void {
    const known = new Set<ArticleId>([...this.queue.map((c) => c.id), ...this.history.map((a) => a.card.id)]);
    const fresh = cards.filter((c) => !known.has(c.id));
    this.queue = [...this.queue, ...fresh];
  }

  /** Replaces the queue after the model changed: keeps the card on screen first. */
  replaceAfterCurrent(cards: Card[]): void {
    const current = this.queue[0];
    this.queue = current ? [current] : [];
    this.refill(cards);
  }
}

/** What an answer changed in the top of For you, in a sentence or two. */
export function describeChange(before: Recommendation[], after: Recommendation[]): string[] {
  if (after.length === 0) return [];
  if (before.length === 0) return [`Your top pick is now “${after[0].title}”`];
  const changes: string[] = [];
  if (before[0]?.id !== after[0].id) changes.push(`New top pick: “${after[0].title}”`);
  const beforeIds = new Set(before.map((r) => r.id));
  const entered = after.filter((r) => !beforeIds.has(r.id));
  if (entered.length === 1) changes.push(`“${entered[0].title}” entered your top ${after.length}`);
  else if (entered.length > 1) changes.push(`${entered.length} new articles entered your top ${after.length}`);
  if (changes.length === 0) changes.push(`Your top ${after.length} held steady`);
  return changes;
}
