//! L2-regularised logistic regression on unit-length embeddings, solved with L-BFGS. The
//! problem is small (≤ a few thousand answers × ~400 features) and strongly convex; L-BFGS
//! needs tens of passes over the data where plain or accelerated gradient descent needed
//! hundreds at the weak regularisation that calibrates well, and no linear algebra crate.

use super::linalg::{axpy, dot, sigmoid};

#[derive(Debug, Clone, PartialEq)]
pub struct Logistic {
    pub weights: Vec<f32>,
    pub bias: f32,
}

impl Logistic {
    pub fn probability(&self, x: &[f32]) -> f32 {
        sigmoid(dot(&self.weights, x) + self.bias)
    }
}

/// Minimises `C · Σ logloss(y_i, w·x_i + b) + ½‖w‖²` (scikit-learn's convention for `C`;
/// the bias is not penalised) with L-BFGS. `warm` starts from earlier weights, which makes
/// refits after one more answer, or along a path of `C`s, cheaper.
pub fn fit(xs: &[&[f32]], ys: &[bool], c: f32, warm: Option<&Logistic>) -> Logistic {
    assert_eq!(xs.len(), ys.len());
    let dim = xs.first().map_or(0, |x| x.len());
    // Parameters: weights then the bias, as one vector.
    let mut theta: Vec<f32> = match warm {
        Some(m) if m.weights.len() == dim => m.weights.iter().copied().chain([m.bias]).collect(),
        _ => std::iter::repeat_n(0.0, dim)
            .chain([initial_bias(ys)])
            .collect(),
    };
    if xs.is_empty() {
        return split(theta);
    }
    let targets: Vec<f32> = ys.iter().map(|&y| if y { 1.0 } else { 0.0 }).collect();
    // The loss is summed in f64: near the optimum a step improves it by less than f32's
    // rounding of a sum of thousands of terms, and the line search then took 300 iterations
    // of up to 30 halvings each (0.8 s at 1,150 answers) instead of stopping.
    let objective = |theta: &[f32], grad: &mut [f32]| -> f64 {
        let (w, b) = theta.split_at(dim);
        let b = b[0];
        grad[..dim].copy_from_slice(w);
        grad[dim] = 0.0;
        let mut loss = 0.5 * f64::from(dot(w, w));
        for (x, &t) in xs.iter().zip(&targets) {
            let z = dot(w, x) + b;
            // log(1 + e^z) − t·z, computed without overflow.
            loss += f64::from(c * (z.max(0.0) + (-z.abs()).exp().ln_1p() - t * z));
            let r = c * (sigmoid(z) - t);
            axpy(r, x, &mut grad[..dim]);
            grad[dim] += r;
        }
        loss
    };

    let tolerance = GRADIENT_TOLERANCE * (1.0 + c * xs.len() as f32).sqrt();
    let mut grad = vec![0.0f32; dim + 1];
    let mut value = objective(&theta, &mut grad);
    // Curvature pairs (s, y, 1 / yᵀs), newest last.
    let mut history: std::collections::VecDeque<(Vec<f32>, Vec<f32>, f32)> = Default::default();
    let mut next_grad = vec![0.0f32; dim + 1];
    let mut stalls = 0;
    for _ in 0..MAX_ITERATIONS {
        if dot(&grad, &grad).sqrt() < tolerance {
            break;
        }
        let direction = two_loop(&grad, &history);
        let slope = dot(&direction, &grad);
        let (direction, slope) = if slope < 0.0 {
            (direction, slope)
        } else {
            // Not a descent direction (numerical trouble): fall back to steepest descent.
            history.clear();
            let d: Vec<f32> = grad.iter().map(|g| -g).collect();
            let s = -dot(&grad, &grad);
            (d, s)
        };
        // The first step has no curvature estimate: keep it short.
        let mut step = if history.is_empty() {
            (1.0 / dot(&grad, &grad).sqrt()).min(1.0)
        } else {
            1.0
        };
        let mut candidate = vec![0.0f32; dim + 1];
        let mut accepted = false;
        for _ in 0..30 {
            for ((c, t), d) in candidate.iter_mut().zip(&theta).zip(&direction) {
                *c = t + step * d;
            }
            let new_value = objective(&candidate, &mut next_grad);
            if new_value <= value + 1e-4 * f64::from(step * slope) {
                if value - new_value < STALL_RELATIVE * value.abs().max(1.0) {
                    stalls += 1;
                } else {
                    stalls = 0;
                }
                let s: Vec<f32> = candidate.iter().zip(&theta).map(|(a, b)| a - b).collect();
                let y: Vec<f32> = next_grad.iter().zip(&grad).map(|(a, b)| a - b).collect();
                let ys = dot(&y, &s);
                if ys > 1e-10 {
                    if history.len() == MEMORY {
                        history.pop_front();
                    }
                    history.push_back((s, y, 1.0 / ys));
                }
                theta.copy_from_slice(&candidate);
                grad.copy_from_slice(&next_grad);
                value = new_value;
                accepted = true;
                break;
            }
            step *= 0.5;
        }
        if !accepted {
            break; // no progress possible at f32 precision: as good as it gets
        }
        if stalls >= STALLS {
            break;
        }
    }
    split(theta)
}

const MAX_ITERATIONS: usize = 300;
/// L-BFGS memory: ten curvature pairs is the usual sweet spot.
const MEMORY: usize = 10;
const GRADIENT_TOLERANCE: f32 = 1e-3;
/// An iteration that lowers the objective by less than this fraction of it makes no
/// difference a reader could see (weights move by hundredths along the flattest direction);
/// after [`STALLS`] in a row the fit stops. Near the optimum of a large, weakly regularised
/// problem the f32 gradient's rounding keeps the gradient norm just above the tolerance, and
/// L-BFGS then crawled through all its iterations.
const STALL_RELATIVE: f64 = 1e-7;
const STALLS: usize = 3;

fn split(mut theta: Vec<f32>) -> Logistic {
    let bias = theta.pop().unwrap_or(0.0);
    Logistic {
        weights: theta,
        bias,
    }
}

/// L-BFGS two-loop recursion: an approximation of −H⁻¹·grad from the curvature pairs.
fn two_loop(
    grad: &[f32],
    history: &std::collections::VecDeque<(Vec<f32>, Vec<f32>, f32)>,
) -> Vec<f32> {
    let mut q = grad.to_vec();
    let mut alphas = Vec::with_capacity(history.len());
    for (s, y, rho) in history.iter().rev() {
        let alpha = rho * dot(s, &q);
        axpy(-alpha, y, &mut q);
        alphas.push(alpha);
    }
    if let Some((s, y, _)) = history.back() {
        let gamma = dot(s, y) / dot(y, y);
        q.iter_mut().for_each(|v| *v *= gamma);
    }
    for ((s, y, rho), alpha) in history.iter().zip(alphas.into_iter().rev()) {
        let beta = rho * dot(y, &q);
        axpy(alpha - beta, s, &mut q);
    }
    q.iter_mut().for_each(|v| *v = -*v);
    q
}

/// Log-odds of the base rate: the best start for the bias when the weights are zero.
fn initial_bias(ys: &[bool]) -> f32 {
    let pos = ys.iter().filter(|&&y| y).count() as f32 + 0.5;
    let neg = ys.len() as f32 - pos + 1.0;
    (pos / neg).ln()
}

/// Mean log-loss of held-out folds for one `C` (stratified, deterministic folds).
pub fn cross_validated_log_loss(xs: &[&[f32]], ys: &[bool], c: f32, folds: usize) -> f32 {
    let mut positives = 0usize;
    let mut negatives = 0usize;
    // Deal each class round-robin over the folds, so every fold sees both classes.
    let fold_of: Vec<usize> = ys
        .iter()
        .map(|&y| {
            let counter = if y { &mut positives } else { &mut negatives };
            *counter += 1;
            (*counter - 1) % folds
        })
        .collect();
    let mut loss = 0.0;
    for fold in 0..folds {
        let (train_x, train_y): (Vec<&[f32]>, Vec<bool>) = xs
            .iter()
            .zip(ys)
            .zip(&fold_of)
            .filter(|(_, &f)| f != fold)
            .map(|((x, y), _)| (*x, *y))
            .unzip();
        let model = fit(&train_x, &train_y, c, None);
        for ((x, &y), _) in xs.iter().zip(ys).zip(&fold_of).filter(|(_, &f)| f == fold) {
            let p = model.probability(x).clamp(1e-4, 1.0 - 1e-4);
            loss -= if y { p.ln() } else { (1.0 - p).ln() };
        }
    }
    loss / xs.len() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_two_directions_and_stays_a_probability() {
        let a = [1.0f32, 0.0, 0.0];
        let b = [0.0f32, 1.0, 0.0];
        let xs: Vec<&[f32]> = vec![&a, &a, &b, &b];
        let ys = [true, true, false, false];
        let weak = fit(&xs, &ys, 100.0, None);
        let strong = fit(&xs, &ys, 0.01, None);
        assert!(weak.probability(&a) > 0.9);
        assert!(weak.probability(&b) < 0.1);
        // Heavy regularisation pulls every probability towards the base rate.
        assert!((strong.probability(&a) - 0.5).abs() < 0.1);
        let warm = fit(&xs, &ys, 100.0, Some(&weak));
        assert!((warm.probability(&a) - weak.probability(&a)).abs() < 0.02);
        assert!(cross_validated_log_loss(&xs, &ys, 10.0, 2).is_finite());
    }

    /// Deterministic points around two directions in 24 dimensions, some mislabelled, so
    /// the optimum is interior (not infinitely large weights).
    fn noisy_problem(n: usize) -> (Vec<Vec<f32>>, Vec<bool>) {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 2001) as f32 / 1000.0 - 1.0
        };
        (0..n)
            .map(|i| {
                let y = i % 2 == 0;
                let mut x: Vec<f32> = (0..24).map(|_| 0.3 * next()).collect();
                x[if y { 0 } else { 1 }] += 1.0;
                let norm = x.iter().map(|v| v * v).sum::<f32>().sqrt();
                x.iter_mut().for_each(|v| *v /= norm);
                // Every seventh label is wrong.
                (x, y != (i % 7 == 3))
            })
            .unzip()
    }

    #[test]
    fn a_warm_started_refit_after_one_more_answer_matches_a_cold_fit() {
        let (xs, ys) = noisy_problem(301);
        let refs: Vec<&[f32]> = xs.iter().map(Vec::as_slice).collect();
        for c in [1.0, 100.0] {
            let before = fit(&refs[..300], &ys[..300], c, None);
            let cold = fit(&refs, &ys, c, None);
            let warm = fit(&refs, &ys, c, Some(&before));
            for x in &refs {
                let (p_cold, p_warm) = (cold.probability(x), warm.probability(x));
                assert!(
                    (p_cold - p_warm).abs() < 0.01,
                    "C={c}: {p_cold} vs {p_warm}"
                );
            }
            // The refit moved: the new answer counts.
            assert_ne!(warm, before);
        }
        // Weights of another length are no start: the fit starts cold.
        let other = Logistic {
            weights: vec![5.0; 3],
            bias: 1.0,
        };
        assert_eq!(
            fit(&refs, &ys, 10.0, Some(&other)),
            fit(&refs, &ys, 10.0, None)
        );
    }

    #[test]
    fn a_large_weakly_regularised_fit_reaches_the_optimum() {
        // Where f32 rounding used to keep L-BFGS crawling: C = 300 on 1,200 answers. The
        // fit stops at a point whose log-loss is as good as a much longer run's.
        let (xs, ys) = noisy_problem(1200);
        let refs: Vec<&[f32]> = xs.iter().map(Vec::as_slice).collect();
        let c = 300.0;
        let model = fit(&refs, &ys, c, None);
        let refined = fit(&refs, &ys, c, Some(&model));
        let objective = |m: &Logistic| {
            let mut v = 0.5 * dot(&m.weights, &m.weights) as f64;
            for (x, &y) in refs.iter().zip(&ys) {
                let p = m.probability(x).clamp(1e-7, 1.0 - 1e-7) as f64;
                v -= c as f64 * if y { p.ln() } else { (1.0 - p).ln() };
            }
            v
        };
        let (first, second) = (objective(&model), objective(&refined));
        assert!(
            first - second < 1e-4 * first,
            "{first} then {second}: the first fit stopped short"
        );
    }
}
