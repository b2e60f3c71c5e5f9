//! Fetching many feeds at once: fetch → parse → sanitize, with a global and a per-host
//! concurrency limit. Each feed ends in a [`FeedUpdate`]: the feed's record as it should be
//! stored next (status, validators, backoff) and the articles to store. Nothing here touches
//! the store: the engine writes each update (`engine/ingest.rs`), so one bad feed never stops
//! the others and each feed's write stays one transaction.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::{Id as TaskId, JoinSet};

use super::article::prepare_article;
use super::fetch::{FetchOutcome, Fetcher, Validators};
use super::parse::parse_feed;
use super::{FeedError, FeedSettings};
use crate::domain::{FeedRecord, FeedStatus, NewArticle};

/// What one fetch of one feed found.
#[derive(Debug, Clone)]
pub enum FeedArticles {
    /// The server said nothing changed (conditional GET).
    NotModified,
    /// The feed's entries, parsed and sanitized, ready to store.
    Fetched(Vec<NewArticle>),
    /// The feed could not be fetched or read; the message names the URL.
    Failed(String),
}

/// One feed after a fetch: its record as it should be stored now, and what it carried.
#[derive(Debug, Clone)]
pub struct FeedUpdate {
    /// Status, validators, title, error and backoff already updated for this fetch.
    pub feed: FeedRecord,
    pub articles: FeedArticles,
}

/// Feeds being fetched; [`FeedFetches::next`] hands them back as they finish. Dropping it
/// abandons the fetches still running.
pub struct FeedFetches {
    tasks: JoinSet<FeedUpdate>,
    /// Each task's feed, so a task that panics still ends in an update for its feed.
    task_feeds: HashMap<TaskId, FeedRecord>,
    settings: FeedSettings,
    total: usize,
}

impl FeedFetches {
    /// Starts fetching `feeds` (host first, then a global slot). Must run inside Tokio.
    pub fn start(fetcher: &Fetcher, feeds: Vec<FeedRecord>) -> Self {
        let settings = fetcher.settings().clone();
        let global = Arc::new(Semaphore::new(settings.max_concurrent.max(1)));
        let mut per_host: HashMap<String, Arc<Semaphore>> = HashMap::new();
        let total = feeds.len();
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
            let fetcher = fetcher.clone();
            let record = feed.clone();
            let handle = tasks.spawn(async move {
                // Host first: a task waiting on a busy host must not hold a global slot.
                let _host = host_limit.acquire_owned().await;
                let _slot = global.acquire_owned().await;
                fetch_one(&fetcher, feed).await
            });
            task_feeds.insert(handle.id(), record);
        }
        Self {
            tasks,
            task_feeds,
            settings,
            total,
        }
    }

    /// How many feeds were started.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The next feed to finish, or `None` when all have been handed back.
    pub async fn next(&mut self) -> Option<FeedUpdate> {
        let joined = self.tasks.join_next_with_id().await?;
        Some(match joined {
            Ok((id, update)) => {
                self.task_feeds.remove(&id);
                update
            }
            Err(e) => {
                // A panic in one feed's task (a parser bug, say) is that feed's error only.
                let feed = self.task_feeds.remove(&e.id()).unwrap_or_else(|| {
                    FeedRecord::new(crate::domain::FeedId(0), String::new(), String::new(), None)
                });
                let message = format!("refreshing {} failed unexpectedly: {e}", feed.url);
                failed(feed, &self.settings, chrono::Utc::now(), message)
            }
        })
    }
}

async fn fetch_one(fetcher: &Fetcher, mut feed: FeedRecord) -> FeedUpdate {
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
                let _span = tracing::info_span!("parse feed").entered();
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
            FeedUpdate {
                feed,
                articles: FeedArticles::NotModified,
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
            feed.icon_url = parsed.icon_url;
            feed.looks_truncated = super::whole::looks_truncated(&articles);
            FeedUpdate {
                feed,
                articles: FeedArticles::Fetched(articles),
            }
        }
        Err(e) => failed(feed, fetcher.settings(), now, e.to_string()),
    }
}

/// The update for a feed that failed: error status, and a retry time that backs off.
fn failed(
    mut feed: FeedRecord,
    settings: &FeedSettings,
    now: chrono::DateTime<chrono::Utc>,
    message: String,
) -> FeedUpdate {
    feed.status = FeedStatus::Error;
    feed.last_error = Some(message.clone());
    feed.consecutive_failures = feed.consecutive_failures.saturating_add(1);
    let wait = backoff(settings, feed.consecutive_failures);
    feed.next_retry_at = chrono::Duration::from_std(wait)
        .ok()
        .map(|wait| (now + wait).to_rfc3339());
    FeedUpdate {
        feed,
        articles: FeedArticles::Failed(message),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::FeedId;

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

    #[test]
    fn a_failure_records_the_error_and_backs_off_from_now() {
        let settings = FeedSettings {
            backoff_base: Duration::from_secs(60),
            ..FeedSettings::default()
        };
        let now = chrono::Utc::now();
        let mut feed = FeedRecord::new(FeedId(1), "http://a.test/".into(), "a".into(), None);
        feed.consecutive_failures = 1;
        let update = failed(feed, &settings, now, "boom".into());
        assert_eq!(update.feed.status, FeedStatus::Error);
        assert_eq!(update.feed.last_error.as_deref(), Some("boom"));
        assert_eq!(update.feed.consecutive_failures, 2);
        assert!(!is_due(&update.feed, now + chrono::Duration::seconds(119)));
        assert!(is_due(&update.feed, now + chrono::Duration::seconds(120)));
        assert!(matches!(update.articles, FeedArticles::Failed(m) if m == "boom"));
    }
}
