//! The prototype's `predict_interest` answer, assembled from the model and the clusters.

use serde::{Deserialize, Serialize};

use super::clusters::{closest_cluster, InterestCluster};
use super::model::{PreferenceModel, Regime};

/// `interested = score > threshold` unless the caller sets another threshold.
pub const DEFAULT_THRESHOLD: f32 = 0.5;
/// Below this confidence an answer would still teach the model something worth a card.
pub const NEEDS_FEEDBACK_BELOW: f32 = 0.3;

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
        needs_feedback: a.confidence < NEEDS_FEEDBACK_BELOW,
        regime: model.regime(),
        answers: model.answers(),
    }
}
