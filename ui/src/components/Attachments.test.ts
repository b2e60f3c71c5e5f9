import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";

import Attachments from "./Attachments.svelte";
import type { MediaEnclosure } from "../lib/bindings/MediaEnclosure";

const ENCLOSURES: MediaEnclosure[] = [
  { url: "https://pod.example/ep1.mp3", mime_type: "audio/mpeg", length: 12_345_678, kind: "audio" },
  { url: "https://pod.example/cover.png", mime_type: "image/png", length: null, kind: "image" },
  { url: "https://pod.example/clip.mp4", mime_type: "video/mp4", length: null, kind: "video" },
  { url: "https://pod.example/notes.pdf", mime_type: "application/pdf", length: 2048, kind: "file" },
];

/** Every URL the rendered attachments would make the webview fetch by itself. */
function loadingUrls(container: HTMLElement): string[] {
  return [...container.querySelectorAll("img[src], audio[src], video[src], source[src]")]
    .filter((el) => !(el instanceof HTMLMediaElement) || el.getAttribute("preload") !== "none")
    .map((el) => el.getAttribute("src") ?? "");
}

describe("Attachments", () => {
  afterEach(cleanup);

  it("with remote media off, loads nothing until asked, then only what was asked for", async () => {
    const play = vi.spyOn(HTMLMediaElement.prototype, "play").mockResolvedValue();
    const { container } = render(Attachments, { enclosures: ENCLOSURES, remoteMedia: false, onOpen: () => {} });
    expect(screen.getAllByTestId("attachment")).toHaveLength(4);
    expect(container.querySelectorAll("[src]")).toHaveLength(0);
    expect(screen.getAllByTestId("attachment-load").map((b) => b.textContent?.trim())).toEqual(["Play audio", "Show image", "Play video"]);
    expect(container.textContent).toContain("12 MB");
    expect(container.textContent).toContain("notes.pdf");

    await fireEvent.click(screen.getAllByTestId("attachment-load")[0]);
    const audio = container.querySelector("audio")!;
    expect(audio.getAttribute("src")).toBe("https://pod.example/ep1.mp3");
    expect(audio.getAttribute("preload")).toBe("none");
    expect(play).toHaveBeenCalledTimes(1);
    expect(container.querySelectorAll("img[src], video[src]")).toHaveLength(0);
    play.mockRestore();
  });

  it("with remote media on, shows images and players that never preload", () => {
    const { container } = render(Attachments, { enclosures: ENCLOSURES, remoteMedia: true, onOpen: () => {} });
    expect(screen.queryAllByTestId("attachment-load")).toHaveLength(0);
    expect(container.querySelector("img")?.getAttribute("referrerpolicy")).toBe("no-referrer");
    for (const player of container.querySelectorAll("audio, video")) expect(player.getAttribute("preload")).toBe("none");
    expect(loadingUrls(container)).toEqual(["https://pod.example/cover.png"]);
  });

  it("opens any attachment in the browser", async () => {
    const onOpen = vi.fn();
    render(Attachments, { enclosures: ENCLOSURES, remoteMedia: false, onOpen });
    await fireEvent.click(screen.getAllByTestId("attachment-open")[3]);
    expect(onOpen).toHaveBeenCalledWith("https://pod.example/notes.pdf");
  });
});
