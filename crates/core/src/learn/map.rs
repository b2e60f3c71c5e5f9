//! The 2-D map: articles projected on the first two principal components of their
//! embeddings (power iteration on the centred data, never forming the 384×384 covariance).

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256Plus;

use super::linalg::{axpy, dot};

/// `(x, y)` per vector, in order. Deterministic for a given `seed`.
pub fn project_2d(vectors: &[&[f32]], seed: u64) -> Vec<(f32, f32)> {
    let n = vectors.len();
    if n == 0 {
        return Vec::new();
    }
    let dim = vectors[0].len();
    let mut mean = vec![0.0f32; dim];
    for v in vectors {
        axpy(1.0 / n as f32, v, &mut mean);
    }
    let centred: Vec<Vec<f32>> = vectors
        .iter()
        .map(|v| v.iter().zip(&mean).map(|(a, m)| a - m).collect())
        .collect();
    let mut rng = Xoshiro256Plus::seed_from_u64(seed);
    let first = principal_component(&centred, &[], &mut rng);
    let second = principal_component(&centred, std::slice::from_ref(&first), &mut rng);
    centred
        .iter()
        .map(|c| (dot(c, &first), dot(c, &second)))
        .collect()
}

/// The leading eigenvector of XᵀX orthogonal to `previous`.
fn principal_component(rows: &[Vec<f32>], previous: &[Vec<f32>], rng: &mut impl Rng) -> Vec<f32> {
    let dim = rows[0].len();
    let mut v: Vec<f32> = (0..dim).map(|_| rng.gen_range(-1.0..1.0)).collect();
    for _ in 0..60 {
        for p in previous {
            let along = dot(&v, p);
            axpy(-along, p, &mut v);
        }
        let mut next = vec![0.0f32; dim];
        for r in rows {
            axpy(dot(r, &v), r, &mut next);
        }
        let norm = dot(&next, &next).sqrt();
        if norm < 1e-12 {
            break; // no variance left in this direction
        }
        next.iter_mut().for_each(|x| *x /= norm);
        v = next;
    }
    for p in previous {
        let along = dot(&v, p);
        axpy(-along, p, &mut v);
    }
    let norm = dot(&v, &v).sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_axis_follows_the_largest_spread() {
        // Points spread widely along dimension 0 and a little along dimension 1.
        let pts: Vec<Vec<f32>> = (0..20)
            .map(|i| vec![i as f32 - 10.0, if i % 2 == 0 { 0.5 } else { -0.5 }, 0.0])
            .collect();
        let refs: Vec<&[f32]> = pts.iter().map(Vec::as_slice).collect();
        let xy = project_2d(&refs, 1);
        assert_eq!(xy.len(), 20);
        let spread_x = xy.iter().map(|p| p.0.abs()).fold(0.0f32, f32::max);
        let spread_y = xy.iter().map(|p| p.1.abs()).fold(0.0f32, f32::max);
        assert!(spread_x > 9.0 && spread_y < 0.6, "{spread_x} {spread_y}");
        assert_eq!(project_2d(&refs, 1), xy, "deterministic");
    }
}
