//! [`Engine`]: the one facade the CLI and the app call. Commands stay thin; the logic
//! lives in the modules the engine orchestrates.

mod icons;
mod ingest;
mod learn;
mod reading;
mod retention;
mod rules;
mod sample;
mod saved;
mod scheduler;
mod search;
mod settings;
mod unread;
mod whole;

#[cfg(test)]
mod reader_tests;
pub use icons::{FeedIconStatus, IconsReport};
pub use ingest::{
    FeedRefreshResult, FeedSelection, IngestEvent, IngestEvents, IngestReport, RefreshProgress,
    RefreshReport, RefreshStatus,
};
pub use reading::{ForYouItem, ReadState};
pub use retention::{PruneReport, StoreStats};
pub use rules::RuleView;
pub use saved::SavedState;
pub use scheduler::Scheduler;
pub use search::{SearchHit, SearchIndexReport, SearchMode, SearchQuery};
pub use settings::ModelInfo;
pub use unread::{FeedUnread, FolderUnread, MarkReadReport, MarkReadScope, UnreadCounts};
pub use whole::WholeArticlesReport;

pub use learn::{
    ArticleScore, Card, ClusterSummary, EmbedReport, MapPoint, ModelTransfer, RatedArticle,
    Recommendation,
};
pub use learn::{MapCluster, MapLayoutInfo, MapRegion, MapView};

use std::path::{Path, PathBuf};

use serde::Serialize;

mod feeds;
pub use feeds::{ArticleFilter, ArticleView, FeedSummary, OpmlImportReport};

use crate::error::{Error, Result};
use crate::store::Store;

/// What the app shows in Settings and what the skeleton's round-trip test reads.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EngineInfo {
    pub version: String,
    pub data_dir: PathBuf,
    pub schema_version: u32,
    pub feed_count: usize,
}

pub struct Engine {
    data_dir: PathBuf,
    store: Store,
    /// Built on first use: setting up TLS reads the system's certificates (a fifth of a
    /// cold `sift recommend`), and most commands never fetch.
    fetcher: std::sync::OnceLock<crate::feeds::Fetcher>,
    feed_settings: crate::feeds::FeedSettings,
    ingestion: ingest::IngestState,
    learn: learn::LearnState,
    search: search::SearchState,
    rule_state: rules::RuleState,
}

impl Engine {
    /// Creates or opens the store under `data_dir`. A second process on the same directory
    /// gets [`crate::store::StoreError::InUse`]; a corrupt store is reported, never replaced.
    pub fn open(data_dir: impl AsRef<Path>) -> Result<Self> {
        Self::open_with_settings(data_dir, crate::feeds::FeedSettings::default())
    }

    /// [`Engine::open`] for a face that shows the views at once (the app, which calls
    /// [`Engine::prepare_views`] next): the learner's corpus file is read on another thread
    /// while the store opens, instead of after it (at 100,000 articles ~0.1 s sooner to a
    /// usable For you). Not for commands that may never need the views: the read costs
    /// ~0.2 s of a core and the corpus's memory until the views are first built.
    pub fn open_for_views(data_dir: impl AsRef<Path>) -> Result<Self> {
        let data_dir = data_dir.as_ref();
        let learn = learn::LearnState::with_prefetch(learn::CorpusPrefetch::start(data_dir));
        Self::open_inner(data_dir, crate::feeds::FeedSettings::default(), learn)
    }

    /// [`Engine::open`] with explicit fetch bounds (tests use short timeouts).
    pub fn open_with_settings(
        data_dir: impl AsRef<Path>,
        feed_settings: crate::feeds::FeedSettings,
    ) -> Result<Self> {
        Self::open_inner(
            data_dir.as_ref(),
            feed_settings,
            learn::LearnState::default(),
        )
    }

    fn open_inner(
        data_dir: &Path,
        feed_settings: crate::feeds::FeedSettings,
        learn: learn::LearnState,
    ) -> Result<Self> {
        let data_dir = data_dir.to_path_buf();
        std::fs::create_dir_all(&data_dir).map_err(|source| Error::CreateDataDir {
            path: data_dir.clone(),
            source,
        })?;
        let store = {
            let _span = tracing::info_span!("open store").entered();
            Store::open(&data_dir.join("store"))?
        };
        let engine = Self {
            data_dir,
            store,
            fetcher: std::sync::OnceLock::new(),
            feed_settings,
            ingestion: ingest::IngestState::default(),
            learn,
            search: search::SearchState::default(),
            rule_state: rules::RuleState::default(),
        };
        engine.adopt_generated_embedder()?;
        Ok(engine)
    }

    /// The HTTP client feeds and pages are fetched with.
    pub(crate) fn fetcher(&self) -> Result<&crate::feeds::Fetcher> {
        if let Some(fetcher) = self.fetcher.get() {
            return Ok(fetcher);
        }
        let built = crate::feeds::Fetcher::new(&self.feed_settings)?;
        // Two threads may race to build one; the first one set is kept.
        Ok(self.fetcher.get_or_init(|| built))
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Puts every change made so far on disk (each is flushed as it is made; this is the
    /// last word before a process exits without running the engine's destructors).
    pub fn flush(&self) -> Result<()> {
        Ok(self.store.flush()?)
    }

    pub fn info(&self) -> Result<EngineInfo> {
        Ok(EngineInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            data_dir: self.data_dir.clone(),
            schema_version: self.store.schema_version()?,
            feed_count: self.store.feed_count(),
        })
    }
}
