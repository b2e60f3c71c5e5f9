//! The preference model: from liked and disliked embeddings to a calibrated probability of
//! liking an article (`score`) and how far to trust it (`confidence`).
//!
//! Regimes, by what the answers so far allow:
//! - no answers: every score is the uninformed 0.5 and confidence is 0;
//! - one class only: similarity to the nearest rated article, squashed to a probability
//!   (likes pull up, dislikes push down), with confidence capped low;
//! - both classes: L2-regularised logistic regression on the embeddings, with `C` chosen by
//!   cross-validated log-loss (calibration, not only ranking, is the goal).
//!
//! A retrain after one more answer ([`PreferenceModel::retrain_from`]) starts L-BFGS from the
//! previous fit and keeps the previous `C` until the answers have changed by
//! [`C_STALE_FRACTION`]: one more answer moves the optimum a little, and choosing `C` again
//! costs four cross-validated fits per fold.

use serde::{Deserialize, Serialize};

use std::sync::Arc;

use super::context::CorpusContext;
use super::linalg::{dot, sigmoid};
use super::logistic::{self, Logistic};
use super::matrix::RowSource;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Regime {
    ColdStart,
    LikedOnly,
    DislikedOnly,
    TwoClass,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Regularisation {
    /// Chosen per fit by cross-validation over [`C_GRID`] when there are enough answers.
    Auto,
    Fixed(f32),
}

/// Weak regularisation: on unit vectors `C = 1` keeps every probability near 0.5 (DESIGN.md).
pub const DEFAULT_C: f32 = 100.0;
const C_GRID: [f32; 4] = [10.0, 30.0, 100.0, 300.0];
/// Cross-validation needs a few of each class to say anything, and above this many answers
/// its cost outweighs its benefit (the data then pin the weights down anyway).
const CV_MIN_PER_CLASS: usize = 3;
const CV_MAX_ANSWERS: usize = 120;
/// A retrain keeps the `C` cross-validation chose until the number of answers differs from
/// the number it was chosen at by more than this fraction (one answer in twenty moves the
/// choice rarely, and then only to a neighbouring grid value).
pub const C_STALE_FRACTION: f32 = 0.25;

/// How similar (cosine) two MiniLM texts on the same subject typically are; the one-class
/// regime's squashing is centred here.
const RELATED_SIMILARITY: f32 = 0.35;
const SIMILARITY_SLOPE: f32 = 10.0;
/// Representatives of the rated articles used to judge "far from anything rated"; bounded so
/// bulk scoring stays cheap however many answers there are.
const MAX_COVERAGE_POINTS: usize = 8;

#[derive(Debug, Clone)]
pub struct PreferenceModel {
    dim: usize,
    liked: Vec<Vec<f32>>,
    disliked: Vec<Vec<f32>>,
    classifier: Option<Logistic>,
    /// The classifier as fitted, on the training features (before [`CorpusContext::fold`]):
    /// where the next retrain's L-BFGS starts.
    fitted: Option<Logistic>,
    regularisation: Option<f32>,
    /// How many answers there were when cross-validation last chose `regularisation`
    /// (`None` when it was fixed or defaulted).
    c_chosen_at: Option<usize>,
    coverage: Vec<Vec<f32>>,
    /// Regions of the whole corpus; when present the classifier also sees region features.
    context: Option<Arc<CorpusContext>>,
    /// Per region (with a context), how much it has been answered about: 1 − e^(−n/2) for
    /// a soft count of n answers in it. Kept in this form so that scoring every article of a
    /// store does not take 16 exponentials per article (a fifth of a rescore at 100,000).
    region_answered: Vec<f32>,
}

/// Everything the model can say about one article.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub score: f32,
    pub confidence: f32,
    pub max_liked_similarity: Option<f32>,
    pub avg_liked_similarity: Option<f32>,
    /// Index into the liked vectors the model was trained with.
    pub nearest_liked: Option<usize>,
}

impl PreferenceModel {
    pub fn train(
        dim: usize,
        liked: Vec<Vec<f32>>,
        disliked: Vec<Vec<f32>>,
        regularisation: Regularisation,
    ) -> Self {
        Self::train_in_context(dim, liked, disliked, regularisation, None)
    }

    /// Like [`PreferenceModel::train`], with the unlabelled corpus's regions as extra
    /// features for the two-class classifier.
    pub fn train_in_context(
        dim: usize,
        liked: Vec<Vec<f32>>,
        disliked: Vec<Vec<f32>>,
        regularisation: Regularisation,
        context: Option<Arc<CorpusContext>>,
    ) -> Self {
        Self::fit_model(dim, liked, disliked, regularisation, context, None)
    }

    /// [`PreferenceModel::train_in_context`] after an earlier model of the same reader:
    /// when `previous` was trained in the same context, the classifier's optimisation starts
    /// from its fit, and an automatic `C` is kept from it unless the number of answers has
    /// changed by more than [`C_STALE_FRACTION`] since cross-validation chose it. The
    /// result is the same model as a cold fit, to the optimiser's tolerance.
    pub fn retrain_from(
        previous: &PreferenceModel,
        liked: Vec<Vec<f32>>,
        disliked: Vec<Vec<f32>>,
        regularisation: Regularisation,
        context: Option<Arc<CorpusContext>>,
    ) -> Self {
        let dim = previous.dim;
        Self::fit_model(
            dim,
            liked,
            disliked,
            regularisation,
            context,
            Some(previous),
        )
    }

    fn fit_model(
        dim: usize,
        liked: Vec<Vec<f32>>,
        disliked: Vec<Vec<f32>>,
        regularisation: Regularisation,
        context: Option<Arc<CorpusContext>>,
        previous: Option<&PreferenceModel>,
    ) -> Self {
        // A fit on other features (other regions, or none) is no place to start from.
        let previous = previous.filter(|p| {
            p.dim == dim
                && match (&p.context, &context) {
                    (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
                    (None, None) => true,
                    _ => false,
                }
        });
        let mut model = Self {
            dim,
            coverage: Vec::new(),
            liked,
            disliked,
            classifier: None,
            fitted: None,
            regularisation: None,
            c_chosen_at: None,
            region_answered: Vec::new(),
            context,
        };
        if let Some(ctx) = &model.context {
            let mut counts = vec![0.0f32; ctx.regions()];
            for x in model.liked.iter().chain(&model.disliked) {
                for (c, m) in counts.iter_mut().zip(ctx.membership(x)) {
                    *c += m;
                }
            }
            model.region_answered = counts.iter().map(|a| 1.0 - (-a / 2.0).exp()).collect();
        }
        model.coverage = farthest_point_sample(
            model.liked.iter().chain(&model.disliked).map(Vec::as_slice),
            MAX_COVERAGE_POINTS,
        );
        if model.regime() == Regime::TwoClass {
            let (raw, ys) = model.training_set();
            let featured: Option<Vec<Vec<f32>>> = model
                .context
                .as_ref()
                .map(|ctx| raw.iter().map(|x| ctx.training_features(x)).collect());
            let xs: Vec<&[f32]> = match &featured {
                Some(f) => f.iter().map(Vec::as_slice).collect(),
                None => raw,
            };
            let answers = ys.len();
            let (c, chosen_at) = match regularisation {
                Regularisation::Fixed(c) => (c, None),
                Regularisation::Auto if !cross_validates(&ys) => (DEFAULT_C, None),
                Regularisation::Auto => match previous
                    .and_then(|p| Some((p.regularisation?, p.c_chosen_at?)))
                    .filter(|&(_, at)| !c_is_stale(at, answers))
                {
                    Some((c, at)) => (c, Some(at)),
                    None => (choose_c(&xs, &ys), Some(answers)),
                },
            };
            let warm = previous.and_then(|p| p.fitted.as_ref());
            let fitted = logistic::fit(&xs, &ys, c, warm);
            // Scoring works on raw embeddings and memberships (see `CorpusContext::fold`).
            model.classifier = Some(match &model.context {
                Some(ctx) => {
                    let (weights, bias) = ctx.fold(&fitted.weights, fitted.bias);
                    Logistic { weights, bias }
                }
                None => fitted.clone(),
            });
            model.fitted = Some(fitted);
            model.regularisation = Some(c);
            model.c_chosen_at = chosen_at;
        }
        model
    }

    pub fn untrained(dim: usize) -> Self {
        Self::train(dim, Vec::new(), Vec::new(), Regularisation::Auto)
    }

    fn training_set(&self) -> (Vec<&[f32]>, Vec<bool>) {
        let xs = self
            .liked
            .iter()
            .chain(&self.disliked)
            .map(Vec::as_slice)
            .collect();
        let ys = std::iter::repeat_n(true, self.liked.len())
            .chain(std::iter::repeat_n(false, self.disliked.len()))
            .collect();
        (xs, ys)
    }

    pub fn regime(&self) -> Regime {
        match (self.liked.is_empty(), self.disliked.is_empty()) {
            (true, true) => Regime::ColdStart,
            (false, true) => Regime::LikedOnly,
            (true, false) => Regime::DislikedOnly,
            (false, false) => Regime::TwoClass,
        }
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn answers(&self) -> usize {
        self.liked.len() + self.disliked.len()
    }

    pub fn liked(&self) -> &[Vec<f32>] {
        &self.liked
    }

    pub fn disliked(&self) -> &[Vec<f32>] {
        &self.disliked
    }

    pub fn context(&self) -> Option<&Arc<CorpusContext>> {
        self.context.as_ref()
    }

    /// Region information for card selection: each candidate's region and centrality, and
    /// how many answers each region has.
    pub fn region_info<S: RowSource + ?Sized>(
        &self,
        candidates: &S,
    ) -> Option<super::cards::RegionInfo> {
        let ctx = self.context.as_ref()?;
        let mut buf = Vec::new();
        let (region, centrality) = (0..candidates.row_count())
            .map(|i| ctx.region_of(candidates.row_f32(i, &mut buf)))
            .unzip();
        Some(super::cards::RegionInfo {
            region,
            centrality,
            answered: self.answers_per_region(ctx),
        })
    }

    /// How many answers fall in each of `ctx`'s regions (this model's context).
    pub fn answers_per_region(&self, ctx: &CorpusContext) -> Vec<usize> {
        let mut answered = vec![0usize; ctx.regions()];
        for x in self.liked.iter().chain(&self.disliked) {
            answered[ctx.region_of(x).0] += 1;
        }
        answered
    }

    /// Points standing for everything rated (for "far from anything rated").
    pub fn coverage(&self) -> &[Vec<f32>] {
        &self.coverage
    }

    /// The `C` the classifier was fitted with (two-class regime only).
    pub fn regularisation(&self) -> Option<f32> {
        self.regularisation
    }

    /// How many answers there were when cross-validation chose [`Self::regularisation`]
    /// (`None` when it was fixed, or defaulted because cross-validation had too few or too
    /// many answers to run).
    pub fn c_chosen_at(&self) -> Option<usize> {
        self.c_chosen_at
    }

    /// Score and confidence only: the bulk path (listing and ranking every article).
    pub fn score(&self, x: &[f32]) -> (f32, f32) {
        match &self.context {
            Some(ctx) => self.score_with_regions(x, &ctx.membership(x)),
            _ => self.score_with_regions(x, &[]),
        }
    }

    /// [`PreferenceModel::score`] with `x`'s region membership (from this model's context,
    /// [`CorpusContext::membership`]) already computed: it depends only on the article, so a
    /// store computes it once. Pass `&[]` when the model has no context.
    pub fn score_with_regions(&self, x: &[f32], regions: &[f32]) -> (f32, f32) {
        let score = match self.regime() {
            Regime::ColdStart => 0.5,
            Regime::LikedOnly => similarity_probability(max_similarity(x, &self.liked)),
            Regime::DislikedOnly => {
                // Unlike anything disliked says little about liking it: stay below even odds.
                0.5 * (1.0 - similarity_probability(max_similarity(x, &self.disliked)))
            }
            Regime::TwoClass => self.classifier.as_ref().map_or(0.5, |c| {
                let (w_x, w_regions) = c.weights.split_at(x.len());
                let z = dot(w_x, x) + c.bias;
                let z = if w_regions.is_empty() {
                    z
                } else {
                    debug_assert_eq!(w_regions.len(), regions.len(), "region features missing");
                    z + dot(w_regions, regions)
                };
                sigmoid(z)
            }),
        };
        (score, self.confidence(x, regions, score))
    }

    pub fn assess(&self, x: &[f32]) -> Assessment {
        let (score, confidence) = self.score(x);
        let liked_sims: Vec<f32> = self.liked.iter().map(|l| dot(x, l)).collect();
        let nearest_liked = liked_sims
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i);
        Assessment {
            score,
            confidence,
            max_liked_similarity: nearest_liked.map(|i| liked_sims[i]),
            avg_liked_similarity: (!liked_sims.is_empty())
                .then(|| liked_sims.iter().sum::<f32>() / liked_sims.len() as f32),
            nearest_liked,
        }
    }

    /// Product of three factors in [0, 1]: how much evidence there is (answers, both classes
    /// weigh more), how close the article is to something rated, and how decisive the score
    /// is. Any one of them being low makes the model unsure.
    fn confidence(&self, x: &[f32], membership: &[f32], score: f32) -> f32 {
        let answers = self.answers() as f32;
        let evidence = match self.regime() {
            Regime::ColdStart => return 0.0,
            Regime::LikedOnly | Regime::DislikedOnly => 0.5 * answers / (answers + 5.0),
            Regime::TwoClass => answers / (answers + 5.0),
        };
        let proximity = if membership.len() == self.region_answered.len() && !membership.is_empty()
        {
            // With regions: how much of the article's region mass has been answered about
            // (cheap enough for every article in a store).
            dot(membership, &self.region_answered)
        } else {
            let nearest_rated = max_similarity(x, &self.coverage);
            ((nearest_rated - 0.05) / 0.4).clamp(0.0, 1.0)
        };
        let decisiveness = (2.0 * score - 1.0).abs();
        (evidence * (0.5 + 0.5 * proximity) * (0.25 + 0.75 * decisiveness)).clamp(0.0, 1.0)
    }
}

fn max_similarity(x: &[f32], vectors: &[Vec<f32>]) -> f32 {
    vectors
        .iter()
        .map(|v| dot(x, v))
        .fold(f32::NEG_INFINITY, f32::max)
        .max(-1.0)
}

fn similarity_probability(similarity: f32) -> f32 {
    sigmoid(SIMILARITY_SLOPE * (similarity - RELATED_SIMILARITY))
}

/// Whether the answers allow choosing `C` by cross-validation (else [`DEFAULT_C`]).
fn cross_validates(ys: &[bool]) -> bool {
    let positives = ys.iter().filter(|&&y| y).count();
    let negatives = ys.len() - positives;
    positives.min(negatives) >= CV_MIN_PER_CLASS && ys.len() <= CV_MAX_ANSWERS
}

/// Whether a `C` chosen at `chosen_at` answers is to be chosen again at `answers`.
fn c_is_stale(chosen_at: usize, answers: usize) -> bool {
    answers.abs_diff(chosen_at) as f32 > chosen_at as f32 * C_STALE_FRACTION
}

/// Picks `C` by stratified cross-validated log-loss when the answers allow it.
fn choose_c(xs: &[&[f32]], ys: &[bool]) -> f32 {
    if !cross_validates(ys) {
        return DEFAULT_C;
    }
    let positives = ys.iter().filter(|&&y| y).count();
    let negatives = ys.len() - positives;
    let folds = positives.min(negatives).min(5);
    C_GRID
        .iter()
        .map(|&c| (c, logistic::cross_validated_log_loss(xs, ys, c, folds)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(DEFAULT_C, |(c, _)| c)
}

/// Greedy farthest-point sampling: a small set such that every vector is near one of them.
fn farthest_point_sample<'a>(
    vectors: impl Iterator<Item = &'a [f32]>,
    max: usize,
) -> Vec<Vec<f32>> {
    let all: Vec<&[f32]> = vectors.collect();
    if all.len() <= max {
        return all.iter().map(|v| v.to_vec()).collect();
    }
    let mut chosen = vec![all[0].to_vec()];
    let mut best_sim: Vec<f32> = all.iter().map(|v| dot(v, all[0])).collect();
    while chosen.len() < max {
        let (far, _) = best_sim
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .expect("non-empty");
        chosen.push(all[far].to_vec());
        for (s, v) in best_sim.iter_mut().zip(&all) {
            *s = s.max(dot(v, all[far]));
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::{Embedder, HashingEmbedder};

    fn vecs(texts: &[&str]) -> Vec<Vec<f32>> {
        HashingEmbedder::default().embed(texts).unwrap()
    }

    #[test]
    fn cold_start_is_uninformed() {
        let model = PreferenceModel::untrained(256);
        let x = &vecs(&["anything at all"])[0];
        assert_eq!(model.regime(), Regime::ColdStart);
        assert_eq!(model.score(x), (0.5, 0.0));
    }

    #[test]
    fn liked_only_prefers_similar_articles_with_low_confidence() {
        let liked = vecs(&[
            "rust compiler release notes",
            "rust borrow checker explained",
        ]);
        let model = PreferenceModel::train(256, liked, Vec::new(), Regularisation::Auto);
        assert_eq!(model.regime(), Regime::LikedOnly);
        let near = &vecs(&["rust compiler borrow checker"])[0];
        let far = &vecs(&["celebrity wedding gossip"])[0];
        let (s_near, c_near) = model.score(near);
        let (s_far, _) = model.score(far);
        assert!(s_near > s_far);
        assert!(s_near > 0.5 && s_far < 0.5);
        assert!(
            c_near <= 0.5,
            "one class never makes the model sure: {c_near}"
        );
    }

    #[test]
    fn disliked_only_pushes_similar_articles_down() {
        let disliked = vecs(&["football match result", "football transfer news"]);
        let model = PreferenceModel::train(256, Vec::new(), disliked, Regularisation::Auto);
        assert_eq!(model.regime(), Regime::DislikedOnly);
        let (s_near, _) = model.score(&vecs(&["football match news"])[0]);
        let (s_far, _) = model.score(&vecs(&["quantum physics lecture"])[0]);
        assert!(s_near < s_far && s_far <= 0.5);
    }

    #[test]
    fn two_class_uses_dislikes_as_evidence_and_is_bounded() {
        let liked = vecs(&[
            "rust compiler release",
            "rust async runtime",
            "rust memory safety",
        ]);
        let disliked = vecs(&[
            "football match result",
            "football league table",
            "football transfer window",
        ]);
        let model = PreferenceModel::train(256, liked, disliked, Regularisation::Auto);
        assert_eq!(model.regime(), Regime::TwoClass);
        assert!(model.regularisation().is_some());
        let (rust, c_rust) = model.score(&vecs(&["rust compiler async"])[0]);
        let (ball, _) = model.score(&vecs(&["football league match"])[0]);
        let (unrelated, c_unrelated) = model.score(&vecs(&["gardening tomato soil"])[0]);
        assert!(rust > 0.7, "{rust}");
        assert!(ball < 0.3, "{ball}");
        for v in [rust, ball, unrelated, c_rust, c_unrelated] {
            assert!((0.0..=1.0).contains(&v));
        }
        // Far from everything rated: less sure than about the rated topic.
        assert!(c_unrelated < c_rust, "{c_unrelated} vs {c_rust}");
    }

    #[test]
    fn more_answers_mean_more_confidence() {
        let few = PreferenceModel::train(
            256,
            vecs(&["rust compiler"]),
            vecs(&["football match"]),
            Regularisation::Auto,
        );
        let many = PreferenceModel::train(
            256,
            vecs(&[
                "rust compiler",
                "rust compiler news",
                "rust compiler bug",
                "new rust compiler",
            ]),
            vecs(&[
                "football match",
                "football match report",
                "football match today",
                "big football match",
            ]),
            Regularisation::Auto,
        );
        let x = &vecs(&["rust compiler update"])[0];
        assert!(many.score(x).1 > few.score(x).1);
    }

    /// `n` liked texts about one topic and `n` disliked about another, numbered.
    fn answers(n: usize) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
        let liked: Vec<String> = (0..n)
            .map(|i| format!("rust compiler release {i} borrow checker news {}", i % 5))
            .collect();
        let disliked: Vec<String> = (0..n)
            .map(|i| format!("football match report {i} league goal {}", i % 3))
            .collect();
        let texts = |v: &[String]| vecs(&v.iter().map(String::as_str).collect::<Vec<_>>());
        (texts(&liked), texts(&disliked))
    }

    #[test]
    fn c_is_kept_until_the_answers_grow_by_the_fraction() {
        let (liked, disliked) = answers(20);
        let at = |n: usize| (liked[..n].to_vec(), disliked[..n].to_vec());
        let (l, d) = at(8);
        let first = PreferenceModel::train(256, l, d, Regularisation::Auto);
        assert_eq!(
            first.c_chosen_at(),
            Some(16),
            "cross-validated at 16 answers"
        );
        // 18 answers: within a quarter of 16, the C is kept (and says when it was chosen).
        let (l, d) = at(9);
        let kept = PreferenceModel::retrain_from(&first, l, d, Regularisation::Auto, None);
        assert_eq!(kept.c_chosen_at(), Some(16));
        assert_eq!(kept.regularisation(), first.regularisation());
        // 22 answers: more than a quarter more than 16, chosen again.
        let (l, d) = at(11);
        let again = PreferenceModel::retrain_from(&kept, l, d, Regularisation::Auto, None);
        assert_eq!(again.c_chosen_at(), Some(22));
        // Fewer answers by more than a quarter (answers taken back): chosen again too.
        let (l, d) = at(5);
        let fewer = PreferenceModel::retrain_from(&again, l, d, Regularisation::Auto, None);
        assert_eq!(fewer.c_chosen_at(), Some(10));
        // A fixed C is the caller's, and nothing was chosen.
        let (l, d) = at(9);
        let fixed = PreferenceModel::retrain_from(&first, l, d, Regularisation::Fixed(3.0), None);
        assert_eq!(
            (fixed.regularisation(), fixed.c_chosen_at()),
            (Some(3.0), None)
        );
    }

    #[test]
    fn c_is_chosen_again_under_other_regions() {
        let (liked, disliked) = answers(20);
        let corpus: Vec<Vec<f32>> = liked.iter().chain(&disliked).cloned().collect();
        let refs: Vec<&[f32]> = corpus.iter().map(Vec::as_slice).collect();
        let regions = |k| CorpusContext::with_params(&refs, k, 20.0, 1.0, 3).map(Arc::new);
        let (two, three) = (regions(2), regions(3).filter(|c| c.regions() == 3));
        assert!(two.is_some() && three.is_some());
        let first = PreferenceModel::train_in_context(
            256,
            liked[..8].to_vec(),
            disliked[..8].to_vec(),
            Regularisation::Auto,
            two,
        );
        assert_eq!(first.c_chosen_at(), Some(16));
        let other = PreferenceModel::retrain_from(
            &first,
            liked[..9].to_vec(),
            disliked[..8].to_vec(),
            Regularisation::Auto,
            three,
        );
        assert_eq!(
            other.c_chosen_at(),
            Some(17),
            "a fit on other features starts over"
        );
    }

    #[test]
    fn a_retrained_model_scores_as_one_trained_from_scratch() {
        let (liked, disliked) = answers(20);
        let corpus: Vec<Vec<f32>> = liked.iter().chain(&disliked).cloned().collect();
        let refs: Vec<&[f32]> = corpus.iter().map(Vec::as_slice).collect();
        let context = CorpusContext::with_params(&refs, 3, 20.0, 1.0, 3).map(Arc::new);
        let train = |n: usize, previous: Option<&PreferenceModel>| {
            let (l, d) = (liked[..n].to_vec(), disliked[..n - 1].to_vec());
            match previous {
                Some(p) => {
                    PreferenceModel::retrain_from(p, l, d, Regularisation::Auto, context.clone())
                }
                None => PreferenceModel::train_in_context(
                    256,
                    l,
                    d,
                    Regularisation::Auto,
                    context.clone(),
                ),
            }
        };
        // 35 → 37 answers: C is kept, so the cold fit is compared at the same C.
        let before = train(18, None);
        let retrained = train(19, Some(&before));
        let cold = PreferenceModel::train_in_context(
            256,
            liked[..19].to_vec(),
            disliked[..18].to_vec(),
            Regularisation::Fixed(before.regularisation().unwrap()),
            context.clone(),
        );
        let probe = vecs(&[
            "rust compiler borrow checker",
            "football league goal",
            "gardening tomato soil",
            "rust football",
        ]);
        for x in probe.iter().chain(&corpus) {
            let (a, b) = (retrained.score(x).0, cold.score(x).0);
            assert!((a - b).abs() < 0.01, "{a} vs {b}");
        }
    }
}
