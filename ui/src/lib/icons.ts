// Feed icons come from the app's own store through the `sift-icon` protocol (see
// src-tauri/src/icons.rs): `sift-icon://localhost/ID` on Linux and macOS,
// `http://sift-icon.localhost/ID` on Windows — never from the feed's site.
import { convertFileSrc } from "@tauri-apps/api/core";

import type { FeedId } from "./bindings/FeedId";

export const ICON_SCHEME = "sift-icon";

export function feedIconUrl(id: FeedId): string {
  return convertFileSrc(String(id), ICON_SCHEME);
}
