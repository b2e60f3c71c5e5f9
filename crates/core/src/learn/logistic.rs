//! L2-regularised logistic regression on unit-length embeddings, solved with Nesterov's
//! accelerated gradient (with restarts). The problem is small (≤ a few thousand answers ×
//! 384 dimensions) and strongly convex, so a first-order method with a step from the data's
//! largest eigenvalue converges in a few hundred cheap passes and needs no linear algebra
//! crate.

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
/// the bias is not penalised). `warm` starts from earlier weights, which makes refits after
/// one more answer, or along a path of `C`s, much cheaper.
pub fn fit(xs: &[&[f32]], ys: &[bool], c: f32, warm: Option<&Logistic>) -> Logistic {
    assert_eq!(xs.len(), ys.len());
    let dim = xs.first().map_or(0, |x| x.len());
    let n = xs.len();
    let mut w = warm.map_or_else(|| vec![0.0; dim], |m| m.weights.clone());
    let mut b = warm.map_or_else(|| initial_bias(ys), |m| m.bias);
    if n == 0 {
        return Logistic {
            weights: w,
            bias: b,
        };
    }
    let targets: Vec<f32> = ys.iter().map(|&y| if y { 1.0 } else { 0.0 }).collect();

    // Smoothness constant of the objective: C/4 · λmax([X 1]ᵀ[X 1]) + 1 (the ridge term).
    let lipschitz = c / 4.0 * largest_eigenvalue(xs) * 1.05 + 1.0;
    let step = 1.0 / lipschitz;

    let mut y_w = w.clone();
    let mut y_b = b;
    let mut t = 1.0f32;
    let mut grad_w = vec![0.0f32; dim];
    let mut residuals = vec![0.0f32; n];
    let tolerance = 1e-4 * (1.0 + c * n as f32).sqrt();
    for _ in 0..MAX_ITERATIONS {
        // Gradient at the look-ahead point (y_w, y_b).
        for (r, (x, t)) in residuals.iter_mut().zip(xs.iter().zip(&targets)) {
            *r = c * (sigmoid(dot(&y_w, x) + y_b) - t);
        }
        grad_w.copy_from_slice(&y_w);
        for (x, r) in xs.iter().zip(&residuals) {
            axpy(*r, x, &mut grad_w);
        }
        let grad_b: f32 = residuals.iter().sum();
        let grad_norm = (dot(&grad_w, &grad_w) + grad_b * grad_b).sqrt();
        if grad_norm < tolerance {
            w = y_w;
            b = y_b;
            break;
        }

        let prev_w = std::mem::take(&mut w);
        let prev_b = b;
        w = y_w.iter().zip(&grad_w).map(|(v, g)| v - step * g).collect();
        b = y_b - step * grad_b;

        // Restart the momentum when it points uphill (O'Donoghue & Candès), which keeps
        // the method monotone enough on these ill-conditioned problems.
        let uphill: f32 = grad_w
            .iter()
            .zip(w.iter().zip(&prev_w))
            .map(|(g, (new, old))| g * (new - old))
            .sum::<f32>()
            + grad_b * (b - prev_b);
        let momentum = if uphill > 0.0 {
            t = 1.0;
            0.0
        } else {
            let t_next = (1.0 + (1.0 + 4.0 * t * t).sqrt()) / 2.0;
            let m = (t - 1.0) / t_next;
            t = t_next;
            m
        };
        y_w = w
            .iter()
            .zip(&prev_w)
            .map(|(new, old)| new + momentum * (new - old))
            .collect();
        y_b = b + momentum * (b - prev_b);
    }
    Logistic {
        weights: w,
        bias: b,
    }
}

const MAX_ITERATIONS: usize = 400;

/// Log-odds of the base rate: the best start for the bias when the weights are zero.
fn initial_bias(ys: &[bool]) -> f32 {
    let pos = ys.iter().filter(|&&y| y).count() as f32 + 0.5;
    let neg = ys.len() as f32 - pos + 1.0;
    (pos / neg).ln()
}

/// λmax of [X 1]ᵀ[X 1] by power iteration (a few steps suffice: it only sets a step size,
/// and the 5 % margin in the caller covers the remaining error).
fn largest_eigenvalue(xs: &[&[f32]]) -> f32 {
    let dim = xs[0].len();
    let mut v = vec![1.0f32 / ((dim + 1) as f32).sqrt(); dim + 1];
    let mut lambda = 0.0;
    for _ in 0..12 {
        let mut next = vec![0.0f32; dim + 1];
        for x in xs {
            let proj = dot(&v[..dim], x) + v[dim];
            axpy(proj, x, &mut next[..dim]);
            next[dim] += proj;
        }
        lambda = dot(&next, &next).sqrt();
        if lambda == 0.0 {
            return 1.0;
        }
        next.iter_mut().for_each(|e| *e /= lambda);
        v = next;
    }
    lambda
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
}
