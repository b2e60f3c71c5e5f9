//! Ranking and calibration metrics over (score, liked) pairs.

/// Area under the ROC curve (Mann–Whitney U with average ranks for ties). 0.5 when one
/// class is missing.
pub fn auc(scores: &[f32], labels: &[bool]) -> f64 {
    let positives = labels.iter().filter(|&&l| l).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return 0.5;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank_sum_pos = 0.0f64;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            if labels[k] {
                rank_sum_pos += avg_rank;
            }
        }
        i = j + 1;
    }
    let p = positives as f64;
    (rank_sum_pos - p * (p + 1.0) / 2.0) / (p * negatives as f64)
}

/// Share of liked articles among the `k` best scored (ties keep corpus order).
pub fn precision_at_k(scores: &[f32], labels: &[bool], k: usize) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let k = k.min(order.len()).max(1);
    order[..k].iter().filter(|&&i| labels[i]).count() as f64 / k as f64
}

/// Mean squared error of the probabilities (scores are clamped into [0, 1] first).
pub fn brier(scores: &[f32], labels: &[bool]) -> f64 {
    scores
        .iter()
        .zip(labels)
        .map(|(&s, &l)| {
            let p = f64::from(s.clamp(0.0, 1.0));
            let y = if l { 1.0 } else { 0.0 };
            (p - y) * (p - y)
        })
        .sum::<f64>()
        / scores.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_on_known_cases() {
        let labels = [true, true, false, false];
        assert_eq!(auc(&[0.9, 0.8, 0.2, 0.1], &labels), 1.0);
        assert_eq!(auc(&[0.1, 0.2, 0.8, 0.9], &labels), 0.0);
        assert_eq!(auc(&[0.5; 4], &labels), 0.5);
        assert_eq!(precision_at_k(&[0.9, 0.1, 0.8, 0.2], &labels, 2), 0.5);
        assert!((brier(&[1.0, 1.0, 0.0, 0.0], &labels)).abs() < 1e-12);
        assert!((brier(&[0.5; 4], &labels) - 0.25).abs() < 1e-12);
    }
}
