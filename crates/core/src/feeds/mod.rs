//! Feeds: everything between a URL and stored articles, one job per module.
//!
//! - [`bundled`]: feeds shipped inside Sift (the offline sample), served like fetched ones.
//! - [`fetch`]: HTTP with bounds (timeouts, body cap, redirects, conditional GET).
//! - [`address`]: which addresses a fetch may reach (links from public feeds: public only).
//! - [`parse`]: bytes → entries with feed-rs; no I/O.
//! - `repair`: the forgiving fixes `parse` falls back on when feed-rs refuses a feed.
//! - [`sanitize`]: allow-list HTML cleaning and HTML → plain text.
//! - [`render`]: stored HTML → what the reader shows (remote images blocked unless allowed).
//! - [`article`]: a parsed entry → the article the store keeps.
//! - [`discover`]: a site URL → its feed URL.
//! - [`opml`]: subscription lists in and out.
//! - [`refresh`]: fetch → parse → sanitize for many feeds at once, with limits and backoff;
//!   the engine stores what it hands back (nothing here depends on the store).
//! - [`whole`]: whole articles from the entries' pages (readability), and teaser detection.

pub mod address;
pub mod article;
pub mod bundled;
pub mod discover;
pub mod fetch;
pub mod icon;
pub mod media;
pub mod opml;
pub mod parse;
pub mod refresh;
pub mod render;
mod repair;
pub mod sanitize;
pub mod whole;

use std::time::Duration;

pub use fetch::{FetchOutcome, Fetched, Fetcher, Reach, Validators};
pub use opml::{OpmlFeed, OpmlImport, Skipped};
pub use parse::{ParsedEntry, ParsedFeed};
pub use refresh::{FeedArticles, FeedFetches, FeedUpdate};

/// Bounds for fetching. The defaults suit a desktop reader; tests shorten the timeouts.
#[derive(Debug, Clone)]
pub struct FeedSettings {
    pub connect_timeout: Duration,
    /// For the whole request, body included.
    pub total_timeout: Duration,
    /// Cap on the (decompressed) body; a bigger response is an error, not a truncation.
    pub max_body_bytes: usize,
    pub max_redirects: usize,
    /// Feeds fetched at once in one refresh.
    pub max_concurrent: usize,
    /// Feeds fetched at once from one host, so one site is never hammered.
    pub max_per_host: usize,
    pub user_agent: String,
    /// A failing feed waits `base × 2^(failures−1)` (at most `max`) before the scheduler
    /// tries it again; a manual refresh always tries.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// One deadline for all of autodiscovery (the page and every candidate it names), so a
    /// page listing slow links cannot hold a subscribe for minutes.
    pub discover_timeout: Duration,
}

impl Default for FeedSettings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            max_concurrent: 8,
            max_per_host: 2,
            user_agent: format!(
                "Sift/{} (+https://github.com/sift-reader/sift; feed reader)",
                env!("CARGO_PKG_VERSION")
            ),
            backoff_base: Duration::from_secs(10 * 60),
            backoff_max: Duration::from_secs(24 * 60 * 60),
            discover_timeout: Duration::from_secs(45),
        }
    }
}

/// Why a feed could not be fetched, read or imported. Every message names the URL (or file)
/// and reads as a sentence a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("{url} is not a usable feed URL: {reason}")]
    InvalidUrl { url: String, reason: String },

    #[error("{url} answered HTTP {status}")]
    HttpStatus { url: String, status: String },

    #[error("{url} did not answer within {seconds} s")]
    Timeout { url: String, seconds: u64 },

    #[error("could not connect to {url}: {detail}")]
    Connect { url: String, detail: String },

    #[error("{url} redirected too many times (more than {limit}, or in a loop)")]
    TooManyRedirects { url: String, limit: usize },

    #[error("{url} sent more than {limit} bytes; not reading further")]
    TooLarge { url: String, limit: usize },

    #[error("fetching {url} failed: {detail}")]
    Network { url: String, detail: String },

    #[error("{url} was not fetched: {detail}")]
    LocalAddress { url: String, detail: String },

    #[error("{url} is not a feed Sift can read (RSS, Atom or JSON Feed): {detail}")]
    Parse { url: String, detail: String },

    #[error("no feed found at {url}: it is not a feed and links to none")]
    NoFeedFound { url: String },

    #[error("no feed found at {url} within {seconds} s: the site or the feeds it links to answer too slowly")]
    DiscoveryTimeout { url: String, seconds: u64 },

    #[error("already subscribed to {url} (feed {existing})")]
    AlreadySubscribed {
        url: String,
        existing: crate::domain::FeedId,
    },

    #[error("could not read the OPML file {path}: {detail}")]
    OpmlUnreadable { path: String, detail: String },

    #[error("{path} is not a valid OPML file: {detail}")]
    OpmlInvalid { path: String, detail: String },

    #[error("{path} is larger than {limit} bytes, too large for an OPML subscription list")]
    OpmlTooLarge { path: String, limit: usize },
}

/// "outer: inner: innermost" for errors from libraries whose Display hides the cause.
pub(crate) fn describe_chain(e: &dyn std::error::Error) -> String {
    crate::error::display_chain(e)
}
