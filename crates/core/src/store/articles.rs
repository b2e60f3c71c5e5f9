//! The `articles` tree (one JSON [`ArticleMeta`] per article, keyed by [`ArticleId`]), the
//! `article_content` tree (its [`ArticleContent`]: sanitized HTML and the text that gets
//! embedded, same key), and the `article_keys` (dedup key → article) and `feed_articles`
//! (feed ‖ article) indexes. Every write keeps the four consistent in one transaction.
//!
//! Metadata and content live apart so that listings, counts and the learner's snapshot never
//! decode article bodies: at 100,000 articles the bodies are most of the store's bytes.
//! The records are the contract between ingestion (which writes them) and the learner (which
//! embeds `text` and keys its cache by `content_hash`).
//!
//! De-duplication: an entry is the same article as a stored one when it has the same entry id
//! in the same feed, else the same link (in any feed), else — only for entries with neither —
//! the same content hash. Every key an article was ever known by stays in `article_keys`, so
//! an entry that changes its link is still recognised.

use sled::transaction::{ConflictableTransactionResult, TransactionalTree};
use sled::Transactional;

use super::dates::follow_tx;
use super::{abort, Store, StoreError, NEXT_ARTICLE_ID_KEY};
use crate::domain::{
    feed_url_key, lead_words, ArticleContent, ArticleId, ArticleMeta, ArticleRecord, FeedId,
    FeedRecord, NewArticle, LEAD_WORDS,
};

impl NewArticle {
    /// The dedup keys in lookup order (see the module docs).
    fn dedup_keys(&self, feed_url: &str) -> Vec<String> {
        let mut keys = Vec::with_capacity(2);
        let guid = self.guid.as_deref().filter(|g| !g.trim().is_empty());
        if let Some(guid) = guid {
            // Entry ids are only unique within a feed in practice ("1", "2", ...), so they are
            // scoped by the feed's URL (not its id, so a re-subscription still matches).
            keys.push(format!(
                "id:{}\u{1f}{}",
                feed_url_key(feed_url),
                guid.trim()
            ));
        }
        if let Some(link) = self.link.as_deref().filter(|l| !l.trim().is_empty()) {
            keys.push(format!("link:{}", feed_url_key(link)));
        }
        if keys.is_empty() {
            keys.push(format!("hash:{}", self.content_hash));
        }
        keys
    }

    /// Whether storing `self` over `old` would change anything the user or learner sees.
    fn differs_from(&self, old: &ArticleMeta, old_content: &ArticleContent) -> bool {
        let content_differs = match old.whole.as_ref().filter(|w| w.succeeded()) {
            // The stored content is the page's: compare with the feed's version it replaced.
            Some(whole) => self.content_hash != whole.feed_content_hash,
            None => {
                self.content_html != old_content.content_html
                    || self.content_hash != old.content_hash
            }
        };
        content_differs
            || self.title != old.title
            || self.link != old.link
            || self.published != old.published
            || self.updated != old.updated
            || self.author != old.author
            || self.summary != old.summary
            || self.enclosures != old.enclosures
    }

    fn content(&self) -> ArticleContent {
        ArticleContent {
            content_html: self.content_html.clone(),
            text: self.text.clone(),
        }
    }
}

/// Everything one successful fetch of one feed writes, applied as one transaction: the
/// feed's new validators are never stored without the articles they vouch for.
#[derive(Debug, Clone)]
pub struct RefreshWrite {
    pub feed: FeedRecord,
    pub articles: Vec<NewArticle>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefreshWriteOutcome {
    /// False when the feed was unsubscribed meanwhile; nothing was written then.
    pub feed_exists: bool,
    pub new_ids: Vec<ArticleId>,
    pub updated_ids: Vec<ArticleId>,
}

/// Some feeds link every entry to the same page (a home page, a status page) and tell the
/// entries apart only by their ids. Within one feed, two entries with different ids are two
/// articles even when their links match; across feeds a shared link is the same article.
fn distinct_entries_sharing_a_link(
    matched_key: &str,
    new: &NewArticle,
    found: &ArticleMeta,
    feed_id: FeedId,
) -> bool {
    let same_feed = found.feed_id == feed_id;
    matched_key.starts_with("link:")
        && same_feed
        && matches!((&new.guid, &found.guid), (Some(a), Some(b)) if a.trim() != b.trim())
}

pub(super) fn feed_article_key(feed: FeedId, article: ArticleId) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&feed.to_key());
    key[8..].copy_from_slice(&article.to_key());
    key
}

pub(super) fn get_meta_tx(
    tree: &TransactionalTree,
    id: ArticleId,
) -> ConflictableTransactionResult<Option<ArticleMeta>, StoreError> {
    match tree.get(id.to_key())? {
        Some(bytes) => Ok(Some(serde_json::from_slice(&bytes).map_err(abort)?)),
        None => Ok(None),
    }
}

fn put_meta_tx(
    tree: &TransactionalTree,
    meta: &ArticleMeta,
) -> ConflictableTransactionResult<(), StoreError> {
    let bytes = serde_json::to_vec(meta).map_err(abort)?;
    tree.insert(&meta.id.to_key(), bytes)?;
    Ok(())
}

fn get_content_tx(
    tree: &TransactionalTree,
    id: ArticleId,
) -> ConflictableTransactionResult<ArticleContent, StoreError> {
    match tree.get(id.to_key())? {
        Some(bytes) => Ok(serde_json::from_slice(&bytes).map_err(abort)?),
        None => Ok(ArticleContent::default()),
    }
}

fn put_content_tx(
    tree: &TransactionalTree,
    id: ArticleId,
    content: &ArticleContent,
) -> ConflictableTransactionResult<(), StoreError> {
    let bytes = serde_json::to_vec(content).map_err(abort)?;
    tree.insert(&id.to_key(), bytes)?;
    Ok(())
}

impl Store {
    /// The whole article (metadata and content). Listings should use
    /// [`Store::get_article_meta`]: it does not decode the body.
    pub fn get_article(&self, id: ArticleId) -> Result<Option<ArticleRecord>, StoreError> {
        let Some(meta) = self.get_article_meta(id)? else {
            return Ok(None);
        };
        let content = self.get_article_content(id)?.unwrap_or_default();
        Ok(Some(ArticleRecord::join(meta, content)))
    }

    pub fn get_article_meta(&self, id: ArticleId) -> Result<Option<ArticleMeta>, StoreError> {
        match self.live().articles.get(id.to_key())? {
            Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
            None => Ok(None),
        }
    }

    pub fn get_article_content(&self, id: ArticleId) -> Result<Option<ArticleContent>, StoreError> {
        match self.live().article_content.get(id.to_key())? {
            Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
            None => Ok(None),
        }
    }

    /// Inserts or replaces one article (both halves, in one transaction). Ingestion owns how
    /// records are made; this is the plain write the learner's tests (and any importer) need.
    pub fn put_article(&self, record: &ArticleRecord) -> Result<(), StoreError> {
        self.changing_corpus(|change| {
            change.articles.push(record.id);
            self.put_article_once(record)
        })
    }

    fn put_article_once(&self, record: &ArticleRecord) -> Result<(), StoreError> {
        let (meta, content) = record.clone().split();
        (
            &self.live().articles,
            &self.live().article_content,
            &self.live().article_dates,
        )
            .transaction(|(articles, contents, dates)| {
                let old = get_meta_tx(articles, meta.id)?;
                follow_tx(dates, old.as_ref(), Some(&meta))?;
                put_meta_tx(articles, &meta)?;
                put_content_tx(contents, meta.id, &content)?;
                Ok::<_, sled::transaction::ConflictableTransactionError<StoreError>>(())
            })?;
        Ok(())
    }

    /// Every article, whole. Decodes every body: for listings use
    /// [`Store::list_article_meta`].
    pub fn list_articles(&self) -> Result<Vec<ArticleRecord>, StoreError> {
        self.list_article_meta()?
            .into_iter()
            .map(|meta| {
                let content = self.get_article_content(meta.id)?.unwrap_or_default();
                Ok(ArticleRecord::join(meta, content))
            })
            .collect()
    }

    /// Every article's metadata, in id order, without decoding any body.
    pub fn list_article_meta(&self) -> Result<Vec<ArticleMeta>, StoreError> {
        self.article_metas().collect()
    }

    /// [`Store::list_article_meta`] one article at a time, for a pass that keeps little of
    /// each: at 100,000 articles the whole list is ~100 MB of small allocations, which a
    /// count made after every read (`Engine::unread_counts`) built and dropped each time.
    pub fn article_metas(&self) -> impl Iterator<Item = Result<ArticleMeta, StoreError>> + '_ {
        self.live()
            .articles
            .iter()
            .values()
            .map(|v| Ok(serde_json::from_slice(&v?)?))
    }

    pub fn article_count(&self) -> usize {
        self.live().articles.len()
    }

    /// Stores the result of one fetch: new articles, in-place updates, and the feed record,
    /// all in one transaction (see [`RefreshWrite`]).
    pub fn apply_refresh(&self, write: &RefreshWrite) -> Result<RefreshWriteOutcome, StoreError> {
        self.changing_corpus(|change| {
            let (outcome, written) = self.apply_refresh_once(write)?;
            change.articles = written;
            Ok(outcome)
        })
    }

    /// Also returns every article whose record it wrote (new, changed, or only moved to
    /// another feed), for the corpus log.
    fn apply_refresh_once(
        &self,
        write: &RefreshWrite,
    ) -> Result<(RefreshWriteOutcome, Vec<ArticleId>), StoreError> {
        let feed_id = write.feed.id;
        let feed_bytes = serde_json::to_vec(&write.feed)?;
        let now = chrono::Utc::now().to_rfc3339();
        let keyed: Vec<(Vec<String>, &NewArticle)> = write
            .articles
            .iter()
            .map(|a| (a.dedup_keys(&write.feed.url), a))
            .collect();

        let outcome = (
            &self.live().feeds,
            &self.live().articles,
            &self.live().article_content,
            &self.live().article_keys,
            &self.live().feed_articles,
            &self.live().meta,
            &self.live().article_dates,
        )
            .transaction(
                |(feeds, articles, contents, keys, feed_articles, meta, dates)| {
                    let mut outcome = RefreshWriteOutcome::default();
                    let mut written = Vec::new();
                    if feeds.get(feed_id.to_key())?.is_none() {
                        return Ok((outcome, written));
                    }
                    // Ids are drawn inside the transaction, so only new articles use one up.
                    let first_id = meta
                        .get(NEXT_ARTICLE_ID_KEY)?
                        .and_then(|b| <[u8; 8]>::try_from(b.as_ref()).ok())
                        .map(u64::from_be_bytes)
                        .unwrap_or(1);
                    let mut next_id = first_id;
                    outcome.feed_exists = true;
                    feeds.insert(&feed_id.to_key(), feed_bytes.as_slice())?;

                    for (entry_keys, new) in &keyed {
                        let mut existing = None;
                        // A key that points at no article: retention pruned it (see retention.rs).
                        let mut pruned = false;
                        for key in entry_keys {
                            if let Some(id) = keys.get(key.as_bytes())? {
                                if let Some(id) = ArticleId::from_key(&id) {
                                    if let Some(found) = get_meta_tx(articles, id)? {
                                        if !distinct_entries_sharing_a_link(
                                            key, new, &found, feed_id,
                                        ) {
                                            existing = Some(found);
                                            break;
                                        }
                                    } else {
                                        pruned = true;
                                    }
                                }
                            }
                        }
                        if existing.is_none() && pruned {
                            continue;
                        }
                        match existing {
                            None => {
                                let id = ArticleId(next_id);
                                next_id += 1;
                                let record = ArticleMeta {
                                    id,
                                    feed_id,
                                    title: new.title.clone(),
                                    link: new.link.clone(),
                                    published: new.published.clone(),
                                    author: new.author.clone(),
                                    summary: new.summary.clone(),
                                    lead: lead_words(&new.title, &new.text, LEAD_WORDS),
                                    content_hash: new.content_hash.clone(),
                                    guid: new.guid.clone(),
                                    updated: new.updated.clone(),
                                    enclosures: new.enclosures.clone(),
                                    fetched_at: Some(now.clone()),
                                    also_in: Vec::new(),
                                    dedup_keys: entry_keys.clone(),
                                    read: false,
                                    whole: None,
                                };
                                // A key already taken (a link shared by distinct entries) keeps
                                // pointing at the first article.
                                for key in entry_keys {
                                    if keys.get(key.as_bytes())?.is_none() {
                                        keys.insert(key.as_bytes(), &record.id.to_key())?;
                                    }
                                }
                                feed_articles.insert(&feed_article_key(feed_id, record.id), &[])?;
                                follow_tx(dates, None, Some(&record))?;
                                put_meta_tx(articles, &record)?;
                                put_content_tx(contents, record.id, &new.content())?;
                                outcome.new_ids.push(record.id);
                                written.push(record.id);
                            }
                            Some(mut record) => {
                                let before = record.clone();
                                let mut changed = false;
                                for key in entry_keys {
                                    if !record.dedup_keys.contains(key) {
                                        record.dedup_keys.push(key.clone());
                                        keys.insert(key.as_bytes(), &record.id.to_key())?;
                                        changed = true;
                                    }
                                }
                                if record.feed_id != feed_id
                                    && feeds.get(record.feed_id.to_key())?.is_none()
                                {
                                    // Kept (rated) after its feed was unsubscribed: the feed is
                                    // back, so the article is its own again.
                                    record.feed_id = feed_id;
                                    record.also_in.retain(|f| *f != feed_id);
                                    feed_articles
                                        .insert(&feed_article_key(feed_id, record.id), &[])?;
                                    changed = true;
                                }
                                if record.feed_id == feed_id {
                                    let old_content = get_content_tx(contents, record.id)?;
                                    if new.differs_from(&record, &old_content) {
                                        // The feed changed the entry: its content replaces a
                                        // fetched page's, which is fetched again if wanted.
                                        record.whole = None;
                                        record.title = new.title.clone();
                                        record.link = new.link.clone();
                                        record.published = new.published.clone();
                                        record.updated = new.updated.clone();
                                        record.author = new.author.clone();
                                        record.summary = new.summary.clone();
                                        record.lead = lead_words(&new.title, &new.text, LEAD_WORDS);
                                        put_content_tx(contents, record.id, &new.content())?;
                                        record.content_hash = new.content_hash.clone();
                                        record.enclosures = new.enclosures.clone();
                                        if new.guid.is_some() {
                                            record.guid = new.guid.clone();
                                        }
                                        if !outcome.updated_ids.contains(&record.id) {
                                            outcome.updated_ids.push(record.id);
                                        }
                                        changed = true;
                                    }
                                } else if !record.also_in.contains(&feed_id) {
                                    // The same article from another feed: the first feed's copy
                                    // stays authoritative so two feeds never flip-flop it.
                                    record.also_in.push(feed_id);
                                    feed_articles
                                        .insert(&feed_article_key(feed_id, record.id), &[])?;
                                    changed = true;
                                }
                                if changed {
                                    follow_tx(dates, Some(&before), Some(&record))?;
                                    put_meta_tx(articles, &record)?;
                                    written.push(record.id);
                                }
                            }
                        }
                    }
                    if next_id != first_id {
                        meta.insert(NEXT_ARTICLE_ID_KEY, &next_id.to_be_bytes())?;
                    }
                    Ok((outcome, written))
                },
            )?;
        Ok(outcome)
    }

    /// Removes a subscription and the articles only it carried, except rated ones (ratings
    /// are the user's training data) and saved ones (the reader's own collection). Articles other feeds also carry move to one of them.
    /// Returns the feed's record, or `None` if there was no such feed.
    pub fn remove_feed(&self, feed_id: FeedId) -> Result<Option<FeedRecord>, StoreError> {
        self.changing_corpus(|change| self.remove_feed_with(feed_id, || {}, &mut change.articles))
    }

    /// [`Store::remove_feed`], calling `between_scan_and_write` where another thread's
    /// write may land (after the scan of the feed's articles, before the transaction), so
    /// a test can put one there.
    /// Every article it looked at (removed, or moved to another feed) is added to `touched`.
    fn remove_feed_with(
        &self,
        feed_id: FeedId,
        between_scan_and_write: impl Fn(),
        touched: &mut Vec<ArticleId>,
    ) -> Result<Option<FeedRecord>, StoreError> {
        let Some(feed) = self.get_feed(feed_id)? else {
            return Ok(None);
        };
        let url_key = feed_url_key(&feed.url);
        // Scans cannot run inside a sled transaction; a refresh that slips an article in
        // between is caught by the second pass, after which no refresh can write for this
        // feed (its transaction checks that the feed exists). Whether an article is rated
        // or saved is read inside the transaction, which sled runs under its global write
        // lock (plain writes wait for it): an answer given during the unsubscribe either
        // lands before (and the article stays) or finds the article gone (and
        // `rate_existing` refuses it).
        // Held throughout: `saved` is a handle into the open database (see `Store::live`).
        let live = self.live();
        let saved = super::saved::saved_tree(&live)?;
        let mut first_pass = true;
        loop {
            let ids = self.feed_article_ids(feed_id)?;
            if !first_pass && ids.is_empty() {
                break;
            }
            touched.extend_from_slice(&ids);
            between_scan_and_write();
            (
                &live.feeds,
                &live.feed_urls,
                &live.articles,
                &live.article_content,
                &live.article_keys,
                &live.feed_articles,
                &live.ratings,
                &saved,
                &live.article_dates,
            )
                .transaction(
                    |(
                        feeds,
                        urls,
                        articles,
                        contents,
                        keys,
                        feed_articles,
                        ratings,
                        saved,
                        dates,
                    )| {
                        feeds.remove(&feed_id.to_key())?;
                        if urls.get(url_key.as_bytes())?.as_deref() == Some(&feed_id.to_key()[..]) {
                            urls.remove(url_key.as_bytes())?;
                        }
                        for id in &ids {
                            feed_articles.remove(&feed_article_key(feed_id, *id))?;
                            let Some(mut record) = get_meta_tx(articles, *id)? else {
                                continue;
                            };
                            if record.feed_id != feed_id {
                                record.also_in.retain(|f| *f != feed_id);
                                put_meta_tx(articles, &record)?;
                            } else if !record.also_in.is_empty() {
                                record.feed_id = record.also_in.remove(0);
                                put_meta_tx(articles, &record)?;
                            } else if ratings.get(id.to_key())?.is_none()
                                && saved.get(id.to_key())?.is_none()
                            {
                                for key in &record.dedup_keys {
                                    if keys.get(key.as_bytes())?.as_deref()
                                        == Some(&id.to_key()[..])
                                    {
                                        keys.remove(key.as_bytes())?;
                                    }
                                }
                                follow_tx(dates, Some(&record), None)?;
                                articles.remove(&id.to_key())?;
                                contents.remove(&id.to_key())?;
                            }
                        }
                        Ok::<_, sled::transaction::ConflictableTransactionError<StoreError>>(())
                    },
                )?;
            if !first_pass {
                break;
            }
            first_pass = false;
        }
        Ok(Some(feed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Rating;

    /// An answer (or a save) that lands while an unsubscribe is under way — after it
    /// scanned the feed's articles, before it deletes them — keeps its article: ratings are
    /// the user's training data, saved articles their collection.
    #[test]
    fn an_answer_given_during_an_unsubscribe_keeps_its_article() {
        let (_dir, store) = store();
        let feed = feed(&store, "https://race.example/feed");
        write(
            &store,
            &feed,
            vec![
                article(Some("a"), None, "first"),
                article(Some("b"), None, "second"),
                article(Some("c"), None, "third"),
            ],
        );
        let ids = store.feed_article_ids(feed.id).unwrap();
        let (rated, saved, plain) = (ids[0], ids[1], ids[2]);
        store
            .remove_feed_with(
                feed.id,
                || {
                    store.put_rating(rated, Rating::Like).unwrap();
                    store.save_article(saved).unwrap();
                },
                &mut Vec::new(),
            )
            .unwrap();
        assert!(
            store.get_article(rated).unwrap().is_some(),
            "the rated article was deleted"
        );
        assert!(
            store.get_article(saved).unwrap().is_some(),
            "the saved article was deleted"
        );
        assert!(store.get_article(plain).unwrap().is_none());
        // And an answer that comes after the article is gone is refused, not orphaned.
        assert!(store.rate_existing(plain, Rating::Like).unwrap().is_none());
        assert!(store.get_rating(plain).unwrap().is_none());
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        (dir, store)
    }

    fn feed(store: &Store, url: &str) -> FeedRecord {
        let feed = FeedRecord::new(store.new_feed_id().unwrap(), url.into(), url.into(), None);
        store.insert_feed(&feed).unwrap();
        feed
    }

    fn article(guid: Option<&str>, link: Option<&str>, text: &str) -> NewArticle {
        NewArticle {
            guid: guid.map(str::to_string),
            title: text.to_string(),
            link: link.map(str::to_string),
            text: text.to_string(),
            content_hash: format!("h-{text}"),
            ..Default::default()
        }
    }

    fn write(store: &Store, feed: &FeedRecord, articles: Vec<NewArticle>) -> RefreshWriteOutcome {
        store
            .apply_refresh(&RefreshWrite {
                feed: feed.clone(),
                articles,
            })
            .unwrap()
    }

    #[test]
    fn same_guid_updates_in_place() {
        let (_d, store) = store();
        let f = feed(&store, "http://a.test/feed");
        let first = write(
            &store,
            &f,
            vec![article(Some("g1"), Some("http://a.test/1"), "v1")],
        );
        assert_eq!(first.new_ids.len(), 1);
        let second = write(
            &store,
            &f,
            vec![article(Some("g1"), Some("http://a.test/1b"), "v2")],
        );
        assert!(second.new_ids.is_empty());
        assert_eq!(second.updated_ids, first.new_ids);
        let all = store.list_articles().unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].text, "v2");
        // The lean record follows the new text; only the content tree holds the body.
        let meta = store.get_article_meta(all[0].id).unwrap().unwrap();
        assert_eq!(
            (meta.lead.as_str(), meta.content_hash.as_str()),
            ("v2", "h-v2")
        );
        assert_eq!(
            store.get_article_content(all[0].id).unwrap().unwrap().text,
            "v2"
        );
        assert_eq!(all[0].link.as_deref(), Some("http://a.test/1b"));
    }

    #[test]
    fn same_link_across_feeds_is_one_article() {
        let (_d, store) = store();
        let a = feed(&store, "http://a.test/feed");
        let b = feed(&store, "http://b.test/feed");
        write(
            &store,
            &a,
            vec![article(Some("a1"), Some("http://x.test/post"), "t")],
        );
        let out = write(
            &store,
            &b,
            vec![article(Some("b1"), Some("http://x.test/post"), "t")],
        );
        assert!(out.new_ids.is_empty());
        let all = store.list_articles().unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].feed_id, a.id);
        assert_eq!(all[0].also_in, vec![b.id]);
        let counts = store.article_counts().unwrap();
        assert_eq!(counts[&a.id], 1);
        assert_eq!(counts[&b.id], 1);

        // Unsubscribing the first feed hands the article to the second.
        store.remove_feed(a.id).unwrap();
        let all = store.list_articles().unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].feed_id, b.id);
    }

    #[test]
    fn ids_are_small_and_only_new_articles_use_them_up() {
        let (_d, store) = store();
        let a = feed(&store, "http://a.test/feed");
        let b = feed(&store, "http://b.test/feed");
        assert_eq!((a.id, b.id), (FeedId(1), FeedId(2)));
        let two = || {
            vec![
                article(Some("1"), None, "one"),
                article(Some("2"), None, "two"),
            ]
        };
        assert_eq!(
            write(&store, &a, two()).new_ids,
            [ArticleId(1), ArticleId(2)]
        );
        assert!(write(&store, &a, two()).new_ids.is_empty());
        let third = write(&store, &b, vec![article(Some("x"), None, "three")]);
        assert_eq!(third.new_ids, [ArticleId(3)]);
    }

    #[test]
    fn distinct_ids_sharing_one_link_in_a_feed_stay_distinct() {
        let (_d, store) = store();
        let f = feed(&store, "http://status.test/feed");
        let home = Some("http://status.test/");
        let out = write(
            &store,
            &f,
            vec![
                article(Some("e1"), home, "up"),
                article(Some("e2"), home, "down"),
            ],
        );
        assert_eq!(out.new_ids.len(), 2);
        let again = write(
            &store,
            &f,
            vec![
                article(Some("e1"), home, "up"),
                article(Some("e2"), home, "down"),
            ],
        );
        assert!(
            again.new_ids.is_empty() && again.updated_ids.is_empty(),
            "{again:?}"
        );
        assert_eq!(store.article_count(), 2);
    }

    #[test]
    fn entries_without_id_or_link_dedup_by_hash() {
        let (_d, store) = store();
        let f = feed(&store, "http://a.test/feed");
        write(
            &store,
            &f,
            vec![article(None, None, "same"), article(None, None, "same")],
        );
        write(
            &store,
            &f,
            vec![article(None, None, "same"), article(None, None, "other")],
        );
        assert_eq!(store.article_count(), 2);
    }

    #[test]
    fn unsubscribe_keeps_rated_articles_and_drops_the_rest() {
        let (_d, store) = store();
        let f = feed(&store, "http://a.test/feed");
        let out = write(
            &store,
            &f,
            vec![
                article(Some("1"), Some("http://a.test/1"), "one"),
                article(Some("2"), Some("http://a.test/2"), "two"),
            ],
        );
        let rated = out.new_ids[0];
        store
            .put_rating(rated, crate::domain::Rating::Like)
            .unwrap();
        assert_eq!(
            store.get_rating(rated).unwrap().map(|r| r.rating),
            Some(crate::domain::Rating::Like)
        );
        store.remove_feed(f.id).unwrap();
        let left = store.list_articles().unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].id, rated);
        assert!(store.get_feed(f.id).unwrap().is_none());
        // The unrated article's keys are gone; the rated one's stay so it is not re-added.
        assert_eq!(store.live().article_keys.len(), 2);
        // And its body with it.
        assert_eq!(store.live().article_content.len(), 1);
        assert!(store.get_article_content(rated).unwrap().is_some());
        // Re-subscribing does not duplicate the kept article.
        let again = feed(&store, "http://a.test/feed");
        let out = write(
            &store,
            &again,
            vec![article(Some("1"), Some("http://a.test/1"), "one")],
        );
        assert!(out.new_ids.is_empty());
        assert_eq!(store.article_count(), 1);
        assert_eq!(store.get_article(rated).unwrap().unwrap().feed_id, again.id);
        assert_eq!(store.feed_article_ids(again.id).unwrap(), vec![rated]);
    }

    #[test]
    fn writes_for_a_removed_feed_are_dropped() {
        let (_d, store) = store();
        let f = feed(&store, "http://a.test/feed");
        store.remove_feed(f.id).unwrap();
        let out = write(&store, &f, vec![article(Some("1"), None, "x")]);
        assert!(!out.feed_exists);
        assert_eq!(store.article_count(), 0);
        assert_eq!(store.feed_count(), 0);
    }
}
