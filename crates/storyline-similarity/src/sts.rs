//! The SemEval-2022 Task 8 (STS22) multilingual news-similarity pairs: reading them, and measuring
//! the article similarity against their gold `Overall` scores.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use storyline_embed::Embedder;
use storyline_eval::{pearson, spearman};

use crate::fit::{cross_validate, ridge};
use crate::{signals, ArticleEmbedding, Result, Signals, SimilarityError, Weights, SIGNALS};

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
/// cross-validated figures (each pair scored by weights fitted without it).
#[derive(Debug, Clone, Serialize)]
pub struct StsReport {
    pub model: String,
    pub folds: usize,
    pub overall: Correlation,
    pub by_pair: BTreeMap<String, Correlation>,
    /// Each signal alone (no fitting), overall.
    pub signals: BTreeMap<String, Correlation>,
    /// The committed weights for this model scored on these same pairs: in-sample, not a test.
    pub committed_in_sample: Option<Correlation>,
    /// Weights fitted on every pair (what `--fit --write` stores).
    pub fitted: Weights,
    pub embed_seconds: f64,
}

/// Ridge strength for the fit: small against ~1,000 pairs, enough to keep correlated cosines tame.
pub const LAMBDA: f64 = 1.0;
pub const FOLDS: usize = 5;
const SEED: u64 = 2022;
/// Articles embedded per model call: big enough to keep both cores busy.
const BATCH_ARTICLES: usize = 32;

/// The signals of every pair (the expensive part: embedding every text).
pub fn pair_signals(model: &dyn Embedder, pairs: &[StsPair], progress: &dyn Fn(usize, usize)) -> Result<Vec<Signals>> {
    let texts: Vec<(Option<&str>, &str)> =
        pairs.iter().flat_map(|p| [split_title(&p.text1), split_title(&p.text2)]).collect();
    let mut embedded: Vec<ArticleEmbedding> = Vec::with_capacity(texts.len());
    for batch in texts.chunks(BATCH_ARTICLES) {
        embedded.extend(ArticleEmbedding::compute_many(model, batch)?);
        progress(embedded.len() / 2, pairs.len());
    }
    Ok(embedded.chunks_exact(2).map(|ab| signals(&ab[0], &ab[1])).collect())
}

/// Measures the signals of every pair against gold: cross-validated combination, each signal
/// alone, and a fit on all pairs.
pub fn evaluate(model_name: &str, pairs: &[StsPair], signals: &[Signals], embed_seconds: f64) -> StsReport {
    let x: Vec<[f64; SIGNALS.len()]> = signals.iter().map(|s| s.values).collect();
    let y: Vec<f64> = pairs.iter().map(StsPair::target).collect();
    let predicted = cross_validate(&x, &y, FOLDS, LAMBDA, SEED);
    let cv = Scores::of(pairs, &predicted);
    let per_signal = SIGNALS
        .iter()
        .enumerate()
        .map(|(i, s)| (s.to_string(), Correlation::of(&x.iter().map(|r| r[i]).collect::<Vec<_>>(), &y)))
        .collect();
    let (bias, w) = ridge(&x, &y, LAMBDA);
    let fitted = Weights {
        model: model_name.to_string(),
        bias,
        weights: SIGNALS.iter().zip(w).map(|(s, w)| (s.to_string(), w)).collect(),
        time_penalty: Weights::unfitted(model_name).time_penalty,
        provenance: format!(
            "ridge (lambda {LAMBDA}) on {} STS22 training pairs, target (4 - Overall) / 3; {FOLDS}-fold CV Pearson {:.3}, Spearman {:.3}; time_penalty is a prior (STS22 has no dates)",
            pairs.len(),
            cv.overall.pearson,
            cv.overall.spearman
        ),
    };
    let committed = Weights::all_fitted().into_iter().find(|w| w.model == model_name).map(|w| {
        let scored: Vec<f64> = x.iter().map(|r| w.linear(r)).collect();
        Correlation::of(&scored, &y)
    });
    StsReport {
        model: model_name.to_string(),
        folds: FOLDS,
        overall: cv.overall,
        by_pair: cv.by_pair,
        signals: per_signal,
        committed_in_sample: committed,
        fitted,
        embed_seconds,
    }
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
