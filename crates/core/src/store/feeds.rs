//! The `feeds` tree: one JSON record per subscription, keyed by [`FeedId`].

use serde::{Deserialize, Serialize};

use super::{FeedId, Store, StoreError};

/// A subscription as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FeedRecord {
    pub id: FeedId,
    /// The URL as the user subscribed to it (after autodiscovery).
    pub url: String,
    pub title: String,
    pub site_url: Option<String>,
}

impl Store {
    pub fn list_feeds(&self) -> Result<Vec<FeedRecord>, StoreError> {
        self.feeds
            .iter()
            .values()
            .map(|v| Ok(serde_json::from_slice(&v?)?))
            .collect()
    }
}
