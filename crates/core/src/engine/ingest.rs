//! Ingestion, owned in one place: refresh (fetch → parse → sanitize, in `feeds/`) → store
//! (here, one transaction per feed) → the embedding queue (newest first, never twice) →
//! rescoring (the learner drops or extends its snapshot as each batch lands). The CLI and
//! the app call [`Engine::ingest`] and only render its [`IngestEvent`]s.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;

use super::{EmbedReport, Engine};
use crate::domain::{ArticleId, FeedId, FeedRecord};
use crate::error::{Error, Result};
use crate::feeds::refresh::{is_due, FeedArticles, FeedFetches, FeedUpdate};
use crate::store::{RefreshWrite, Store, StoreError};

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshStatus {
    Ok,
    NotModified,
    Error,
}

/// How refreshing one feed went.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedRefreshResult {
    pub id: FeedId,
    /// As subscribed (not where redirects led).
    pub url: String,
    pub status: RefreshStatus,
    pub new_articles: usize,
    pub updated_articles: usize,
    pub error: Option<String>,
    /// The stored ids of the new articles (what the learner embeds next).
    #[serde(skip)]
    pub new_article_ids: Vec<ArticleId>,
    /// The stored ids of the articles this fetch changed (what the search index re-reads).
    #[serde(skip)]
    pub updated_article_ids: Vec<ArticleId>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RefreshReport {
    pub feeds: Vec<FeedRefreshResult>,
    pub new_articles: usize,
}

impl RefreshReport {
    pub fn new_article_ids(&self) -> Vec<ArticleId> {
        self.feeds
            .iter()
            .flat_map(|f| f.new_article_ids.iter().copied())
            .collect()
    }

    /// New and updated articles: everything whose stored text this refresh wrote.
    pub fn changed_article_ids(&self) -> Vec<ArticleId> {
        let feeds = self.feeds.iter();
        feeds
            .flat_map(|f| f.new_article_ids.iter().chain(&f.updated_article_ids))
            .copied()
            .collect()
    }

    /// Whether any stored text changed, so the embedding queue has work.
    fn changed_texts(&self) -> bool {
        self.feeds
            .iter()
            .any(|f| f.new_articles + f.updated_articles > 0)
    }
}

/// Reported after each feed is fetched and stored.
#[derive(Debug, Clone, Copy)]
pub struct RefreshProgress<'a> {
    pub done: usize,
    pub total: usize,
    pub feed: &'a FeedRefreshResult,
}

/// Which feeds an ingestion fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedSelection {
    /// Every feed, now (backoff is ignored: the user asked).
    All,
    /// The feeds that are due: all except failing ones still in their backoff (the scheduler's).
    Due,
    /// One feed (just subscribed, or asked for).
    One(FeedId),
}

/// What [`Engine::ingest`] reports while it runs, in this order: one `Refreshed` per feed,
/// `Stored` once (the new articles are listable now), `Embedded` after each batch of the
/// embedding queue (each batch's scores are usable at once), `Finished` once.
#[derive(Debug, Clone, Copy)]
pub enum IngestEvent<'a> {
    Refreshed(RefreshProgress<'a>),
    Stored(&'a RefreshReport),
    Embedded { done: usize, total: usize },
    Finished(&'a IngestReport),
}

/// What one ingestion did.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestReport {
    pub refresh: RefreshReport,
    /// The embedding queue's run. `Err` holds why the model could not run: the articles are
    /// stored regardless, they only lack scores, and the next ingestion embeds them.
    pub embedding: std::result::Result<EmbedReport, String>,
    /// Feed icons looked for this time (feeds met for the first time).
    pub icons: super::IconsReport,
}

/// The receiver of [`IngestEvent`]s; shared with the thread that embeds.
pub type IngestEvents = Arc<dyn Fn(IngestEvent<'_>) + Send + Sync>;

/// Ingestion's part of the engine.
pub(super) struct IngestState {
    /// One refresh at a time (the scheduler and a manual refresh wait for each other).
    refresh_lock: tokio::sync::Mutex<()>,
    /// One embedding run at a time: two runs would embed the same articles twice.
    embed_lock: Arc<tokio::sync::Mutex<()>>,
    /// Whether stored articles may lack vectors: true at start (an earlier process may
    /// have stopped midway) and after a failed run, so a quiet refresh need not scan the store.
    pub(super) embedding_owed: AtomicBool,
    /// Articles stored (or given new text) since the running embedding run listed the
    /// store: it takes them before its next batch, so the newest are embedded first across
    /// runs too (today's refresh is not queued behind a long import).
    arrived: Mutex<Vec<ArticleId>>,
}

impl IngestState {
    pub(super) fn note_arrived(&self, ids: Vec<ArticleId>) {
        if !ids.is_empty() {
            self.arrived
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(ids);
        }
    }

    /// Everything noted since the last call.
    pub(super) fn take_arrived(&self) -> Vec<ArticleId> {
        std::mem::take(&mut *self.arrived.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Default for IngestState {
    fn default() -> Self {
        Self {
            refresh_lock: tokio::sync::Mutex::new(()),
            embed_lock: Arc::new(tokio::sync::Mutex::new(())),
            embedding_owed: AtomicBool::new(true),
            arrived: Mutex::new(Vec::new()),
        }
    }
}

impl Engine {
    /// Refresh → store → embedding queue → rescoring, reporting each step to `events`.
    /// Per-feed failures are in the report, not an `Err`; so is a model that cannot run.
    /// Embedding runs on a blocking thread, never on the async workers.
    pub async fn ingest(
        self: &Arc<Self>,
        feeds: FeedSelection,
        events: impl Fn(IngestEvent<'_>) + Send + Sync + 'static,
    ) -> Result<IngestReport> {
        let events: IngestEvents = Arc::new(events);
        let refresh = self
            .refresh(feeds, &|p| events(IngestEvent::Refreshed(p)))
            .await?;
        events(IngestEvent::Stored(&refresh));
        if refresh.changed_texts() {
            self.ingestion.embedding_owed.store(true, Ordering::SeqCst);
        }
        // The search index follows on its own thread while the model embeds, and icons of
        // feeds met for the first time are fetched meanwhile; all three are done when this
        // returns (`sift refresh` ends with every new article searchable).
        let (embedding, icons, ()) = tokio::join!(
            self.embed_queued(events.clone()),
            async {
                self.fetch_missing_icons().await.unwrap_or_else(|e| {
                    tracing::warn!("feed icons could not be stored: {e}");
                    super::IconsReport::default()
                })
            },
            self.index_off_thread(refresh.changed_article_ids()),
        );
        let embedding = embedding.map_err(|e| crate::error::display_chain(&e));
        let report = IngestReport {
            refresh,
            embedding,
            icons,
        };
        events(IngestEvent::Finished(&report));
        Ok(report)
    }

    /// Embeds every stored article that lacks a vector (newest first, never twice), on a
    /// blocking thread, one run at a time. Skips the store scan when nothing is owed.
    pub async fn embed_queued(self: &Arc<Self>, events: IngestEvents) -> Result<EmbedReport> {
        // The guard moves to the embedding thread: if this future is dropped (the scheduler
        // stopped), the run still finishes before another may start.
        let one_at_a_time = self.ingestion.embed_lock.clone().lock_owned().await;
        // Cleared before the run: articles stored while it runs set it again.
        if !self.ingestion.embedding_owed.swap(false, Ordering::SeqCst) {
            return Ok(EmbedReport {
                embedded: 0,
                cached: 0,
            });
        }
        let engine = self.clone();
        tokio::task::spawn_blocking(move || {
            let _one_at_a_time = one_at_a_time;
            let _span = tracing::info_span!("embed queued").entered();
            let run =
                engine.embed_pending(|done, total| events(IngestEvent::Embedded { done, total }));
            // The queue is empty and nothing is owed: the model's session (~170 MB) goes
            // back now rather than after the embedder's idle minute, so a large import ends
            // near the idle size. Also after a run that found nothing left: articles stored
            // during the previous run joined that run's queue, so the last batch may have
            // been the previous run's. The next refresh or search by meaning loads the
            // session again (about a second).
            if run.is_ok() && !engine.ingestion.embedding_owed.load(Ordering::SeqCst) {
                engine.release_embedder();
            }
            if run.is_err() {
                engine
                    .ingestion
                    .embedding_owed
                    .store(true, Ordering::SeqCst);
            }
            run
        })
        .await
        .map_err(|e| {
            self.ingestion.embedding_owed.store(true, Ordering::SeqCst);
            Error::Embedding(format!("the embedding thread stopped: {e}"))
        })?
    }

    /// Brings the search index up to date with `changed` on a blocking thread (indexing is
    /// CPU work: it must not hold up the async workers). A failure is logged; the index
    /// catches up when next opened.
    async fn index_off_thread(self: &Arc<Self>, changed: Vec<ArticleId>) {
        if changed.is_empty() {
            return;
        }
        let engine = self.clone();
        if let Err(e) = tokio::task::spawn_blocking(move || engine.reindex_quietly(&changed)).await
        {
            tracing::warn!("the search index could not follow a refresh: {e}");
        }
    }

    /// The refresh and store steps of [`Engine::ingest`] for every feed, then the search
    /// index, without embedding.
    pub async fn refresh_all(
        &self,
        progress: impl Fn(RefreshProgress<'_>) + Send + Sync,
    ) -> Result<RefreshReport> {
        self.refresh_and_index(FeedSelection::All, &progress).await
    }

    /// The refresh and store steps for the feeds that are due (see [`FeedSelection::Due`]),
    /// then the search index.
    pub async fn refresh_due(
        &self,
        progress: impl Fn(RefreshProgress<'_>) + Send + Sync,
    ) -> Result<RefreshReport> {
        self.refresh_and_index(FeedSelection::Due, &progress).await
    }

    /// Only fetching, parsing, sanitizing and storing (and whole articles for the feeds
    /// that want them): no search index, no embedding. What the ingestion benchmark times
    /// on its own.
    pub async fn refresh_only(
        &self,
        progress: impl Fn(RefreshProgress<'_>) + Send + Sync,
    ) -> Result<RefreshReport> {
        self.refresh(FeedSelection::All, &progress).await
    }

    /// The refresh and store steps for one feed, then the search index.
    pub async fn refresh_feed(&self, id: FeedId) -> Result<FeedRefreshResult> {
        let report = self
            .refresh_and_index(FeedSelection::One(id), &|_| {})
            .await?;
        report
            .feeds
            .into_iter()
            .next()
            .ok_or_else(|| Error::NotFound(format!("no subscribed feed has the id {id}")))
    }

    /// The new articles worth telling the reader about (a desktop notification): those
    /// scoring above the recommendation threshold after the reader's rules (as For you
    /// scores them: a muted article never notifies, a boosted one may), best first.
    pub fn promising(&self, ids: &[ArticleId]) -> Result<Vec<(ArticleId, f32)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let threshold = self.settings()?.recommend_threshold;
        let rules = self.active_rules()?;
        let mut good = Vec::new();
        for (id, model) in self.score_articles(ids)? {
            let score = match self.store.get_article_meta(id)? {
                Some(meta) => rules
                    .hit(&self.store, &meta)
                    .map_or(model.score, |hit| hit.adjust(model.score)),
                None => continue, // removed since it was scored
            };
            if score > threshold {
                good.push((id, score));
            }
        }
        good.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(good)
    }

    async fn refresh_and_index(
        &self,
        selection: FeedSelection,
        progress: &(dyn Fn(RefreshProgress<'_>) + Send + Sync),
    ) -> Result<RefreshReport> {
        let report = self.refresh(selection, progress).await?;
        self.reindex_quietly(&report.changed_article_ids());
        Ok(report)
    }

    /// Fetches the selected feeds and stores what each brought, one result per feed in
    /// subscription order, `progress` after each. The search index is left to the caller.
    async fn refresh(
        &self,
        selection: FeedSelection,
        progress: &(dyn Fn(RefreshProgress<'_>) + Send + Sync),
    ) -> Result<RefreshReport> {
        let _one_at_a_time = self.ingestion.refresh_lock.lock().await;
        let feeds: Vec<FeedRecord> = match selection {
            FeedSelection::All => self.store.list_feeds()?,
            FeedSelection::Due => {
                let now = chrono::Utc::now();
                let mut feeds = self.store.list_feeds()?;
                feeds.retain(|f| is_due(f, now));
                feeds
            }
            FeedSelection::One(id) => vec![self
                .store
                .get_feed(id)?
                .ok_or_else(|| Error::NotFound(format!("no subscribed feed has the id {id}")))?],
        };
        let order: HashMap<FeedId, usize> =
            feeds.iter().enumerate().map(|(i, f)| (f.id, i)).collect();
        let mut fetches = FeedFetches::start(self.fetcher()?, feeds);
        let total = fetches.total();
        let mut results = Vec::with_capacity(total);
        // Fetches go on concurrently while each finished one is written.
        while let Some(update) = fetches.next().await {
            results.push(store_update(&self.store, update).await);
            progress(RefreshProgress {
                done: results.len(),
                total,
                feed: results.last().expect("just pushed"),
            });
        }
        results.sort_by_key(|r| order.get(&r.id).copied().unwrap_or(usize::MAX));
        if let Err(e) = store_blocking(&self.store, |s| s.flush()).await {
            tracing::warn!("could not flush the store after a refresh: {e}");
        }
        let report = RefreshReport {
            new_articles: results.iter().map(|r| r.new_articles).sum(),
            feeds: results,
        };
        self.ingestion.note_arrived(report.changed_article_ids());
        self.after_refresh().await;
        Ok(report)
    }
}

/// Writes one feed's update: its articles and record in one transaction, or only the
/// record when nothing new came or the fetch failed.
async fn store_update(store: &Store, update: FeedUpdate) -> FeedRefreshResult {
    let FeedUpdate { feed, articles } = update;
    let mut result = FeedRefreshResult {
        id: feed.id,
        url: feed.url.clone(),
        status: RefreshStatus::Ok,
        new_articles: 0,
        updated_articles: 0,
        error: None,
        new_article_ids: Vec::new(),
        updated_article_ids: Vec::new(),
    };
    let written = match articles {
        FeedArticles::NotModified => {
            result.status = RefreshStatus::NotModified;
            store_blocking(store, move |s| s.update_feed(&feed).map(|_| ())).await
        }
        FeedArticles::Fetched(articles) => {
            let write = RefreshWrite { feed, articles };
            store_blocking(store, move |s| s.apply_refresh(&write))
                .await
                .map(|outcome| {
                    result.new_articles = outcome.new_ids.len();
                    result.updated_articles = outcome.updated_ids.len();
                    result.new_article_ids = outcome.new_ids;
                    result.updated_article_ids = outcome.updated_ids;
                })
        }
        FeedArticles::Failed(message) => {
            let id = feed.id;
            // The fetch error is the result; failing to record it is only logged.
            if let Err(e) = store_blocking(store, move |s| s.update_feed(&feed)).await {
                tracing::warn!("could not record the error of feed {id}: {e}");
            }
            result.status = RefreshStatus::Error;
            result.error = Some(message);
            Ok(())
        }
    };
    if let Err(e) = written {
        result.status = RefreshStatus::Error;
        result.error = Some(e);
        result.new_articles = 0;
        result.updated_articles = 0;
        result.new_article_ids.clear();
        result.updated_article_ids.clear();
    }
    result
}

async fn store_blocking<T: Send + 'static>(
    store: &Store,
    work: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> std::result::Result<T, String> {
    let store = store.clone();
    let work = move || {
        let _span = tracing::info_span!("store feed update").entered();
        work(&store)
    };
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(format!("storing failed unexpectedly: {e}")),
    }
}
