// The app's views, in navigation order. `id` is stable: tests and keyboard shortcuts use it.
export type ViewId = "for-you" | "cards" | "articles" | "saved" | "map" | "clusters" | "feeds" | "settings" | "search";

export interface ViewDef {
  id: ViewId;
  label: string;
  key: string;
}

export const VIEWS: ViewDef[] = [
  { id: "for-you", label: "For you", key: "1" },
  { id: "cards", label: "Cards", key: "2" },
  { id: "articles", label: "All articles", key: "3" },
  { id: "saved", label: "Saved", key: "4" },
  { id: "map", label: "Map", key: "5" },
  { id: "clusters", label: "Clusters", key: "6" },
  { id: "feeds", label: "Feeds", key: "7" },
  { id: "settings", label: "Settings", key: "8" },
  { id: "search", label: "Search", key: "9" },
];

/** The view a number key selects, or undefined when the key is not a view shortcut. */
export function viewForKey(key: string): ViewDef | undefined {
  return VIEWS.find((v) => v.key === key);
}
