//! The SemEval-2022 Task 8 (STS22) multilingual news-similarity pairs: reading them, and measuring
//! the article similarity against their gold `Overall` scores.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use storyline_embed::Embedder;
use storyline_eval::{pearson, spearman};

use crate::fit::{cross_validate as ridge_cross_validate, ridge};
use crate::trees::{self, cross_validate_for, Objective, TreeModel, TreeParams};
use crate::{
    fitted_models, signals, ArticleEmbedding, Result, Signals, SimilarityError, Weights, LINEAR_SIGNALS, SIGNALS,
};

/// One STS22 pair. `overall` runs from 1 (very similar) to 4 (very dissimilar).
#[derive(Debug, Clone, PartialEq)]
pub struct StsPair {
    pub pair_id: String,
    pub lang1: String,
    pub lang2: String,
    pub text1: String,
    pub text2: String,
    pub overall: f64,
}

impl StsPair {
    /// `de` for a German pair, `de-en` for German against English.
    pub fn language_pair(&self) -> String {
        if self.lang1 == self.lang2 {
            self.lang1.clone()
        } else {
            format!("{}-{}", self.lang1, self.lang2)
        }
    }

    /// The similarity target in [0, 1]: (4 − Overall) / 3, so that higher is more alike.
    pub fn target(&self) -> f64 {
        (4.0 - self.overall) / 3.0
    }
}

/// Reads the STS22 training CSV (`pair_id, lang1, lang2, text1, text2, …, Overall, …`).
pub fn read_pairs(path: &Path) -> Result<Vec<StsPair>> {
    let data_error = |why: String| SimilarityError::Data { path: path.display().to_string(), why };
    let mut reader = csv::Reader::from_path(path).map_err(|e| data_error(e.to_string()))?;
    let headers = reader.headers().map_err(|e| data_error(e.to_string()))?.clone();
    let column =
        |name: &str| headers.iter().position(|h| h == name).ok_or_else(|| data_error(format!("no column {name}")));
    let (id, l1, l2, t1, t2, overall) = (
        column("pair_id")?,
        column("lang1")?,
        column("lang2")?,
        column("text1")?,
        column("text2")?,
        column("Overall")?,
    );
    let mut pairs = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| data_error(e.to_string()))?;
        let field = |i: usize| record.get(i).unwrap_or("").to_string();
        let score = field(overall)
            .trim()
            .parse::<f64>()
            .map_err(|_| data_error(format!("record {}: bad Overall", line + 1)))?;
        pairs.push(StsPair {
            pair_id: field(id),
            lang1: field(l1),
            lang2: field(l2),
            text1: field(t1),
            text2: field(t2),
            overall: score,
        });
    }
    Ok(pairs)
}

/// STS22 texts are a title and a body joined by a space, sometimes two: split at a double space
/// near the start when there is one, else treat the whole as body.
pub fn split_title(text: &str) -> (Option<&str>, &str) {
    let text = text.trim();
    match text.find("  ") {
        Some(i) if i >= 8 && i < 300 => (Some(text[..i].trim()), text[i..].trim()),
        _ => (None, text),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Correlation {
    pub pearson: f64,
    pub spearman: f64,
    pub n: usize,
}

impl Correlation {
    pub fn of(predicted: &[f64], gold: &[f64]) -> Correlation {
        Correlation { pearson: pearson(predicted, gold), spearman: spearman(predicted, gold), n: gold.len() }
    }
}

/// Correlations overall and per language pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scores {
    pub overall: Correlation,
    pub by_pair: BTreeMap<String, Correlation>,
}

impl Scores {
    fn of(pairs: &[StsPair], predicted: &[f64]) -> Scores {
        let gold: Vec<f64> = pairs.iter().map(StsPair::target).collect();
        let mut groups: BTreeMap<String, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
        for ((pair, &p), &g) in pairs.iter().zip(predicted).zip(&gold) {
            let entry = groups.entry(pair.language_pair()).or_default();
            entry.0.push(p);
            entry.1.push(g);
        }
        Scores {
            overall: Correlation::of(predicted, &gold),
            by_pair: groups.into_iter().map(|(k, (p, g))| (k, Correlation::of(&p, &g))).collect(),
        }
    }
}

/// What `storyline eval sts` reports. `overall`/`by_pair` are the combined similarity's 5-fold
/// cross-validated figures (each pair scored by trees fitted without it).
#[derive(Debug, Clone, Serialize)]
pub struct StsReport {
    pub model: String,
    pub folds: usize,
    pub params: TreeParams,
    pub overall: Correlation,
    pub by_pair: BTreeMap<String, Correlation>,
    /// The linear event-join score: ridge regression on the first [`LINEAR_SIGNALS`] signals, same
    /// folds.
    pub linear: Correlation,
    /// Its weights fitted on every pair (what `--fit --write-weights` stores).
    pub linear_fitted: Weights,
    /// Each signal alone (no fitting), overall.
    pub signals: BTreeMap<String, Correlation>,
    /// The committed trees for this model scored on these same pairs: in-sample, not a test.
    pub committed_in_sample: Option<Correlation>,
    pub embed_seconds: f64,
}

/// Ridge strength for the linear baseline: small against ~1,000 pairs, enough to keep correlated
/// cosines tame.
pub const LAMBDA: f64 = 1.0;
pub const FOLDS: usize = 5;
const SEED: u64 = 2022;
/// Articles embedded per model call: big enough to keep both cores busy.
const BATCH_ARTICLES: usize = 32;

/// The signals of every pair (the expensive part: embedding every text).
/// Each article carries its pair's language label, as a stored article carries its detected one.
/// With `stored_form`, both articles are read back from the form the store keeps
/// ([`ArticleEmbedding::to_bytes`]: bytes per vector), as clustering reads an event's members.
pub fn pair_signals(
    model: &dyn Embedder,
    pairs: &[StsPair],
    stored_form: bool,
    progress: &dyn Fn(usize, usize),
) -> Result<Vec<Signals>> {
    let texts: Vec<(Option<&str>, &str)> =
        pairs.iter().flat_map(|p| [split_title(&p.text1), split_title(&p.text2)]).collect();
    let languages: Vec<&str> = pairs.iter().flat_map(|p| [p.lang1.as_str(), p.lang2.as_str()]).collect();
    let mut embedded: Vec<ArticleEmbedding> = Vec::with_capacity(texts.len());
    for (batch, languages) in texts.chunks(BATCH_ARTICLES).zip(languages.chunks(BATCH_ARTICLES)) {
        for (embedding, language) in ArticleEmbedding::compute_many(model, batch)?.into_iter().zip(languages) {
            let embedding = embedding.with_language(Some(language.to_string()));
            embedded.push(if stored_form { ArticleEmbedding::from_bytes(&embedding.to_bytes())? } else { embedding });
        }
        progress(embedded.len() / 2, pairs.len());
    }
    Ok(embedded.chunks_exact(2).map(|ab| signals(&ab[0], &ab[1])).collect())
}

/// Measures the signals of every pair against gold: the cross-validated trees, the linear
/// baseline on the same folds, and each signal alone.
pub fn evaluate(
    model_name: &str,
    pairs: &[StsPair],
    signals: &[Signals],
    params: TreeParams,
    embed_seconds: f64,
) -> StsReport {
    let rows: Vec<Vec<f64>> = signals.iter().map(trees::features).collect();
    let y: Vec<f64> = pairs.iter().map(StsPair::target).collect();
    let cv = Scores::of(pairs, &trees::cross_validate(&rows, &y, FOLDS, params, SEED));
    let per_signal = SIGNALS
        .iter()
        .enumerate()
        .map(|(i, s)| (s.to_string(), Correlation::of(&signals.iter().map(|x| x.values[i]).collect::<Vec<_>>(), &y)))
        .collect();
    let x: Vec<[f64; LINEAR_SIGNALS]> = signals.iter().map(|s| std::array::from_fn(|i| s.values[i])).collect();
    let linear = Correlation::of(&ridge_cross_validate(&x, &y, FOLDS, LAMBDA, SEED), &y);
    let (bias, w) = ridge(&x, &y, LAMBDA);
    let linear_fitted = Weights {
        model: model_name.to_string(),
        bias,
        weights: SIGNALS[..LINEAR_SIGNALS].iter().zip(w).map(|(s, w)| (s.to_string(), w)).collect(),
        time_penalty: crate::DEFAULT_TIME_PENALTY,
        provenance: format!(
            "ridge (lambda {LAMBDA}) on {} STS22 training pairs, target (4 - Overall) / 3; {FOLDS}-fold CV Pearson {:.3}, Spearman {:.3}; time_penalty is a prior (STS22 has no dates)",
            pairs.len(),
            linear.pearson,
            linear.spearman
        ),
        join_thresholds: Weights::for_model(model_name).join_thresholds,
    };
    let committed = fitted_models().iter().find(|t| t.model == model_name).map(|t| {
        let scored: Vec<f64> = rows.iter().map(|r| t.predict(r)).collect();
        Correlation::of(&scored, &y)
    });
    StsReport {
        model: model_name.to_string(),
        folds: FOLDS,
        params,
        overall: cv.overall,
        by_pair: cv.by_pair,
        linear,
        linear_fitted,
        signals: per_signal,
        committed_in_sample: committed,
        embed_seconds,
    }
}

/// Trees fitted on every pair (what `eval sts --fit --write` stores), with their provenance
/// taken from `report`, the cross-validation of the same hyper-parameters.
pub fn fit_all(pairs: &[StsPair], signals: &[Signals], report: &StsReport) -> TreeModel {
    let rows: Vec<Vec<f64>> = signals.iter().map(trees::features).collect();
    let y: Vec<f64> = pairs.iter().map(StsPair::target).collect();
    let mut model = TreeModel::fit(&report.model, &rows, &y, report.params);
    let p = report.params;
    model.provenance = format!(
        "gradient-boosted regression trees (squared loss; {} trees, learning rate {}, depth {}, at least {} pairs a leaf, \
         L2 {}; monotone increasing in every signal) on {} STS22 training pairs, target (4 - Overall) / 3; \
         inputs: the {} signals and each article's language; hyper-parameters from a 27-point grid on 5-fold CV; \
         {FOLDS}-fold CV Pearson {:.3}, Spearman {:.3} (linear: {:.3}); time_penalty is a prior (STS22 has no dates)",
        p.iterations,
        p.learning_rate,
        p.max_depth,
        p.min_leaf,
        p.l2,
        pairs.len(),
        SIGNALS.len(),
        report.overall.pearson,
        report.overall.spearman,
        report.linear.pearson,
    );
    model
}

/// One point of the event-join classifier's grid, cross-validated on the pairs it is fitted on.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct JoinPoint {
    pub params: TreeParams,
    /// Mean logistic loss of the out-of-fold probabilities (what the choice minimises).
    pub log_loss: f64,
    /// The best F1 of "same" over thresholds on the out-of-fold probabilities (optimistic, as
    /// the threshold is chosen on them; for comparison only).
    pub best_f1: f64,
}

/// The event-join classifier and the grid it was chosen from.
pub struct JoinFit {
    pub model: TreeModel,
    pub grid: Vec<JoinPoint>,
}

/// The event-join classifier's hyper-parameter grid: 100, 200 or 400 trees at learning rate
/// 0.05, depth 2 or 3, at least 10, 20 or 40 pairs a leaf (fewer pairs than the similarity
/// trees have, so smaller leaves are in).
pub fn join_grid() -> Vec<TreeParams> {
    let mut grid = Vec::new();
    for iterations in [100, 200, 400] {
        for max_depth in [2, 3] {
            for min_leaf in [10, 20, 40] {
                grid.push(TreeParams { iterations, learning_rate: 0.05, max_depth, min_leaf, l2: 1.0 });
            }
        }
    }
    grid
}

/// Fits the event-join classifier: monotone gradient-boosted trees with logistic loss on
/// `signals` labelled `same` (one happening or not), the hyper-parameters the grid point with
/// the lowest 5-fold cross-validated log loss on these same pairs. `about` describes the pairs
/// for the provenance.
pub fn fit_join(model_name: &str, signals: &[&Signals], same: &[bool], about: &str) -> JoinFit {
    let rows: Vec<Vec<f64>> = signals.iter().map(|s| trees::features(s)).collect();
    let y: Vec<f64> = same.iter().map(|&s| f64::from(u8::from(s))).collect();
    let grid: Vec<JoinPoint> = join_grid()
        .into_iter()
        .map(|params| {
            let p = cross_validate_for(&rows, &y, FOLDS, params, SEED, Objective::Classification);
            let log_loss =
                p.iter().zip(same).map(|(&p, &s)| -(if s { p } else { 1.0 - p }).clamp(1e-12, 1.0).ln()).sum::<f64>()
                    / p.len().max(1) as f64;
            JoinPoint { params, log_loss, best_f1: best_f1(&p, same) }
        })
        .collect();
    let chosen = grid.iter().min_by(|a, b| a.log_loss.total_cmp(&b.log_loss)).copied().expect("a grid");
    let mut model = TreeModel::fit_for(model_name, &rows, &y, chosen.params, Objective::Classification);
    let p = chosen.params;
    model.provenance = format!(
        "gradient-boosted classification trees (logistic loss; {} trees, learning rate {}, depth {}, at least {} pairs a \
         leaf, L2 {}; monotone increasing in every signal) of same against different happening on {about} \
         ({} same, {} different); inputs: the {} signals and each article's language; hyper-parameters: the lowest \
         {FOLDS}-fold CV log loss of a {}-point grid on those pairs ({:.3}; best F1 of the out-of-fold \
         probabilities {:.3}); the score is the probability; time_penalty is a prior (STS22 has no dates)",
        p.iterations,
        p.learning_rate,
        p.max_depth,
        p.min_leaf,
        p.l2,
        same.iter().filter(|&&s| s).count(),
        same.iter().filter(|&&s| !s).count(),
        SIGNALS.len(),
        grid.len(),
        chosen.log_loss,
        chosen.best_f1,
    );
    JoinFit { model, grid }
}

/// The best F1 of "score ≥ t means same" over all thresholds t.
fn best_f1(scores: &[f64], same: &[bool]) -> f64 {
    let mut sorted: Vec<(f64, bool)> = scores.iter().copied().zip(same.iter().copied()).collect();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let positives = same.iter().filter(|&&s| s).count();
    let (mut tp, mut fp, mut best) = (0usize, 0usize, 0.0f64);
    for (i, &(score, gold)) in sorted.iter().enumerate() {
        tp += usize::from(gold);
        fp += usize::from(!gold);
        if sorted.get(i + 1).is_some_and(|next| next.0 == score) {
            continue;
        }
        best = best.max(2.0 * tp as f64 / (tp + fp + positives) as f64);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pairs_and_names_language_pairs() {
        let dir = std::env::temp_dir().join(format!("sts-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("pairs.csv");
        std::fs::write(
            &path,
            ",pair_id,lang1,lang2,text1,text2,Geography,Entities,Time,Narrative,Overall,Style,Tone\n\
             0,1_2,de,en,\"Titel hier  Text, mit \"\"Zitat\"\"\nund Zeile\",Other,1,1,1,1,1.5,1,1\n",
        )
        .unwrap();
        let pairs = read_pairs(&path).unwrap();
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].language_pair(), "de-en");
        assert!((pairs[0].target() - 2.5 / 3.0).abs() < 1e-9);
        assert_eq!(split_title(&pairs[0].text1), (Some("Titel hier"), "Text, mit \"Zitat\"\nund Zeile"));
        assert!(read_pairs(&dir.join("missing.csv")).is_err());
        std::fs::remove_dir_all(dir).ok();
    }
}
