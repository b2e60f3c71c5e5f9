// Light / dark: the user's choice in Settings, or the desktop's preference when it is
// "system" (the default). The resolved theme is set on <html data-theme>, which app.css reads.
import type { Theme } from "./bindings/Theme";

export type ResolvedTheme = "light" | "dark";

export function resolveTheme(preference: Theme, systemPrefersDark: boolean): ResolvedTheme {
  if (preference === "system") return systemPrefersDark ? "dark" : "light";
  return preference;
}

/**
 * Applies `preference` to `root` now and whenever the system preference changes.
 * Returns a function that stops following the system.
 */
export function applyTheme(preference: Theme, root: HTMLElement = document.documentElement): () => void {
  const query = typeof window.matchMedia === "function" ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  const apply = () => {
    root.dataset.theme = resolveTheme(preference, query?.matches ?? false);
  };
  apply();
  query?.addEventListener("change", apply);
  return () => query?.removeEventListener("change", apply);
}
