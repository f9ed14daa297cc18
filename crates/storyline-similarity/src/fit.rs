//! Fitting the linear weights (the event-join score): ridge regression, and k-fold
//! cross-validation to measure it honestly (every prediction comes from weights fitted without
//! that pair). The fold assignment is shared with the trees.

use crate::LINEAR_SIGNALS;

const N: usize = LINEAR_SIGNALS;

/// Ridge regression of `y` on `x` with an intercept that is not penalised: returns (bias, weights).
pub fn ridge(x: &[[f64; N]], y: &[f64], lambda: f64) -> (f64, [f64; N]) {
    let n = x.len().max(1) as f64;
    let mut mean_x = [0.0; N];
    for row in x {
        mean_x.iter_mut().zip(row).for_each(|(m, v)| *m += v / n);
    }
    let mean_y = y.iter().sum::<f64>() / n;
    // Normal equations on centred data: (XᵀX + λI) w = Xᵀy.
    let mut a = [[0.0; N]; N];
    let mut b = [0.0; N];
    for (row, &target) in x.iter().zip(y) {
        for i in 0..N {
            let xi = row[i] - mean_x[i];
            b[i] += xi * (target - mean_y);
            for j in 0..N {
                a[i][j] += xi * (row[j] - mean_x[j]);
            }
        }
    }
    for (i, row) in a.iter_mut().enumerate() {
        row[i] += lambda;
    }
    let w = solve(a, b);
    let bias = mean_y - w.iter().zip(&mean_x).map(|(w, m)| w * m).sum::<f64>();
    (bias, w)
}

/// Gaussian elimination with partial pivoting; a singular system yields zeros where undetermined.
fn solve(mut a: [[f64; N]; N], mut b: [f64; N]) -> [f64; N] {
    for col in 0..N {
        let pivot = (col..N).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs())).unwrap_or(col);
        a.swap(col, pivot);
        b.swap(col, pivot);
        if a[col][col].abs() < 1e-12 {
            continue;
        }
        for row in col + 1..N {
            let f = a[row][col] / a[col][col];
            for k in col..N {
                a[row][k] -= f * a[col][k];
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; N];
    for row in (0..N).rev() {
        if a[row][row].abs() < 1e-12 {
            continue;
        }
        let rest: f64 = (row + 1..N).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - rest) / a[row][row];
    }
    x
}

/// The fold of each of `n` items: a seeded shuffle dealt round-robin, so folds differ in size by
/// at most one and the split is the same on every run.
pub fn fold_assignment(n: usize, folds: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407) | 1;
    for i in (1..n).rev() {
        // xorshift64*: enough randomness for a shuffle, and no dependency.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let j = (state.wrapping_mul(2685821657736338717) % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    let mut fold = vec![0; n];
    for (rank, &item) in order.iter().enumerate() {
        fold[item] = rank % folds.max(1);
    }
    fold
}

/// Out-of-fold predictions: each item predicted by weights fitted on the other folds.
pub fn cross_validate(x: &[[f64; N]], y: &[f64], folds: usize, lambda: f64, seed: u64) -> Vec<f64> {
    let fold = fold_assignment(x.len(), folds, seed);
    let mut predictions = vec![0.0; x.len()];
    for f in 0..folds {
        let (train_x, train_y): (Vec<[f64; N]>, Vec<f64>) =
            x.iter().zip(y).zip(&fold).filter(|(_, &k)| k != f).map(|((r, &t), _)| (*r, t)).unzip();
        let (bias, w) = ridge(&train_x, &train_y, lambda);
        for (i, row) in x.iter().enumerate().filter(|(i, _)| fold[*i] == f) {
            predictions[i] = bias + w.iter().zip(row).map(|(w, v)| w * v).sum::<f64>();
        }
    }
    predictions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_linear_rule() {
        let x: Vec<[f64; N]> = (0..200)
            .map(|i| {
                let mut r = [0.0; N];
                for (k, v) in r.iter_mut().enumerate() {
                    *v = ((i * (k + 3) * 7919) % 101) as f64 / 100.0;
                }
                r
            })
            .collect();
        let y: Vec<f64> = x.iter().map(|r| 0.2 + 0.5 * r[0] - 0.3 * r[4]).collect();
        let (bias, w) = ridge(&x, &y, 1e-9);
        assert!((bias - 0.2).abs() < 1e-6 && (w[0] - 0.5).abs() < 1e-6 && (w[4] + 0.3).abs() < 1e-6);
        let predicted = cross_validate(&x, &y, 5, 1e-9, 7);
        assert!(predicted.iter().zip(&y).all(|(p, t)| (p - t).abs() < 1e-6));
    }

    #[test]
    fn folds_are_balanced_and_repeatable() {
        let folds = fold_assignment(103, 5, 42);
        assert_eq!(folds, fold_assignment(103, 5, 42));
        let counts: Vec<usize> = (0..5).map(|f| folds.iter().filter(|&&k| k == f).count()).collect();
        assert!(counts.iter().all(|&c| c == 20 || c == 21), "{counts:?}");
    }
}
