//! What the unlabelled articles say: the topical regions of the whole corpus (k-means
//! centroids), used to give the classifier features that are cheap to learn from a few
//! answers. A reader with two unrelated interests is two regions; a flat linear model on
//! twenty answers in 384 dimensions underfits that, but "which region is this in" plus the
//! embedding does not.

use serde::{Deserialize, Serialize};

use super::clusters::kmeans;
use super::linalg::dot;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorpusContext {
    centroids: Vec<Vec<f32>>,
    temperature: f32,
    weight: f32,
}

/// Regions sought in the corpus (fewer when it is small).
pub const REGIONS: usize = 16;
/// Softmax temperature on cosine similarities: sharp enough that an article belongs mostly to
/// one or two regions.
const TEMPERATURE: f32 = 20.0;
/// Scale of the region features relative to the unit-length embedding; larger means the
/// ridge penalty restrains them less.
const WEIGHT: f32 = 1.0;
/// Articles used for k-means at most (evenly spread), to bound the cost on big stores.
const SAMPLE: usize = 3000;

impl CorpusContext {
    /// `None` when there are too few articles for regions to mean anything.
    pub fn from_articles(vectors: &[&[f32]], seed: u64) -> Option<Self> {
        Self::with_params(vectors, REGIONS, TEMPERATURE, WEIGHT, seed)
    }

    pub fn with_params(vectors: &[&[f32]], regions: usize, temperature: f32, weight: f32, seed: u64) -> Option<Self> {
        let k = regions.min(vectors.len() / 10);
        if k < 2 {
            return None;
        }
        let stride = vectors.len().div_ceil(SAMPLE);
        let sample: Vec<&[f32]> = vectors.iter().step_by(stride).copied().collect();
        let (centroids, _) = kmeans(&sample, k, seed);
        Some(Self {
            centroids,
            temperature,
            weight,
        })
    }

    pub fn regions(&self) -> usize {
        self.centroids.len()
    }

    /// The region `x` belongs to and its similarity to that region's centroid.
    pub fn region_of(&self, x: &[f32]) -> (usize, f32) {
        self.centroids
            .iter()
            .enumerate()
            .map(|(i, c)| (i, dot(c, x)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, 0.0))
    }

    /// Soft region membership of `x`, scaled by the weight.
    pub fn region_features(&self, x: &[f32]) -> Vec<f32> {
        let sims: Vec<f32> = self.centroids.iter().map(|c| dot(c, x) * self.temperature).collect();
        let max = sims.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let exps: Vec<f32> = sims.iter().map(|s| (s - max).exp()).collect();
        let sum: f32 = exps.iter().sum();
        exps.iter().map(|e| self.weight * e / sum).collect()
    }

    /// The embedding followed by its region features: what the classifier sees.
    pub fn features(&self, x: &[f32]) -> Vec<f32> {
        let mut f = x.to_vec();
        f.extend(self.region_features(x));
        f
    }
}
