//! The `feeds` tree: one JSON record per subscription, keyed by [`FeedId`], plus the
//! `feed_urls` index that makes a duplicate subscription impossible even under races.

use sled::transaction::ConflictableTransactionResult;
use sled::Transactional;

use super::{abort, Store, StoreError};
use crate::domain::{feed_url_key, ArticleId, FeedId, FeedRecord};

impl Store {
    pub fn list_feeds(&self) -> Result<Vec<FeedRecord>, StoreError> {
        self.live()
            .feeds
            .iter()
            .values()
            .map(|v| Ok(serde_json::from_slice(&v?)?))
            .collect()
    }

    pub fn get_feed(&self, id: FeedId) -> Result<Option<FeedRecord>, StoreError> {
        match self.live().feeds.get(id.to_key())? {
            Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
            None => Ok(None),
        }
    }

    pub fn find_feed_by_url(&self, url: &str) -> Result<Option<FeedRecord>, StoreError> {
        match self.live().feed_urls.get(feed_url_key(url))? {
            Some(id) => match FeedId::from_key(&id) {
                Some(id) => self.get_feed(id),
                None => Ok(None),
            },
            None => Ok(None),
        }
    }

    /// Stores a new subscription, or refuses it with [`StoreError::DuplicateFeed`] when the
    /// same URL is already subscribed. Check and insert are one transaction.
    pub fn insert_feed(&self, feed: &FeedRecord) -> Result<(), StoreError> {
        let url_key = feed_url_key(&feed.url);
        let value = serde_json::to_vec(feed)?;
        (&self.live().feeds, &self.live().feed_urls).transaction(
            |(feeds, urls)| -> ConflictableTransactionResult<(), StoreError> {
                if let Some(existing) = urls.get(url_key.as_bytes())? {
                    return Err(abort(StoreError::DuplicateFeed {
                        url: feed.url.clone(),
                        existing: FeedId::from_key(&existing).unwrap_or(FeedId(0)),
                    }));
                }
                urls.insert(url_key.as_bytes(), &feed.id.to_key())?;
                feeds.insert(&feed.id.to_key(), value.as_slice())?;
                Ok(())
            },
        )?;
        Ok(())
    }

    /// Stores many new subscriptions in one transaction (an OPML import lands whole or not
    /// at all). Returns, per feed, `None` if it was added or the id of the subscription that
    /// already has its URL.
    pub fn insert_feeds(
        &self,
        new_feeds: &[FeedRecord],
    ) -> Result<Vec<Option<FeedId>>, StoreError> {
        let prepared: Vec<(String, Vec<u8>)> = new_feeds
            .iter()
            .map(|f| Ok((feed_url_key(&f.url), serde_json::to_vec(f)?)))
            .collect::<Result<_, StoreError>>()?;
        let outcome = (&self.live().feeds, &self.live().feed_urls).transaction(
            |(feeds, urls)| -> ConflictableTransactionResult<Vec<Option<FeedId>>, StoreError> {
                let mut outcome = Vec::with_capacity(new_feeds.len());
                for (feed, (url_key, value)) in new_feeds.iter().zip(&prepared) {
                    if let Some(existing) = urls.get(url_key.as_bytes())? {
                        outcome.push(Some(FeedId::from_key(&existing).unwrap_or(FeedId(0))));
                        continue;
                    }
                    urls.insert(url_key.as_bytes(), &feed.id.to_key())?;
                    feeds.insert(&feed.id.to_key(), value.as_slice())?;
                    outcome.push(None);
                }
                Ok(outcome)
            },
        )?;
        Ok(outcome)
    }

    /// Overwrites a feed's record if the feed still exists (an unsubscribe may have won the
    /// race); returns whether it did. The URL is not meant to change here.
    pub fn update_feed(&self, feed: &FeedRecord) -> Result<bool, StoreError> {
        let value = serde_json::to_vec(feed)?;
        let updated = self.live().feeds.transaction(|feeds| {
            if feeds.get(feed.id.to_key())?.is_none() {
                return Ok(false);
            }
            feeds.insert(&feed.id.to_key(), value.as_slice())?;
            Ok(true)
        });
        updated.map_err(|e: sled::transaction::TransactionError<StoreError>| e.into())
    }

    /// Number of stored articles per feed, from the `feed_articles` index (no decoding).
    pub fn article_counts(&self) -> Result<std::collections::HashMap<FeedId, usize>, StoreError> {
        let mut counts = std::collections::HashMap::new();
        for key in self.live().feed_articles.iter().keys() {
            let key = key?;
            if let Some(feed) = FeedId::from_key(&key[..8]) {
                *counts.entry(feed).or_insert(0) += 1;
            }
        }
        Ok(counts)
    }

    /// Article ids of one feed, in id order.
    pub fn feed_article_ids(&self, feed: FeedId) -> Result<Vec<ArticleId>, StoreError> {
        self.live()
            .feed_articles
            .scan_prefix(feed.to_key())
            .keys()
            .map(|k| {
                let k = k?;
                Ok(ArticleId::from_key(&k[8..]).unwrap_or(ArticleId(0)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_key_ignores_case_of_host_default_port_and_fragment() {
        assert_eq!(
            feed_url_key("HTTP://Example.COM:80/feed.xml#top"),
            feed_url_key("http://example.com/feed.xml")
        );
        assert_ne!(
            feed_url_key("http://example.com/Feed.xml"),
            feed_url_key("http://example.com/feed.xml")
        );
    }

    #[test]
    fn duplicate_feed_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        let a = FeedRecord::new(FeedId(1), "http://a.test/feed".into(), "A".into(), None);
        store.insert_feed(&a).unwrap();
        let again = FeedRecord::new(FeedId(2), "http://A.test/feed".into(), "A".into(), None);
        match store.insert_feed(&again) {
            Err(StoreError::DuplicateFeed { existing, .. }) => assert_eq!(existing, FeedId(1)),
            other => panic!("expected DuplicateFeed, got {other:?}"),
        }
        assert_eq!(store.list_feeds().unwrap().len(), 1);
    }
}
