//! Whole articles on [`Engine`]: the per-feed switch, and fetching the linked pages of the
//! articles of feeds that have it on (after each refresh, and at once when switched on).
//!
//! Pages are fetched with the feed fetcher (same timeouts, size cap, redirect limit and
//! user agent) under the same global and per-host limits as a refresh. A link is the feed
//! author's choice, not the user's: links of a feed on the public internet reach only
//! public addresses (`feeds/address.rs`); a feed on the local network may link there. A page that cannot
//! be used leaves the feed's own content in place with the reason recorded (the reader
//! shows it); nothing is ever stored empty.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::Engine;
use crate::domain::{ArticleId, ArticleMeta, ArticleRecord, FeedId, FeedRecord, WholeArticle};
use crate::error::Result;
use crate::feeds::address::reach_for;
use crate::feeds::article::content_hash;
use crate::feeds::whole::{fetch_whole_article, ExtractedArticle, WholeArticleError};
use crate::feeds::Reach;

/// Pages fetched per feed in one pass, newest articles first: switching a big feed on
/// does not fetch its whole archive at once (the rest follow at later refreshes).
const MAX_PAGES_PER_FEED: usize = 30;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WholeArticlesReport {
    /// Articles now holding their whole text.
    pub fetched: usize,
    /// Articles whose page could not be used (they keep the feed's content).
    pub failed: usize,
    /// One line per failure.
    pub errors: Vec<String>,
    /// The articles whose stored content changed.
    #[serde(skip)]
    pub changed: Vec<ArticleId>,
}

impl Engine {
    /// What follows storing a refresh's articles (ingestion calls it, holding the refresh
    /// lock): feeds that want whole articles get their new entries' pages. It may not fail
    /// the refresh (what it misses is caught up later), so a failure is logged.
    pub(super) async fn after_refresh(&self) {
        if let Err(e) = self.fetch_whole_articles(None).await {
            tracing::warn!("whole articles could not be fetched: {e}");
        }
    }

    /// Turns fetching whole articles on or off for a feed (by id or URL). Turning it on
    /// fetches the pages of the feed's recent articles now.
    pub async fn set_full_text(&self, id_or_url: &str, on: bool) -> Result<WholeArticlesReport> {
        let mut feed = self.find_feed(id_or_url)?;
        feed.full_text = on;
        self.store.update_feed(&feed)?;
        self.store.flush()?;
        if !on {
            return Ok(WholeArticlesReport::default());
        }
        self.fetch_whole_articles(Some(feed.id)).await
    }

    /// Fetches the whole article for every stored article of a full-text feed (or only of
    /// `only`) that has not been tried yet, newest first, at most
    /// [`MAX_PAGES_PER_FEED`] per feed. Then re-indexes what changed.
    pub async fn fetch_whole_articles(&self, only: Option<FeedId>) -> Result<WholeArticlesReport> {
        let feeds: Vec<FeedRecord> = self
            .store
            .list_feeds()?
            .into_iter()
            .filter(|f| f.full_text && only.is_none_or(|id| id == f.id))
            .collect();
        let mut wanted: Vec<ArticleRecord> = Vec::new();
        let mut reach: HashMap<FeedId, Reach> = HashMap::new();
        for feed in &feeds {
            // Chosen on metadata; only the chosen articles' text is read.
            let mut pending: Vec<ArticleMeta> = Vec::new();
            for id in self.store.feed_article_ids(feed.id)? {
                if let Some(a) = self.store.get_article_meta(id)? {
                    if a.feed_id == feed.id && a.whole.is_none() && a.link.is_some() {
                        pending.push(a);
                    }
                }
            }
            pending.sort_by(|a, b| {
                let when = |x: &ArticleMeta| x.published.clone().or(x.fetched_at.clone());
                when(b).cmp(&when(a)).then(b.id.cmp(&a.id))
            });
            pending.truncate(MAX_PAGES_PER_FEED);
            if !pending.is_empty() {
                reach.insert(feed.id, reach_for(&feed.url).await);
            }
            for meta in pending {
                if let Some(a) = self.store.get_article(meta.id)? {
                    wanted.push(a);
                }
            }
        }
        if wanted.is_empty() {
            return Ok(WholeArticlesReport::default());
        }

        let fetcher = self.fetcher()?;
        let settings = fetcher.settings().clone();
        let global = Arc::new(Semaphore::new(settings.max_concurrent.max(1)));
        let mut per_host: HashMap<String, Arc<Semaphore>> = HashMap::new();
        let mut tasks = JoinSet::new();
        for article in wanted {
            let link = article.link.clone().unwrap_or_default();
            let host = url::Url::parse(&link)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default();
            let host_limit = per_host
                .entry(host)
                .or_insert_with(|| Arc::new(Semaphore::new(settings.max_per_host.max(1))))
                .clone();
            let global = global.clone();
            let fetcher = fetcher.clone();
            let reach = reach
                .get(&article.feed_id)
                .copied()
                .unwrap_or(Reach::PublicOnly);
            tasks.spawn(async move {
                // Host first: a task waiting on a busy host must not hold a global slot.
                let _host = host_limit.acquire_owned().await;
                let _slot = global.acquire_owned().await;
                let feed_chars = crate::search::body_of(&article.title, &article.text)
                    .chars()
                    .count();
                let outcome = fetch_whole_article(&fetcher, &link, reach, feed_chars).await;
                (article, outcome)
            });
        }

        let mut report = WholeArticlesReport::default();
        while let Some(joined) = tasks.join_next().await {
            let Ok((article, outcome)) = joined else {
                continue; // a panicked task: the article stays untried and is tried again
            };
            match &outcome {
                Ok(_) => report.fetched += 1,
                Err(e) => {
                    report.failed += 1;
                    report.errors.push(format!("article {}: {e}", article.id));
                }
            }
            if let Some(id) = self.store_whole(article, outcome)? {
                report.changed.push(id);
            }
        }
        self.store.flush()?;
        self.reindex_quietly(&report.changed);
        if !report.changed.is_empty() {
            // New text to embed: a running embedding run takes it next, and the next run
            // must not skip its scan.
            self.ingestion.note_arrived(report.changed.clone());
            self.ingestion
                .embedding_owed
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
        Ok(report)
    }

    /// Writes one fetched page (or the reason it failed) onto its article, unless the
    /// article changed meanwhile (a refresh wrote a new version: that one is tried later).
    fn store_whole(
        &self,
        fetched_for: ArticleRecord,
        outcome: std::result::Result<ExtractedArticle, WholeArticleError>,
    ) -> Result<Option<ArticleId>> {
        let Some(mut record) = self.store.get_article(fetched_for.id)? else {
            return Ok(None);
        };
        if record.content_hash != fetched_for.content_hash || record.whole.is_some() {
            return Ok(None);
        }
        let now = chrono::Utc::now().to_rfc3339();
        match outcome {
            Ok(page) => {
                let text = format!("{}\n\n{}", record.title, page.text);
                record.whole = Some(WholeArticle {
                    url: page.url,
                    fetched_at: now,
                    feed_content_hash: record.content_hash.clone(),
                    error: None,
                });
                record.content_html = Some(page.content_html);
                record.content_hash = content_hash(&text);
                record.text = text;
            }
            Err(e) => {
                record.whole = Some(WholeArticle {
                    url: record.link.clone().unwrap_or_default(),
                    fetched_at: now,
                    feed_content_hash: record.content_hash.clone(),
                    error: Some(crate::error::display_chain(&e)),
                });
            }
        }
        self.store.put_article(&record)?;
        Ok(Some(record.id))
    }
}
