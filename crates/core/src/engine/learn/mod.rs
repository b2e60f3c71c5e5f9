//! The learner's face on [`Engine`], one file per job: loading the embedder (here),
//! embedding stored articles (`embedding`), answers (`rating`), what the views read
//! (`views`), the model's export and import (`transfer`), and the snapshot they all share
//! (`snapshot`).
//!
//! State is rebuilt from the store (ratings are the source of truth) and kept behind a lock
//! inside the engine, so `Engine` stays `Send + Sync` and the app can share it.

mod corpus_file;
mod corpus_patch;
mod embedding;
mod map_view;
mod prefetch;
mod rating;
mod similar;
mod snapshot;
mod transfer;
mod views;

#[cfg(test)]
mod tests;

pub use embedding::EmbedReport;
pub use map_view::{MapCluster, MapLayoutInfo, MapPoint, MapRegion, MapView};
pub(crate) use prefetch::CorpusPrefetch;
pub use rating::RatedArticle;
pub use transfer::ModelTransfer;
pub(crate) use views::EmbeddedArticles;
pub use views::{ArticleScore, Card, ClusterSummary, Recommendation};

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::Engine;
use crate::embed::{
    locate_model_dir, Embedder, HashingEmbedder, OnnxEmbedder, WorkerCommand, WorkerEmbedder,
    DEFAULT_MAX_TOKENS, MODEL_DIM,
};
use crate::error::{Error, Result};
use snapshot::Snapshot;

/// Every random choice in the learner (k-means, PCA starts) is seeded: same data, same output.
const SEED: u64 = 0x5EED_5EED;

/// Learner-cache key that marks a generated store (see [`Engine::use_generated_embedder`]).
const GENERATED_EMBEDDER_KEY: &str = "generated_store_hashing_dim";

/// The learner's part of the engine. Built empty by [`Engine::open`]; filled lazily.
pub(crate) struct LearnState {
    embedder: OnceLock<Arc<dyn Embedder>>,
    /// Where to load the model from; `None`: [`locate_model_dir`].
    model_dir: RwLock<Option<PathBuf>>,
    /// Run the model in a worker process started this way (the app); `None`: in this
    /// process (the CLI, whose process ends anyway).
    worker: RwLock<Option<WorkerCommand>>,
    model_id: RwLock<String>,
    /// `None` until first needed and after anything that removes articles; new vectors
    /// join it in place (`snapshot.rs`).
    snapshot: RwLock<Option<Arc<Snapshot>>>,
    /// How often the corpus was loaded from the store (tests check that growth does not).
    corpus_loads: std::sync::atomic::AtomicUsize,
    /// Held while the map's stored layout is read, extended and written; holds the
    /// positions last worked out, for the corpus they belong to.
    map_lock: Mutex<Option<map_view::MapPositions>>,
    /// The corpus file's read started beside the store's opening, if it was.
    prefetch: CorpusPrefetch,
}

impl Default for LearnState {
    fn default() -> Self {
        Self {
            embedder: OnceLock::new(),
            model_dir: RwLock::new(None),
            worker: RwLock::new(None),
            model_id: RwLock::new(OnnxEmbedder::model_id_for(DEFAULT_MAX_TOKENS)),
            snapshot: RwLock::new(None),
            corpus_loads: std::sync::atomic::AtomicUsize::new(0),
            map_lock: Mutex::new(None),
            prefetch: CorpusPrefetch::default(),
        }
    }
}

impl LearnState {
    /// The learner's state for an engine whose corpus file is being read already.
    pub(crate) fn with_prefetch(prefetch: CorpusPrefetch) -> Self {
        Self {
            prefetch,
            ..Self::default()
        }
    }
}

impl Engine {
    /// Uses `embedder` instead of the model in `models/` (tests use the hashing fake).
    pub fn with_embedder(self, embedder: Arc<dyn Embedder>) -> Self {
        *write(&self.learn.model_id) = embedder.model_id().to_string();
        let _ = self.learn.embedder.set(embedder);
        *write(&self.learn.snapshot) = None;
        self
    }

    /// Marks this (new, generated) store as embedded by the hashing embedder of `dim`
    /// dimensions and uses it: a benchmark store of 100,000 articles is not embedded with
    /// the real model (hours on two cores), and whoever opens it later — the CLI, the app —
    /// must keep using the embedder its vectors came from.
    pub fn use_generated_embedder(&self, dim: usize) -> Result<()> {
        self.store.put_learner_cache(GENERATED_EMBEDDER_KEY, &dim)?;
        self.adopt_generated_embedder()
    }

    /// Uses the hashing embedder when the store was generated with it (see above).
    pub(crate) fn adopt_generated_embedder(&self) -> Result<()> {
        let Some(dim) = self
            .store
            .get_learner_cache::<usize>(GENERATED_EMBEDDER_KEY)?
        else {
            return Ok(());
        };
        if dim < 8 {
            return Err(Error::InvalidInput(format!(
                "the store says it was generated with {dim}-dimensional vectors; that is no embedder Sift has"
            )));
        }
        let embedder: Arc<dyn Embedder> = Arc::new(HashingEmbedder::new(dim));
        let model_id = embedder.model_id().to_string();
        if self.learn.embedder.set(embedder).is_err() {
            return Err(Error::InvalidInput(
                "a generated store needs the hashing embedder, but another one is loaded".into(),
            ));
        }
        *write(&self.learn.model_id) = model_id;
        *write(&self.learn.snapshot) = None;
        Ok(())
    }

    /// Loads the model from `dir` (e.g. the app bundle's resource directory) instead of
    /// searching the usual places.
    pub fn with_model_dir(self, dir: impl Into<PathBuf>) -> Self {
        *write(&self.learn.model_dir) = Some(dir.into());
        self
    }

    /// Runs the model in a worker process started by `command` (see
    /// [`crate::embed::WorkerEmbedder`]): what embedding leaves behind in memory goes
    /// when the worker ends, after each import, instead of staying in this process.
    pub fn with_embedding_worker(self, command: WorkerCommand) -> Self {
        *write(&self.learn.worker) = Some(command);
        self
    }

    /// The embedder, loading the real model on first use (once per engine).
    pub fn embedder(&self) -> Result<Arc<dyn Embedder>> {
        if let Some(e) = self.learn.embedder.get() {
            return Ok(e.clone());
        }
        let configured = read(&self.learn.model_dir).clone();
        let dir = configured.unwrap_or_else(locate_model_dir);
        let worker = read(&self.learn.worker).clone();
        let loaded: Arc<dyn Embedder> = match worker {
            Some(command) => Arc::new(WorkerEmbedder::start_default(command, &dir)?),
            None => Arc::new(OnnxEmbedder::load(&dir, DEFAULT_MAX_TOKENS)?),
        };
        // Two threads may race to load; both succeed and the first one set is kept.
        Ok(self.learn.embedder.get_or_init(|| loaded).clone())
    }

    /// Gives back what running the model holds (its session), if it was loaded, and the
    /// memory that frees; the next embedding loads it again.
    pub(crate) fn release_embedder(&self) {
        if let Some(embedder) = self.learn.embedder.get() {
            embedder.release();
            crate::heap::release_freed_memory();
        }
    }

    /// How many times the learner's corpus was loaded from the store.
    pub fn corpus_loads(&self) -> usize {
        self.learn
            .corpus_loads
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn model_id(&self) -> String {
        read(&self.learn.model_id).clone()
    }

    /// How many numbers each of the model's vectors has: what every stored vector is
    /// checked against. Known without loading the model.
    pub(crate) fn model_dim(&self) -> usize {
        self.learn.embedder.get().map_or(MODEL_DIM, |e| e.dim())
    }
}

// The learner's locks guard values that are replaced whole (a snapshot, an id, a path),
// never left half-written, so a thread that panicked while holding one leaves nothing
// inconsistent behind. Recovering the guard keeps one panic from turning every later call
// into another panic.
pub(super) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

pub(super) fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}
