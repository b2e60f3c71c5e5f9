//! Subscriptions as stored, and the URL form that makes duplicates detectable.

use serde::{Deserialize, Serialize};

use super::FeedId;

/// How the last fetch of a feed went.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FeedStatus {
    /// Subscribed but never fetched yet (e.g. just imported from OPML).
    #[default]
    Pending,
    Ok,
    NotModified,
    Error,
}

impl FeedStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedStatus::Pending => "pending",
            FeedStatus::Ok => "ok",
            FeedStatus::NotModified => "not_modified",
            FeedStatus::Error => "error",
        }
    }
}

/// A subscription as stored. Fields after `site_url` were added by ingestion; they default
/// when missing so records written by the skeleton still decode.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FeedRecord {
    pub id: FeedId,
    /// The URL as the user subscribed to it (after autodiscovery).
    pub url: String,
    pub title: String,
    pub site_url: Option<String>,
    /// OPML folder path ("Tech/Rust"), if the feed came from a nested outline.
    #[serde(default)]
    pub folder: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Validators from the last 200 response, sent back for a conditional GET.
    #[serde(default)]
    pub etag: Option<String>,
    #[serde(default)]
    pub last_modified: Option<String>,
    /// RFC 3339 time of the last fetch attempt that reached a result (ok, 304 or error).
    #[serde(default)]
    pub last_fetched: Option<String>,
    #[serde(default)]
    pub status: FeedStatus,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub consecutive_failures: u32,
    /// RFC 3339; a failing feed is not fetched by the scheduler before this time.
    #[serde(default)]
    pub next_retry_at: Option<String>,
    #[serde(default)]
    pub added_at: Option<String>,
    /// Fetch each entry's linked page and keep the whole article, not the feed's summary.
    #[serde(default)]
    pub full_text: bool,
    /// The last fetch's entries looked like teasers of longer articles (the Feeds view then
    /// offers `full_text`).
    #[serde(default)]
    pub looks_truncated: bool,
    /// The icon (or logo) the feed itself declares, as of its last fetch; where Sift looks
    /// for the feed's icon first.
    #[serde(default)]
    pub icon_url: Option<String>,
}

impl FeedRecord {
    pub fn new(id: FeedId, url: String, title: String, site_url: Option<String>) -> Self {
        Self {
            id,
            url,
            title,
            site_url,
            folder: None,
            tags: Vec::new(),
            etag: None,
            last_modified: None,
            last_fetched: None,
            status: FeedStatus::Pending,
            last_error: None,
            consecutive_failures: 0,
            next_retry_at: None,
            added_at: Some(chrono::Utc::now().to_rfc3339()),
            full_text: false,
            looks_truncated: false,
            icon_url: None,
        }
    }
}

/// The form of a feed URL used to detect duplicate subscriptions: parsed and re-serialised
/// (lower-case scheme and host, default port dropped), without the fragment.
pub fn feed_url_key(url: &str) -> String {
    match url::Url::parse(url.trim()) {
        Ok(mut parsed) => {
            parsed.set_fragment(None);
            parsed.to_string()
        }
        Err(_) => url.trim().to_string(),
    }
}
