// Typed wrappers over the Tauri commands. The UI never calls `invoke` directly.
import { invoke } from "@tauri-apps/api/core";

export interface EngineInfo {
  version: string;
  data_dir: string;
  schema_version: number;
  feed_count: number;
}

export interface FeedRecord {
  id: number;
  url: string;
  title: string;
  site_url: string | null;
}

/** Commands reject with `{ message }`; turn any rejection into readable text. */
export function errorMessage(e: unknown): string {
  if (typeof e === "string") return e;
  if (e && typeof e === "object" && "message" in e) return String((e as { message: unknown }).message);
  return "Something went wrong.";
}

export const api = {
  appInfo: () => invoke<EngineInfo>("app_info"),
  listFeeds: () => invoke<FeedRecord[]>("list_feeds"),
};
