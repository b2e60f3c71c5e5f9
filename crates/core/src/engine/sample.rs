//! The offline sample: one call that subscribes to the bundled feed and stores its
//! articles, so a new user with no network has something to rate within a minute.

use super::Engine;
use crate::domain::FeedRecord;
use crate::error::Result;
use crate::feeds::bundled::{SAMPLE_FEED_URL, SAMPLE_SITE_URL};
use crate::feeds::FeedRefreshResult;

impl Engine {
    /// Subscribes to the bundled sample (once; a second call reuses the subscription) and
    /// stores its articles. Embedding them is the caller's next step, as after a refresh.
    pub async fn load_sample(&self) -> Result<(FeedRecord, FeedRefreshResult)> {
        let feed = match self.store.find_feed_by_url(SAMPLE_FEED_URL)? {
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
        };
        let result = self.refresh_feed(feed.id).await?;
        Ok((feed, result))
    }
}
