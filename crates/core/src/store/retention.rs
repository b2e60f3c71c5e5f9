//! Deleting old articles for good (retention), and the store's size. The engine decides
//! *which* articles go; this removes them with everything that points at them — the feed
//! index, read marks and their vectors — except their dedup keys: those stay, pointing at
//! an id that no longer exists, so a feed that still carries a pruned entry does not bring
//! it back as new (see `apply_refresh`). A rated or saved article is never removed, checked
//! in the transaction that removes it: one rated after the engine chose it stays.

use std::collections::HashSet;

use sled::transaction::ConflictableTransactionError;
use sled::Transactional;

use super::articles::{feed_article_key, get_meta_tx};
use super::dates::follow_tx;
use super::{Store, StoreError};
use crate::domain::ArticleId;

const LAST_PRUNE_KEY: &[u8] = b"last_prune";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PruneOutcome {
    pub removed_articles: usize,
    pub removed_vectors: usize,
}

impl Store {
    /// Removes the given articles, their feed index entries, read marks and vectors (of every
    /// model) unless another kept article has the same text. Rated and saved articles among
    /// them are kept (see the module note).
    pub fn remove_articles(&self, ids: &[ArticleId]) -> Result<PruneOutcome, StoreError> {
        self.changing_corpus(|change| {
            change.articles = ids.to_vec();
            self.remove_articles_once(ids)
        })
    }

    fn remove_articles_once(&self, ids: &[ArticleId]) -> Result<PruneOutcome, StoreError> {
        // Transactions of bounded size: each holds sled's write lock while it runs.
        const CHUNK: usize = 512;
        let mut outcome = PruneOutcome::default();
        let mut hashes: HashSet<String> = HashSet::new();
        let mut removed = Vec::new();
        // Held throughout: `saved` is a handle into the open database (see `Store::live`).
        let live = self.live();
        let saved = super::saved::saved_tree(&live)?;
        for chunk in ids.chunks(CHUNK) {
            let gone = (
                &live.articles,
                &live.article_content,
                &live.feed_articles,
                &live.ratings,
                &saved,
                &live.article_dates,
            )
                .transaction(
                    |(articles, contents, feed_articles, ratings, saved, dates)| {
                        let mut gone = Vec::new();
                        for &id in chunk {
                            let key = id.to_key();
                            if ratings.get(key)?.is_some() || saved.get(key)?.is_some() {
                                continue;
                            }
                            let Some(record) = get_meta_tx(articles, id)? else {
                                continue;
                            };
                            feed_articles.remove(&feed_article_key(record.feed_id, id))?;
                            for also in &record.also_in {
                                feed_articles.remove(&feed_article_key(*also, id))?;
                            }
                            follow_tx(dates, Some(&record), None)?;
                            articles.remove(&key)?;
                            contents.remove(&key)?;
                            gone.push((id, record.content_hash));
                        }
                        Ok::<_, ConflictableTransactionError<StoreError>>(gone)
                    },
                )?;
            for (id, hash) in gone {
                hashes.insert(hash);
                removed.push(id);
                outcome.removed_articles += 1;
            }
        }
        self.forget_read(&removed)?;
        if hashes.is_empty() {
            return Ok(outcome);
        }
        // Two articles may share a text (the same story in two feeds that did not dedup).
        for value in self.live().articles.iter().values() {
            let record: crate::domain::ArticleMeta = serde_json::from_slice(&value?)?;
            hashes.remove(&record.content_hash);
        }
        let mut batch = sled::Batch::default();
        for key in self.live().embeddings.iter().keys() {
            let key = key?;
            let hash = key
                .iter()
                .position(|&b| b == 0)
                .map(|at| &key[at + 1..])
                .and_then(|h| std::str::from_utf8(h).ok());
            if hash.is_some_and(|h| hashes.contains(h)) {
                batch.remove(key);
                outcome.removed_vectors += 1;
            }
        }
        self.live().embeddings.apply_batch(batch)?;
        Ok(outcome)
    }

    /// Remembers the last cleanup's report (whoever ran it: the schedule, a button, the CLI),
    /// for Settings to show.
    pub fn put_last_prune<T: serde::Serialize>(&self, report: &T) -> Result<(), StoreError> {
        self.live()
            .meta
            .insert(LAST_PRUNE_KEY, serde_json::to_vec(report)?)?;
        Ok(())
    }

    /// The last cleanup's report; `None` when there was none or it is of an older shape.
    pub fn last_prune<T: serde::de::DeserializeOwned>(&self) -> Result<Option<T>, StoreError> {
        Ok(self
            .live()
            .meta
            .get(LAST_PRUNE_KEY)?
            .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
    }

    /// Bytes the store takes on disk: sled's own count (its log and snapshots) and the
    /// vector file.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.live().size_on_disk()
    }

    pub fn embedding_count(&self) -> usize {
        self.live().embeddings.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{FeedId, FeedRecord, NewArticle};
    use crate::store::RefreshWrite;

    /// The engine picks what to prune from the ratings it read a moment earlier; an answer
    /// (or a save) given in between keeps the article.
    #[test]
    fn an_article_rated_after_it_was_chosen_for_pruning_stays() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        let feed = FeedRecord::new(FeedId(1), "http://a.test/feed".into(), "A".into(), None);
        store.insert_feed(&feed).unwrap();
        let entries = ["rated", "saved", "plain"]
            .map(|guid| NewArticle {
                guid: Some(guid.into()),
                title: guid.into(),
                text: guid.into(),
                content_hash: format!("h-{guid}"),
                ..Default::default()
            })
            .to_vec();
        let ids = store
            .apply_refresh(&RefreshWrite {
                feed,
                articles: entries,
            })
            .unwrap()
            .new_ids;
        // Chosen for pruning (all three), then rated and saved before the removal runs.
        store
            .put_rating(ids[0], crate::domain::Rating::Like)
            .unwrap();
        store.save_article(ids[1]).unwrap();
        let outcome = store.remove_articles(&ids).unwrap();
        assert_eq!(outcome.removed_articles, 1);
        assert!(store.get_article_meta(ids[0]).unwrap().is_some());
        assert!(store.get_article_meta(ids[1]).unwrap().is_some());
        assert!(store.get_article_meta(ids[2]).unwrap().is_none());
        assert_eq!(store.feed_article_ids(FeedId(1)).unwrap(), ids[..2]);
    }

    #[test]
    fn a_pruned_entry_the_feed_still_carries_does_not_come_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        let feed = FeedRecord::new(FeedId(1), "http://a.test/feed".into(), "A".into(), None);
        store.insert_feed(&feed).unwrap();
        let entry = |guid: &str| NewArticle {
            guid: Some(guid.into()),
            title: guid.into(),
            link: Some(format!("http://a.test/{guid}")),
            text: guid.into(),
            content_hash: format!("h-{guid}"),
            ..Default::default()
        };
        let write = |entries: Vec<NewArticle>| {
            store
                .apply_refresh(&RefreshWrite {
                    feed: feed.clone(),
                    articles: entries,
                })
                .unwrap()
        };
        let first = write(vec![entry("old"), entry("kept")]);
        let v = crate::store::Embedding::new(vec![1.0], 1).unwrap();
        store.put_embedding("m", "h-old", &v).unwrap();
        store.put_embedding("m", "h-kept", &v).unwrap();
        store.mark_read(first.new_ids[0]).unwrap();
        let outcome = store.remove_articles(&[first.new_ids[0]]).unwrap();
        assert_eq!(
            outcome,
            PruneOutcome {
                removed_articles: 1,
                removed_vectors: 1
            }
        );
        assert!(store.get_embedding("m", "h-kept", 1).unwrap().is_some());
        assert!(store.read_ids().unwrap().is_empty());
        assert_eq!(
            store.feed_article_ids(FeedId(1)).unwrap(),
            [first.new_ids[1]]
        );
        let again = write(vec![entry("old"), entry("kept"), entry("new")]);
        assert_eq!(
            again.new_ids.len(),
            1,
            "only the really new entry is stored"
        );
        assert_eq!(store.article_count(), 2);
    }
}
