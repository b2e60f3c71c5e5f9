// State every view shares: engine info, settings, the feed list (for feed names), which
// view and which article are open, and a counter that ticks when the library changed in
// the background so views reload. Created once by App.svelte and handed down through
// Svelte context.
import { getContext, setContext } from "svelte";

import { Activity } from "./activity.svelte";
import { CardDeck } from "./cards.svelte";
import { api, errorMessage, isUnavailable, type ArticleId, type EngineInfo, type FeedId, type FeedSummary, type SearchMode, type Settings, type UnreadCounts } from "./api";
import { hostOf } from "./format";
import { Toasts } from "./toasts.svelte";
import type { ViewId } from "./views";

/** An article of the list on screen, as the reading queue holds it. */
export interface QueuedArticle {
  id: ArticleId;
  /** Read when the list loaded it. */
  read: boolean;
}

export class AppState {
  info: EngineInfo | null = $state(null);
  settings: Settings | null = $state(null);
  feeds: FeedSummary[] = $state([]);
  view: ViewId = $state("for-you");
  readerId: ArticleId | null = $state(null);
  /** Bumped whenever articles, scores or ratings changed; views reload on it. */
  libraryVersion = $state(0);
  readonly toasts = new Toasts();
  readonly activity = new Activity();
  /** The Cards view's deck lives here so answers and their count survive switching views. */
  readonly deck = new CardDeck();
  /** What the last answers changed in For you, in words. */
  cardChanges: string[] = $state([]);
  /** The Search view's box, kept across views; `like` shows "more like this" instead. */
  search: { text: string; mode: SearchMode; like: ArticleId | null } = $state({ text: "", mode: "blend", like: null });
  /** Why the store could not be opened at start; the window shows it instead of the views. */
  unavailable: string | null = $state(null);
  /** Unread counts per view, feed and folder (navigation badges, Feeds). */
  unread: UnreadCounts | null = $state(null);
  /** The list on screen, in order, with each article's read state as the list loaded it:
   *  space / j in the reader opens the next unread one. */
  readingQueue: QueuedArticle[] = $state([]);
  /** Articles read or unread since the list was shown, so the list keeps its place. */
  readNow: Map<ArticleId, boolean> = $state(new Map());
  /** Articles saved or unsaved since the list was shown. */
  savedNow: Map<ArticleId, boolean> = $state(new Map());

  navigate(view: ViewId): void {
    this.view = view;
    this.readNow = new Map();
    this.savedNow = new Map();
  }

  /** Whether `id` is read: marked since the list was shown, else as it was loaded. */
  isRead(id: ArticleId, loaded: boolean): boolean {
    return this.readNow.get(id) ?? loaded;
  }

  /** Whether `id` is saved: changed since the list was shown, else as it was loaded. */
  isSaved(id: ArticleId, loaded: boolean): boolean {
    return this.savedNow.get(id) ?? loaded;
  }

  /** Marks read or unread, keeping the article where it is in the list on screen. */
  async setRead(id: ArticleId, read: boolean): Promise<void> {
    try {
      await api.setRead(id, read);
      this.readNow = new Map(this.readNow).set(id, read);
      this.loadUnread();
    } catch (e) {
      this.fail(e);
    }
  }

  /** Saves for later or unsaves (every view saves through here); says so in a toast.
   *  Returns whether it is saved now, or undefined when the call failed. */
  async setSaved(id: ArticleId, saved: boolean): Promise<boolean | undefined> {
    try {
      const state = await api.setSaved(id, saved);
      this.savedNow = new Map(this.savedNow).set(id, state.saved);
      this.toasts.show(state.saved ? "Saved for later" : "Removed from Saved");
      this.loadUnread();
      return state.saved;
    } catch (e) {
      return this.fail(e);
    }
  }

  /** The next article after `current` in the list on screen that is not read: neither when
   *  the list loaded nor since. */
  nextUnread(current: ArticleId | null): ArticleId | null {
    const start = current === null ? 0 : this.readingQueue.findIndex((a) => a.id === current) + 1;
    const next = this.readingQueue.slice(start).find((a) => a.id !== current && !this.isRead(a.id, a.read));
    return next?.id ?? null;
  }

  async loadUnread(): Promise<void> {
    try {
      this.unread = await api.unreadCounts();
    } catch {
      // Counts are a hint; a failure shows elsewhere.
    }
  }

  openReader(id: ArticleId): void {
    this.readerId = id;
  }

  closeReader(): void {
    this.readerId = null;
  }

  /** Search view listing the articles closest in meaning to `id`. */
  moreLikeThis(id: ArticleId): void {
    this.search.like = id;
    this.readerId = null;
    this.view = "search";
  }

  feedTitle(id: FeedId): string {
    const feed = this.feeds.find((f) => f.id === id);
    return feed ? feed.title || hostOf(feed.url) : "";
  }

  /** Shows a failed call's message; returns undefined so callers can `?? fallback`. */
  fail(e: unknown): undefined {
    if (isUnavailable(e)) this.unavailable = errorMessage(e);
    else this.toasts.error(errorMessage(e));
    return undefined;
  }

  async loadInfo(): Promise<void> {
    try {
      this.info = await api.appInfo();
    } catch (e) {
      this.fail(e);
    }
  }

  async loadSettings(): Promise<void> {
    try {
      this.settings = await api.settings();
    } catch (e) {
      this.fail(e);
    }
  }

  async loadFeeds(): Promise<void> {
    try {
      this.feeds = await api.feeds();
    } catch (e) {
      this.fail(e);
    }
  }

  /** After anything changed the library: refresh shared data and tell the views. */
  async libraryChanged(): Promise<void> {
    await Promise.all([this.loadInfo(), this.loadFeeds(), this.loadUnread()]);
    this.libraryVersion++;
  }
}

const KEY = Symbol("sift-app");

export function provideApp(app = new AppState()): AppState {
  setContext(KEY, app);
  return app;
}

export function useApp(): AppState {
  const app = getContext<AppState | undefined>(KEY);
  if (!app) throw new Error("useApp() outside the app: provideApp() was not called");
  return app;
}
