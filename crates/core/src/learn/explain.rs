//! Why an article is recommended: the nearest liked article and its interest cluster.

use super::clusters::InterestCluster;
use super::linalg::dot;

/// "because you liked “…” (cluster label)", or a plainer reason when nothing is liked yet.
pub fn reason(x: &[f32], liked: &[(&str, &[f32])], clusters: &[InterestCluster]) -> String {
    let nearest = liked
        .iter()
        .map(|(title, v)| (*title, dot(x, v)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    match nearest {
        Some((title, _)) => {
            let cluster = clusters
                .iter()
                .max_by(|a, b| dot(&a.centroid, x).total_cmp(&dot(&b.centroid, x)));
            match cluster {
                Some(c) => format!("because you liked “{title}” ({})", c.label),
                None => format!("because you liked “{title}”"),
            }
        }
        None => "nothing liked yet: rate a few cards".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::{Embedder, HashingEmbedder};

    #[test]
    fn names_the_nearest_liked_article() {
        let e = HashingEmbedder::default();
        let v = e
            .embed(&[
                "rust compiler",
                "landscape photography",
                "photography of landscape at dusk",
            ])
            .unwrap();
        let liked = [
            ("Rust compiler", v[0].as_slice()),
            ("Landscape photography", v[1].as_slice()),
        ];
        let text = reason(&v[2], &liked, &[]);
        assert!(text.contains("Landscape photography"), "{text}");
        assert!(reason(&v[2], &[], &[]).contains("nothing liked"));
    }
}
