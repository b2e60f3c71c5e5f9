//! The `articles` tree: one JSON record per article, keyed by [`ArticleId`].
//!
//! This record is the contract between ingestion (which writes it) and the learner (which
//! embeds `text` and keys its cache by `content_hash`).

use serde::{Deserialize, Serialize};

use super::{ArticleId, FeedId, Store, StoreError};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
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
}

impl Store {
    pub fn get_article(&self, id: ArticleId) -> Result<Option<ArticleRecord>, StoreError> {
        match self.articles.get(id.to_key())? {
            Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
            None => Ok(None),
        }
    }

    /// Inserts or replaces one article. Ingestion owns how records are made; this is the
    /// plain write the learner's tests (and any importer) need.
    pub fn put_article(&self, record: &ArticleRecord) -> Result<(), StoreError> {
        self.articles
            .insert(record.id.to_key(), serde_json::to_vec(record)?)?;
        Ok(())
    }

    pub fn list_articles(&self) -> Result<Vec<ArticleRecord>, StoreError> {
        self.articles
            .iter()
            .values()
            .map(|v| Ok(serde_json::from_slice(&v?)?))
            .collect()
    }
}
