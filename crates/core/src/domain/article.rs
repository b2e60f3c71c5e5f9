//! Articles: as ingestion prepares them ([`NewArticle`]) and as stored ([`ArticleRecord`]).

use serde::{Deserialize, Serialize};

use super::{ArticleId, FeedId};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ArticleRecord {
    pub id: ArticleId,
    pub feed_id: FeedId,
    pub title: String,
    pub link: Option<String>,
    /// RFC 3339, when the feed says.
    pub published: Option<String>,
    pub author: Option<String>,
    /// Plain-text summary (derived from sanitized HTML).
    pub summary: Option<String>,
    /// Sanitized HTML; safe to render.
    pub content_html: Option<String>,
    /// Title + cleaned body as plain text: what gets embedded.
    pub text: String,
    /// Hash of `text`; embeddings are cached under it, so unchanged text is never re-embedded.
    pub content_hash: String,
    /// The entry's id as the feed gives it (RSS guid, Atom id, JSON Feed id).
    #[serde(default)]
    pub guid: Option<String>,
    /// RFC 3339, when the feed says the entry was last updated.
    #[serde(default)]
    pub updated: Option<String>,
    #[serde(default)]
    pub enclosures: Vec<Enclosure>,
    /// RFC 3339 time this article was first stored; orders undated articles.
    #[serde(default)]
    pub fetched_at: Option<String>,
    /// Other subscribed feeds that carry the same article (same link).
    #[serde(default)]
    pub also_in: Vec<FeedId>,
    /// Every `article_keys` entry that points here, so removal leaves no dangling index.
    #[serde(default)]
    pub dedup_keys: Vec<String>,
    #[serde(default)]
    pub read: bool,
}

/// A podcast episode, image or other attachment.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Enclosure {
    pub url: String,
    pub mime_type: Option<String>,
    pub length: Option<u64>,
}

/// An article as ingestion prepares it, before it has an id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewArticle {
    pub guid: Option<String>,
    pub title: String,
    pub link: Option<String>,
    pub published: Option<String>,
    pub updated: Option<String>,
    pub author: Option<String>,
    pub summary: Option<String>,
    pub content_html: Option<String>,
    pub text: String,
    pub content_hash: String,
    pub enclosures: Vec<Enclosure>,
}
