import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";

import App from "./App.svelte";
import type { Settings } from "./lib/bindings/Settings";

const SETTINGS: Settings = {
  theme: "dark",
  remote_images: false,
  notifications: false,
  refresh_interval_minutes: 60,
  recommend_threshold: 0.5,
  retention_days: 90,
  close_to_tray: true,
  start_at_login: false,
};

describe("App", () => {
  let calls: string[];

  beforeEach(() => {
    calls = [];
    mockIPC((cmd, args) => {
      calls.push(cmd);
      switch (cmd) {
        case "app_info":
          return { version: "0.1.0", data_dir: "/tmp/store", schema_version: 1, feed_count: 0 };
        case "get_settings":
          return SETTINGS;
        case "model_info":
          return { id: "all-MiniLM-L6-v2-int8@256", dir: "/repo/models", found: true };
        case "update_settings":
          throw { kind: "invalid_input", message: "the refresh interval must be between 5 and 10080 minutes" };
        case "feeds":
        case "recommend":
        case "for_you":
        case "cards":
        case "articles":
        case "clusters":
        case "map":
        case "saved":
        case "rules":
          return [];
        case "unread_counts":
          return { total: 0, for_you: 0, saved: 0, feeds: [], folders: [], can_undo: false };
        case "store_stats":
          return { feeds: 0, articles: 0, unread: 0, rated: 0, saved: 0, vectors: 0, rules: 0, size_bytes: 0, retention_days: 90 };
        default:
          throw `unexpected command ${cmd} ${JSON.stringify(args)}`;
      }
    });
  });

  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("starts on For you with an honest empty state and applies the stored theme", async () => {
    render(App);
    expect(screen.getByTestId("view-for-you")).toBeTruthy();
    await waitFor(() => expect(screen.getByText("Welcome to Sift")).toBeTruthy());
    expect(screen.getByTestId("first-run-sample")).toBeTruthy();
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe("dark"));
  });

  it("switches views with number keys but not while typing", async () => {
    render(App);
    await fireEvent.keyDown(window, { key: "7" });
    expect(screen.getByTestId("view-feeds")).toBeTruthy();
    const input = await screen.findByTestId("feed-url");
    await fireEvent.keyDown(input, { key: "2" });
    expect(screen.getByTestId("view-feeds")).toBeTruthy();
    await fireEvent.keyDown(window, { key: "8" });
    expect(screen.getByTestId("view-settings")).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId("info-data-dir").textContent).toBe("/tmp/store"));
  });

  it("shows a refused setting as a readable error and keeps the stored value", async () => {
    render(App);
    await fireEvent.keyDown(window, { key: "8" });
    const input = (await screen.findByTestId("setting-refresh-interval")) as HTMLInputElement;
    input.value = "1";
    await fireEvent.change(input);
    const toast = await screen.findByTestId("toast");
    expect(toast.textContent).toContain("refresh interval must be between");
    await waitFor(() => expect(input.value).toBe("60"));
  });
});
