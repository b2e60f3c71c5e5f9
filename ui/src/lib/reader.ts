// Preparing an article's HTML for the reader. The core already rendered it for the page
// (crates/core/src/feeds/render.rs): sanitized, every URL canonical, and with remote
// images off no image keeps its source — that is where the setting is enforced. What is
// left here is presentation: mark the images that were held back (an <img> without a
// src) so the reader can say so, and a second, belt-and-braces check on what remains.
// The HTML is parsed into an inert document (nothing loads there), adjusted, and only
// then inserted into the page.

export interface PreparedHtml {
  html: string;
  blockedImages: number;
}

// Only inline images are local; every other source is fetched from somewhere.
const INLINE = /^data:/i;

export function prepareArticleHtml(html: string, { remoteImages }: { remoteImages: boolean }): PreparedHtml {
  const doc = new DOMParser().parseFromString(`<!doctype html><body>${html}`, "text/html");
  let blockedImages = 0;
  for (const img of Array.from(doc.body.querySelectorAll("img"))) {
    const src = (img.getAttribute("src") ?? "").trim();
    const remote = (src !== "" && !INLINE.test(src)) || img.hasAttribute("srcset");
    const heldBack = !img.hasAttribute("src") && !img.hasAttribute("srcset");
    img.setAttribute("referrerpolicy", "no-referrer");
    img.setAttribute("loading", "lazy");
    if (heldBack || (remote && !remoteImages)) {
      img.removeAttribute("src");
      img.removeAttribute("srcset");
      img.setAttribute("data-blocked", "true");
      if (!img.getAttribute("alt")) img.setAttribute("alt", "image not loaded");
      blockedImages++;
    }
  }
  // Media from other sites is never loaded in the reader.
  for (const media of Array.from(doc.body.querySelectorAll("video, audio, source, iframe, object, embed, svg, link, input, style"))) {
    media.remove();
  }
  return { html: doc.body.innerHTML, blockedImages };
}

/** The http(s) URL a click inside the article asked for, or null (then nothing opens). */
export function externalLinkTarget(target: EventTarget | null): string | null {
  if (!(target instanceof Element)) return null;
  const anchor = target.closest("a[href]");
  if (!anchor) return null;
  const href = anchor.getAttribute("href") ?? "";
  return /^https?:\/\//i.test(href) ? href : null;
}
