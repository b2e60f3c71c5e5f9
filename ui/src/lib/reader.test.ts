import { describe, expect, it } from "vitest";
import { externalLinkTarget, prepareArticleHtml } from "./reader";

const HTML = `<p>Hello</p><img src="https://tracker.example/pixel.gif"><img src="data:image/png;base64,AAAA" alt="inline"><video src="https://x/v.mp4"></video>`;

describe("prepareArticleHtml", () => {
  it("blocks remote images unless allowed, keeping inline ones", () => {
    const { html, blockedImages } = prepareArticleHtml(HTML, { remoteImages: false });
    expect(blockedImages).toBe(1);
    expect(html).not.toContain("tracker.example");
    expect(html).toContain("data:image/png");
    expect(html).toContain('data-blocked="true"');
    expect(html).not.toContain("<video");
  });
  it("lets remote images load without a referrer when allowed", () => {
    const { html, blockedImages } = prepareArticleHtml(HTML, { remoteImages: true });
    expect(blockedImages).toBe(0);
    expect(html).toContain("https://tracker.example/pixel.gif");
    expect(html).toContain('referrerpolicy="no-referrer"');
  });
});

describe("prepareArticleHtml with the core's rendering", () => {
  it("marks images the core held back and never lets an odd spelling through", () => {
    const odd = `<img alt="held back"><img src=" http://t.example/a.gif"><img src="http:t.example/b.gif"><img src="http:\\\\t.example\\c.gif">`;
    const { html, blockedImages } = prepareArticleHtml(odd, { remoteImages: false });
    expect(blockedImages).toBe(4);
    expect(html).not.toContain("t.example");
    expect(html.match(/data-blocked="true"/g)?.length).toBe(4);
    expect(html).toContain('alt="held back"');
  });
});

describe("externalLinkTarget", () => {
  it("returns http(s) links and ignores others", () => {
    const root = document.createElement("div");
    root.innerHTML = `<a href="https://example.com/a"><span id="in">x</span></a><a id="js" href="javascript:alert(1)">y</a><a id="rel" href="/local">z</a>`;
    expect(externalLinkTarget(root.querySelector("#in"))).toBe("https://example.com/a");
    expect(externalLinkTarget(root.querySelector("#js"))).toBeNull();
    expect(externalLinkTarget(root.querySelector("#rel"))).toBeNull();
    expect(externalLinkTarget(null)).toBeNull();
  });
});
