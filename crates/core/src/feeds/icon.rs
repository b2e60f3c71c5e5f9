//! Feed and site icons: where to look for one, and fetching it once through the feed
//! fetcher (the same timeouts, redirect limit and honest User-Agent, and the same address
//! rule as a feed's links: an icon named by a feed on the public internet is fetched only
//! from public addresses), with a much smaller size cap, keeping only bytes that are an
//! image by their own signature. The store keeps the icon and the app serves it from
//! there, so no list ever asks a third party for it.

use super::fetch::{FetchOutcome, Fetcher, Reach, Validators};
use super::FeedError;

/// Icons bigger than this are refused (a favicon is a few KiB; this is also what every
/// list row may cost in memory).
pub const MAX_ICON_BYTES: usize = 64 * 1024;

/// An icon as fetched: its bytes, their image type (from the bytes, not the server) and
/// where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Icon {
    pub mime_type: String,
    pub bytes: Vec<u8>,
    pub source: String,
}

#[derive(Debug, thiserror::Error)]
pub enum IconError {
    #[error(transparent)]
    Fetch(#[from] FeedError),
    #[error("{url} is not an image Sift shows as an icon (PNG, ICO, GIF, JPEG or WebP)")]
    NotAnImage { url: String },
    #[error("{url} answered 304 Not Modified to an unconditional request")]
    Unexpected304 { url: String },
    #[error("the feed names no web address to look for an icon at")]
    NowhereToLook,
}

/// Where a feed's icon may be, best first: the icon or logo the feed declares, then
/// `/favicon.ico` of its site, then of the feed's own host. Only http(s), no repeats.
pub fn icon_candidates(
    declared: Option<&str>,
    site_url: Option<&str>,
    feed_url: &str,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |url: url::Url| {
        let url = url.to_string();
        if !out.contains(&url) {
            out.push(url);
        }
    };
    let http = |raw: &str| {
        url::Url::parse(raw.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
    };
    if let Some(declared) = declared.and_then(http) {
        push(declared);
    }
    for page in [site_url, Some(feed_url)].into_iter().flatten() {
        if let Some(favicon) = http(page).and_then(|u| u.join("/favicon.ico").ok()) {
            push(favicon);
        }
    }
    out
}

/// The image type of `bytes` by their signature, or `None`. SVG is not accepted: it is a
/// document that can carry script and outside references, not just pixels.
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() >= 6 && bytes.starts_with(&[0, 0, 1, 0]) && bytes[4..6] != [0, 0] {
        // ICONDIR: reserved 0, type 1 (icon), at least one image.
        Some("image/x-icon")
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Tries `candidates` in order and returns the first that is an image within
/// [`MAX_ICON_BYTES`]; otherwise the last failure. `reach` is the feed's: what its links
/// may reach.
pub async fn fetch_icon(
    fetcher: &Fetcher,
    candidates: &[String],
    reach: Reach,
) -> Result<Icon, IconError> {
    let mut last = IconError::NowhereToLook;
    for url in candidates {
        match fetch_one(fetcher, url, reach).await {
            Ok(icon) => return Ok(icon),
            Err(e) => last = e,
        }
    }
    Err(last)
}

async fn fetch_one(fetcher: &Fetcher, url: &str, reach: Reach) -> Result<Icon, IconError> {
    let fetched = match fetcher
        .fetch_capped(url, &Validators::default(), reach, MAX_ICON_BYTES)
        .await?
    {
        FetchOutcome::Fetched(fetched) => fetched,
        FetchOutcome::NotModified => {
            return Err(IconError::Unexpected304 {
                url: url.to_string(),
            })
        }
    };
    let mime_type = sniff_image(&fetched.body).ok_or_else(|| IconError::NotAnImage {
        url: url.to_string(),
    })?;
    Ok(Icon {
        mime_type: mime_type.to_string(),
        bytes: fetched.body,
        source: fetched.final_url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_declared_icon_comes_first_then_favicons_of_the_site_and_the_feed_host() {
        assert_eq!(
            icon_candidates(
                Some("https://cdn.example/logo.png"),
                Some("https://blog.example/posts/"),
                "https://feeds.example/rss.xml"
            ),
            vec![
                "https://cdn.example/logo.png",
                "https://blog.example/favicon.ico",
                "https://feeds.example/favicon.ico",
            ]
        );
        // Same host twice, a non-http declared icon, and a bundled feed's own scheme.
        assert_eq!(
            icon_candidates(
                Some("javascript:alert(1)"),
                Some("https://blog.example/"),
                "https://blog.example/feed"
            ),
            vec!["https://blog.example/favicon.ico"]
        );
        assert!(icon_candidates(None, None, "sift-sample:x").is_empty());
    }

    #[test]
    fn only_image_signatures_pass() {
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff_image(b"GIF89a...."), Some("image/gif"));
        assert_eq!(sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(
            sniff_image(&[0, 0, 1, 0, 1, 0, 16, 16]),
            Some("image/x-icon")
        );
        assert_eq!(sniff_image(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(
            sniff_image(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            None
        );
        assert_eq!(sniff_image(b"<!doctype html><p>Not found</p>"), None);
        assert_eq!(
            sniff_image(&[0, 0, 1, 0, 0, 0]),
            None,
            "an icon of no images"
        );
        assert_eq!(sniff_image(b""), None);
    }
}
