//! The `article_dates` index: one key per article, `(when, id)` encoded so that sled's byte
//! order is the articles page's order (newest first when iterated backwards), where `when`
//! is the publication date the feed gives, else when the article was first stored. A page of
//! 50 articles then reads 50 metadata records instead of decoding all 100,000.
//!
//! Every writer of the `articles` tree keeps it in step in the same transaction or batch
//! (`articles.rs`, `retention.rs`); [`Store::open`] rebuilds it for stores written before it
//! existed (schema 3).

use sled::transaction::{ConflictableTransactionResult, TransactionalTree};

use super::{Store, StoreError};
use crate::domain::{ArticleId, ArticleMeta};

/// The date an article is listed by: published, else first stored (`None` sorts last).
pub(crate) fn listing_date(meta: &ArticleMeta) -> Option<&str> {
    meta.published.as_deref().or(meta.fetched_at.as_deref())
}

/// `(when, id)` as bytes whose order is the tuple's: articles without a date (a `0` byte)
/// before every dated one (a `1` byte, then the date with its `0` bytes escaped as `0 1`,
/// then `0 0`), and the big-endian id last.
pub(crate) fn date_key(when: Option<&str>, id: ArticleId) -> Vec<u8> {
    let mut key = Vec::with_capacity(when.map_or(0, str::len) + 12);
    match when {
        None => key.push(0),
        Some(date) => {
            key.push(1);
            for &b in date.as_bytes() {
                key.push(b);
                if b == 0 {
                    key.push(1);
                }
            }
            key.extend_from_slice(&[0, 0]);
        }
    }
    key.extend_from_slice(&id.to_key());
    key
}

pub(crate) fn meta_date_key(meta: &ArticleMeta) -> Vec<u8> {
    date_key(listing_date(meta), meta.id)
}

fn id_of_date_key(key: &[u8]) -> Option<ArticleId> {
    key.len()
        .checked_sub(8)
        .and_then(|at| ArticleId::from_key(&key[at..]))
}

/// Keeps the index in step with one metadata write inside a transaction: `old` is what was
/// stored before (if anything), `new` what is stored now (`None`: removed).
pub(super) fn follow_tx(
    dates: &TransactionalTree,
    old: Option<&ArticleMeta>,
    new: Option<&ArticleMeta>,
) -> ConflictableTransactionResult<(), StoreError> {
    let old_key = old.map(meta_date_key);
    let new_key = new.map(meta_date_key);
    if old_key == new_key {
        return Ok(());
    }
    if let Some(key) = old_key {
        dates.remove(key)?;
    }
    if let Some(key) = new_key {
        dates.insert(key, &[])?;
    }
    Ok(())
}

impl Store {
    /// Article ids in the articles page's order: newest first (by publication date, else
    /// when first stored; undated last; ties by the higher id first). Reads only the index.
    pub fn article_ids_newest_first(
        &self,
    ) -> impl Iterator<Item = Result<ArticleId, StoreError>> + 'static {
        // sled's iterator holds its own handle: a compaction swapping the database
        // meanwhile leaves it reading the old one, whose ids are the same.
        let keys = self.live().article_dates.iter().keys();
        keys.rev().filter_map(|key| match key {
            Ok(key) => id_of_date_key(&key).map(Ok),
            Err(e) => Some(Err(e.into())),
        })
    }

    /// Rebuilds the index from every article's metadata (a store from before it existed, or
    /// one whose index does not match its articles).
    pub(super) fn rebuild_article_dates(&self) -> Result<(), StoreError> {
        let live = self.live();
        live.article_dates.clear()?;
        let mut batch = sled::Batch::default();
        let mut pending = 0;
        for value in live.articles.iter().values() {
            let meta: ArticleMeta = serde_json::from_slice(&value?)?;
            batch.insert(meta_date_key(&meta), &[]);
            pending += 1;
            if pending == 10_000 {
                live.article_dates.apply_batch(std::mem::take(&mut batch))?;
                pending = 0;
            }
        }
        live.article_dates.apply_batch(batch)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ArticleRecord, FeedId, FeedRecord, NewArticle, Rating};
    use crate::store::{RefreshWrite, SCHEMA_KEY};

    /// The page order the index gives, against the order sorting every record gives.
    fn assert_in_step(store: &Store) {
        let indexed: Vec<ArticleId> = store
            .article_ids_newest_first()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut metas = store.list_article_meta().unwrap();
        metas.sort_by(|a, b| (listing_date(b), b.id).cmp(&(listing_date(a), a.id)));
        let sorted: Vec<ArticleId> = metas.iter().map(|m| m.id).collect();
        assert_eq!(indexed, sorted);
        assert_eq!(store.live().article_dates.len(), store.article_count());
    }

    fn entry(guid: &str, published: Option<&str>, text: &str) -> NewArticle {
        NewArticle {
            guid: Some(guid.into()),
            title: text.into(),
            link: Some(format!("http://a.test/{guid}")),
            published: published.map(str::to_string),
            text: text.into(),
            content_hash: format!("h-{text}"),
            ..Default::default()
        }
    }

    #[test]
    fn the_index_follows_inserts_updates_prunes_and_unsubscribes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        let feeds: Vec<FeedRecord> = (1..=2)
            .map(|i| {
                let f = FeedRecord::new(FeedId(i), format!("http://f{i}.test/"), "F".into(), None);
                store.insert_feed(&f).unwrap();
                f
            })
            .collect();
        let write = |feed: &FeedRecord, entries: Vec<NewArticle>| {
            store
                .apply_refresh(&RefreshWrite {
                    feed: feed.clone(),
                    articles: entries,
                })
                .unwrap()
        };
        let first = write(
            &feeds[0],
            vec![
                entry("a", Some("2024-01-02T00:00:00Z"), "a"),
                entry("b", None, "b"),
                entry("c", Some("2023-06-01T00:00:00Z"), "c"),
            ],
        );
        write(
            &feeds[1],
            vec![
                entry("d", Some("2024-01-02T00:00:00Z"), "d"),
                entry("e", Some("2025-03-01T00:00:00Z"), "e"),
            ],
        );
        assert_in_step(&store);
        let order: Vec<ArticleId> = store
            .article_ids_newest_first()
            .map(Result::unwrap)
            .collect();
        // b has no date: it is listed by when it was stored (now), then the newest dates.
        assert_eq!(order[..3], [ArticleId(2), ArticleId(5), ArticleId(4)]);

        // The feed moves an entry's date: its place in the index moves with it.
        let moved = write(
            &feeds[0],
            vec![entry("c", Some("2999-01-01T00:00:00Z"), "c, edited")],
        );
        assert_eq!(moved.updated_ids, [first.new_ids[2]]);
        assert_in_step(&store);
        assert_eq!(
            store.article_ids_newest_first().next().unwrap().unwrap(),
            first.new_ids[2]
        );

        // A plain write (an importer's, whole-article fetching's) too.
        let mut record = store.get_article(first.new_ids[0]).unwrap().unwrap();
        record.published = Some("2020-01-01T00:00:00Z".into());
        store.put_article(&record).unwrap();
        store
            .put_article(&ArticleRecord {
                id: ArticleId(99),
                feed_id: FeedId(2),
                title: "put".into(),
                content_hash: "h99".into(),
                ..Default::default()
            })
            .unwrap();
        assert_in_step(&store);

        // Retention, and unsubscribing (the rated article stays, so does its key).
        store.remove_articles(&[ArticleId(5)]).unwrap();
        assert_in_step(&store);
        store.put_rating(first.new_ids[1], Rating::Like).unwrap();
        store.remove_feed(FeedId(1)).unwrap();
        assert_in_step(&store);
        assert_eq!(store.article_count(), 3);
    }

    #[test]
    fn a_store_from_before_the_index_gets_it_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        {
            let store = Store::open(&path).unwrap();
            let feed = FeedRecord::new(FeedId(1), "http://f.test/".into(), "F".into(), None);
            store.insert_feed(&feed).unwrap();
            let entries = (0..300)
                .map(|i| {
                    let date = (i % 7 != 0).then(|| format!("2024-01-{:02}T00:00:00Z", 1 + i % 28));
                    entry(&format!("g{i}"), date.as_deref(), &format!("t{i}"))
                })
                .collect();
            store
                .apply_refresh(&RefreshWrite {
                    feed,
                    articles: entries,
                })
                .unwrap();
            // As schema 2 left it: no index.
            store.live().article_dates.clear().unwrap();
            store
                .live()
                .meta
                .insert(SCHEMA_KEY, &2u32.to_be_bytes())
                .unwrap();
            store.flush().unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), 3);
        assert_eq!(store.live().article_dates.len(), 300);
        assert_in_step(&store);
    }

    #[test]
    fn keys_sort_like_the_date_then_the_id() {
        let dated = |d: &str, id: u64| date_key(Some(d), ArticleId(id));
        let mut keys = [
            dated("2024-05-01T10:00:00Z", 3),
            date_key(None, ArticleId(9)),
            dated("2024-05-01T10:00:00Z", 2),
            dated("2024-05-01", 7),
            dated("2023-12-31T23:59:59Z", 8),
            dated("2024-05-01\u{0}x", 1),
            dated("", 5),
        ];
        keys.sort();
        let ids: Vec<u64> = keys.iter().map(|k| id_of_date_key(k).unwrap().0).collect();
        // As (Option<&str>, id) tuples would sort: None first, then by string, then id.
        let mut tuples = [
            (Some("2024-05-01T10:00:00Z"), 3),
            (None, 9),
            (Some("2024-05-01T10:00:00Z"), 2),
            (Some("2024-05-01"), 7),
            (Some("2023-12-31T23:59:59Z"), 8),
            (Some("2024-05-01\u{0}x"), 1),
            (Some(""), 5),
        ];
        tuples.sort();
        let expected: Vec<u64> = tuples.iter().map(|t| t.1).collect();
        assert_eq!(ids, expected);
    }
}
