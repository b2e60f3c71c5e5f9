//! The `learner` tree: what the learner derives from the whole corpus and keeps between runs
//! so a cold start need not recompute it (the corpus regions and word statistics). JSON
//! values by name; a cache — a value that no longer decodes is treated as absent and is
//! recomputed, never an error.

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::transaction::ConflictableTransactionError;
use sled::Transactional;

use super::{Store, StoreError};
use crate::domain::ArticleId;

/// Key (in `meta`) of the counter [`Store::corpus_generation`] reads.
const CORPUS_GENERATION_KEY: &[u8] = b"corpus_generation";
/// The tree of [`CorpusChange`]s, keyed by the generation each write ended at (big-endian).
const CORPUS_LOG_TREE: &str = "corpus_log";
/// [`Store::corpus_changes`] gives up on a span of more generations than this (two per
/// write): so many writes changed more than patching a derived copy is worth.
const MAX_SPAN: u64 = 1 << 22;

/// What one write may have changed in the learner's corpus, as the write reports it.
#[derive(Debug, Default)]
pub(crate) struct CorpusChange {
    /// Articles written, changed or removed.
    pub(crate) articles: Vec<ArticleId>,
    /// Vectors were stored for texts that had none: articles that were waiting for theirs
    /// may have one now. (Vectors are keyed by text, not by article.)
    pub(crate) vectors: bool,
    /// The write cannot say what it changed (it failed half way, or replaced a vector that
    /// was already there): whatever was derived from the store must be derived again.
    pub(crate) unknown: bool,
}

/// Every change to the corpus between two generations, gathered from the log.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CorpusChanges {
    /// Articles written, changed or removed, in id order.
    pub articles: BTreeSet<ArticleId>,
    /// Whether vectors were stored for texts that had none.
    pub vectors: bool,
    /// Writes logged.
    pub writes: usize,
}

impl Store {
    /// A number that changes whenever what the learner's corpus is made of may have changed
    /// (article metadata, articles removed, vectors stored or removed). Whatever was derived
    /// from the store while this number stayed the same still matches it: the learner keeps
    /// its corpus in a file stamped with it (`engine/learn/corpus_file.rs`), and
    /// [`Store::corpus_changes`] says what changed since.
    pub fn corpus_generation(&self) -> Result<u64, StoreError> {
        Ok(generation_in(
            self.live().meta.get(CORPUS_GENERATION_KEY)?.as_deref(),
        ))
    }

    /// Runs a write that may change the corpus between two bumps of the generation: a
    /// reader that saw the same number before and after its read cannot have seen half of
    /// it, and a crash half way still leaves the number changed. The write reports what it
    /// changed; that is logged under the generation of the second bump, in the same
    /// transaction as the bump (see [`Store::corpus_changes`]).
    pub(crate) fn changing_corpus<T>(
        &self,
        write: impl FnOnce(&mut CorpusChange) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let started = self.bump_corpus_generation()?;
        let mut change = CorpusChange::default();
        let result = write(&mut change);
        if result.is_err() {
            change.unknown = true;
        }
        self.log_corpus_change(started, &change)?;
        result
    }

    /// Bumps the generation; returns the new value.
    fn bump_corpus_generation(&self) -> Result<u64, StoreError> {
        let old = self
            .live()
            .meta
            .fetch_and_update(CORPUS_GENERATION_KEY, |old| {
                Some((generation_in(old) + 1).to_be_bytes().to_vec())
            })?;
        Ok(generation_in(old.as_deref()) + 1)
    }

    /// Bumps the generation and logs `change` under the new value, in one transaction.
    /// The entry: flags (1 vectors, 2 unknown), the generation the write started at (u64),
    /// then the article ids (u64 each), all big-endian.
    fn log_corpus_change(&self, started: u64, change: &CorpusChange) -> Result<(), StoreError> {
        let mut entry = Vec::with_capacity(9 + 8 * change.articles.len());
        entry.push(u8::from(change.vectors) | (u8::from(change.unknown) << 1));
        entry.extend_from_slice(&started.to_be_bytes());
        for id in &change.articles {
            entry.extend_from_slice(&id.0.to_be_bytes());
        }
        let live = self.live();
        let log = live.db.open_tree(CORPUS_LOG_TREE)?;
        (&live.meta, &log).transaction(|(meta, log)| {
            let n = generation_in(meta.get(CORPUS_GENERATION_KEY)?.as_deref()) + 1;
            meta.insert(CORPUS_GENERATION_KEY, &n.to_be_bytes())?;
            log.insert(&n.to_be_bytes(), entry.as_slice())?;
            Ok::<_, ConflictableTransactionError<StoreError>>(())
        })?;
        Ok(())
    }

    /// Everything that changed in the corpus after generation `since` up to `until`, or
    /// `None` when the log cannot say: a write in that span was not logged (an older Sift
    /// wrote, or a write is under way), a logged write could not say what it changed, or
    /// the log was cleared past `since`. Every bump of the generation belongs to a logged
    /// write (as the generation it started or ended at), so a bump no entry accounts for is
    /// a write nobody logged.
    pub fn corpus_changes(
        &self,
        since: u64,
        until: u64,
    ) -> Result<Option<CorpusChanges>, StoreError> {
        if until < since {
            return Ok(None);
        }
        let live = self.live();
        let log = live.db.open_tree(CORPUS_LOG_TREE)?;
        let mut changes = CorpusChanges::default();
        // A span this long is not worth patching (nor worth the memory to check it).
        if until - since > MAX_SPAN {
            return Ok(None);
        }
        let mut accounted = vec![false; (until - since) as usize];
        let mut account = |generation: u64| {
            if generation > since && generation <= until {
                accounted[(generation - since - 1) as usize] = true;
            }
        };
        // Writes that ended after `until` are read too: they may be half visible already.
        for item in log.range((since + 1).to_be_bytes()..) {
            let (key, entry) = item?;
            let (Ok(ended), Some((&flags, rest))) =
                (<[u8; 8]>::try_from(key.as_ref()), entry.split_first())
            else {
                return Ok(None);
            };
            if flags & 2 != 0 || rest.len() < 8 || (rest.len() - 8) % 8 != 0 {
                return Ok(None);
            }
            let started = u64::from_be_bytes(rest[..8].try_into().expect("8 bytes"));
            account(u64::from_be_bytes(ended));
            account(started);
            changes.vectors |= flags & 1 != 0;
            changes.writes += 1;
            changes.articles.extend(
                rest[8..]
                    .chunks_exact(8)
                    .map(|b| ArticleId(u64::from_be_bytes(b.try_into().expect("8 bytes")))),
            );
        }
        Ok(accounted.iter().all(|&a| a).then_some(changes))
    }

    /// Drops the logged changes up to generation `through`: whatever needed them has been
    /// derived again from the store as it was then.
    pub fn forget_corpus_changes(&self, through: u64) -> Result<(), StoreError> {
        let live = self.live();
        let log = live.db.open_tree(CORPUS_LOG_TREE)?;
        let mut batch = sled::Batch::default();
        for key in log.range(..=through.to_be_bytes()).keys() {
            batch.remove(key?);
        }
        log.apply_batch(batch)?;
        Ok(())
    }

    pub fn put_learner_cache<T: Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        self.live()
            .learner
            .insert(key.as_bytes(), serde_json::to_vec(value)?)?;
        Ok(())
    }

    pub fn get_learner_cache<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        Ok(self
            .live()
            .learner
            .get(key.as_bytes())?
            .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
    }
}

/// The generation as stored (eight big-endian bytes); none or damaged reads as 0.
fn generation_in(bytes: Option<&[u8]>) -> u64 {
    bytes
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map_or(0, u64::from_be_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ArticleRecord, FeedId};
    use crate::store::Embedding;

    fn article(id: u64) -> ArticleRecord {
        ArticleRecord {
            id: ArticleId(id),
            feed_id: FeedId(1),
            title: format!("article {id}"),
            text: format!("article {id}"),
            content_hash: format!("h{id}"),
            ..Default::default()
        }
    }

    fn ids(changes: &CorpusChanges) -> Vec<u64> {
        changes.articles.iter().map(|a| a.0).collect()
    }

    #[test]
    fn every_write_logs_what_it_changed_under_its_generation() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        store.put_article(&article(1)).unwrap();
        let first = store.corpus_generation().unwrap();
        store.put_article(&article(2)).unwrap();
        let v = Embedding::new(vec![1.0, 0.0], 2).unwrap();
        store.put_embedding("m", "h2", &v).unwrap();
        store.remove_articles(&[ArticleId(1)]).unwrap();
        let now = store.corpus_generation().unwrap();
        // Two bumps a write: three writes since `first`.
        assert_eq!(now, first + 6);

        let since_first = store.corpus_changes(first, now).unwrap().unwrap();
        assert_eq!(ids(&since_first), [1, 2]);
        assert!(since_first.vectors);
        assert_eq!(since_first.writes, 3);
        let everything = store.corpus_changes(0, now).unwrap().unwrap();
        assert_eq!(ids(&everything), [1, 2]);
        assert_eq!(everything.writes, 4);
        let nothing = store.corpus_changes(now, now).unwrap().unwrap();
        assert_eq!(nothing, CorpusChanges::default());
        assert_eq!(store.corpus_changes(now, first).unwrap(), None);

        // Once forgotten, a span reaching back before that cannot be told.
        store.forget_corpus_changes(first).unwrap();
        assert_eq!(store.corpus_changes(0, now).unwrap(), None);
        assert!(store.corpus_changes(first, now).unwrap().is_some());
    }

    #[test]
    fn a_write_that_was_not_logged_or_cannot_say_what_it_changed_makes_the_span_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        store.put_article(&article(1)).unwrap();
        let start = store.corpus_generation().unwrap();
        // An older Sift bumps the generation without logging.
        store.bump_corpus_generation().unwrap();
        store.bump_corpus_generation().unwrap();
        store.put_article(&article(2)).unwrap();
        let now = store.corpus_generation().unwrap();
        assert_eq!(store.corpus_changes(start, now).unwrap(), None);
        // From after the unlogged write on, the log can tell again.
        assert_eq!(
            ids(&store.corpus_changes(start + 2, now).unwrap().unwrap()),
            [2]
        );

        // A write that failed half way.
        let failed: Result<(), StoreError> = store.changing_corpus(|change| {
            change.articles.push(ArticleId(3));
            Err(StoreError::Corrupt {
                path: dir.path().into(),
                detail: "test".into(),
            })
        });
        assert!(failed.is_err());
        let later = store.corpus_generation().unwrap();
        assert_eq!(store.corpus_changes(now, later).unwrap(), None);

        // A vector replaced by another one for the same text: rows made from the old
        // one cannot be found by article.
        let one = Embedding::new(vec![1.0, 0.0], 2).unwrap();
        let other = Embedding::new(vec![0.0, 1.0], 2).unwrap();
        store.put_embedding("m", "h1", &one).unwrap();
        let stored = store.corpus_generation().unwrap();
        store.put_embedding("m", "h1", &one).unwrap();
        let same = store.corpus_generation().unwrap();
        assert!(store.corpus_changes(stored, same).unwrap().unwrap().vectors);
        store.put_embedding("m", "h1", &other).unwrap();
        let replaced = store.corpus_generation().unwrap();
        assert_eq!(store.corpus_changes(same, replaced).unwrap(), None);

        // A damaged entry is no description either.
        let log = store.live().db.open_tree(CORPUS_LOG_TREE).unwrap();
        store.put_article(&article(4)).unwrap();
        let end = store.corpus_generation().unwrap();
        log.insert(end.to_be_bytes(), &[0u8, 1, 2][..]).unwrap();
        assert_eq!(store.corpus_changes(replaced, end).unwrap(), None);
    }

    #[test]
    fn cache_values_round_trip_and_bad_ones_read_as_absent() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        store.put_learner_cache("a", &vec![1, 2, 3]).unwrap();
        assert_eq!(
            store.get_learner_cache::<Vec<i32>>("a").unwrap(),
            Some(vec![1, 2, 3])
        );
        assert_eq!(store.get_learner_cache::<String>("a").unwrap(), None);
        assert_eq!(store.get_learner_cache::<Vec<i32>>("b").unwrap(), None);
    }
}
