//! Sentence embeddings: the [`Embedder`] trait, the real model ([`OnnxEmbedder`]), the
//! real model in a child process ([`WorkerEmbedder`], what the app uses) and a
//! deterministic stand-in for unit tests ([`HashingEmbedder`]).
//!
//! Every vector an embedder returns is L2-normalised, so a dot product is a cosine similarity
//! everywhere else in the crate.

mod derived;
mod fake;
mod locate;
mod manifest;
mod onnx;
mod worker;

pub use fake::HashingEmbedder;
pub use locate::{locate_model_dir, model_dir_candidates, SearchContext};
pub use manifest::{expected_sha256, verify_model_bytes, ModelFileError};
pub use onnx::{
    default_derived_dir, onnx_environment, EmbedOptions, OnnxEmbedder, Optimization,
    DEFAULT_BATCH_TOKENS, DEFAULT_IDLE_RELEASE, DEFAULT_MAX_TOKENS, DEFAULT_OPTIMIZATION,
    DEFAULT_THREADS, MAX_BATCH_TEXTS, MODEL_DIM, ORT_DYLIB_NAME, TEXTS_PER_CALL,
};
pub use worker::{serve_if_requested, WorkerCommand, WorkerEmbedder, WORKER_FLAG};

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
