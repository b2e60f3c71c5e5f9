//! Unread and done: marking many articles read at once (a feed, a folder, a list, the old
//! ones, or "dismiss the rest" — everything scored below the threshold), undoing that
//! exactly, and the unread counts the navigation and the tray show.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::Engine;
use crate::domain::{ArticleId, ArticleMeta, FeedId, Rating};
use crate::error::{Error, Result};

/// Which articles a bulk mark-as-read takes. The selectors combine (a feed's articles older
/// than a week); at least one must be given, or `all`, so that a missing argument never
/// marks the whole store read.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct MarkReadScope {
    pub feed: Option<FeedId>,
    /// A folder and its subfolders ("Tech" takes "Tech/Rust").
    pub folder: Option<String>,
    /// Exactly these articles (the list on screen).
    pub ids: Option<Vec<ArticleId>>,
    /// Published (else fetched) more than this many days ago.
    pub older_than_days: Option<u32>,
    /// "Dismiss the rest": unrated articles in For you scored (after the rules) below the
    /// threshold in Settings.
    pub below_threshold: bool,
    /// Everything, when no selector is given.
    pub all: bool,
}

impl MarkReadScope {
    fn selects_something(&self) -> bool {
        self.feed.is_some()
            || self.folder.is_some()
            || self.ids.is_some()
            || self.older_than_days.is_some()
            || self.below_threshold
    }
}

/// What a bulk mark (or its undo) changed: only articles whose mark actually changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MarkReadReport {
    pub changed: usize,
    pub ids: Vec<ArticleId>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FeedUnread {
    pub feed_id: FeedId,
    pub unread: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FolderUnread {
    pub folder: String,
    pub unread: usize,
}

/// Unread articles per view, feed and folder (a folder counts its subfolders' feeds).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UnreadCounts {
    /// Every unread article (All articles).
    pub total: usize,
    /// Unread, unrated, embedded articles no rule mutes (what For you offers by default;
    /// the tray's count). A muted article is listed at the bottom of For you but is not
    /// waiting for the reader, and never notifies either.
    pub for_you: usize,
    /// Saved articles not read yet.
    pub saved: usize,
    pub feeds: Vec<FeedUnread>,
    pub folders: Vec<FolderUnread>,
    /// Whether the last bulk mark can still be undone.
    pub can_undo: bool,
}

/// Seconds-resolution age test on an article's publication (else arrival) time.
fn older_than(a: &ArticleMeta, cutoff: chrono::DateTime<chrono::Utc>) -> bool {
    let when = a.published.as_deref().or(a.fetched_at.as_deref());
    when.and_then(|w| chrono::DateTime::parse_from_rfc3339(w).ok())
        .is_some_and(|w| w < cutoff)
}

fn in_folder(folder: Option<&str>, wanted: &str) -> bool {
    let wanted = wanted.trim_matches('/');
    folder.is_some_and(|f| f == wanted || f.starts_with(&format!("{wanted}/")))
}

impl Engine {
    /// Marks the articles `scope` selects as read; [`Engine::undo_mark_read`] undoes it.
    pub fn mark_read_where(&self, scope: &MarkReadScope) -> Result<MarkReadReport> {
        if !scope.selects_something() && !scope.all {
            return Err(Error::InvalidInput(
                "say which articles to mark read: a feed, a folder, ids, an age, the ones below the threshold, or all".into(),
            ));
        }
        if let Some(feed) = scope.feed {
            if self.store.get_feed(feed)?.is_none() {
                return Err(Error::NotFound(format!(
                    "no subscribed feed has the id {feed} (see `sift feeds`)"
                )));
            }
        }
        let folder_feeds: Option<HashSet<FeedId>> = match &scope.folder {
            Some(folder) => {
                let feeds: HashSet<FeedId> = self
                    .store
                    .list_feeds()?
                    .into_iter()
                    .filter(|f| in_folder(f.folder.as_deref(), folder))
                    .map(|f| f.id)
                    .collect();
                if feeds.is_empty() {
                    return Err(Error::NotFound(format!(
                        "no feed is in the folder {folder:?}"
                    )));
                }
                Some(feeds)
            }
            None => None,
        };
        let wanted_ids: Option<HashSet<ArticleId>> =
            scope.ids.as_ref().map(|ids| ids.iter().copied().collect());
        let below: Option<HashSet<ArticleId>> = if scope.below_threshold {
            let threshold = self.interest_threshold()?;
            Some(
                self.for_you(None, false)?
                    .into_iter()
                    .filter(|item| item.recommendation.score < threshold)
                    .map(|item| item.recommendation.id)
                    .collect(),
            )
        } else {
            None
        };
        let cutoff = scope.older_than_days.map(super::retention::days_ago);
        let carried_by =
            |a: &ArticleMeta, feed: FeedId| a.feed_id == feed || a.also_in.contains(&feed);
        // One article's metadata at a time: only the selected ids are kept.
        let mut selected: Vec<ArticleId> = Vec::new();
        for a in self.store.article_metas() {
            let a = a?;
            let chosen = scope.feed.is_none_or(|f| carried_by(&a, f))
                && folder_feeds
                    .as_ref()
                    .is_none_or(|feeds| feeds.iter().any(|f| carried_by(&a, *f)))
                && wanted_ids.as_ref().is_none_or(|ids| ids.contains(&a.id))
                && below.as_ref().is_none_or(|ids| ids.contains(&a.id))
                && cutoff.is_none_or(|c| older_than(&a, c));
            if chosen {
                selected.push(a.id);
            }
        }
        let ids = self.store.mark_read_bulk(&selected)?;
        self.store.flush()?;
        Ok(MarkReadReport {
            changed: ids.len(),
            ids,
        })
    }

    /// Undoes the last bulk mark: exactly the articles it marked are unread again.
    pub fn undo_mark_read(&self) -> Result<MarkReadReport> {
        let ids = self.store.undo_bulk_mark()?;
        self.store.flush()?;
        Ok(MarkReadReport {
            changed: ids.len(),
            ids,
        })
    }

    pub fn unread_counts(&self) -> Result<UnreadCounts> {
        let _span = tracing::info_span!("unread counts").entered();
        let read = self.store.read_ids()?;
        let ratings = self.store.ratings_by_article()?;
        let saved = self.store.saved_articles()?;
        let model_id = self.model_id();
        let dim = self.model_dim();
        // The learner's snapshot knows which articles have a vector; should it fail to
        // build, the counts still come, from the store (slower).
        let embedded = self.embedded_articles().inspect_err(|e| {
            tracing::warn!("unread counts read vectors from the store: {e}");
        });
        let has_vector = |a: &ArticleMeta| -> Result<bool> {
            Ok(match &embedded {
                Ok(embedded) => embedded.contains(a.id),
                Err(_) => self.store.has_embedding(&model_id, &a.content_hash, dim)?,
            })
        };
        let rules = self.active_rules()?;
        let mut per_feed: HashMap<FeedId, usize> = HashMap::new();
        let (mut total, mut for_you) = (0, 0);
        for a in self.store.article_metas() {
            let a = a?;
            if read.contains(&a.id) {
                continue;
            }
            total += 1;
            *per_feed.entry(a.feed_id).or_default() += 1;
            let rated = matches!(ratings.get(&a.id), Some(Rating::Like | Rating::Dislike));
            if !rated && has_vector(&a)? && !rules.muted(&self.store, &a) {
                for_you += 1;
            }
        }
        let feeds = self.store.list_feeds()?;
        let mut folders: HashMap<String, usize> = HashMap::new();
        for feed in &feeds {
            let unread = per_feed.get(&feed.id).copied().unwrap_or(0);
            // Each folder on the path counts the feed ("Tech" and "Tech/Rust").
            if let Some(path) = &feed.folder {
                let mut prefix = String::new();
                for part in path.split('/').filter(|p| !p.is_empty()) {
                    if !prefix.is_empty() {
                        prefix.push('/');
                    }
                    prefix.push_str(part);
                    *folders.entry(prefix.clone()).or_default() += unread;
                }
            }
        }
        let mut folders: Vec<FolderUnread> = folders
            .into_iter()
            .map(|(folder, unread)| FolderUnread { folder, unread })
            .collect();
        folders.sort_by(|a, b| a.folder.cmp(&b.folder));
        Ok(UnreadCounts {
            total,
            for_you,
            saved: saved.keys().filter(|id| !read.contains(id)).count(),
            feeds: feeds
                .iter()
                .map(|f| FeedUnread {
                    feed_id: f.id,
                    unread: per_feed.get(&f.id).copied().unwrap_or(0),
                })
                .collect(),
            folders,
            can_undo: self.store.pending_bulk_mark()?.is_some(),
        })
    }
}
