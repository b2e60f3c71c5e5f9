//! The prototype's `predict_interest` answer, assembled from the model and the clusters.

use serde::{Deserialize, Serialize};

use super::clusters::{closest_cluster, InterestCluster};
use super::model::{PreferenceModel, Regime};

/// `interested = score > threshold` unless the caller sets another threshold.
pub const DEFAULT_THRESHOLD: f32 = 0.5;
/// A score this close to even odds is a guess: an answer there teaches the model most.
pub const UNCERTAIN_MARGIN: f32 = 0.25;
/// Below this confidence the score rests on too little evidence to act on, however decisive.
pub const NEEDS_FEEDBACK_BELOW: f32 = 0.2;

/// Field names are the prototype's, so its users find what they know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub interested: bool,
    /// How sure the model is, in [0, 1].
    pub confidence: f32,
    /// Calibrated probability that the user likes it, in [0, 1].
    pub score: f32,
    /// Cosine similarity to the most similar liked article (none liked: `None`).
    pub max_similarity: Option<f32>,
    pub avg_similarity: Option<f32>,
    pub closest_cluster: Option<usize>,
    pub cluster_similarity: Option<f32>,
    pub needs_feedback: bool,
    /// Which regime produced the score (cold start, one class, two classes).
    pub regime: Regime,
    /// Answers (likes + dislikes) the model was trained on.
    pub answers: usize,
}

pub fn predict(
    model: &PreferenceModel,
    clusters: &[InterestCluster],
    x: &[f32],
    threshold: f32,
) -> Prediction {
    let a = model.assess(x);
    let closest = closest_cluster(clusters, x);
    Prediction {
        interested: a.score > threshold,
        confidence: a.confidence,
        score: a.score,
        max_similarity: a.max_liked_similarity,
        avg_similarity: a.avg_liked_similarity,
        closest_cluster: closest.map(|c| c.0),
        cluster_similarity: closest.map(|c| c.1),
        needs_feedback: (a.score - 0.5).abs() < UNCERTAIN_MARGIN
            || a.confidence < NEEDS_FEEDBACK_BELOW,
        regime: model.regime(),
        answers: model.answers(),
    }
}
