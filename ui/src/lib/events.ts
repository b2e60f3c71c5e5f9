// The app's background events (src-tauri/src/events.rs emits them under these names).
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

import type { Progress } from "./bindings/Progress";

export type { Progress };

export const PROGRESS_EVENT = "sift://progress";
export const LIBRARY_CHANGED_EVENT = "sift://library-changed";

export function onProgress(handler: (progress: Progress) => void): Promise<UnlistenFn> {
  return listen<Progress>(PROGRESS_EVENT, (event) => handler(event.payload));
}

export function onLibraryChanged(handler: () => void): Promise<UnlistenFn> {
  return listen(LIBRARY_CHANGED_EVENT, () => handler());
}
