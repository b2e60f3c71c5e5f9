//! The `feed_icons` tree: per feed, the outcome of looking for its icon (found, or not
//! found and when that was), so an icon is fetched once; `feed_icon_bytes` holds the image
//! itself apart, so listing which feeds have icons never reads images. The app serves
//! icons from here. New trees: older stores need no migration (no record means "not
//! looked for yet").

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
use crate::domain::FeedId;
use crate::feeds::icon::Icon;

const TREE: &str = "feed_icons";
const BYTES_TREE: &str = "feed_icon_bytes";

/// What looking for a feed's icon found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum StoredIcon {
    Found {
        mime_type: String,
        source: String,
        bytes: usize,
        /// RFC 3339.
        fetched_at: String,
    },
    /// None of the places looked at had one.
    Missing {
        error: String,
        /// RFC 3339.
        tried_at: String,
    },
}

impl Store {
    /// The outcome stored for `feed`; `None` when its icon was never looked for (or the
    /// record cannot be read: it is then simply looked for again).
    pub fn get_feed_icon_record(&self, feed: FeedId) -> Result<Option<StoredIcon>, StoreError> {
        let live = self.live();
        let tree = live.db.open_tree(TREE)?;
        Ok(tree
            .get(feed.0.to_be_bytes())?
            .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
    }

    /// The stored icon of `feed`, if one was found.
    pub fn get_feed_icon(&self, feed: FeedId) -> Result<Option<Icon>, StoreError> {
        let live = self.live();
        let Some(StoredIcon::Found {
            mime_type, source, ..
        }) = self.get_feed_icon_record(feed)?
        else {
            return Ok(None);
        };
        let bytes = live.db.open_tree(BYTES_TREE)?.get(feed.0.to_be_bytes())?;
        Ok(bytes.map(|bytes| Icon {
            mime_type,
            source,
            bytes: bytes.to_vec(),
        }))
    }

    /// Stores a found icon (the image first, so a record never points at nothing).
    pub fn put_feed_icon(
        &self,
        feed: FeedId,
        icon: &Icon,
        fetched_at: &str,
    ) -> Result<(), StoreError> {
        let live = self.live();
        let key = feed.0.to_be_bytes();
        live.db
            .open_tree(BYTES_TREE)?
            .insert(key, icon.bytes.as_slice())?;
        let record = StoredIcon::Found {
            mime_type: icon.mime_type.clone(),
            source: icon.source.clone(),
            bytes: icon.bytes.len(),
            fetched_at: fetched_at.to_string(),
        };
        live.db
            .open_tree(TREE)?
            .insert(key, serde_json::to_vec(&record)?)?;
        Ok(())
    }

    /// Records that no icon was found for `feed`.
    pub fn put_feed_icon_missing(
        &self,
        feed: FeedId,
        error: &str,
        tried_at: &str,
    ) -> Result<(), StoreError> {
        let live = self.live();
        let key = feed.0.to_be_bytes();
        let record = StoredIcon::Missing {
            error: error.to_string(),
            tried_at: tried_at.to_string(),
        };
        live.db
            .open_tree(TREE)?
            .insert(key, serde_json::to_vec(&record)?)?;
        live.db.open_tree(BYTES_TREE)?.remove(key)?;
        Ok(())
    }

    pub fn remove_feed_icon(&self, feed: FeedId) -> Result<(), StoreError> {
        let live = self.live();
        let key = feed.0.to_be_bytes();
        live.db.open_tree(TREE)?.remove(key)?;
        live.db.open_tree(BYTES_TREE)?.remove(key)?;
        Ok(())
    }

    /// The feeds that have an icon stored.
    pub fn feeds_with_icons(&self) -> Result<HashSet<FeedId>, StoreError> {
        let live = self.live();
        let mut out = HashSet::new();
        for entry in live.db.open_tree(TREE)?.iter() {
            let (key, value) = entry?;
            let found = serde_json::from_slice::<StoredIcon>(&value)
                .is_ok_and(|s| matches!(s, StoredIcon::Found { .. }));
            if let (true, Ok(bytes)) = (found, <[u8; 8]>::try_from(key.as_ref())) {
                out.insert(FeedId(u64::from_be_bytes(bytes)));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icons_round_trip_and_are_removed_with_their_feed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        assert_eq!(store.get_feed_icon_record(FeedId(3)).unwrap(), None);
        let icon = Icon {
            mime_type: "image/png".into(),
            bytes: b"\x89PNG\r\n\x1a\nxyz".to_vec(),
            source: "https://a.example/favicon.ico".into(),
        };
        store
            .put_feed_icon(FeedId(3), &icon, "2026-12-02T09:00:00Z")
            .unwrap();
        store
            .put_feed_icon_missing(FeedId(4), "404", "2026-12-02T09:00:00Z")
            .unwrap();
        assert_eq!(store.get_feed_icon(FeedId(3)).unwrap(), Some(icon));
        assert_eq!(store.get_feed_icon(FeedId(4)).unwrap(), None);
        assert!(matches!(
            store.get_feed_icon_record(FeedId(4)).unwrap(),
            Some(StoredIcon::Missing { .. })
        ));
        assert_eq!(
            store.feeds_with_icons().unwrap(),
            [FeedId(3)].into_iter().collect()
        );
        store.remove_feed_icon(FeedId(3)).unwrap();
        assert_eq!(store.get_feed_icon_record(FeedId(3)).unwrap(), None);
        assert_eq!(store.get_feed_icon(FeedId(3)).unwrap(), None);
        assert!(store.feeds_with_icons().unwrap().is_empty());
    }
}
