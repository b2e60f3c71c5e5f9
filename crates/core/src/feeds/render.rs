//! Stored article HTML → the HTML the reader may put into the page.
//!
//! An image from another site tells that site who read what and when, so "remote images
//! off" must hold whatever spelling a feed uses. Checking the raw attribute text is not
//! enough: a browser resolves `" http://x"`, `"http:x/y"`, `"http:\\x\y"` and a tab or
//! newline inside the scheme to the same remote address. So every URL attribute is parsed
//! here with `url::Url` (the WHATWG parser the webview also follows) and replaced by its
//! canonical form; with remote images off, no attribute that makes the webview fetch
//! something keeps a URL at all. The stored HTML is left as it was, so turning remote
//! images on later shows them.
//!
//! The HTML passes the same allow-list as at storage time again, so content stored by an
//! older, laxer sanitizer cannot bring `srcset`, `<picture>`, `poster`, SVG or inline
//! styles to the page.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::sanitize::DROP_WITH_CONTENT;

/// What the reader gets: the HTML and how many images were held back (for its notice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedHtml {
    pub html: String,
    /// `<img>` elements whose source was removed because remote images are off. They stay
    /// in the HTML without a `src`, so the reader can show where they were.
    pub blocked_images: usize,
}

/// Attributes whose value is a URL that the webview fetches by itself when the element
/// is shown (as opposed to a link the user must click). Most never pass the allow-list;
/// they are named here so that a wider allow-list later cannot quietly let one through.
const LOADING_ATTRIBUTES: &[&str] = &[
    "src",
    "srcset",
    "poster",
    "background",
    "data",
    "lowsrc",
    "dynsrc",
    "longdesc",
    "ping",
    "action",
    "formaction",
    "manifest",
    "codebase",
    "archive",
    "classid",
    "icon",
    "usemap",
    "xlink:href",
];

/// Elements whose `href` is a link the user follows; on any other element (`<link>`,
/// SVG `<image>`, `<use>`, ...) an `href` loads something.
const LINK_ELEMENTS: &[&str] = &["a", "area"];

/// Renders `stored` (HTML sanitized when it was stored) for the reader. With
/// `remote_images` false, no attribute that loads anything keeps a URL.
pub fn render_for_reader(stored: &str, remote_images: bool) -> RenderedHtml {
    let blocked = Arc::new(AtomicUsize::new(0));
    let counter = blocked.clone();
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer"))
        .clean_content_tags(DROP_WITH_CONTENT.iter().copied().collect())
        .strip_comments(true)
        // Stored URLs are absolute; a relative one would resolve against the app itself.
        .url_relative(ammonia::UrlRelative::Deny)
        .attribute_filter(move |element, attribute, value| {
            filter_attribute(element, attribute, value, remote_images, &counter)
        });
    let html = builder.clean(stored).to_string();
    RenderedHtml {
        html,
        blocked_images: blocked.load(Ordering::Relaxed),
    }
}

fn filter_attribute<'u>(
    element: &str,
    attribute: &str,
    value: &'u str,
    remote_images: bool,
    blocked_images: &AtomicUsize,
) -> Option<Cow<'u, str>> {
    let attribute = attribute.to_ascii_lowercase();
    if attribute == "style" || attribute == "srcset" {
        // `url(...)` inside a style and the candidate list of a srcset cannot be checked
        // one URL at a time here; neither is needed to read an article.
        return None;
    }
    let is_link = attribute == "href" && LINK_ELEMENTS.contains(&element);
    let loads =
        LOADING_ATTRIBUTES.contains(&attribute.as_str()) || (attribute == "href" && !is_link);
    if !is_link && !loads {
        return Some(Cow::Borrowed(value));
    }
    let url = canonical_url(value)?;
    if loads {
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        if !remote_images {
            if element == "img" && attribute == "src" {
                blocked_images.fetch_add(1, Ordering::Relaxed);
            }
            return None;
        }
    }
    Some(Cow::Owned(url.into()))
}

/// `value` as the browser would resolve it, if it is an absolute URL of a scheme the
/// reader allows. `url::Url` strips leading and trailing spaces and control characters,
/// removes tabs and newlines anywhere, and reads backslashes as slashes in web URLs —
/// exactly the spellings that a pattern on the raw text misses.
fn canonical_url(value: &str) -> Option<url::Url> {
    let url = url::Url::parse(value).ok()?;
    matches!(url.scheme(), "http" | "https" | "mailto").then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::sanitize::sanitize_html;

    /// Every spelling of a remote image a browser would fetch, as a feed might send it.
    const TRACKERS: &str = concat!(
        r#"<p>text</p>"#,
        r#"<img src="http://t.example/plain.gif" alt="plain">"#,
        r#"<img src=" http://t.example/space.gif">"#,
        r#"<img src="http:t.example/noslash.gif">"#,
        r#"<img src="http:\\t.example\backslash.gif">"#,
        "<img src=\"ht\ttp://t.example/tab.gif\">",
        "<img src=\"ht&#9;tp://t.example/tab-entity.gif\">",
        "<img src=\"htt\np://t.example/newline.gif\">",
        r#"<img src="HTTPS://T.EXAMPLE/upper.gif">"#,
        r#"<img src="//t.example/scheme-relative.gif">"#,
        r#"<img srcset="http://t.example/srcset.gif 1x">"#,
        r#"<picture><source srcset="http://t.example/source.gif"><img src="http://t.example/picture.gif"></picture>"#,
        r#"<video poster="http://t.example/poster.gif" src="http://t.example/v.mp4"></video>"#,
        r#"<audio src="http://t.example/a.mp3"></audio>"#,
        r#"<svg><image href="http://t.example/svg.gif"/><image xlink:href="http://t.example/xlink.gif"/></svg>"#,
        r#"<table background="http://t.example/table.gif"><tr><td background="http://t.example/td.gif">x</td></tr></table>"#,
        r#"<div style="background:url(http://t.example/style.gif)">styled</div>"#,
        r#"<input type="image" src="http://t.example/input.gif">"#,
        r#"<link rel="stylesheet" href="http://t.example/x.css">"#,
        r#"<object data="http://t.example/o.swf"></object><embed src="http://t.example/e.swf">"#,
        r#"<iframe src="http://t.example/frame"></iframe>"#,
        r#"<a href="http://t.example/ping-target" ping="http://t.example/ping">link</a>"#,
        r#"<img lowsrc="http://t.example/low.gif" dynsrc="http://t.example/dyn.gif">"#,
    );

    fn base() -> url::Url {
        url::Url::parse("https://blog.example/posts/1").unwrap()
    }

    /// The only place a remote address may remain with images off: the article's link.
    fn remote_addresses_outside_links(html: &str) -> Vec<String> {
        let without_link = html.replace("href=\"http://t.example/ping-target\"", "");
        let lower = without_link.to_ascii_lowercase();
        lower
            .match_indices("t.example")
            .map(|(i, _)| lower[i.saturating_sub(40)..(i + 30).min(lower.len())].to_string())
            .collect()
    }

    #[test]
    fn no_spelling_of_a_remote_image_survives_with_images_off() {
        // Both as stored today and raw (content stored by an older, laxer sanitizer).
        for stored in [sanitize_html(TRACKERS, Some(&base())), TRACKERS.to_string()] {
            let rendered = render_for_reader(&stored, false);
            let leaks = remote_addresses_outside_links(&rendered.html);
            assert!(
                leaks.is_empty(),
                "remote URLs left: {leaks:#?}\n{}",
                rendered.html
            );
            assert!(rendered.html.contains("text"), "{}", rendered.html);
            assert!(!rendered.html.contains("style="), "{}", rendered.html);
        }
    }

    #[test]
    fn blocked_images_are_counted_and_kept_without_source() {
        let stored = sanitize_html(TRACKERS, Some(&base()));
        let rendered = render_for_reader(&stored, false);
        let images = rendered.html.matches("<img").count();
        // Two of them never had a `src` (only srcset / lowsrc), so nothing was held back.
        assert_eq!(rendered.blocked_images, images - 2, "{}", rendered.html);
        assert!(rendered.blocked_images >= 10, "{}", rendered.html);
        assert!(!rendered.html.contains("src="), "{}", rendered.html);
        assert!(rendered.html.contains(r#"alt="plain""#));
    }

    #[test]
    fn with_images_on_sources_are_canonical() {
        let stored = sanitize_html(TRACKERS, Some(&base()));
        let rendered = render_for_reader(&stored, true);
        assert_eq!(rendered.blocked_images, 0);
        for canonical in [
            r#"src="http://t.example/plain.gif""#,
            r#"src="http://t.example/space.gif""#,
            r#"src="http://t.example/noslash.gif""#,
            r#"src="http://t.example/backslash.gif""#,
            r#"src="http://t.example/tab.gif""#,
            r#"src="http://t.example/newline.gif""#,
            r#"src="https://t.example/upper.gif""#,
        ] {
            assert!(
                rendered.html.contains(canonical),
                "{canonical} missing: {}",
                rendered.html
            );
        }
        // Every src left is exactly what the browser will request.
        for (i, _) in rendered.html.match_indices("src=\"") {
            let value = &rendered.html[i + 5..];
            assert!(
                value.starts_with("http://") || value.starts_with("https://"),
                "{value}"
            );
        }
    }

    #[test]
    fn links_stay_and_are_canonical() {
        let rendered = render_for_reader(
            r#"<a href=" HTTP://Example.COM/a b">x</a><a href="javascript:alert(1)">y</a><a href="/rel">z</a>"#,
            false,
        );
        assert!(
            rendered.html.contains(r#"href="http://example.com/a%20b""#),
            "{}",
            rendered.html
        );
        assert_eq!(
            rendered.html.matches("href=").count(),
            1,
            "{}",
            rendered.html
        );
        assert!(rendered.html.contains("noopener noreferrer"));
    }
}
