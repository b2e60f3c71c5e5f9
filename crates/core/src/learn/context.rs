//! What the unlabelled articles say: the topical regions of the whole corpus (k-means
//! centroids) and its mean, used to give the classifier features that are cheap to learn
//! from a few answers. A reader with two unrelated interests is two regions; a flat linear
//! model on twenty answers in 384 dimensions underfits that, but "which region is this in"
//! plus the embedding does not (docs/LEARNING.md has the numbers).

use serde::{Deserialize, Serialize};

use super::clusters::kmeans;
use super::linalg::{axpy, dot};
use super::matrix::RowSource;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorpusContext {
    centroids: Vec<Vec<f32>>,
    /// The corpus mean. Centring the embeddings does not change what a linear model can
    /// express (the bias absorbs it) but removes the shared "it is news" direction that makes
    /// the optimisation ill-conditioned.
    mean: Vec<f32>,
    temperature: f32,
    weight: f32,
}

/// Regions sought in the corpus (fewer when it is small).
pub const REGIONS: usize = 16;
/// Softmax temperature on cosine similarities: sharp enough that an article belongs mostly to
/// one or two regions.
pub const TEMPERATURE: f32 = 20.0;
/// Scale of the region features relative to the unit-length embedding; larger means the
/// ridge penalty restrains them less.
pub const WEIGHT: f32 = 1.0;
/// At least this many articles per region, or regions are noise.
const ARTICLES_PER_REGION: usize = 10;
/// Articles used for k-means at most (evenly spread), to bound the cost on big stores.
const SAMPLE: usize = 3000;

impl CorpusContext {
    /// `None` when there are too few articles for regions to mean anything.
    pub fn from_articles<S: RowSource + ?Sized>(vectors: &S, seed: u64) -> Option<Self> {
        Self::with_params(vectors, REGIONS, TEMPERATURE, WEIGHT, seed)
    }

    pub fn with_params<S: RowSource + ?Sized>(
        vectors: &S,
        regions: usize,
        temperature: f32,
        weight: f32,
        seed: u64,
    ) -> Option<Self> {
        let n = vectors.row_count();
        let k = regions.min(n / ARTICLES_PER_REGION);
        if k < 2 {
            return None;
        }
        let stride = n.div_ceil(SAMPLE);
        let sample: Vec<Vec<f32>> = (0..n).step_by(stride).map(|i| vectors.row_vec(i)).collect();
        let sample: Vec<&[f32]> = sample.iter().map(Vec::as_slice).collect();
        let (centroids, _) = kmeans(&sample, k, seed);
        let mut mean = vec![0.0f32; sample[0].len()];
        for v in &sample {
            axpy(1.0 / sample.len() as f32, v, &mut mean);
        }
        Some(Self {
            centroids,
            mean,
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

    /// Dimensions of the embeddings these regions were computed on.
    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    /// [`CorpusContext::membership`] and [`CorpusContext::region_of`] in one pass over the
    /// centroids: what a corpus computes once per article.
    pub fn describe(&self, x: &[f32]) -> (Vec<f32>, usize, f32) {
        let sims: Vec<f32> = self.centroids.iter().map(|c| dot(c, x)).collect();
        let (region, centrality) = sims
            .iter()
            .copied()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, 0.0));
        let max = centrality * self.temperature;
        let exps: Vec<f32> = sims
            .iter()
            .map(|s| (s * self.temperature - max).exp())
            .collect();
        let sum: f32 = exps.iter().sum();
        (exps.iter().map(|e| e / sum).collect(), region, centrality)
    }

    /// Soft region membership of `x` (sums to 1). Depends only on the article, so callers
    /// scoring a store compute it once per article.
    pub fn membership(&self, x: &[f32]) -> Vec<f32> {
        self.describe(x).0
    }

    /// What the classifier is trained on: the centred embedding, then the centred, weighted
    /// membership (centred so it is not collinear with the bias).
    pub fn training_features(&self, x: &[f32]) -> Vec<f32> {
        let uniform = 1.0 / self.regions() as f32;
        let mut f: Vec<f32> = x.iter().zip(&self.mean).map(|(a, m)| a - m).collect();
        f.extend(
            self.membership(x)
                .into_iter()
                .map(|m| self.weight * (m - uniform)),
        );
        f
    }

    /// Turns weights learned on [`CorpusContext::training_features`] into weights on the raw
    /// embedding and raw membership, moving the centring into the bias, so scoring is two
    /// dot products.
    pub fn fold(&self, weights: &[f32], bias: f32) -> (Vec<f32>, f32) {
        let dim = self.mean.len();
        let (w_x, w_m) = weights.split_at(dim);
        let uniform = 1.0 / self.regions() as f32;
        let mut folded = w_x.to_vec();
        folded.extend(w_m.iter().map(|w| w * self.weight));
        let bias = bias - dot(w_x, &self.mean) - w_m.iter().sum::<f32>() * self.weight * uniform;
        (folded, bias)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::{Embedder, HashingEmbedder};
    use crate::learn::linalg::sigmoid;

    #[test]
    fn folding_preserves_the_decision_function() {
        let texts: Vec<String> = (0..40)
            .map(|i| {
                format!(
                    "{} story {i}",
                    ["rust compiler", "football match", "stock market"][i % 3]
                )
            })
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let v = HashingEmbedder::default().embed(&refs).unwrap();
        let vr: Vec<&[f32]> = v.iter().map(Vec::as_slice).collect();
        let ctx = CorpusContext::from_articles(&vr, 1).unwrap();
        assert!(ctx.regions() >= 2);
        let m = ctx.membership(vr[0]);
        assert!((m.iter().sum::<f32>() - 1.0).abs() < 1e-4);

        let f = ctx.training_features(vr[0]);
        let weights: Vec<f32> = (0..f.len()).map(|i| ((i * 7) % 5) as f32 - 2.0).collect();
        let direct = sigmoid(dot(&weights, &f) + 0.3);
        let (folded, bias) = ctx.fold(&weights, 0.3);
        let mut raw = vr[0].to_vec();
        raw.extend(m);
        let via_fold = sigmoid(dot(&folded, &raw) + bias);
        assert!((direct - via_fold).abs() < 1e-4, "{direct} vs {via_fold}");

        // One pass gives what the two separate calls give.
        let (membership, region, centrality) = ctx.describe(vr[5]);
        assert_eq!((region, centrality), ctx.region_of(vr[5]));
        for (a, b) in membership.iter().zip(ctx.membership(vr[5])) {
            assert!((a - b).abs() < 1e-6);
        }
    }
}
