//! The learner: one job per module. Everything here is pure computation on embeddings; the
//! engine (`engine/learn.rs`) feeds it from the store.

pub mod cards;
pub mod clusters;
pub mod context;
pub mod explain;
pub mod half;
pub mod linalg;
pub mod logistic;
pub mod map;
pub mod matrix;
pub mod model;
pub mod parallel;
pub mod prediction;

pub use clusters::InterestCluster;
pub use context::CorpusContext;
pub use model::{Assessment, PreferenceModel, Regime, Regularisation};
pub use prediction::{predict, Prediction, DEFAULT_THRESHOLD};
