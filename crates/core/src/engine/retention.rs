//! Retention: unrated, unsaved articles are deleted with their vectors once they are older
//! than the reader's setting (90 days unless changed); rated ones (the training data) and
//! saved ones (the reader's collection) never are. Also the store's size and counts for
//! Settings.

use serde::Serialize;

use super::Engine;
use crate::domain::ArticleMeta;
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PruneReport {
    /// The age limit applied; 0 means keep everything (nothing was removed).
    pub retention_days: u32,
    pub removed_articles: usize,
    pub removed_vectors: usize,
    /// Old articles kept because they are rated or saved.
    pub kept_rated: usize,
    pub kept_saved: usize,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size_before: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size_after: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StoreStats {
    pub feeds: usize,
    pub articles: usize,
    pub unread: usize,
    pub rated: usize,
    pub saved: usize,
    pub vectors: usize,
    pub rules: usize,
    /// Bytes on disk.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size_bytes: u64,
    pub retention_days: u32,
}

/// How old an article is: by its publication date, else by when it arrived (as "older
/// than N days" in bulk marking reads it), so a feed's old backlog does not linger.
fn last_seen(a: &ArticleMeta) -> Option<chrono::DateTime<chrono::Utc>> {
    a.published
        .as_deref()
        .or(a.fetched_at.as_deref())
        .and_then(|w| chrono::DateTime::parse_from_rfc3339(w).ok())
        .map(|w| w.with_timezone(&chrono::Utc))
}

impl Engine {
    /// Deletes unrated, unsaved articles published (else fetched) more than `days` ago
    /// (default: the setting) with their vectors and read marks. An article with no date at
    /// all is kept.
    pub fn prune(&self, days: Option<u32>) -> Result<PruneReport> {
        let retention_days = match days {
            Some(d) => d,
            None => self.settings()?.retention_days,
        };
        let size_before = self.store.size_on_disk()?;
        let mut report = PruneReport {
            retention_days,
            removed_articles: 0,
            removed_vectors: 0,
            kept_rated: 0,
            kept_saved: 0,
            size_before,
            size_after: size_before,
        };
        if retention_days == 0 && days.is_none() {
            return Ok(report);
        }
        let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(retention_days));
        let ratings = self.store.ratings_by_article()?;
        let saved = self.store.saved_articles()?;
        let mut doomed = Vec::new();
        for a in self.store.list_article_meta()? {
            if last_seen(&a).is_none_or(|t| t >= cutoff) {
                continue;
            }
            if ratings.contains_key(&a.id) {
                report.kept_rated += 1;
            } else if saved.contains_key(&a.id) {
                report.kept_saved += 1;
            } else {
                doomed.push(a.id);
            }
        }
        if !doomed.is_empty() {
            let outcome = self.store.remove_articles(&doomed)?;
            report.removed_articles = outcome.removed_articles;
            report.removed_vectors = outcome.removed_vectors;
            self.store.flush()?;
            self.invalidate();
            self.reindex_quietly(&doomed);
        }
        report.size_after = self.store.size_on_disk()?;
        Ok(report)
    }

    pub fn store_stats(&self) -> Result<StoreStats> {
        let read = self.store.read_ids()?;
        let articles = self.store.list_article_meta()?;
        Ok(StoreStats {
            feeds: self.store.feed_count(),
            unread: articles.iter().filter(|a| !read.contains(&a.id)).count(),
            articles: articles.len(),
            rated: self.store.ratings_by_article()?.len(),
            saved: self.store.saved_articles()?.len(),
            vectors: self.store.embedding_count(),
            rules: self.store.list_rules()?.len(),
            size_bytes: self.store.size_on_disk()?,
            retention_days: self.settings()?.retention_days,
        })
    }
}
