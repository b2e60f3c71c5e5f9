//! The simulated reader and the learning curves.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;
use serde::Serialize;

use super::metrics::{auc, brier, precision_at_k};
use crate::learn::cards::{choose_cards, cold_start_cards};
use crate::learn::linalg::dot;
use std::sync::Arc;

use crate::learn::{CorpusContext, PreferenceModel, Regularisation};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Sift's model (with corpus regions) and cards.
    Sift,
    /// Sift's cards and a flat logistic regression on the embeddings alone.
    FlatModel,
    /// Sift's model with cards drawn at random: what the card selection is worth.
    RandomCards,
    /// Sift's cards and logistic regression at scikit-learn's default `C = 1`.
    DefaultRegularisation,
    /// The prototype's scoring (mean liked similarity − 0.8 × max disliked similarity) and
    /// its uncertain queue (scores within 0.2 of 0.5); it starts from one random round,
    /// as it cannot ask before it has liked content.
    Prototype,
    /// Sift's model trained on every pool label, at the best of C ∈ {1, 10, 100}: the ceiling.
    AllLabels,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Sift => "sift",
            Method::FlatModel => "sift cards, flat LR",
            Method::RandomCards => "random cards",
            Method::DefaultRegularisation => "sift cards, LR C=1",
            Method::Prototype => "prototype",
            Method::AllLabels => "all labels (ceiling)",
        }
    }
}

pub struct EvalConfig {
    pub budgets: Vec<usize>,
    pub seeds: u64,
    /// Cards per round, answered before the model retrains.
    pub round: usize,
    /// Share of the corpus held out for scoring.
    pub test_fraction: f64,
    pub precision_k: usize,
    pub methods: Vec<Method>,
    /// Corpus regions for the model's context (see `learn::context`).
    pub regions: usize,
    pub temperature: f32,
    pub region_weight: f32,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self {
            budgets: vec![0, 5, 10, 20, 40],
            seeds: 3,
            round: 5,
            test_fraction: 0.25,
            precision_k: 20,
            methods: vec![
                Method::Sift,
                Method::FlatModel,
                Method::RandomCards,
                Method::DefaultRegularisation,
                Method::Prototype,
                Method::AllLabels,
            ],
            regions: crate::learn::context::REGIONS,
            temperature: 20.0,
            region_weight: 1.0,
        }
    }
}

/// One cell of the learning-curve table: a method, a taste size and a budget, averaged over
/// tastes and seeds.
#[derive(Debug, Clone, Serialize)]
pub struct EvalRow {
    pub method: Method,
    pub method_name: &'static str,
    /// How many categories the simulated reader likes.
    pub liked_categories: usize,
    pub answers: usize,
    pub auc: f64,
    pub precision_at_k: f64,
    pub brier: f64,
    /// Answers actually given (the prototype may stop asking before the budget).
    pub answered: f64,
    pub runs: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub rows: Vec<EvalRow>,
    /// Over seeds: how many categories the first five cold-start cards cover (mean, min).
    pub cold_start_categories_mean: f64,
    pub cold_start_categories_min: usize,
    pub classes: usize,
    pub articles: usize,
}

/// Runs every method for every taste (each single category, each pair) and seed.
pub fn evaluate(
    vectors: &[Vec<f32>],
    labels: &[usize],
    classes: usize,
    config: &EvalConfig,
    progress: impl Fn(&str),
) -> EvalReport {
    let mut tastes: Vec<Vec<usize>> = (0..classes).map(|c| vec![c]).collect();
    for a in 0..classes {
        for b in a + 1..classes {
            tastes.push(vec![a, b]);
        }
    }
    let dim = vectors.first().map_or(0, Vec::len);
    // (method, taste size, budget) -> sums
    let mut sums: std::collections::BTreeMap<(usize, usize, usize), [f64; 5]> = Default::default();
    let mut cold_cover = Vec::new();
    for seed in 0..config.seeds {
        let mut order: Vec<usize> = (0..vectors.len()).collect();
        order.shuffle(&mut Xoshiro256Plus::seed_from_u64(seed));
        let test_len = (vectors.len() as f64 * config.test_fraction) as usize;
        let (test, pool) = order.split_at(test_len);
        let pool_vectors: Vec<&[f32]> = pool.iter().map(|&i| vectors[i].as_slice()).collect();
        let test_vectors: Vec<&[f32]> = test.iter().map(|&i| vectors[i].as_slice()).collect();

        // The regions come from the unlabelled pool only; held-out articles stay unseen.
        let context = CorpusContext::with_params(
            &pool_vectors,
            config.regions,
            config.temperature,
            config.region_weight,
            seed,
        )
        .map(Arc::new);
        let first = cold_start_cards(&pool_vectors, 5, seed);
        let covered: std::collections::HashSet<usize> =
            first.iter().map(|&j| labels[pool[j]]).collect();
        cold_cover.push(covered.len());

        for taste in &tastes {
            progress(&format!("seed {seed}, liked categories {taste:?}"));
            let pool_likes: Vec<bool> = pool.iter().map(|&i| taste.contains(&labels[i])).collect();
            let test_likes: Vec<bool> = test.iter().map(|&i| taste.contains(&labels[i])).collect();
            for (m, &method) in config.methods.iter().enumerate() {
                let curve = run_method(
                    method,
                    &pool_vectors,
                    &pool_likes,
                    &test_vectors,
                    &test_likes,
                    dim,
                    config,
                    seed,
                    context.clone(),
                );
                for (budget, metrics) in config.budgets.iter().zip(curve) {
                    let s = sums.entry((m, taste.len(), *budget)).or_insert([0.0; 5]);
                    for (acc, v) in s.iter_mut().zip(metrics) {
                        *acc += v;
                    }
                }
            }
        }
    }
    let rows = sums
        .into_iter()
        .map(|((m, size, budget), s)| EvalRow {
            method: config.methods[m],
            method_name: config.methods[m].name(),
            liked_categories: size,
            answers: budget,
            auc: s[0] / s[4],
            precision_at_k: s[1] / s[4],
            brier: s[2] / s[4],
            answered: s[3] / s[4],
            runs: s[4] as usize,
        })
        .collect();
    EvalReport {
        rows,
        cold_start_categories_mean: cold_cover.iter().sum::<usize>() as f64
            / cold_cover.len().max(1) as f64,
        cold_start_categories_min: cold_cover.iter().copied().min().unwrap_or(0),
        classes,
        articles: vectors.len(),
    }
}

/// [auc, precision, brier, answered, 1] at each budget.
#[allow(clippy::too_many_arguments)]
fn run_method(
    method: Method,
    pool: &[&[f32]],
    pool_likes: &[bool],
    test: &[&[f32]],
    test_likes: &[bool],
    dim: usize,
    config: &EvalConfig,
    seed: u64,
    context: Option<Arc<CorpusContext>>,
) -> Vec<[f64; 5]> {
    let measure = |scores: &[f32], answered: usize| {
        [
            auc(scores, test_likes),
            precision_at_k(scores, test_likes, config.precision_k),
            brier(scores, test_likes),
            answered as f64,
            1.0,
        ]
    };
    if method == Method::AllLabels {
        let (liked, disliked): (Vec<usize>, Vec<usize>) =
            (0..pool.len()).partition(|&i| pool_likes[i]);
        // The best of a few regularisations, picked on the test set itself: a generous
        // ceiling, so "close to the ceiling" is a conservative claim.
        let m = [1.0, 10.0, 100.0]
            .into_iter()
            .map(|c| {
                let r = Regularisation::Fixed(c);
                let model = train(pool, &liked, &disliked, dim, r, context.clone(), None);
                let scores: Vec<f32> = test.iter().map(|x| model.score(x).0).collect();
                measure(&scores, pool.len())
            })
            .max_by(|a, b| a[0].total_cmp(&b[0]))
            .expect("three fits");
        return config.budgets.iter().map(|_| m).collect();
    }
    let context = |m: Method| match m {
        Method::FlatModel => None,
        _ => context.clone(),
    };
    let regularisation = match method {
        Method::DefaultRegularisation => Regularisation::Fixed(1.0),
        _ => Regularisation::Auto,
    };
    let mut rng = Xoshiro256Plus::seed_from_u64(seed.wrapping_mul(7919).wrapping_add(13));
    let mut asked = vec![false; pool.len()];
    let mut liked: Vec<usize> = Vec::new();
    let mut disliked: Vec<usize> = Vec::new();
    let mut stalled = false;
    let mut curve = Vec::new();
    // Each retrain starts from the previous model, as the app's does after an answer.
    let mut previous: Option<PreferenceModel> = None;
    for &budget in &config.budgets {
        while liked.len() + disliked.len() < budget && !stalled {
            let want = config.round.min(budget - liked.len() - disliked.len());
            let unasked: Vec<usize> = (0..pool.len()).filter(|&i| !asked[i]).collect();
            let cards: Vec<usize> = match method {
                Method::Sift | Method::FlatModel | Method::DefaultRegularisation => {
                    let model = train(
                        pool,
                        &liked,
                        &disliked,
                        dim,
                        regularisation,
                        context(method),
                        previous.as_ref(),
                    );
                    let vectors: Vec<&[f32]> = unasked.iter().map(|&i| pool[i]).collect();
                    let scores: Vec<f32> = vectors.iter().map(|x| model.score(x).0).collect();
                    let cards = choose_cards(&model, &vectors, &scores, None, want, seed)
                        .into_iter()
                        .map(|j| unasked[j])
                        .collect();
                    previous = Some(model);
                    cards
                }
                Method::RandomCards => unasked.choose_multiple(&mut rng, want).copied().collect(),
                Method::Prototype => {
                    if liked.is_empty() && disliked.is_empty() {
                        unasked.choose_multiple(&mut rng, want).copied().collect()
                    } else {
                        prototype_queue(pool, &liked, &disliked, &unasked, want)
                    }
                }
                Method::AllLabels => unreachable!(),
            };
            if cards.is_empty() {
                stalled = true; // nothing left that the method wants to ask
                break;
            }
            for i in cards {
                asked[i] = true;
                if pool_likes[i] {
                    liked.push(i);
                } else {
                    disliked.push(i);
                }
            }
        }
        let scores: Vec<f32> = if method == Method::Prototype {
            test.iter()
                .map(|x| prototype_score(x, pool, &liked, &disliked))
                .collect()
        } else {
            let model = train(
                pool,
                &liked,
                &disliked,
                dim,
                regularisation,
                context(method),
                previous.as_ref(),
            );
            let scores = test.iter().map(|x| model.score(x).0).collect();
            previous = Some(model);
            scores
        };
        curve.push(measure(&scores, liked.len() + disliked.len()));
    }
    curve
}

fn train(
    pool: &[&[f32]],
    liked: &[usize],
    disliked: &[usize],
    dim: usize,
    r: Regularisation,
    context: Option<Arc<CorpusContext>>,
    previous: Option<&PreferenceModel>,
) -> PreferenceModel {
    let liked = liked.iter().map(|&i| pool[i].to_vec()).collect();
    let disliked = disliked.iter().map(|&i| pool[i].to_vec()).collect();
    match previous {
        Some(p) => PreferenceModel::retrain_from(p, liked, disliked, r, context),
        None => PreferenceModel::train_in_context(dim, liked, disliked, r, context),
    }
}

/// The prototype's composite score. With nothing liked it returns no score; 0 stands in.
fn prototype_score(x: &[f32], pool: &[&[f32]], liked: &[usize], disliked: &[usize]) -> f32 {
    if liked.is_empty() {
        return 0.0;
    }
    let avg_liked = liked.iter().map(|&i| dot(x, pool[i])).sum::<f32>() / liked.len() as f32;
    let max_disliked = disliked
        .iter()
        .map(|&i| dot(x, pool[i]))
        .fold(0.0f32, f32::max);
    if max_disliked > 0.0 {
        avg_liked - 0.8 * max_disliked
    } else {
        avg_liked
    }
}

/// The prototype's feedback requests: items whose score is within 0.2 of 0.5, nearest first.
fn prototype_queue(
    pool: &[&[f32]],
    liked: &[usize],
    disliked: &[usize],
    unasked: &[usize],
    want: usize,
) -> Vec<usize> {
    let mut queue: Vec<(usize, f32)> = unasked
        .iter()
        .map(|&i| (i, prototype_score(pool[i], pool, liked, disliked)))
        .filter(|(_, s)| (s - 0.5).abs() < 0.2)
        .collect();
    queue.sort_by(|a, b| (a.1 - 0.5).abs().total_cmp(&(b.1 - 0.5).abs()));
    queue.into_iter().take(want).map(|(i, _)| i).collect()
}
