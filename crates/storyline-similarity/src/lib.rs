//! How alike two news articles are: one score, and why.
//!
//! An article becomes an [`ArticleEmbedding`] once (title, lead, body-chunk and sentence vectors
//! from a [`storyline_embed::Embedder`], plus its names, numbers and language); [`similarity`]
//! turns two of them into signals — embedding cosines, the best-aligned sentences, shared names
//! and numbers, time apart — and combines them with a [`Combiner`]: gradient-boosted trees fitted
//! on the STS22 training pairs, every signal constrained to raise the score, the languages as
//! context ([`trees`], `storyline eval sts --fit`). The result explains itself: each signal's
//! contribution and the sentence pairs that matched best.
//!
//! Event clustering decides "same happening?" with [`Combiner::event_join`]: monotone trees
//! fitted as a classifier of same against different happenings on the fit part of STS22's
//! decisive pairs (`storyline eval sts --write-join`); the similarity trees, fitted to STS22's
//! graded scale, rate reports of different happenings on one topic as alike as reports of one.
//!
//! ```no_run
//! use storyline_similarity::{similarity, ArticleEmbedding, Combiner};
//! let model = storyline_embed::load_model("use-m3", "models".as_ref())?;
//! let a = ArticleEmbedding::compute(model.as_ref(), Some("Turkey and Qatar sign deal"), "Defence ministers met in Tripoli.")?
//!     .with_language(Some("en".into()));
//! let b = ArticleEmbedding::compute(model.as_ref(), Some("Türkei und Katar unterzeichnen Abkommen"), "Die Minister trafen sich in Tripolis.")?
//!     .with_language(Some("de".into()));
//! let explained = similarity(&a, &b, &Combiner::for_model(model.name()));
//! println!("{:.2}: {:?}", explained.score, explained.contributions);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod article;
pub mod fit;
pub mod sts;
pub mod trees;

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use storyline_embed::cosine;

pub use article::ArticleEmbedding;
pub use trees::TreeModel;

#[derive(Debug, thiserror::Error)]
pub enum SimilarityError {
    #[error(transparent)]
    Embed(#[from] storyline_embed::EmbedError),
    #[error("embedding model: {0}")]
    Model(String),
    #[error("not a stored article embedding: {0}")]
    BadEmbedding(String),
    #[error("reading {path}: {why}")]
    Data { path: String, why: String },
    #[error("weights file: {0}")]
    Weights(String),
}

pub type Result<T, E = SimilarityError> = std::result::Result<T, E>;

/// The signals, in the order of [`Signals::values`] and of the fitted weights.
pub const SIGNALS: [&str; 9] =
    ["title", "lead", "body", "best_chunk", "aligned", "aligned_top", "names", "numbers", "document"];

/// How many of [`SIGNALS`], from the first, the linear event-join score combines ([`Weights`],
/// [`fit`]): all but `document`, which came later.
pub const LINEAR_SIGNALS: usize = 8;

/// Sentence pairs averaged for `aligned_top`.
const TOP_PAIRS: usize = 3;
/// Time apart counts up to this many days; further apart is no further penalised.
const TIME_HORIZON_DAYS: f64 = 60.0;

/// The raw evidence that two articles are about the same thing, each in about [0, 1].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signals {
    /// Values in the order of [`SIGNALS`]:
    /// - `title`: cosine of the titles (of the leads when either has no title);
    /// - `lead`: cosine of the leads (first sentences);
    /// - `body`: cosine of the mean body-chunk vectors;
    /// - `best_chunk`: the best cosine between any two body chunks;
    /// - `aligned`: each sentence's best match on the other side, averaged both ways;
    /// - `aligned_top`: the mean of the best few sentence pairs;
    /// - `names`, `numbers`: overlap of capitalised names and of numbers (set cosine);
    /// - `document`: cosine of the whole-article directions ([`ArticleEmbedding::document`]).
    pub values: [f64; SIGNALS.len()],
    /// Days between publication, when both dates are known.
    pub days_apart: Option<f64>,
    /// The two articles' languages (ISO 639-1), where known: not evidence that they agree, but
    /// context for what the cosines mean.
    pub languages: [Option<String>; 2],
    /// The best-matching sentence pairs, best first.
    pub aligned_pairs: Vec<AlignedPair>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlignedPair {
    pub a_index: usize,
    pub b_index: usize,
    pub a: String,
    pub b: String,
    pub similarity: f64,
}

/// A similarity score in [0, 1] and what it is made of.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explained {
    pub score: f64,
    /// Each signal's value and its contribution to the score, then `languages` (trees only) and
    /// `time` where they count: `bias` + the contributions = the score before clamping. For the
    /// linear combination a contribution is weight × value; for trees it is the signal's TreeSHAP
    /// value. For a classifier (the event join) the signals' contributions and `bias` are in
    /// log-odds: the score is the probability of their sum, less the time penalty.
    pub contributions: Vec<Contribution>,
    /// The score before any signal counts: the linear bias, or the trees' mean prediction.
    pub bias: f64,
    pub aligned_pairs: Vec<AlignedPair>,
}

/// One part of a score. `value` is the signal's value; for `languages` 1 when both articles are
/// known to share a language, else 0; for `time` days apart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    pub signal: String,
    pub value: f64,
    pub contribution: f64,
}

/// A linear combination of the signals: `score = bias + Σ weight × signal − time penalty`,
/// clamped to [0, 1]. The target it is fitted to is STS22's similarity, (4 − Overall) / 3.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    pub model: String,
    pub bias: f64,
    pub weights: BTreeMap<String, f64>,
    /// Penalty for articles `TIME_HORIZON_DAYS` or more apart. STS22 has no dates, so this one is
    /// a prior, not fitted.
    pub time_penalty: f64,
    /// How the weights were made, e.g. the data, the ridge strength and the CV Pearson.
    pub provenance: String,
    /// Event-join thresholds on this score by pair of languages ([`language_key`]), where they
    /// were calibrated (`storyline eval pairs --fit`); others fall back to the clusterer's.
    #[serde(default, skip_serializing_if = "JoinThresholds::is_empty")]
    pub join_thresholds: JoinThresholds,
}

/// Where an event-join score counts as "same happening", per pair of languages: a cosine across
/// two languages does not mean what it means within one, so neither does the score.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JoinThresholds {
    /// By [`language_key`]: `en`, `de-en`.
    #[serde(default)]
    pub by_languages: BTreeMap<String, f64>,
    /// For a pair of languages not listed: within one language, across two.
    #[serde(default)]
    pub same_language: Option<f64>,
    #[serde(default)]
    pub cross_language: Option<f64>,
    /// How they were fitted.
    #[serde(default)]
    pub provenance: String,
}

impl JoinThresholds {
    pub fn is_empty(&self) -> bool {
        self.by_languages.is_empty() && self.same_language.is_none() && self.cross_language.is_none()
    }

    /// The threshold for two articles' languages, if one was calibrated. Unknown languages
    /// count as the same language.
    pub fn for_languages(&self, a: Option<&str>, b: Option<&str>) -> Option<f64> {
        match (a, b) {
            (Some(a), Some(b)) => self.by_languages.get(&language_key(a, b)).copied().or(if a == b {
                self.same_language
            } else {
                self.cross_language
            }),
            _ => self.same_language,
        }
    }
}

/// `en` for two English articles, `de-en` for German and English (in either order).
pub fn language_key(a: &str, b: &str) -> String {
    match a.cmp(b) {
        std::cmp::Ordering::Equal => a.to_string(),
        std::cmp::Ordering::Less => format!("{a}-{b}"),
        std::cmp::Ordering::Greater => format!("{b}-{a}"),
    }
}

/// The committed tree models, one entry per embedding model (regenerate with
/// `storyline eval sts --fit --write crates/storyline-similarity/fitted.json`).
const FITTED: &str = include_str!("../fitted.json");
/// The committed event-join classifiers, one entry per embedding model (regenerate with
/// `storyline eval sts --stored --write-join crates/storyline-similarity/join.json`).
const FITTED_JOIN: &str = include_str!("../join.json");
/// The committed linear weights for the event join, one entry per embedding model (regenerate
/// with `storyline eval sts --fit --write-weights crates/storyline-similarity/weights.json`).
const FITTED_WEIGHTS: &str = include_str!("../weights.json");
const DEFAULT_TIME_PENALTY: f64 = 0.15;

/// The committed tree models that fit this build's inputs, parsed once.
pub fn fitted_models() -> &'static [Arc<TreeModel>] {
    static PARSED: OnceLock<Vec<Arc<TreeModel>>> = OnceLock::new();
    PARSED.get_or_init(|| {
        let all: Vec<TreeModel> = serde_json::from_str(FITTED).unwrap_or_default();
        all.into_iter().filter(TreeModel::matches_features).map(Arc::new).collect()
    })
}

/// The committed event-join classifiers that fit this build's inputs, parsed once.
pub fn join_models() -> &'static [Arc<TreeModel>] {
    static PARSED: OnceLock<Vec<Arc<TreeModel>>> = OnceLock::new();
    PARSED.get_or_init(|| {
        let all: Vec<TreeModel> = serde_json::from_str(FITTED_JOIN).unwrap_or_default();
        all.into_iter().filter(TreeModel::matches_features).map(Arc::new).collect()
    })
}

/// How the signals become one score.
#[derive(Clone)]
pub enum Combiner {
    /// Trees fitted on STS22 for this embedding model: the similarity's regression trees, or the
    /// event join's classifier.
    Trees(Arc<TreeModel>),
    /// A linear combination: the event-join score, and the similarity of models with no fitted
    /// trees.
    Linear(Weights),
}

impl Combiner {
    /// The article similarity for `model`: its committed trees, or its linear weights (see
    /// [`Weights::for_model`]) when no trees were committed.
    pub fn for_model(model: &str) -> Combiner {
        match fitted_models().iter().find(|t| t.model == model) {
            Some(trees) => Combiner::Trees(trees.clone()),
            None => Combiner::Linear(Weights::for_model(model)),
        }
    }

    /// The score event clustering compares with its join thresholds (`JoinThresholds` in
    /// `weights.json`): the probability that two articles report one happening, by the committed
    /// classifier for `model` (monotone trees fitted on the fit part of STS22's decisive pairs);
    /// the linear weights for a model without one. The similarity trees do not serve here: fitted
    /// to STS22's graded scale, they level off where same-topic reports of different happenings
    /// and reports of one happening both score "very similar".
    pub fn event_join(model: &str) -> Combiner {
        match join_models().iter().find(|t| t.model == model) {
            Some(trees) => Combiner::Trees(trees.clone()),
            None => Combiner::Linear(Weights::for_model(model)),
        }
    }

    pub fn provenance(&self) -> &str {
        match self {
            Combiner::Trees(t) => &t.provenance,
            Combiner::Linear(w) => &w.provenance,
        }
    }

    fn time_penalty(&self) -> f64 {
        match self {
            Combiner::Trees(t) => t.time_penalty,
            Combiner::Linear(w) => w.time_penalty,
        }
    }

    /// The score of some signals before the time penalty and clamping.
    pub fn predict(&self, signals: &Signals) -> f64 {
        match self {
            Combiner::Trees(t) => t.score(&trees::features(signals)),
            Combiner::Linear(w) => w.linear(&signals.values),
        }
    }

    /// The score of some signals, as [`explain`] gives it, without explaining it (no Shapley
    /// values): what event assignment computes for every compared member.
    pub fn score(&self, signals: &Signals) -> f64 {
        let penalty = signals.days_apart.map_or(0.0, |days| self.time_penalty() * (days / TIME_HORIZON_DAYS).min(1.0));
        (self.predict(signals) - penalty).clamp(0.0, 1.0)
    }

    /// The score of a sum of contributions (log-odds for a classifier).
    fn link(&self, raw: f64) -> f64 {
        match self {
            Combiner::Trees(t) => t.objective.link(raw),
            Combiner::Linear(_) => raw,
        }
    }
}

impl Weights {
    /// The fitted weights for `model`, or [`Weights::unfitted`] when none were committed.
    pub fn for_model(model: &str) -> Weights {
        Self::all_fitted().into_iter().find(|w| w.model == model).unwrap_or_else(|| Weights::unfitted(model))
    }

    /// Every committed set of linear weights.
    pub fn all_fitted() -> Vec<Weights> {
        serde_json::from_str(FITTED_WEIGHTS).unwrap_or_default()
    }

    /// A plain average of the title, body and aligned-sentence cosines, for models with no
    /// fitted weights.
    pub fn unfitted(model: &str) -> Weights {
        let weights = ["title", "body", "aligned"].iter().map(|s| (s.to_string(), 1.0 / 3.0)).collect();
        Weights {
            model: model.to_string(),
            bias: 0.0,
            weights,
            time_penalty: DEFAULT_TIME_PENALTY,
            provenance: "unfitted: mean of title, body and aligned cosines".into(),
            join_thresholds: JoinThresholds::default(),
        }
    }

    pub fn weight(&self, signal: &str) -> f64 {
        self.weights.get(signal).copied().unwrap_or(0.0)
    }

    /// The combined score of some signals, before the time penalty and clamping. A signal
    /// without a weight counts 0.
    pub fn linear(&self, values: &[f64; SIGNALS.len()]) -> f64 {
        self.bias + SIGNALS.iter().zip(values).map(|(s, v)| self.weight(s) * v).sum::<f64>()
    }
}

/// The signals between two articles.
pub fn signals(a: &ArticleEmbedding, b: &ArticleEmbedding) -> Signals {
    let cos = |x: &[f32], y: &[f32]| cosine(x, y) as f64;
    let lead = match (&a.lead, &b.lead) {
        (Some(x), Some(y)) => cos(x, y),
        _ => 0.0,
    };
    let title = match (&a.title, &b.title) {
        (Some(x), Some(y)) => cos(x, y),
        _ => lead,
    };
    let body = match (a.body(), b.body()) {
        (Some(x), Some(y)) => cos(&x, &y),
        _ => 0.0,
    };
    let best_chunk = a.chunks.iter().flat_map(|x| b.chunks.iter().map(move |y| cos(x, y))).fold(0.0f64, f64::max);
    let (aligned, aligned_top, aligned_pairs) = align(a, b);
    let document = match (a.document(), b.document()) {
        (Some(x), Some(y)) => cos(&x, &y),
        _ => 0.0,
    };
    let days_apart = match (a.published, b.published) {
        (Some(x), Some(y)) => Some((x - y).num_seconds().unsigned_abs() as f64 / 86_400.0),
        _ => None,
    };
    Signals {
        values: [
            title,
            lead,
            body,
            best_chunk,
            aligned,
            aligned_top,
            set_cosine(&a.names, &b.names),
            set_cosine(&a.numbers, &b.numbers),
            document,
        ],
        days_apart,
        languages: [a.language.clone(), b.language.clone()],
        aligned_pairs,
    }
}

/// Sentence alignment: the mean best match of every sentence (both directions), the mean of the
/// best mutual pairs, and those pairs.
fn align(a: &ArticleEmbedding, b: &ArticleEmbedding) -> (f64, f64, Vec<AlignedPair>) {
    if a.sentences.is_empty() || b.sentences.is_empty() {
        return (0.0, 0.0, Vec::new());
    }
    let (a_vectors, b_vectors): (Vec<&[f32]>, Vec<&[f32]>) =
        (a.sentences.iter().map(|(_, v)| &v[..]).collect(), b.sentences.iter().map(|(_, v)| &v[..]).collect());
    let cosines = storyline_embed::pairwise_cosines(&a_vectors, &b_vectors);
    let matrix: Vec<Vec<f64>> =
        cosines.chunks(b.sentences.len()).map(|row| row.iter().map(|&v| v as f64).collect()).collect();
    let best_of_a: Vec<(usize, f64)> = matrix
        .iter()
        .map(|row| row.iter().copied().enumerate().fold((0, f64::MIN), |m, (j, v)| if v > m.1 { (j, v) } else { m }))
        .collect();
    let best_of_b: Vec<f64> =
        (0..b.sentences.len()).map(|j| matrix.iter().map(|r| r[j]).fold(f64::MIN, f64::max)).collect();
    let mean = |v: &mut dyn Iterator<Item = f64>, n: usize| v.sum::<f64>() / n as f64;
    let aligned = (mean(&mut best_of_a.iter().map(|p| p.1), best_of_a.len())
        + mean(&mut best_of_b.iter().copied(), best_of_b.len()))
        / 2.0;
    // Greedy one-to-one pairing, best first.
    let mut all: Vec<(f64, usize, usize)> =
        matrix.iter().enumerate().flat_map(|(i, row)| row.iter().enumerate().map(move |(j, &v)| (v, i, j))).collect();
    all.sort_by(|x, y| y.0.total_cmp(&x.0));
    let (mut used_a, mut used_b) = (vec![false; a.sentences.len()], vec![false; b.sentences.len()]);
    let mut pairs = Vec::new();
    for (v, i, j) in all {
        if used_a[i] || used_b[j] {
            continue;
        }
        used_a[i] = true;
        used_b[j] = true;
        pairs.push(AlignedPair {
            a_index: i,
            b_index: j,
            a: a.sentences[i].0.clone(),
            b: b.sentences[j].0.clone(),
            similarity: v,
        });
        if pairs.len() == 5 {
            break;
        }
    }
    let top = pairs.iter().take(TOP_PAIRS).map(|p| p.similarity).sum::<f64>() / pairs.len().clamp(1, TOP_PAIRS) as f64;
    (aligned, top, pairs)
}

fn set_cosine(a: &std::collections::BTreeSet<String>, b: &std::collections::BTreeSet<String>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    a.intersection(b).count() as f64 / ((a.len() * b.len()) as f64).sqrt()
}

/// The combined similarity of two articles, explained.
pub fn similarity(a: &ArticleEmbedding, b: &ArticleEmbedding, combiner: &Combiner) -> Explained {
    explain(&signals(a, b), combiner)
}

/// Combines already computed signals.
pub fn explain(signals: &Signals, combiner: &Combiner) -> Explained {
    let (mut contributions, bias) = match combiner {
        Combiner::Linear(weights) => {
            let contributions: Vec<Contribution> = SIGNALS
                .iter()
                .zip(&signals.values)
                .map(|(s, &v)| Contribution { signal: s.to_string(), value: v, contribution: weights.weight(s) * v })
                .collect();
            (contributions, weights.bias)
        }
        Combiner::Trees(model) => {
            let (shapley, base) = model.contributions(&trees::features(signals));
            let same_language = match &signals.languages {
                [Some(x), Some(y)] => f64::from(x == y),
                _ => 0.0,
            };
            let values = signals.values.iter().copied().chain([same_language]);
            let contributions = trees::groups()
                .into_iter()
                .zip(values)
                .zip(shapley)
                .map(|((signal, value), contribution)| Contribution { signal: signal.to_string(), value, contribution })
                .collect();
            (contributions, base)
        }
    };
    let mut score = combiner.link(bias + contributions.iter().map(|c| c.contribution).sum::<f64>());
    if let Some(days) = signals.days_apart {
        let penalty = combiner.time_penalty() * (days / TIME_HORIZON_DAYS).min(1.0);
        contributions.push(Contribution { signal: "time".into(), value: days, contribution: -penalty });
        score -= penalty;
    }
    Explained { score: score.clamp(0.0, 1.0), contributions, bias, aligned_pairs: signals.aligned_pairs.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(vectors: &[[f32; 2]], names: &[&str]) -> ArticleEmbedding {
        ArticleEmbedding {
            model: "test".into(),
            title: Some(vectors[0].to_vec()),
            lead: Some(vectors[0].to_vec()),
            chunks: vec![vectors[0].to_vec()],
            sentences: vectors.iter().enumerate().map(|(i, v)| (format!("s{i}"), v.to_vec())).collect(),
            names: names.iter().map(|s| s.to_string()).collect(),
            numbers: Default::default(),
            published: None,
            language: None,
        }
    }

    #[test]
    fn same_article_scores_high_and_explains_itself() {
        let a = article(&[[1.0, 0.0], [0.0, 1.0]], &["maas", "akar"]);
        let b = article(&[[0.0, 1.0], [1.0, 0.1]], &["maas"]);
        let s = signals(&a, &a);
        assert!(s.values[..6].iter().all(|&v| (v - 1.0).abs() < 1e-6), "{s:?}");
        let e = similarity(&a, &b, &Combiner::Linear(Weights::unfitted("test")));
        // Titles and bodies are orthogonal; only the sentences align (both ways, almost fully).
        assert!(e.score > 0.3 && e.score < 0.34, "{e:?}");
        assert_eq!(e.aligned_pairs[0].similarity, 1.0);
        assert_eq!((e.aligned_pairs[0].a_index, e.aligned_pairs[0].b_index), (1, 0));
        assert!((signals(&a, &b).values[6] - 1.0 / 2f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn time_apart_lowers_the_score() {
        let mut a = article(&[[1.0, 0.0]], &[]);
        let mut b = a.clone();
        let w = Combiner::Linear(Weights::unfitted("test"));
        let near = similarity(&a, &b, &w).score;
        a.published = chrono::DateTime::from_timestamp(0, 0);
        b.published = chrono::DateTime::from_timestamp(90 * 86_400, 0);
        let far = similarity(&a, &b, &w);
        assert!(far.score < near);
        assert_eq!(far.contributions.last().unwrap().signal, "time");
    }

    #[test]
    fn committed_weights_parse() {
        for w in Weights::all_fitted() {
            assert!(w.weights.keys().all(|k| SIGNALS.contains(&k.as_str())), "{w:?}");
        }
        assert!(!Weights::all_fitted().is_empty());
        assert!(matches!(Combiner::event_join("none"), Combiner::Linear(w) if w.provenance.contains("unfitted")));
    }

    /// The committed event-join classifier: a probability, monotone in every signal on inputs
    /// like real pairs, explained and scored alike, and the same article scores high and at
    /// least as high as a different one in the same languages.
    #[test]
    fn committed_join_classifier_is_monotone_and_explains_itself() {
        let all: Vec<TreeModel> = serde_json::from_str(FITTED_JOIN).expect("join.json parses");
        assert!(all.iter().all(TreeModel::matches_features), "join.json is stale: refit with eval sts --write-join");
        let Combiner::Trees(join) = Combiner::event_join("use-m3") else { panic!("no join classifier for use-m3") };
        assert_eq!(join.objective, trees::Objective::Classification);
        let combiner = Combiner::Trees(join.clone());
        for signals in random_signals(777, 200) {
            let explained = explain(&signals, &combiner);
            assert!((explained.score - combiner.score(&signals)).abs() < 1e-9, "{explained:?}");
            assert_monotone(&signals, |raised| {
                let score = combiner.score(raised);
                assert!((0.0..=1.0).contains(&score), "{score}");
                score
            });
        }
        let mut a = article(&[[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], &["maas", "akar"]);
        a.language = Some("en".into());
        let mut b = article(&[[0.8, 0.6], [0.0, 1.0], [1.0, 0.0]], &["maas"]);
        b.language = Some("en".into());
        // Identical articles: every signal at least as high, so at least the score (levelled off).
        let (same, different) = (similarity(&a, &a, &combiner).score, similarity(&a, &b, &combiner).score);
        assert!(same > 0.9 && same >= different, "{same} {different}");
    }

    /// On inputs like real pairs (signals anywhere in [0, 1], any two languages), raising any
    /// signal of the committed use-m3 trees never lowers the score.
    #[test]
    fn committed_trees_are_monotone_in_every_signal() {
        let Combiner::Trees(trees) = Combiner::for_model("use-m3") else { panic!("no trees for use-m3") };
        for signals in random_signals(12345, 300) {
            assert_monotone(&signals, |raised| trees.predict(&trees::features(raised)));
        }
    }

    /// `n` pairs' signals anywhere in [0, 1], with any two languages, from a fixed seed.
    fn random_signals(seed: u64, n: usize) -> Vec<Signals> {
        let mut state = seed;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..n)
            .map(|_| {
                let values: [f64; SIGNALS.len()] = std::array::from_fn(|_| next());
                let mut pick =
                    || Some(trees::LANGUAGES[(next() * trees::LANGUAGES.len() as f64) as usize % 10].to_string());
                let languages = [pick(), pick()];
                Signals { values, days_apart: None, languages, aligned_pairs: Vec::new() }
            })
            .collect()
    }

    /// Raising any one signal of `signals` from 0 to 1 never lowers `score`.
    fn assert_monotone(signals: &Signals, mut score: impl FnMut(&Signals) -> f64) {
        for (s, name) in SIGNALS.iter().enumerate() {
            let mut previous = f64::MIN;
            for step in 0..=20 {
                let mut raised = signals.clone();
                raised.values[s] = step as f64 / 20.0;
                let now = score(&raised);
                assert!(now >= previous - 1e-12, "{name} at {}: {now} < {previous}", raised.values[s]);
                previous = now;
            }
        }
    }

    #[test]
    fn committed_trees_parse_and_rank_the_same_article_first() {
        let all: Vec<TreeModel> = serde_json::from_str(FITTED).expect("fitted.json parses");
        assert!(all.iter().all(TreeModel::matches_features), "fitted.json is stale: refit with eval sts --fit --write");
        let Combiner::Trees(trees) = Combiner::for_model("use-m3") else { panic!("no trees for use-m3") };
        assert!(trees.provenance.contains("CV Pearson"), "{}", trees.provenance);
        let mut a = article(&[[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], &["maas", "akar"]);
        a.language = Some("de".into());
        // Within one pair of languages: across pairs, the levels the trees learnt for each
        // language differ, so an identical German copy need not outscore a close translation.
        let mut b = article(&[[0.8, 0.6], [0.0, 1.0], [1.0, 0.0]], &["maas"]);
        b.language = Some("de".into());
        let combiner = Combiner::Trees(trees);
        let same = similarity(&a, &a, &combiner);
        let different = similarity(&a, &b, &combiner);
        assert!(same.score > 0.83, "{same:?}");
        assert!(same.score >= different.score, "{same:?}\n{different:?}");
        for e in [&same, &different] {
            let sum = e.bias + e.contributions.iter().map(|c| c.contribution).sum::<f64>();
            assert!((sum.clamp(0.0, 1.0) - e.score).abs() < 1e-4, "{e:?}");
        }
    }
}
