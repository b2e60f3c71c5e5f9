import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";

import { AppState } from "./app.svelte";

describe("AppState", () => {
  let calls: { cmd: string; args: unknown }[];
  const savedNow = new Set<number>();

  beforeEach(() => {
    calls = [];
    savedNow.clear();
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      const a = args as { id: number; saved: boolean; read: boolean };
      switch (cmd) {
        case "set_read":
          return { id: a.id, read: a.read };
        case "set_saved":
          if (a.saved) savedNow.add(a.id);
          else savedNow.delete(a.id);
          return { id: a.id, saved: a.saved };
        case "app_info":
          throw { kind: "unavailable", message: "Sift could not open its store in /x: the store at /x is corrupt" };
        case "feeds":
          throw { kind: "storage", message: "disk full" };
        case "unread_counts":
          return { total: 0, for_you: 0, saved: savedNow.size, feeds: [], folders: [], can_undo: false };
        default:
          throw `unexpected command ${cmd}`;
      }
    });
  });

  afterEach(() => clearMocks());

  it("next unread skips articles the list loaded as read, not only those read since", async () => {
    const app = new AppState();
    // Show read is on: 2 and 4 were read before the list was shown.
    app.readingQueue = [
      { id: 1, read: false },
      { id: 2, read: true },
      { id: 3, read: false },
      { id: 4, read: true },
      { id: 5, read: false },
    ];
    expect(app.nextUnread(null)).toBe(1);
    expect(app.nextUnread(1)).toBe(3);
    await app.setRead(3, true);
    expect(app.nextUnread(1)).toBe(5);
    // Marked unread again since: it is next again.
    await app.setRead(2, false);
    expect(app.nextUnread(1)).toBe(2);
    expect(app.nextUnread(5)).toBeNull();
  });

  it("saving goes through one place: the call, the mark every view reads, the toast", async () => {
    const app = new AppState();
    expect(app.isSaved(7, false)).toBe(false);
    expect(await app.setSaved(7, true)).toBe(true);
    expect(calls.find((c) => c.cmd === "set_saved")?.args).toEqual({ id: 7, saved: true });
    expect(app.isSaved(7, false)).toBe(true);
    expect(app.toasts.items.at(-1)?.message).toBe("Saved for later");
    expect(await app.setSaved(7, false)).toBe(false);
    expect(app.isSaved(7, true)).toBe(false);
    expect(app.toasts.items.at(-1)?.message).toBe("Removed from Saved");
    // A new view starts from what it loads.
    app.navigate("saved");
    expect(app.isSaved(7, true)).toBe(true);
  });

  it("a store that could not be opened is said in the window, not in a passing toast", async () => {
    const app = new AppState();
    await app.loadFeeds();
    expect(app.unavailable).toBeNull();
    expect(app.toasts.items.at(-1)?.message).toBe("disk full");
    await app.loadInfo();
    expect(app.unavailable).toBe("Sift could not open its store in /x: the store at /x is corrupt");
    expect(app.toasts.items.map((t) => t.message)).toEqual(["disk full"]);
  });
});
