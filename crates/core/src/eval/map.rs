//! How well a map keeps neighbourhoods: the share of each article's 10 nearest neighbours
//! (cosine, in the embedding space) that are also among its 10 nearest on the map, for PCA
//! and for Sift's layout on the same articles; and how well articles placed into a kept
//! layout fare against laying everything out again.

use std::time::Instant;

use serde::Serialize;

use crate::learn::map::{
    exact_neighbours, layout, nearest_neighbours, neighbourhood_preservation, pca_2d, place,
    LayoutParams, LAYOUT_NEIGHBOURS,
};

#[derive(Debug, Clone, Serialize)]
pub struct MapEvalReport {
    pub articles: usize,
    /// Neighbours compared per article.
    pub k: usize,
    pub pca: f64,
    pub layout: f64,
    /// `layout / pca`.
    pub ratio: f64,
    pub pca_seconds: f64,
    /// The whole layout, neighbour search included.
    pub layout_seconds: f64,
    /// Recall of the layout's neighbour search (approximate above a few thousand articles)
    /// against the exact neighbours.
    pub neighbour_recall: f64,
    /// Laid out without `placed` of the articles, which were then placed into that layout:
    /// the preservation figure over all articles, and over the placed ones only.
    pub placed: usize,
    pub with_placed: f64,
    pub placed_only: f64,
    pub place_seconds: f64,
}

/// Evaluates PCA and the layout on `vectors` (unit length). `placed_share` of the articles
/// (e.g. 0.1) are held back for the placement figures.
pub fn evaluate_map(vectors: &[Vec<f32>], k: usize, placed_share: f64, seed: u64) -> MapEvalReport {
    let refs: Vec<&[f32]> = vectors.iter().map(Vec::as_slice).collect();
    let n = refs.len();
    let truth = exact_neighbours(&refs, k.max(LAYOUT_NEIGHBOURS));
    let truth_k: Vec<_> = truth.iter().map(|t| t[..k.min(t.len())].to_vec()).collect();

    let started = Instant::now();
    let pca = pca_2d(&refs, seed);
    let pca_seconds = started.elapsed().as_secs_f64();

    let params = LayoutParams {
        seed,
        ..LayoutParams::default()
    };
    let started = Instant::now();
    let xy = layout(&refs, &params);
    let layout_seconds = started.elapsed().as_secs_f64();

    let approx = nearest_neighbours(&refs, LAYOUT_NEIGHBOURS, seed);
    let found: usize = truth
        .iter()
        .zip(&approx)
        .map(|(t, a)| {
            t[..LAYOUT_NEIGHBOURS.min(t.len())]
                .iter()
                .filter(|x| a.iter().any(|y| y.0 == x.0))
                .count()
        })
        .sum();
    let neighbour_recall =
        found as f64 / (n * LAYOUT_NEIGHBOURS.min(n.saturating_sub(1))).max(1) as f64;

    // Every `step`-th article is new: lay out the others, then place these.
    let step = (1.0 / placed_share.clamp(0.01, 0.5)).round() as usize;
    let (new_ids, old_ids): (Vec<usize>, Vec<usize>) = (0..n).partition(|i| i % step == 0);
    let old: Vec<&[f32]> = old_ids.iter().map(|&i| refs[i]).collect();
    let new: Vec<&[f32]> = new_ids.iter().map(|&i| refs[i]).collect();
    let old_xy = layout(&old, &params);
    let started = Instant::now();
    let new_xy = place(&new, &old, &old_xy, seed);
    let place_seconds = started.elapsed().as_secs_f64();
    let mut combined = vec![[0.0f32; 2]; n];
    for (&i, p) in old_ids.iter().zip(&old_xy) {
        combined[i] = *p;
    }
    for (&i, p) in new_ids.iter().zip(&new_xy) {
        combined[i] = *p;
    }
    let with_placed = neighbourhood_preservation(&truth_k, &combined, k);
    let placed_only = {
        // The same measure restricted to the placed articles: their neighbours among all.
        let truth_new: Vec<_> = new_ids.iter().map(|&i| truth_k[i].clone()).collect();
        let mut hits = 0usize;
        let mut asked = 0usize;
        for (q, &i) in new_ids.iter().enumerate() {
            let p = combined[i];
            let mut near: Vec<(f32, usize)> = combined
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(j, o)| ((o[0] - p[0]).powi(2) + (o[1] - p[1]).powi(2), j))
                .collect();
            let nth = k.min(near.len() - 1);
            near.select_nth_unstable_by(nth, |a, b| a.0.total_cmp(&b.0));
            near.truncate(k);
            asked += truth_new[q].len();
            hits += truth_new[q]
                .iter()
                .filter(|(j, _)| near.iter().any(|(_, m)| *m == *j as usize))
                .count();
        }
        hits as f64 / asked.max(1) as f64
    };

    let pca_score = neighbourhood_preservation(&truth_k, &pca, k);
    let layout_score = neighbourhood_preservation(&truth_k, &xy, k);
    MapEvalReport {
        articles: n,
        k,
        pca: pca_score,
        layout: layout_score,
        ratio: layout_score / pca_score.max(1e-12),
        pca_seconds,
        layout_seconds,
        neighbour_recall,
        placed: new_ids.len(),
        with_placed,
        placed_only,
        place_seconds,
    }
}
