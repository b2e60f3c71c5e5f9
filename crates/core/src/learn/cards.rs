//! Feedback cards: which unrated articles to ask about next.
//!
//! With no answers, diverse representatives of what is in the feeds (the article nearest each
//! k-means centroid, biggest clusters first). Afterwards, the articles whose answers teach
//! the model most: uncertain ones (score near 0.5) and ones far from anything rated
//! (exploration), picked greedily so that no two cards in a batch are near-duplicates.

use super::clusters::kmeans;
use super::linalg::dot;
use super::matrix::RowSource;
use super::model::PreferenceModel;
use super::parallel;

/// Above this cosine similarity two articles are "the same story" for card purposes.
const NEAR_DUPLICATE: f32 = 0.8;
// The weights below were chosen with the offline evaluation (docs/LEARNING.md): spreading
// answers over the corpus's regions mattered most, then typicality; raw distance from rated
// articles adds little once regions are counted.
/// Share of a card's value that comes from being far from anything rated.
const EXPLORATION_WEIGHT: f32 = 0.1;
/// Bonus for a region with few answers (1 / (1 + answers there)).
const REGION_NEED_WEIGHT: f32 = 0.6;
/// How much an outlier (far from its region's centre) is discounted: typical articles'
/// answers generalise to their neighbours, an outlier's do not.
const TYPICALITY_WEIGHT: f32 = 0.9;
/// How strongly similarity to an already chosen card lowers a candidate's value.
const REDUNDANCY_PENALTY: f32 = 0.6;
/// Only this many of the most valuable candidates enter the quadratic greedy step.
const SHORTLIST: usize = 300;
/// k-means for the cold start runs on at most this many articles (evenly spread).
const COLD_START_SAMPLE: usize = 2000;

/// Diverse representatives of `vectors`: indices into it, most representative first.
pub fn cold_start_cards<S: RowSource + ?Sized>(vectors: &S, limit: usize, seed: u64) -> Vec<usize> {
    let n = vectors.row_count();
    if n <= limit {
        return (0..n).collect();
    }
    let stride = n.div_ceil(COLD_START_SAMPLE);
    let sample: Vec<usize> = (0..n).step_by(stride).collect();
    let sample_vectors: Vec<Vec<f32>> = sample.iter().map(|&i| vectors.row_vec(i)).collect();
    let sample_refs: Vec<&[f32]> = sample_vectors.iter().map(Vec::as_slice).collect();
    let (centroids, assignment) = kmeans(&sample_refs, limit, seed);
    let mut reps: Vec<(usize, usize)> = centroids
        .iter()
        .enumerate()
        .filter_map(|(c, centroid)| {
            let members = assignment.iter().filter(|&&a| a == c).count();
            sample
                .iter()
                .zip(&sample_refs)
                .zip(&assignment)
                .filter(|(_, &a)| a == c)
                .max_by(|a, b| dot(a.0 .1, centroid).total_cmp(&dot(b.0 .1, centroid)))
                .map(|((&i, _), _)| (i, members))
        })
        .collect();
    reps.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut chosen: Vec<usize> = reps.into_iter().map(|(i, _)| i).collect();
    // Fewer clusters than asked for (duplicates in the data): fill with the rest in order.
    for i in 0..n {
        if chosen.len() >= limit {
            break;
        }
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    chosen
}

/// Where the candidates sit among the corpus's regions (see `learn::context`), so cards can
/// spread over regions and favour typical articles over outliers.
pub struct RegionInfo {
    /// Region of each candidate.
    pub region: Vec<usize>,
    /// Cosine similarity of each candidate to its region's centroid.
    pub centrality: Vec<f32>,
    /// Answers already given per region.
    pub answered: Vec<usize>,
}

/// The card selection Sift ships, used by both `Engine::cards` and the offline evaluation
/// (`eval::simulate`), so the evaluation measures what users get. `vectors` are the
/// unrated, unskipped articles, `scores` the model's scores for them; `regions` says where
/// they sit among the corpus regions when the caller has it precomputed (the engine does,
/// per article at load), else it is computed from the model's context.
pub fn choose_cards<S: RowSource + Sync + ?Sized>(
    model: &PreferenceModel,
    vectors: &S,
    scores: &[f32],
    regions: Option<RegionInfo>,
    limit: usize,
    seed: u64,
) -> Vec<usize> {
    let regions = regions.or_else(|| model.region_info(vectors));
    select_cards(
        vectors,
        scores,
        model.coverage(),
        regions.as_ref(),
        limit,
        seed,
    )
}

/// Picks up to `limit` cards among `vectors` (the unrated, unskipped articles) given the
/// model's `scores` for them and `coverage`, points representing everything rated so far.
/// Returns indices into `vectors`, best first.
pub fn select_cards<S: RowSource + Sync + ?Sized>(
    vectors: &S,
    scores: &[f32],
    coverage: &[Vec<f32>],
    regions: Option<&RegionInfo>,
    limit: usize,
    seed: u64,
) -> Vec<usize> {
    let n = vectors.row_count();
    assert_eq!(n, scores.len());
    if coverage.is_empty() {
        return cold_start_cards(vectors, limit, seed);
    }
    // Each candidate's value on its own, split over the cores (at 100,000 articles this is
    // most of what asking for cards costs).
    let base: Vec<f32> = parallel::map_ranges(n, |range| {
        let mut buf = Vec::new();
        range
            .map(|i| {
                let v = vectors.row_f32(i, &mut buf);
                let p = scores[i];
                let uncertainty = 1.0 - (2.0 * p - 1.0).abs();
                let nearest_rated = coverage
                    .iter()
                    .map(|c| dot(v, c))
                    .fold(f32::NEG_INFINITY, f32::max);
                let novelty = 1.0 - ((nearest_rated - 0.05) / 0.4).clamp(0.0, 1.0);
                let typical = regions.map_or(1.0, |r| {
                    (1.0 - TYPICALITY_WEIGHT) + TYPICALITY_WEIGHT * r.centrality[i].clamp(0.0, 1.0)
                });
                ((1.0 - EXPLORATION_WEIGHT) * uncertainty + EXPLORATION_WEIGHT * novelty) * typical
            })
            .collect()
    });
    let mut region_answers: Vec<f32> =
        regions.map_or_else(Vec::new, |r| r.answered.iter().map(|&a| a as f32).collect());
    let value = |i: usize, region_answers: &[f32]| -> f32 {
        let need = regions.map_or(0.0, |r| 1.0 / (1.0 + region_answers[r.region[i]]));
        base[i] + REGION_NEED_WEIGHT * need
    };
    // Candidates by value, best first; only as far as can be listed: the shortlist, or
    // `limit` (every candidate when unlimited). Beyond it nothing is read.
    let initial: Vec<f32> = (0..n).map(|i| value(i, &region_answers)).collect();
    let by_value = |a: &usize, b: &usize| initial[*b].total_cmp(&initial[*a]).then(a.cmp(b));
    let mut order: Vec<usize> = (0..n).collect();
    let ordered = n.min(SHORTLIST.max(limit));
    if ordered > 0 && ordered < n {
        order.select_nth_unstable_by(ordered - 1, by_value);
    }
    order[..ordered].sort_by(by_value);
    order.truncate(ordered);

    let shortlist = &order[..order.len().min(SHORTLIST)];
    let shortlisted: Vec<Vec<f32>> = shortlist.iter().map(|&i| vectors.row_vec(i)).collect();
    let mut chosen: Vec<usize> = Vec::new();
    let mut redundancy = vec![0.0f32; shortlist.len()];
    let mut taken = vec![false; shortlist.len()];
    while chosen.len() < limit {
        let adjusted = |j: usize| {
            value(shortlist[j], &region_answers)
                - REDUNDANCY_PENALTY * (redundancy[j] - 0.2).max(0.0)
        };
        let best = (0..shortlist.len())
            .filter(|&j| !taken[j] && redundancy[j] < NEAR_DUPLICATE)
            .max_by(|&a, &b| adjusted(a).total_cmp(&adjusted(b)).then(b.cmp(&a)));
        let Some(j) = best else { break };
        taken[j] = true;
        let picked = shortlist[j];
        chosen.push(picked);
        if let Some(r) = regions {
            // The answer to come counts for its region already: spread the batch.
            region_answers[r.region[picked]] += 1.0;
        }
        for (k, r) in redundancy.iter_mut().enumerate() {
            *r = r.max(dot(&shortlisted[k], &shortlisted[j]));
        }
    }
    // A longer listing (every card, when unlimited) continues with the rest by value, near
    // duplicates of the cards above included: they come last, they are not dropped.
    if chosen.len() < limit {
        let mut listed = vec![false; n];
        for &i in &chosen {
            listed[i] = true;
        }
        for &i in &order {
            if chosen.len() >= limit {
                break;
            }
            if !listed[i] {
                chosen.push(i);
            }
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::{Embedder, HashingEmbedder};

    fn corpus() -> Vec<Vec<f32>> {
        let mut texts = Vec::new();
        for topic in [
            "rust compiler",
            "football match",
            "stock market",
            "landscape photography",
            "senate vote",
        ] {
            for i in 0..6 {
                texts.push(format!(
                    "{topic} story {}",
                    ["alpha", "beta", "gamma", "delta", "omega", "sigma"][i]
                ));
            }
        }
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        HashingEmbedder::default().embed(&refs).unwrap()
    }

    #[test]
    fn cold_start_cards_cover_the_topics() {
        let vectors = corpus();
        let refs: Vec<&[f32]> = vectors.iter().map(Vec::as_slice).collect();
        let cards = cold_start_cards(&refs, 5, 3);
        assert_eq!(cards.len(), 5);
        let topics: std::collections::HashSet<usize> = cards.iter().map(|i| i / 6).collect();
        assert!(topics.len() >= 4, "cards {cards:?} cover topics {topics:?}");
    }

    #[test]
    fn cards_are_uncertain_and_never_near_duplicates() {
        let vectors = corpus();
        let refs: Vec<&[f32]> = vectors.iter().map(Vec::as_slice).collect();
        // Everything equally uncertain: diversity alone must spread the batch.
        let scores = vec![0.5; refs.len()];
        let coverage = vec![vectors[0].clone()];
        let cards = select_cards(&refs, &scores, &coverage, None, 5, 1);
        assert_eq!(cards.len(), 5);
        for (a, &i) in cards.iter().enumerate() {
            for &j in &cards[a + 1..] {
                assert!(dot(refs[i], refs[j]) < NEAR_DUPLICATE);
            }
        }
        // A certain article is not asked about while uncertain ones remain.
        let mut scores = vec![0.5; refs.len()];
        scores[12] = 0.99;
        let cards = select_cards(&refs, &scores, &coverage, None, 5, 1);
        assert!(!cards.contains(&12));
    }

    #[test]
    fn an_unlimited_listing_lists_every_candidate_once_near_duplicates_last() {
        // The corpus and a second copy of each of its stories: every story has a near
        // duplicate, which a batch of cards never holds but a full listing must.
        let mut vectors = corpus();
        vectors.extend(vectors.clone());
        let scores = vec![0.5; vectors.len()];
        let coverage = vec![vectors[0].clone()];
        let cards = select_cards(&vectors, &scores, &coverage, None, usize::MAX, 1);
        assert_eq!(cards.len(), vectors.len());
        let distinct: std::collections::HashSet<usize> = cards.iter().copied().collect();
        assert_eq!(distinct.len(), vectors.len());
        let stories: std::collections::HashSet<usize> = cards[..5].iter().map(|i| i % 30).collect();
        assert_eq!(
            stories.len(),
            5,
            "no story twice among the first cards: {cards:?}"
        );
    }
}
