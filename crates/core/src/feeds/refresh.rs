//! Refreshing many feeds at once: fetch → parse → sanitize → store, with a global and a
//! per-host concurrency limit. Each feed ends in its own result; one bad feed never stops
//! the others, and each feed's articles and new validators are stored in one transaction.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::article::prepare_article;
use super::fetch::{FetchOutcome, Fetcher, Validators};
use super::parse::parse_feed;
use super::{FeedError, FeedSettings};
use crate::domain::{ArticleId, FeedId, FeedRecord, FeedStatus};
use crate::store::{RefreshWrite, Store};

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
}

/// Reported after each feed finishes.
#[derive(Debug, Clone, Copy)]
pub struct RefreshProgress<'a> {
    pub done: usize,
    pub total: usize,
    pub feed: &'a FeedRefreshResult,
}

/// Refreshes `feeds` and returns one result per feed, in the order given.
pub async fn refresh_feeds(
    store: &Store,
    fetcher: &Fetcher,
    feeds: Vec<FeedRecord>,
    progress: &(dyn Fn(RefreshProgress<'_>) + Send + Sync),
) -> RefreshReport {
    let settings = fetcher.settings().clone();
    let global = Arc::new(Semaphore::new(settings.max_concurrent.max(1)));
    let mut per_host: HashMap<String, Arc<Semaphore>> = HashMap::new();
    let total = feeds.len();
    let order: HashMap<FeedId, usize> = feeds.iter().enumerate().map(|(i, f)| (f.id, i)).collect();

    let mut tasks = JoinSet::new();
    let mut task_feeds = HashMap::new();
    for feed in feeds {
        let host = url::Url::parse(&feed.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let host_limit = per_host
            .entry(host)
            .or_insert_with(|| Arc::new(Semaphore::new(settings.max_per_host.max(1))))
            .clone();
        let global = global.clone();
        let store = store.clone();
        let fetcher = fetcher.clone();
        let identity = (feed.id, feed.url.clone());
        let handle = tasks.spawn(async move {
            // Host first: a task waiting on a busy host must not hold a global slot.
            let _host = host_limit.acquire_owned().await;
            let _slot = global.acquire_owned().await;
            refresh_one(&store, &fetcher, feed).await
        });
        task_feeds.insert(handle.id(), identity);
    }

    let mut results = Vec::with_capacity(total);
    while let Some(joined) = tasks.join_next_with_id().await {
        let result = match joined {
            Ok((_, result)) => result,
            Err(e) => {
                // A panic in one feed's task (a parser bug, say) is that feed's error only.
                let (id, url) = task_feeds
                    .remove(&e.id())
                    .unwrap_or((FeedId(0), String::new()));
                error_result(id, url, format!("refreshing {id} failed unexpectedly: {e}"))
            }
        };
        results.push(result);
        progress(RefreshProgress {
            done: results.len(),
            total,
            feed: results.last().expect("just pushed"),
        });
    }
    results.sort_by_key(|r| order.get(&r.id).copied().unwrap_or(usize::MAX));
    if let Err(e) = store_blocking(store, |s| s.flush()).await {
        tracing::warn!("could not flush the store after a refresh: {e}");
    }
    RefreshReport {
        new_articles: results.iter().map(|r| r.new_articles).sum(),
        feeds: results,
    }
}

fn error_result(id: FeedId, url: String, error: String) -> FeedRefreshResult {
    FeedRefreshResult {
        id,
        url,
        status: RefreshStatus::Error,
        new_articles: 0,
        updated_articles: 0,
        error: Some(error),
        new_article_ids: Vec::new(),
    }
}

async fn refresh_one(store: &Store, fetcher: &Fetcher, mut feed: FeedRecord) -> FeedRefreshResult {
    let validators = Validators {
        etag: feed.etag.clone(),
        last_modified: feed.last_modified.clone(),
    };
    let now = chrono::Utc::now();
    feed.last_fetched = Some(now.to_rfc3339());

    let outcome = match fetcher.fetch(&feed.url, &validators).await {
        Ok(FetchOutcome::NotModified) => Ok(None),
        Ok(FetchOutcome::Fetched(fetched)) => {
            // Parsing and sanitizing are CPU work: keep them off the async workers.
            let feed_url = feed.url.clone();
            tokio::task::spawn_blocking(move || {
                let base = fetched.final_url.clone();
                parse_feed(&fetched.body, &base).map(|parsed| {
                    let articles: Vec<_> = parsed.entries.iter().map(prepare_article).collect();
                    Some((parsed, articles, fetched.validators))
                })
            })
            .await
            .unwrap_or_else(|e| {
                Err(FeedError::Parse {
                    url: feed_url,
                    detail: format!("the parser stopped unexpectedly: {e}"),
                })
            })
        }
        Err(e) => Err(e),
    };

    match outcome {
        Ok(None) => {
            feed.status = FeedStatus::NotModified;
            mark_success(&mut feed);
            let id = feed.id;
            let url = feed.url.clone();
            match store_blocking(store, move |s| s.update_feed(&feed).map(|_| ())).await {
                Ok(()) => FeedRefreshResult {
                    id,
                    url,
                    status: RefreshStatus::NotModified,
                    new_articles: 0,
                    updated_articles: 0,
                    error: None,
                    new_article_ids: Vec::new(),
                },
                Err(e) => error_result(id, url, e),
            }
        }
        Ok(Some((parsed, articles, new_validators))) => {
            feed.status = FeedStatus::Ok;
            mark_success(&mut feed);
            feed.etag = new_validators.etag;
            feed.last_modified = new_validators.last_modified;
            if let Some(title) = parsed
                .title
                .filter(|_| feed.title.is_empty() || feed.title == feed.url)
            {
                feed.title = title;
            }
            if feed.site_url.is_none() {
                feed.site_url = parsed.site_url;
            }
            let id = feed.id;
            let url = feed.url.clone();
            let write = RefreshWrite { feed, articles };
            match store_blocking(store, move |s| s.apply_refresh(&write)).await {
                Ok(outcome) => FeedRefreshResult {
                    id,
                    url,
                    status: RefreshStatus::Ok,
                    new_articles: outcome.new_ids.len(),
                    updated_articles: outcome.updated_ids.len(),
                    error: None,
                    new_article_ids: outcome.new_ids,
                },
                Err(e) => error_result(id, url, e),
            }
        }
        Err(e) => {
            let message = e.to_string();
            feed.status = FeedStatus::Error;
            feed.last_error = Some(message.clone());
            feed.consecutive_failures = feed.consecutive_failures.saturating_add(1);
            let wait = backoff(fetcher.settings(), feed.consecutive_failures);
            feed.next_retry_at = chrono::Duration::from_std(wait)
                .ok()
                .map(|wait| (now + wait).to_rfc3339());
            let id = feed.id;
            let url = feed.url.clone();
            // The fetch error is the result; failing to record it is only logged.
            if let Err(store_error) = store_blocking(store, move |s| s.update_feed(&feed)).await {
                tracing::warn!("could not record the error of feed {id}: {store_error}");
            }
            error_result(id, url, message)
        }
    }
}

fn mark_success(feed: &mut FeedRecord) {
    feed.last_error = None;
    feed.consecutive_failures = 0;
    feed.next_retry_at = None;
}

/// How long a feed that failed `failures` times in a row waits before the next try.
pub fn backoff(settings: &FeedSettings, failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(20);
    settings
        .backoff_base
        .saturating_mul(1u32 << doublings)
        .min(settings.backoff_max)
}

/// Whether the scheduler should fetch `feed` at `now` (failing feeds wait out their backoff).
pub fn is_due(feed: &FeedRecord, now: chrono::DateTime<chrono::Utc>) -> bool {
    match feed
        .next_retry_at
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
    {
        Some(retry_at) => retry_at <= now,
        None => true,
    }
}

async fn store_blocking<T: Send + 'static>(
    store: &Store,
    work: impl FnOnce(&Store) -> Result<T, crate::store::StoreError> + Send + 'static,
) -> Result<T, String> {
    let store = store.clone();
    match tokio::task::spawn_blocking(move || work(&store)).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(format!("storing failed unexpectedly: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let settings = FeedSettings {
            backoff_base: Duration::from_secs(60),
            backoff_max: Duration::from_secs(300),
            ..FeedSettings::default()
        };
        let waits: Vec<u64> = (1..=5).map(|n| backoff(&settings, n).as_secs()).collect();
        assert_eq!(waits, [60, 120, 240, 300, 300]);
        assert_eq!(backoff(&settings, 1000).as_secs(), 300);
    }

    #[test]
    fn failing_feed_is_due_only_after_its_retry_time() {
        let now = chrono::Utc::now();
        let mut feed = FeedRecord::new(FeedId(1), "http://a.test/".into(), "a".into(), None);
        assert!(is_due(&feed, now));
        feed.next_retry_at = Some((now + chrono::Duration::minutes(5)).to_rfc3339());
        assert!(!is_due(&feed, now));
        assert!(is_due(&feed, now + chrono::Duration::minutes(6)));
    }
}
