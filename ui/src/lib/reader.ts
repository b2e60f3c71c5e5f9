// Preparing an article's HTML for the reader. The HTML was sanitized by the core (no
// scripts, no event handlers; the CSP would block them anyway); what is left to decide
// here is whether images from other sites may load, which tells those sites that you
// read the article. The HTML is parsed into an inert document (nothing loads there),
// adjusted, and only then inserted into the page.

export interface PreparedHtml {
  html: string;
  blockedImages: number;
}

const REMOTE = /^(https?:)?\/\//i;

export function prepareArticleHtml(html: string, { remoteImages }: { remoteImages: boolean }): PreparedHtml {
  const doc = new DOMParser().parseFromString(`<!doctype html><body>${html}`, "text/html");
  let blockedImages = 0;
  for (const img of Array.from(doc.body.querySelectorAll("img"))) {
    const src = img.getAttribute("src") ?? "";
    const remote = REMOTE.test(src) || img.hasAttribute("srcset");
    img.setAttribute("referrerpolicy", "no-referrer");
    img.setAttribute("loading", "lazy");
    if (remote && !remoteImages) {
      img.removeAttribute("src");
      img.removeAttribute("srcset");
      img.setAttribute("data-blocked", "true");
      if (!img.getAttribute("alt")) img.setAttribute("alt", "image not loaded");
      blockedImages++;
    }
  }
  // Media from other sites is never loaded in the reader.
  for (const media of Array.from(doc.body.querySelectorAll("video, audio, source, iframe, object, embed"))) {
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
