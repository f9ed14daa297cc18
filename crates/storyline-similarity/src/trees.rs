//! The fitted combinations of the signals: gradient-boosted trees over the similarity signals and
//! the pair's languages — regression trees for the article similarity (STS22's scale), and a
//! classifier of "same happening" for the event join ([`Objective`]).
//!
//! Every similarity signal is constrained to be monotone increasing, so more agreement never
//! lowers the score, and identical articles score at least as high as any other pair in the same
//! languages; trees stay flat beyond the range they were fitted on, where polynomial terms would
//! bend. The languages are unconstrained: they say what a cosine means (cosines run higher
//! between some languages than others), not whether the articles agree. A score explains itself
//! by exact Shapley values of its inputs, which add up to the score minus the base.
//!
//! Written here rather than taken from a crate: `forust-ml` 0.8 (and `perpetual`, which grew out
//! of it) clamp leaf values to the monotone bounds only below splits on constrained features, so
//! a split on an unconstrained one (a language) under a constrained split can break monotonicity
//! — the property this model exists for. The method is XGBoost's: every node's value is clamped
//! to bounds that a constrained split halves at the mean of its children's values.

use serde::{Deserialize, Serialize};

use crate::fit::fold_assignment;
use crate::{Signals, SIGNALS};

/// The languages of the STS22 pairs, the only ones the trees have seen. An article in another
/// language (or of unknown language) counts in none of them.
pub const LANGUAGES: [&str; 10] = ["ar", "de", "en", "es", "fr", "it", "pl", "ru", "tr", "zh"];

/// The names of the model's inputs, in order: the signals, then per language how many of the
/// two articles are in it (0, 1 or 2).
pub fn feature_names() -> Vec<String> {
    let signals = SIGNALS.iter().map(|s| s.to_string());
    signals.chain(LANGUAGES.iter().map(|l| format!("lang_{l}"))).collect()
}

/// What explanations attribute a score to: each signal, then `languages` as one input.
pub fn groups() -> Vec<&'static str> {
    SIGNALS.iter().copied().chain(["languages"]).collect()
}

/// The group (index into [`groups`]) of each input.
fn group_of(feature: usize) -> usize {
    feature.min(SIGNALS.len())
}

/// The model's inputs for one pair.
pub fn features(signals: &Signals) -> Vec<f64> {
    let mut out = signals.values.to_vec();
    for language in LANGUAGES {
        out.push(signals.languages.iter().filter(|l| l.as_deref() == Some(language)).count() as f64);
    }
    out
}

/// The boosting hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TreeParams {
    pub iterations: usize,
    pub learning_rate: f64,
    pub max_depth: usize,
    /// Fewest training pairs in a leaf.
    pub min_leaf: usize,
    /// L2 penalty on leaf values (pairs' worth of shrinkage towards 0).
    pub l2: f64,
}

/// Chosen from a 27-point grid (`storyline eval sts --grid`: learning rate 0.03/0.05/0.1 with
/// learning rate × trees = 15, depth 2/3/4, fewest pairs in a leaf 10/20/40) by 5-fold CV on the
/// STS22 training pairs (first explored outside storyline, with the same grid). The grid's points
/// lie within 0.007 of each other, so the choice matters little.
pub const PARAMS: TreeParams = TreeParams { iterations: 300, learning_rate: 0.05, max_depth: 3, min_leaf: 40, l2: 1.0 };

/// What the trees are fitted to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Objective {
    /// Squared loss on a score in [0, 1]; the trees' sum is the score.
    #[default]
    Regression,
    /// Logistic loss on 0/1 labels; the trees' sum is the log-odds, the score its probability.
    Classification,
}

impl Objective {
    /// The score of the trees' sum.
    pub fn link(self, raw: f64) -> f64 {
        match self {
            Objective::Regression => raw,
            Objective::Classification => 1.0 / (1.0 + (-raw).exp()),
        }
    }
}

/// Candidate split points per input: quantiles, as histogram-based boosting does.
const MAX_CUTS: usize = 128;

/// One node of a regression tree. `cover` is the number of training pairs that reached it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum Node {
    /// Pairs with `input < below` go left, the others right.
    Split {
        input: usize,
        below: f64,
        left: usize,
        right: usize,
        cover: f64,
    },
    Leaf {
        value: f64,
        cover: f64,
    },
}

impl Node {
    fn cover(&self) -> f64 {
        match *self {
            Node::Split { cover, .. } | Node::Leaf { cover, .. } => cover,
        }
    }
}

/// A regression tree, its root first; leaf values already include the learning rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Tree(Vec<Node>);

impl Tree {
    fn predict(&self, x: &[f64]) -> f64 {
        let mut at = 0;
        loop {
            match self.0[at] {
                Node::Leaf { value, .. } => return value,
                Node::Split { input, below, left, right, .. } => at = if x[input] < below { left } else { right },
            }
        }
    }

    /// The expected prediction when only the groups in `known` (a bit set) are known: known
    /// inputs are followed, unknown ones average both branches by their training cover (the
    /// path-dependent conditional expectation of TreeSHAP).
    fn expected(&self, x: &[f64], known: u32, at: usize) -> f64 {
        match self.0[at] {
            Node::Leaf { value, .. } => value,
            Node::Split { input, below, left, right, cover } => {
                if known & (1 << group_of(input)) != 0 {
                    self.expected(x, known, if x[input] < below { left } else { right })
                } else {
                    let (l, r) = (self.0[left].cover(), self.0[right].cover());
                    (l * self.expected(x, known, left) + r * self.expected(x, known, right)) / cover.max(l + r)
                }
            }
        }
    }

    /// Exact Shapley values of the groups for this tree, added to `out`. Only the groups the tree
    /// splits on can matter (the others are dummies with value 0), so the subsets enumerated are
    /// those of at most 2^depth − 1 groups.
    fn add_shapley(&self, x: &[f64], out: &mut [f64]) {
        let mut used: Vec<usize> = Vec::new();
        for node in &self.0 {
            if let Node::Split { input, .. } = node {
                if !used.contains(&group_of(*input)) {
                    used.push(group_of(*input));
                }
            }
        }
        let k = used.len();
        if k == 0 {
            return;
        }
        let value: Vec<f64> = (0u32..1 << k)
            .map(|subset| {
                let known = (0..k).filter(|b| subset & (1 << b) != 0).fold(0u32, |m, b| m | 1 << used[b]);
                self.expected(x, known, 0)
            })
            .collect();
        // Weight of a subset of size s that leaves one player out: s! (k − s − 1)! / k!.
        let factorial = |n: usize| (1..=n).map(|i| i as f64).product::<f64>();
        let weight: Vec<f64> = (0..k).map(|s| factorial(s) * factorial(k - s - 1) / factorial(k)).collect();
        for (player, &group) in used.iter().enumerate() {
            let bit = 1u32 << player;
            let phi: f64 = (0u32..1 << k)
                .filter(|subset| subset & bit == 0)
                .map(|subset| {
                    weight[subset.count_ones() as usize] * (value[(subset | bit) as usize] - value[subset as usize])
                })
                .sum();
            out[group] += phi;
        }
    }
}

/// A fitted tree model for one embedding model's signals, with how it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeModel {
    /// The embedding model whose signals it was fitted on.
    pub model: String,
    /// The input names ([`feature_names`] when it was fitted).
    pub features: Vec<String>,
    pub params: TreeParams,
    /// Regression (the similarity trees) or classification (the event join); regression when the
    /// file does not say.
    #[serde(default)]
    pub objective: Objective,
    /// Penalty for articles far apart in time: a prior on top of the trees (STS22 has no dates).
    pub time_penalty: f64,
    /// The data, the hyper-parameters and the cross-validated Pearson.
    pub provenance: String,
    /// The prediction before any tree: the training targets' mean (its log-odds for a classifier).
    base: f64,
    trees: Vec<Tree>,
}

impl TreeModel {
    /// Fits on `rows` ([`features`] of each pair) against `targets`, every signal monotone
    /// increasing.
    pub fn fit(model: &str, rows: &[Vec<f64>], targets: &[f64], params: TreeParams) -> TreeModel {
        Self::fit_for(model, rows, targets, params, Objective::Regression)
    }

    /// Fits for `objective` (for classification, `targets` are 0 or 1).
    pub fn fit_for(
        model: &str,
        rows: &[Vec<f64>],
        targets: &[f64],
        params: TreeParams,
        objective: Objective,
    ) -> TreeModel {
        let (base, trees) = boost(rows, targets, params, objective);
        TreeModel {
            model: model.to_string(),
            features: feature_names(),
            params,
            objective,
            time_penalty: crate::DEFAULT_TIME_PENALTY,
            provenance: String::new(),
            base,
            trees,
        }
    }

    /// Whether this model was fitted on the inputs this build computes.
    pub fn matches_features(&self) -> bool {
        self.features == feature_names()
    }

    /// The trees' sum for one pair: the predicted similarity (regression) or log-odds
    /// (classification), before the time penalty and clamping.
    pub fn predict(&self, features: &[f64]) -> f64 {
        self.base + self.trees.iter().map(|t| t.predict(features)).sum::<f64>()
    }

    /// The score of one pair before the time penalty: [`TreeModel::predict`] through the
    /// objective's link (a probability for a classifier).
    pub fn score(&self, features: &[f64]) -> f64 {
        self.objective.link(self.predict(features))
    }

    /// Each of [`groups`]' Shapley value and the base value (the mean prediction over the
    /// training pairs, as the trees saw them); together they add up to [`TreeModel::predict`]
    /// (in log-odds for a classifier).
    pub fn contributions(&self, features: &[f64]) -> (Vec<f64>, f64) {
        let mut out = vec![0.0; groups().len()];
        let mut base = self.base;
        for tree in &self.trees {
            tree.add_shapley(features, &mut out);
            base += tree.expected(features, 0, 0);
        }
        (out, base)
    }

    pub fn trees(&self) -> usize {
        self.trees.len()
    }
}

/// Gradient boosting (Newton steps): each tree fits the loss's gradients, its leaves weighted by
/// the Hessians — the residuals and 1 for squared loss, `y − p` and `p (1 − p)` for logistic loss.
fn boost(rows: &[Vec<f64>], targets: &[f64], params: TreeParams, objective: Objective) -> (f64, Vec<Tree>) {
    let mean = targets.iter().sum::<f64>() / targets.len().max(1) as f64;
    let base = match objective {
        Objective::Regression => mean,
        Objective::Classification => {
            let p = mean.clamp(1e-6, 1.0 - 1e-6);
            (p / (1.0 - p)).ln()
        }
    };
    let Some(width) = rows.first().map(Vec::len) else { return (base, Vec::new()) };
    let cuts: Vec<Vec<f64>> = (0..width).map(|f| cut_points(rows.iter().map(|r| r[f]))).collect();
    // Each value's bin: the number of cuts at or below it, so `x < cuts[k]` ⇔ `bin < k + 1`.
    let bins: Vec<Vec<u8>> = rows
        .iter()
        .map(|r| r.iter().zip(&cuts).map(|(&x, c)| c.partition_point(|&v| v <= x) as u8).collect())
        .collect();
    let grower = Grower { bins: &bins, cuts: &cuts, params };
    let mut predicted = vec![base; rows.len()];
    let mut trees = Vec::with_capacity(params.iterations);
    for _ in 0..params.iterations {
        let (gradients, hessians): (Vec<f64>, Vec<f64>) = targets
            .iter()
            .zip(&predicted)
            .map(|(&t, &raw)| match objective {
                Objective::Regression => (t - raw, 1.0),
                Objective::Classification => {
                    let p = objective.link(raw);
                    (t - p, (p * (1.0 - p)).max(1e-9))
                }
            })
            .unzip();
        let mut nodes = Vec::new();
        let all: Vec<usize> = (0..rows.len()).collect();
        grower.grow(&gradients, &hessians, all, 0, (f64::NEG_INFINITY, f64::INFINITY), &mut nodes);
        let tree = Tree(nodes);
        predicted.iter_mut().zip(rows).for_each(|(p, r)| *p += tree.predict(r));
        trees.push(tree);
    }
    (base, trees)
}

/// Split candidates of one input: midpoints between its distinct values, or quantiles of them
/// when there are more than [`MAX_CUTS`].
fn cut_points(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut distinct: Vec<f64> = values.collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if distinct.len() <= MAX_CUTS + 1 {
        return distinct.windows(2).map(|w| (w[0] + w[1]) / 2.0).collect();
    }
    let mut cuts: Vec<f64> = (1..=MAX_CUTS).map(|i| distinct[i * (distinct.len() - 1) / MAX_CUTS]).collect();
    cuts.dedup();
    cuts
}

struct Grower<'a> {
    bins: &'a [Vec<u8>],
    cuts: &'a [Vec<f64>],
    params: TreeParams,
}

impl Grower<'_> {
    /// Grows the subtree of `rows` within the value bounds `(lower, upper)` and returns its index.
    /// `gradients` are the negative gradients of the loss (the residuals for squared loss).
    fn grow(
        &self,
        gradients: &[f64],
        hessians: &[f64],
        rows: Vec<usize>,
        depth: usize,
        bounds: (f64, f64),
        nodes: &mut Vec<Node>,
    ) -> usize {
        let (lower, upper) = bounds;
        let lambda = self.params.l2;
        let weight = |sum: f64, h: f64| (sum / (h + lambda)).clamp(lower, upper);
        // The loss reduction (second order) of giving pairs whose gradients sum to `sum` and
        // Hessians to `h` the value `w`.
        let gain = |sum: f64, h: f64, w: f64| 2.0 * sum * w - (h + lambda) * w * w;
        let sum = rows.iter().map(|&i| gradients[i]).sum::<f64>();
        let (h, n) = (rows.iter().map(|&i| hessians[i]).sum::<f64>(), rows.len() as f64);
        let at = nodes.len();
        nodes.push(Node::Leaf { value: self.params.learning_rate * weight(sum, h), cover: n });
        if depth >= self.params.max_depth || rows.len() < 2 * self.params.min_leaf {
            return at;
        }
        let parent_gain = gain(sum, h, weight(sum, h));
        // (gain, input, cut, left value, right value)
        let mut best: Option<(f64, usize, usize, f64, f64)> = None;
        for (input, cuts) in self.cuts.iter().enumerate() {
            // Per bin: gradient sum, Hessian sum and count.
            let mut sums = vec![0.0; cuts.len() + 1];
            let mut hess = vec![0.0; cuts.len() + 1];
            let mut counts = vec![0usize; cuts.len() + 1];
            for &i in &rows {
                let b = self.bins[i][input] as usize;
                sums[b] += gradients[i];
                hess[b] += hessians[i];
                counts[b] += 1;
            }
            let monotone = input < SIGNALS.len();
            let (mut ls, mut lh, mut lc) = (0.0, 0.0, 0usize);
            for cut in 0..cuts.len() {
                ls += sums[cut];
                lh += hess[cut];
                lc += counts[cut];
                let (rs, rh, rc) = (sum - ls, h - lh, rows.len() - lc);
                if lc < self.params.min_leaf || rc < self.params.min_leaf {
                    continue;
                }
                let (wl, wr) = (weight(ls, lh), weight(rs, rh));
                if monotone && wl > wr {
                    continue;
                }
                let g = gain(ls, lh, wl) + gain(rs, rh, wr) - parent_gain;
                if g > 1e-12 && best.is_none_or(|b| g > b.0) {
                    best = Some((g, input, cut, wl, wr));
                }
            }
        }
        let Some((_, input, cut, wl, wr)) = best else { return at };
        let below = self.cuts[input][cut];
        let (left_rows, right_rows): (Vec<usize>, Vec<usize>) =
            rows.iter().partition(|&&i| (self.bins[i][input] as usize) <= cut);
        // A constrained split keeps every value on its left at or below every value on its right.
        let (left_bounds, right_bounds) = if input < SIGNALS.len() {
            let mid = (wl + wr) / 2.0;
            ((lower, mid), (mid, upper))
        } else {
            (bounds, bounds)
        };
        let left = self.grow(gradients, hessians, left_rows, depth + 1, left_bounds, nodes);
        let right = self.grow(gradients, hessians, right_rows, depth + 1, right_bounds, nodes);
        nodes[at] = Node::Split { input, below, left, right, cover: n };
        at
    }
}

/// Out-of-fold predictions: each pair predicted by trees fitted on the other folds.
pub fn cross_validate(rows: &[Vec<f64>], targets: &[f64], folds: usize, params: TreeParams, seed: u64) -> Vec<f64> {
    cross_validate_for(rows, targets, folds, params, seed, Objective::Regression)
}

/// Out-of-fold scores ([`TreeModel::score`]: probabilities for a classifier) for `objective`.
pub fn cross_validate_for(
    rows: &[Vec<f64>],
    targets: &[f64],
    folds: usize,
    params: TreeParams,
    seed: u64,
    objective: Objective,
) -> Vec<f64> {
    let fold = fold_assignment(rows.len(), folds, seed);
    let mut predictions = vec![0.0; rows.len()];
    for f in 0..folds {
        let (train_x, train_y): (Vec<Vec<f64>>, Vec<f64>) =
            rows.iter().zip(targets).zip(&fold).filter(|(_, &k)| k != f).map(|((r, &t), _)| (r.clone(), t)).unzip();
        let model = TreeModel::fit_for("", &train_x, &train_y, params, objective);
        for (i, row) in rows.iter().enumerate().filter(|(i, _)| fold[*i] == f) {
            predictions[i] = model.score(row);
        }
    }
    predictions
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows of the model's width whose first two signals and first language drive the target.
    fn toy() -> (Vec<Vec<f64>>, Vec<f64>) {
        let width = feature_names().len();
        let rows: Vec<Vec<f64>> =
            (0..400).map(|i| (0..width).map(|k| ((i * (k + 3) * 7919) % 101) as f64 / 100.0).collect()).collect();
        let targets = rows.iter().map(|r| 0.6 * r[0] * r[0] + 0.3 * r[1] + 0.2 * r[SIGNALS.len()]).collect();
        (rows, targets)
    }

    #[test]
    fn learns_a_monotone_rule_and_explains_it() {
        let (rows, targets) = toy();
        let model = TreeModel::fit("toy", &rows, &targets, PARAMS);
        let predicted: Vec<f64> = rows.iter().map(|r| model.predict(r)).collect();
        assert!(storyline_eval::pearson(&predicted, &targets) > 0.95);
        for row in rows.iter().take(50) {
            let (contributions, base) = model.contributions(row);
            assert_eq!(contributions.len(), groups().len());
            let sum = base + contributions.iter().sum::<f64>();
            assert!((sum - model.predict(row)).abs() < 1e-9, "{sum} vs {}", model.predict(row));
        }
        // The base is the mean prediction over the training rows (cover-weighted expectation).
        let mean = predicted.iter().sum::<f64>() / predicted.len() as f64;
        assert!((model.contributions(&rows[0]).1 - mean).abs() < 1e-9);
        // An input the target ignores gets (almost) nothing; the first signal gets the most.
        let (c, _) = model.contributions(&rows[7]);
        let total: f64 = c.iter().map(|v| v.abs()).sum();
        assert!(c[4].abs() < 0.1 * total, "{c:?}");
        let biggest = (0..c.len()).max_by(|&a, &b| c[a].abs().total_cmp(&c[b].abs()));
        assert!(matches!(biggest, Some(0) | Some(1) | Some(9)), "{c:?}");
    }

    #[test]
    fn raising_any_signal_never_lowers_the_score() {
        let (rows, targets) = toy();
        // Even against a target that falls with the third signal and turns with the context,
        // the constraint holds everywhere.
        let targets: Vec<f64> = targets
            .iter()
            .zip(&rows)
            .map(|(t, r)| t - 0.5 * r[2] + if r[SIGNALS.len() + 1] > 0.5 { -0.4 * r[0] } else { 0.3 * r[3] })
            .collect();
        let model = TreeModel::fit("toy", &rows, &targets, PARAMS);
        for row in rows.iter().take(60) {
            for signal in 0..SIGNALS.len() {
                let mut previous = f64::MIN;
                for step in 0..=40 {
                    let mut x = row.clone();
                    x[signal] = step as f64 / 40.0;
                    let p = model.predict(&x);
                    assert!(p >= previous - 1e-12, "signal {signal} at {}: {p} < {previous}", x[signal]);
                    previous = p;
                }
            }
        }
    }

    #[test]
    fn cross_validation_predicts_unseen_pairs() {
        let (rows, targets) = toy();
        let predicted = cross_validate(&rows, &targets, 5, PARAMS, 7);
        assert!(storyline_eval::pearson(&predicted, &targets) > 0.9);
    }

    #[test]
    fn the_model_round_trips_through_json() {
        let (rows, targets) = toy();
        let model = TreeModel::fit("toy", &rows, &targets, PARAMS);
        let read: TreeModel = serde_json::from_str(&serde_json::to_string(&model).unwrap()).unwrap();
        assert_eq!(read.trees(), model.trees());
        assert!(rows.iter().all(|r| (read.predict(r) - model.predict(r)).abs() < 1e-9));
    }
}
