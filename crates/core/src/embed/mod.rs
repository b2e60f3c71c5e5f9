//! Sentence embeddings: the [`Embedder`] trait, the real model ([`OnnxEmbedder`]), the
//! real model in a child process ([`WorkerEmbedder`], what the app uses) and a
//! deterministic stand-in for unit tests ([`HashingEmbedder`]).
//!
//! Every vector an embedder returns is L2-normalised, so a dot product is a cosine similarity
//! everywhere else in the crate.

mod calls;
mod derived;
mod fake;
mod locate;
mod manifest;
mod onnx;
mod worker;

pub use calls::{
    call_lengths, estimated_tokens, CallFiller, CALL_TOKENS, MAX_TEXTS_PER_CALL, TEXTS_PER_CALL,
};
pub use fake::HashingEmbedder;
pub use locate::{locate_model_dir, model_dir_candidates, SearchContext};
pub use manifest::{expected_sha256, verify_model_bytes, ModelFileError};
pub use onnx::{
    default_derived_dir, onnx_environment, EmbedOptions, OnnxEmbedder, Optimization,
    DEFAULT_BATCH_TOKENS, DEFAULT_IDLE_RELEASE, DEFAULT_MAX_TOKENS, DEFAULT_OPTIMIZATION,
    DEFAULT_THREADS, MAX_BATCH_TEXTS, MODEL_DIM, ORT_DYLIB_NAME,
};
pub use worker::{serve_if_requested, WorkerCommand, WorkerEmbedder, WORKER_FLAG};

use std::sync::Weak;
use std::time::Duration;

use crate::error::Result;

pub trait Embedder: Send + Sync {
    /// One unit-length vector of [`Embedder::dim`] floats per text, in order.
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>>;
    /// Names the model *and* anything that changes its vectors (e.g. truncation), because
    /// cached embeddings are keyed by it.
    fn model_id(&self) -> &str;
    fn dim(&self) -> usize;
    /// Drops what running the model holds (a session) until the next call, which loads it
    /// again. Embedders that hold nothing of the kind do nothing.
    fn release(&self) {}
}

/// Scales `v` to unit length in place; a zero vector is left as it is.
pub fn normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// Calls `release_if_idle(owner, idle)` every quarter of `idle` (between 50 ms and 5 s)
/// until `owner` is gone: how both embedders give back what running the model holds
/// (a session, a worker process) after a quiet period.
fn spawn_idle_releaser<T: Send + Sync + 'static>(
    owner: Weak<T>,
    idle: Duration,
    release_if_idle: fn(&T, Duration),
) {
    let tick = (idle / 4).clamp(Duration::from_millis(50), Duration::from_secs(5));
    let spawned = std::thread::Builder::new()
        .name("sift-embed-idle".into())
        .spawn(move || loop {
            std::thread::sleep(tick);
            let Some(owner) = owner.upgrade() else {
                return;
            };
            release_if_idle(&owner, idle);
        });
    if let Err(e) = spawned {
        // Without the thread what the model holds simply stays until released.
        tracing::warn!("could not start the embedder's idle release: {e}");
    }
}
