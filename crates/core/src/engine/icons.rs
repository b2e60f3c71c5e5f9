//! Feed icons: looked for once per feed, after a refresh has reached it, through the feed
//! fetcher (`feeds/icon.rs`, with the address rule of the feed's links), stored, and
//! served from the store — a list that shows icons
//! never sends a request anywhere. A feed whose icon was not found is looked at again
//! after [`LOOK_AGAIN_AFTER_DAYS`]; a found icon is kept until the feed is removed.

use std::sync::Arc;

use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::Engine;
use crate::domain::{FeedId, FeedRecord, FeedStatus};
use crate::error::Result;
use crate::feeds::address::reach_for;
use crate::feeds::bundled::is_bundled;
use crate::feeds::icon::{fetch_icon, icon_candidates, Icon};
use crate::store::StoredIcon;

/// A feed without an icon is looked at again after this many days.
const LOOK_AGAIN_AFTER_DAYS: i64 = 30;
/// Icons fetched at once.
const ICONS_AT_ONCE: usize = 4;

/// What one pass over the feeds' icons did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IconsReport {
    /// Icons found and stored.
    pub found: usize,
    /// Feeds looked at where none was found.
    pub missing: usize,
}

/// A feed's icon as `sift icons` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedIconStatus {
    pub feed_id: FeedId,
    /// "found", "missing" or "not_looked_for".
    pub status: &'static str,
    pub mime_type: Option<String>,
    pub bytes: Option<usize>,
    pub source: Option<String>,
    pub error: Option<String>,
}

impl Engine {
    /// Looks for the icon of every feed that a refresh has reached and that has none
    /// stored yet (nor a recent "not found"), a few at a time. Per-feed failures are
    /// recorded, not returned.
    pub async fn fetch_missing_icons(&self) -> Result<IconsReport> {
        let now = chrono::Utc::now();
        let mut due: Vec<FeedRecord> = Vec::new();
        for feed in self.store.list_feeds()? {
            let reached = matches!(feed.status, FeedStatus::Ok | FeedStatus::NotModified);
            if !reached || is_bundled(&feed.url) {
                continue;
            }
            let wanted = match self.store.get_feed_icon_record(feed.id)? {
                None => true,
                Some(StoredIcon::Found { .. }) => false,
                Some(StoredIcon::Missing { tried_at, .. }) => {
                    chrono::DateTime::parse_from_rfc3339(&tried_at).map_or(true, |t| {
                        now.signed_duration_since(t) > chrono::Duration::days(LOOK_AGAIN_AFTER_DAYS)
                    })
                }
            };
            if wanted {
                due.push(feed);
            }
        }
        let slots = Arc::new(Semaphore::new(ICONS_AT_ONCE));
        let mut fetches = JoinSet::new();
        for feed in due {
            let fetcher = self.fetcher()?.clone();
            let slots = slots.clone();
            fetches.spawn(async move {
                let _slot = slots.acquire_owned().await;
                let candidates = icon_candidates(
                    feed.icon_url.as_deref(),
                    feed.site_url.as_deref(),
                    &feed.url,
                );
                // Where to look is the feed's say, not the user's: a feed on the public
                // internet cannot send Sift into the reader's own network for an icon.
                let reach = reach_for(&feed.url).await;
                (feed.id, fetch_icon(&fetcher, &candidates, reach).await)
            });
        }
        let mut report = IconsReport::default();
        let stamp = now.to_rfc3339();
        while let Some(done) = fetches.join_next().await {
            let Ok((feed, outcome)) = done else { continue };
            // The feed may have been removed while its icon was on the way.
            if self.store.get_feed(feed)?.is_none() {
                continue;
            }
            match outcome {
                Ok(icon) => {
                    self.store.put_feed_icon(feed, &icon, &stamp)?;
                    report.found += 1;
                }
                Err(e) => {
                    self.store
                        .put_feed_icon_missing(feed, &e.to_string(), &stamp)?;
                    report.missing += 1;
                }
            }
        }
        Ok(report)
    }

    /// The stored icon of a feed (what the app serves), if one was found.
    pub fn feed_icon(&self, feed: FeedId) -> Result<Option<Icon>> {
        Ok(self.store.get_feed_icon(feed)?)
    }

    /// Every feed's icon status, in subscription order.
    pub fn feed_icons(&self) -> Result<Vec<FeedIconStatus>> {
        let mut out = Vec::new();
        for feed in self.store.list_feeds()? {
            let status = match self.store.get_feed_icon_record(feed.id)? {
                None => FeedIconStatus {
                    feed_id: feed.id,
                    status: "not_looked_for",
                    mime_type: None,
                    bytes: None,
                    source: None,
                    error: None,
                },
                Some(StoredIcon::Found {
                    mime_type,
                    source,
                    bytes,
                    ..
                }) => FeedIconStatus {
                    feed_id: feed.id,
                    status: "found",
                    mime_type: Some(mime_type),
                    bytes: Some(bytes),
                    source: Some(source),
                    error: None,
                },
                Some(StoredIcon::Missing { error, .. }) => FeedIconStatus {
                    feed_id: feed.id,
                    status: "missing",
                    mime_type: None,
                    bytes: None,
                    source: None,
                    error: Some(error),
                },
            };
            out.push(status);
        }
        Ok(out)
    }
}
