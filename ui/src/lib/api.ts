// Typed wrappers over the Tauri commands; the UI never calls `invoke` directly. The types
// come from ./bindings, generated from the Rust types (see src-tauri/src/bindings.rs).
import { invoke } from "@tauri-apps/api/core";

import type { ArticleId } from "./bindings/ArticleId";
import type { CommandError } from "./bindings/CommandError";
import type { EngineInfo } from "./bindings/EngineInfo";
import type { FeedRecord } from "./bindings/FeedRecord";
import type { Settings } from "./bindings/Settings";

export type { ArticleId, CommandError, EngineInfo, FeedRecord, Settings };

function isCommandError(e: unknown): e is CommandError {
  return typeof e === "object" && e !== null && "message" in e && typeof (e as CommandError).message === "string";
}

/** Commands reject with a `CommandError`; turn any rejection into text a person can read. */
export function errorMessage(e: unknown): string {
  if (isCommandError(e)) return e.message;
  if (typeof e === "string" && e.trim()) return e;
  if (e instanceof Error && e.message) return e.message;
  return "Something went wrong.";
}

/** What importing an OPML file did. (Typed here until the core's report type lands.) */
export interface OpmlImportReport {
  added: number;
  skipped: number;
  errors: string[];
}

export const api = {
  appInfo: () => invoke<EngineInfo>("app_info"),
  listFeeds: () => invoke<FeedRecord[]>("list_feeds"),
  settings: () => invoke<Settings>("get_settings"),
  updateSettings: (settings: Settings) => invoke<Settings>("update_settings", { settings }),
  openArticleLink: (id: ArticleId) => invoke<void>("open_article_link", { id }),
  subscribe: (url: string) => invoke<FeedRecord>("subscribe", { url }),
  /** Asks for a file with the system dialog (Rust side); null when the user cancels. */
  importOpmlDialog: () => invoke<OpmlImportReport | null>("import_opml_dialog"),
};
