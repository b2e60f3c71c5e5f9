//! Retention: unrated, unsaved articles are deleted with their vectors once they are older
//! than the reader's setting (90 days unless changed); rated ones (the training data) and
//! saved ones (the reader's collection) never are; after a large cleanup the store is
//! compacted so the disk space comes back. Also the store's size and counts for Settings.

use serde::{Deserialize, Serialize};

use super::Engine;
use crate::domain::ArticleMeta;
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PruneReport {
    /// When it ran (RFC 3339).
    pub at: String,
    /// The age limit applied; 0 means keep everything (nothing was removed).
    pub retention_days: u32,
    pub removed_articles: usize,
    pub removed_vectors: usize,
    /// Old articles kept because they are rated or saved.
    pub kept_rated: usize,
    pub kept_saved: usize,
    /// Bytes on disk before the cleanup and after it (after compaction, when it ran).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size_before: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size_after: u64,
    /// Whether the store was rewritten to give the space back (see [`COMPACT_SHARE`]; a
    /// store too small to gain from it is left as it is).
    pub compacted: bool,
}

/// sled keeps the space of deleted records for reuse (`store/compact.rs`), so a cleanup
/// that removes at least this share of the articles rewrites the store to give it back;
/// smaller ones (a day's worth) leave the space for the next articles to fill.
pub const COMPACT_SHARE: f64 = 0.1;

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
    /// The last cleanup (at start, on the schedule, on request or from the CLI).
    pub last_cleanup: Option<PruneReport>,
}

/// The moment `days` days ago. An age from outside (the CLI, the app) can reach past the
/// first date chrono represents (`now - u32::MAX days` would panic); that is simply before
/// anything, so nothing is older.
pub(super) fn days_ago(days: u32) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
        .checked_sub_signed(chrono::Duration::days(i64::from(days)))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC)
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
        // sled grows its file when it writes out what it holds: measure what is on disk.
        self.store.flush()?;
        let size_before = self.store.size_on_disk()?;
        let mut report = PruneReport {
            at: chrono::Utc::now().to_rfc3339(),
            retention_days,
            removed_articles: 0,
            removed_vectors: 0,
            kept_rated: 0,
            kept_saved: 0,
            size_before,
            size_after: size_before,
            compacted: false,
        };
        if retention_days == 0 && days.is_none() {
            return Ok(report);
        }
        let cutoff = days_ago(retention_days);
        let ratings = self.store.ratings_by_article()?;
        let saved = self.store.saved_articles()?;
        let mut doomed = Vec::new();
        let mut articles_before = 0;
        for a in self.store.article_metas() {
            let a = a?;
            articles_before += 1;
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
            if doomed.len() as f64 >= COMPACT_SHARE * articles_before as f64 {
                report.compacted = self.store.compact()?.swapped;
            }
        }
        report.size_after = self.store.size_on_disk()?;
        self.store.put_last_prune(&report)?;
        self.store.flush()?;
        Ok(report)
    }

    pub fn store_stats(&self) -> Result<StoreStats> {
        let read = self.store.read_ids()?;
        let (mut articles, mut unread) = (0, 0);
        for a in self.store.article_metas() {
            articles += 1;
            unread += usize::from(!read.contains(&a?.id));
        }
        Ok(StoreStats {
            feeds: self.store.feed_count(),
            unread,
            articles,
            rated: self.store.ratings_by_article()?.len(),
            saved: self.store.saved_articles()?.len(),
            vectors: self.store.embedding_count(),
            rules: self.store.list_rules()?.len(),
            size_bytes: self.store.size_on_disk()?,
            retention_days: self.settings()?.retention_days,
            last_cleanup: self.store.last_prune()?,
        })
    }
}
