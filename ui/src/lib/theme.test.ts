import { afterEach, describe, expect, it, vi } from "vitest";
import { applyTheme, resolveTheme } from "./theme";

describe("resolveTheme", () => {
  it("follows the system only when asked to", () => {
    expect(resolveTheme("system", true)).toBe("dark");
    expect(resolveTheme("system", false)).toBe("light");
    expect(resolveTheme("light", true)).toBe("light");
    expect(resolveTheme("dark", false)).toBe("dark");
  });
});

describe("applyTheme", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("sets data-theme and follows later system changes", () => {
    let listener: (() => void) | undefined;
    const query = {
      matches: true,
      addEventListener: (_: string, l: () => void) => (listener = l),
      removeEventListener: vi.fn(),
    };
    vi.stubGlobal("matchMedia", () => query);
    const root = document.createElement("html");
    const stop = applyTheme("system", root);
    expect(root.dataset.theme).toBe("dark");
    query.matches = false;
    listener?.();
    expect(root.dataset.theme).toBe("light");
    stop();
    expect(query.removeEventListener).toHaveBeenCalled();
  });
});
