//! Prototype parity: [`Recommender`] offers the Python prototype's `ContentRecommender`
//! operations on top of Sift's learner, and [`demo`] replays its demo.
//!
//! Differences that are fixes, not omissions: scores are calibrated probabilities and
//! `confidence` stays in [0, 1] (see `learn::model`); clusters feed `closest_cluster`;
//! save/load is versioned JSON, never pickle; `provide_feedback` also accepts a text that was
//! not in the uncertain queue (the answer is still evidence).

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::embed::Embedder;
use crate::error::{Error, Result};
use crate::learn::clusters::interest_clusters;
use crate::learn::{
    predict, InterestCluster, Prediction, PreferenceModel, Regularisation, DEFAULT_THRESHOLD,
};

const SAVE_FORMAT: &str = "sift-recommender";
const SAVE_VERSION: u32 = 1;
/// The prototype keeps the 20 most recent uncertain texts; so does this.
const UNCERTAIN_QUEUE: usize = 20;
const SEED: u64 = 42;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentItem {
    pub text: String,
    pub metadata: serde_json::Value,
    pub embedding: Vec<f32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct UncertainItem {
    text: String,
    embedding: Vec<f32>,
    score: f32,
    confidence: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedbackRequest {
    pub text: String,
    pub predicted_score: f32,
    pub confidence: f32,
}

/// New content for [`Recommender::process_content_batch`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewContent {
    pub text: String,
    #[serde(default)]
    pub metadata: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoredContent {
    pub content: NewContent,
    pub prediction: Prediction,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchResult {
    /// Interested (score above the threshold) and not in need of feedback, best first.
    pub recommendations: Vec<ScoredContent>,
    /// Those the model is unsure about, most uncertain first.
    pub feedback_requests: Vec<ScoredContent>,
}

pub struct Recommender {
    embedder: Arc<dyn Embedder>,
    threshold: f32,
    liked: Vec<ContentItem>,
    disliked: Vec<ContentItem>,
    uncertain: Vec<UncertainItem>,
    model: PreferenceModel,
    clusters: Vec<InterestCluster>,
}

/// What `save` writes: everything needed to rebuild the model, as data.
#[derive(Serialize, Deserialize)]
struct SavedRecommender {
    format: String,
    version: u32,
    model_id: String,
    threshold: f32,
    liked: Vec<ContentItem>,
    disliked: Vec<ContentItem>,
    uncertain: Vec<UncertainItem>,
}

impl Recommender {
    pub fn new(embedder: Arc<dyn Embedder>) -> Self {
        let dim = embedder.dim();
        Self {
            embedder,
            threshold: DEFAULT_THRESHOLD,
            liked: Vec::new(),
            disliked: Vec::new(),
            uncertain: Vec::new(),
            model: PreferenceModel::untrained(dim),
            clusters: Vec::new(),
        }
    }

    pub fn with_threshold(mut self, threshold: f32) -> Self {
        self.threshold = threshold;
        self
    }

    fn embed_one(&self, text: &str) -> Result<Vec<f32>> {
        self.embedder
            .embed(&[text])?
            .pop()
            .ok_or_else(|| Error::Embedding("the model returned no vector".into()))
    }

    /// Adds rated content and retrains (every answer counts, from the first).
    pub fn add_content(
        &mut self,
        text: &str,
        metadata: serde_json::Value,
        liked: bool,
    ) -> Result<()> {
        let item = ContentItem {
            text: text.to_string(),
            metadata,
            embedding: self.embed_one(text)?,
        };
        self.learn(item, liked);
        Ok(())
    }

    /// Files an answered item under liked or disliked and retrains.
    fn learn(&mut self, item: ContentItem, liked: bool) {
        if liked {
            self.liked.push(item);
        } else {
            self.disliked.push(item);
        }
        self.train();
    }

    fn train(&mut self) {
        self.model = PreferenceModel::train(
            self.embedder.dim(),
            self.liked.iter().map(|i| i.embedding.clone()).collect(),
            self.disliked.iter().map(|i| i.embedding.clone()).collect(),
            Regularisation::Auto,
        );
        let vectors: Vec<&[f32]> = self.liked.iter().map(|i| i.embedding.as_slice()).collect();
        let titles: Vec<&str> = self.liked.iter().map(|i| i.text.as_str()).collect();
        self.clusters = interest_clusters(&vectors, &titles, SEED);
    }

    /// Predicts interest; texts the model is unsure about join the feedback queue.
    pub fn predict_interest(&mut self, text: &str) -> Result<Prediction> {
        let embedding = self.embed_one(text)?;
        let prediction = predict(&self.model, &self.clusters, &embedding, self.threshold);
        if prediction.needs_feedback {
            self.uncertain.retain(|u| u.text != text);
            self.uncertain.push(UncertainItem {
                text: text.to_string(),
                embedding,
                score: prediction.score,
                confidence: prediction.confidence,
            });
            if self.uncertain.len() > UNCERTAIN_QUEUE {
                self.uncertain
                    .drain(..self.uncertain.len() - UNCERTAIN_QUEUE);
            }
        }
        Ok(prediction)
    }

    /// The queued texts, least confident first.
    pub fn get_feedback_requests(&self, limit: usize) -> Vec<FeedbackRequest> {
        let mut queue: Vec<&UncertainItem> = self.uncertain.iter().collect();
        queue.sort_by(|a, b| {
            a.confidence
                .total_cmp(&b.confidence)
                .then((a.score - 0.5).abs().total_cmp(&(b.score - 0.5).abs()))
        });
        queue
            .into_iter()
            .take(limit)
            .map(|u| FeedbackRequest {
                text: u.text.clone(),
                predicted_score: u.score,
                confidence: u.confidence,
            })
            .collect()
    }

    /// Records the user's answer about `text` and retrains.
    pub fn provide_feedback(&mut self, text: &str, liked: bool) -> Result<()> {
        let embedding = match self.uncertain.iter().position(|u| u.text == text) {
            Some(i) => self.uncertain.remove(i).embedding,
            None => self.embed_one(text)?,
        };
        let item = ContentItem {
            text: text.to_string(),
            metadata: serde_json::json!({"source": "feedback"}),
            embedding,
        };
        self.learn(item, liked);
        Ok(())
    }

    pub fn process_content_batch(&mut self, items: &[NewContent]) -> Result<BatchResult> {
        let mut scored = Vec::with_capacity(items.len());
        for item in items {
            scored.push(ScoredContent {
                prediction: self.predict_interest(&item.text)?,
                content: item.clone(),
            });
        }
        let mut recommendations: Vec<ScoredContent> = scored
            .iter()
            .filter(|s| s.prediction.interested && !s.prediction.needs_feedback)
            .cloned()
            .collect();
        recommendations.sort_by(|a, b| b.prediction.score.total_cmp(&a.prediction.score));
        let mut feedback_requests: Vec<ScoredContent> = scored
            .into_iter()
            .filter(|s| s.prediction.needs_feedback)
            .collect();
        feedback_requests
            .sort_by(|a, b| a.prediction.confidence.total_cmp(&b.prediction.confidence));
        Ok(BatchResult {
            recommendations,
            feedback_requests,
        })
    }

    pub fn liked(&self) -> &[ContentItem] {
        &self.liked
    }

    pub fn disliked(&self) -> &[ContentItem] {
        &self.disliked
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let saved = SavedRecommender {
            format: SAVE_FORMAT.into(),
            version: SAVE_VERSION,
            model_id: self.embedder.model_id().to_string(),
            threshold: self.threshold,
            liked: self.liked.clone(),
            disliked: self.disliked.clone(),
            uncertain: self.uncertain.clone(),
        };
        let json = serde_json::to_vec(&saved).map_err(|e| file_error(path, e))?;
        std::fs::write(path, json).map_err(|e| file_error(path, e))
    }

    /// Loads a saved recommender. The file is data only (JSON); its vectors must come from
    /// the same model as `embedder`'s, or they could not be compared with new ones.
    pub fn load(path: &Path, embedder: Arc<dyn Embedder>) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| file_error(path, e))?;
        let saved: SavedRecommender =
            serde_json::from_slice(&bytes).map_err(|e| file_error(path, e))?;
        if saved.format != SAVE_FORMAT {
            return Err(file_error(path, "not a saved Sift recommender"));
        }
        if saved.version > SAVE_VERSION {
            return Err(file_error(
                path,
                format!(
                    "format version {} is newer than this Sift knows",
                    saved.version
                ),
            ));
        }
        if saved.model_id != embedder.model_id() {
            return Err(file_error(
                path,
                format!(
                    "saved with model {} but {} is loaded",
                    saved.model_id,
                    embedder.model_id()
                ),
            ));
        }
        let mut r = Recommender::new(embedder).with_threshold(saved.threshold);
        r.liked = saved.liked;
        r.disliked = saved.disliked;
        r.uncertain = saved.uncertain;
        r.train();
        Ok(r)
    }
}

fn file_error(path: &Path, detail: impl ToString) -> Error {
    Error::ModelFile {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoOutcome {
    pub recommendations: Vec<DemoRecommendation>,
    pub feedback_requests: Vec<DemoFeedback>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoRecommendation {
    pub text: String,
    pub score: f32,
    pub confidence: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoFeedback {
    pub text: String,
    pub score: f32,
    /// The simulated user's answer: "like" or "dislike".
    pub answer: String,
}

/// The prototype's `active_learning_demo`: the same 3 liked, 2 disliked and 4 new texts, and
/// the same simulated answers (programming and photography are liked).
pub fn demo(embedder: Arc<dyn Embedder>) -> Result<DemoOutcome> {
    let mut recommender = Recommender::new(embedder);
    let initial_liked = [
        (
            "Python's new async features make concurrent programming much easier",
            "programming",
        ),
        (
            "How to optimize our photography workflow with Lightroom presets",
            "photography",
        ),
        ("Building REST APIs with FastAPI and Python", "programming"),
    ];
    let initial_disliked = [
        ("Latest political developments in Congress", "politics"),
        (
            "Celebrity gossip: Who's dating who in Hollywood",
            "entertainment",
        ),
    ];
    for (text, category) in initial_liked {
        recommender.add_content(text, serde_json::json!({ "category": category }), true)?;
    }
    for (text, category) in initial_disliked {
        recommender.add_content(text, serde_json::json!({ "category": category }), false)?;
    }
    let new_content: Vec<NewContent> = [
        (
            "Advanced techniques for landscape photography in low light",
            "photography",
        ),
        ("Senate debates new tax legislation", "politics"),
        ("Introduction to GraphQL for API development", "programming"),
        (
            "Using machine learning for image classification",
            "programming/ML",
        ),
    ]
    .into_iter()
    .map(|(text, category)| NewContent {
        text: text.to_string(),
        metadata: serde_json::json!({ "category": category }),
    })
    .collect();

    let results = recommender.process_content_batch(&new_content)?;
    let recommendations = results
        .recommendations
        .iter()
        .map(|s| DemoRecommendation {
            text: s.content.text.clone(),
            score: s.prediction.score,
            confidence: s.prediction.confidence,
        })
        .collect();
    let mut feedback_requests = Vec::new();
    for s in &results.feedback_requests {
        let category = s.content.metadata["category"]
            .as_str()
            .unwrap_or("")
            .to_lowercase();
        let liked = category.contains("programming") || category.contains("photography");
        recommender.provide_feedback(&s.content.text, liked)?;
        feedback_requests.push(DemoFeedback {
            text: s.content.text.clone(),
            score: s.prediction.score,
            answer: if liked { "like" } else { "dislike" }.to_string(),
        });
    }
    Ok(DemoOutcome {
        recommendations,
        feedback_requests,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::HashingEmbedder;

    fn fake() -> Arc<dyn Embedder> {
        Arc::new(HashingEmbedder::default())
    }

    fn trained() -> Recommender {
        let mut r = Recommender::new(fake());
        for t in [
            "rust compiler release",
            "rust async runtime",
            "rust memory safety",
        ] {
            r.add_content(t, serde_json::json!({}), true).unwrap();
        }
        for t in ["football match result", "football league table"] {
            r.add_content(t, serde_json::json!({}), false).unwrap();
        }
        r
    }

    #[test]
    fn predicts_with_prototype_fields_in_bounds() {
        let mut r = trained();
        let p = r.predict_interest("rust compiler async").unwrap();
        assert!(p.interested);
        assert!((0.0..=1.0).contains(&p.confidence));
        assert!(p.max_similarity.unwrap() > 0.3);
        assert!(p.closest_cluster.is_some() && p.cluster_similarity.is_some());
        let q = r.predict_interest("football match league").unwrap();
        assert!(!q.interested && q.score < p.score);
    }

    #[test]
    fn nothing_rated_needs_feedback_and_queue_is_sorted() {
        let mut r = Recommender::new(fake());
        let p = r.predict_interest("anything").unwrap();
        assert!(!p.interested && p.needs_feedback && p.confidence == 0.0);
        let mut r = trained();
        for t in [
            "gardening tips",
            "rust gardening",
            "quantum chess",
            "knitting",
        ] {
            r.predict_interest(t).unwrap();
        }
        let requests = r.get_feedback_requests(10);
        assert!(!requests.is_empty());
        assert!(requests
            .windows(2)
            .all(|w| w[0].confidence <= w[1].confidence));
        assert_eq!(r.get_feedback_requests(1).len(), 1);
    }

    #[test]
    fn feedback_retrains() {
        let mut r = trained();
        let before = r.predict_interest("knitting patterns wool").unwrap().score;
        r.provide_feedback("knitting patterns wool", true).unwrap();
        r.provide_feedback("knitting wool sweater", true).unwrap();
        let after = r.predict_interest("knitting patterns wool").unwrap().score;
        assert!(after > before && after > 0.95, "{before} -> {after}");
        assert_eq!(r.liked().len(), 5);
    }

    #[test]
    fn save_load_roundtrip_is_json_and_versioned() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        let mut r = trained();
        let before = r.predict_interest("rust compiler").unwrap();
        r.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"format\":\"sift-recommender\"") && text.contains("\"version\":1"));
        let mut loaded = Recommender::load(&path, fake()).unwrap();
        assert_eq!(loaded.predict_interest("rust compiler").unwrap(), before);
        std::fs::write(&path, b"\x80\x04pickle").unwrap();
        assert!(Recommender::load(&path, fake()).is_err());
    }

    #[test]
    fn batch_splits_recommendations_from_requests() {
        let mut r = trained();
        let batch: Vec<NewContent> = [
            "rust compiler release async",
            "football match league",
            "unrelated knitting",
        ]
        .iter()
        .map(|t| NewContent {
            text: t.to_string(),
            metadata: serde_json::Value::Null,
        })
        .collect();
        let result = r.process_content_batch(&batch).unwrap();
        assert!(result
            .recommendations
            .iter()
            .all(|s| s.prediction.interested));
        assert!(result
            .recommendations
            .iter()
            .all(|s| s.content.text != "football match league"));
        assert!(result
            .feedback_requests
            .iter()
            .all(|s| s.prediction.needs_feedback));
    }
}
