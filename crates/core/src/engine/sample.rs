//! The offline sample: one call that subscribes to the bundled feed and ingests its
//! articles, so a new user with no network has something to rate within a minute.

use std::sync::Arc;

use super::{Engine, FeedSelection, IngestEvent, IngestReport};
use crate::domain::FeedRecord;
use crate::error::Result;
use crate::feeds::bundled::{SAMPLE_FEED_URL, SAMPLE_SITE_URL};

impl Engine {
    /// Subscribes to the bundled sample (once; a second call reuses the subscription) and
    /// ingests its articles like any refresh: stored, then embedded, with `events` on the way.
    pub async fn load_sample(
        self: &Arc<Self>,
        events: impl Fn(IngestEvent<'_>) + Send + Sync + 'static,
    ) -> Result<(FeedRecord, IngestReport)> {
        let feed = self.sample_feed()?;
        let report = self.ingest(FeedSelection::One(feed.id), events).await?;
        Ok((feed, report))
    }

    /// The subscription to the bundled sample, made on first use.
    pub fn sample_feed(&self) -> Result<FeedRecord> {
        Ok(match self.store.find_feed_by_url(SAMPLE_FEED_URL)? {
            Some(existing) => existing,
            None => {
                let record = FeedRecord::new(
                    self.store.new_feed_id()?,
                    SAMPLE_FEED_URL.to_string(),
                    "Sift sample: Wikipedia article summaries".to_string(),
                    Some(SAMPLE_SITE_URL.to_string()),
                );
                self.store.insert_feed(&record)?;
                record
            }
        })
    }
}
