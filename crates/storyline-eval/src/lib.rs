//! Evaluation metrics shared by storyline's `eval` commands.
//!
//! Each stage measures itself against public gold data with these functions, so that every
//! figure in the docs is computed one way: Pearson and Spearman correlation, precision / recall /
//! F1 from counts, and clustering scores (BCubed and pairwise).
//!
//! ```
//! use storyline_eval::{pearson, Counts};
//! assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.5]) - 1.0).abs() < 0.01);
//! assert_eq!(Counts { correct: 3, predicted: 4, gold: 6 }.f1(), 0.6);
//! ```

use std::collections::HashMap;
use std::hash::Hash;

use serde::Serialize;

/// Pearson's correlation coefficient; 0 when either side is constant or the lengths differ.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    if x.len() != y.len() || x.len() < 2 {
        return 0.0;
    }
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        0.0
    } else {
        sxy / (sxx.sqrt() * syy.sqrt())
    }
}

/// Spearman's rank correlation: Pearson over ranks, ties given their average rank.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    pearson(&ranks(x), &ranks(y))
}

fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let average = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = average;
        }
        i = j + 1;
    }
    ranks
}

/// Counts behind precision, recall and F1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub correct: usize,
    pub predicted: usize,
    pub gold: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        ratio(self.correct, self.predicted)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.correct, self.gold)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    pub fn add(&mut self, other: Counts) {
        self.correct += other.correct;
        self.predicted += other.predicted;
        self.gold += other.gold;
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Precision, recall and F1 of a clustering.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClusterScores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

fn scores(precision: f64, recall: f64) -> ClusterScores {
    let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
    ClusterScores { precision, recall, f1 }
}

/// BCubed precision and recall (Bagga & Baldwin 1998): per item, the share of its predicted
/// cluster that shares its gold cluster, and vice versa, averaged over items.
/// `gold[i]` and `predicted[i]` label item `i`.
pub fn bcubed<G: Eq + Hash, P: Eq + Hash>(gold: &[G], predicted: &[P]) -> ClusterScores {
    assert_eq!(gold.len(), predicted.len(), "one gold and one predicted label per item");
    if gold.is_empty() {
        return scores(0.0, 0.0);
    }
    let mut pair_counts: HashMap<(&G, &P), f64> = HashMap::new();
    let mut gold_sizes: HashMap<&G, f64> = HashMap::new();
    let mut predicted_sizes: HashMap<&P, f64> = HashMap::new();
    for (g, p) in gold.iter().zip(predicted) {
        *pair_counts.entry((g, p)).or_default() += 1.0;
        *gold_sizes.entry(g).or_default() += 1.0;
        *predicted_sizes.entry(p).or_default() += 1.0;
    }
    let n = gold.len() as f64;
    let (mut precision, mut recall) = (0.0, 0.0);
    for ((g, p), both) in &pair_counts {
        // Each of the `both` items contributes both/|P| to precision and both/|G| to recall.
        precision += both * both / predicted_sizes[p];
        recall += both * both / gold_sizes[g];
    }
    scores(precision / n, recall / n)
}

/// Pairwise precision and recall: over all item pairs put together by the prediction, the share
/// also together in gold, and vice versa.
pub fn pairwise<G: Eq + Hash, P: Eq + Hash>(gold: &[G], predicted: &[P]) -> ClusterScores {
    assert_eq!(gold.len(), predicted.len(), "one gold and one predicted label per item");
    let pairs = |n: f64| n * (n - 1.0) / 2.0;
    let mut pair_counts: HashMap<(&G, &P), f64> = HashMap::new();
    let mut gold_sizes: HashMap<&G, f64> = HashMap::new();
    let mut predicted_sizes: HashMap<&P, f64> = HashMap::new();
    for (g, p) in gold.iter().zip(predicted) {
        *pair_counts.entry((g, p)).or_default() += 1.0;
        *gold_sizes.entry(g).or_default() += 1.0;
        *predicted_sizes.entry(p).or_default() += 1.0;
    }
    let together_both: f64 = pair_counts.values().map(|&n| pairs(n)).sum();
    let together_predicted: f64 = predicted_sizes.values().map(|&n| pairs(n)).sum();
    let together_gold: f64 = gold_sizes.values().map(|&n| pairs(n)).sum();
    let safe = |a: f64, b: f64| if b == 0.0 { 1.0 } else { a / b };
    scores(safe(together_both, together_predicted), safe(together_both, together_gold))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correlations() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert!((pearson(&x, &[4.0, 3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        assert!((spearman(&x, &[1.0, 10.0, 100.0, 1000.0]) - 1.0).abs() < 1e-12);
        assert_eq!(ranks(&[3.0, 1.0, 3.0]), vec![2.5, 1.0, 2.5]);
        assert_eq!(pearson(&x, &[1.0, 1.0, 1.0, 1.0]), 0.0);
    }

    #[test]
    fn perfect_and_merged_clusterings() {
        let gold = ["a", "a", "b", "b"];
        let perfect = bcubed(&gold, &[1, 1, 2, 2]);
        assert_eq!((perfect.precision, perfect.recall), (1.0, 1.0));
        let merged = bcubed(&gold, &[1, 1, 1, 1]);
        assert_eq!((merged.precision, merged.recall), (0.5, 1.0));
        let split = pairwise(&gold, &[1, 2, 3, 4]);
        assert_eq!((split.precision, split.recall), (1.0, 0.0));
    }
}
