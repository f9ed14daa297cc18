//! `eval pairs`: what users see of article similarity, the event an article joins, measured on
//! STS22's pairs through the real pipeline.
//!
//! The articles of the decisive pairs (same happening: Overall ≤ 1.5; different: Overall ≥ 3)
//! are ingested, in the file's order and with their pairs' languages (and no dates), into one
//! fresh store, and each pair is asked one question: did its two articles land in the same event?
//! Pairs are split deterministically into a fit part and a check part by a hash of the pair id
//! ([`part_of`]), decided before any result was looked at: thresholds are fitted on the fit
//! part, and the check part's figures are the headline.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use serde::Serialize;
use storyline_model::{Article, Language, SourceFormat};
use storyline_pipeline::{ingest_articles, IngestOptions};
use storyline_similarity::sts::{read_pairs, split_title, StsPair};
use storyline_similarity::{language_key, signals, ArticleEmbedding, Combiner, JoinThresholds, Weights};
use storyline_store::Store;

use crate::print_json;
use crate::ModelArgs;

/// Overall at or below this: reports of one happening ("very similar" to half way to
/// "somewhat similar").
pub const SAME_AT_MOST: f64 = 1.5;
/// Overall at or above this: different happenings.
pub const DIFFERENT_AT_LEAST: f64 = 3.0;

#[derive(Args)]
pub struct PairsArgs {
    /// The STS22 pairs CSV.
    #[arg(long, default_value = "../shared/eval/sts22/train.csv")]
    pub pairs: PathBuf,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Whose articles are ingested: every decisive pair's (both parts in one store, the default),
    /// or one part's only.
    #[arg(long, value_enum, default_value = "all")]
    pub ingest: IngestPart,
    /// Write one line per decisive pair (tab-separated: pair id, part, languages, gold, same
    /// event, the direct event-join score of the two articles) to this file.
    #[arg(long)]
    pub pairs_out: Option<PathBuf>,
    /// Fit the event-join thresholds per pair of languages on the fit part (from each pair's
    /// direct event-join score: the threshold with the best F1) and print them.
    #[arg(long)]
    pub fit: bool,
    /// With `--fit`, also a threshold for each pair of languages with enough same pairs (on
    /// STS22's few pairs a language these overfit: check F1 0.679 against 0.700 without).
    #[arg(long, requires = "fit")]
    pub per_languages: bool,
    /// Store the fitted thresholds in this weights file (the committed one is
    /// crates/storyline-similarity/weights.json), in the model's entry.
    #[arg(long, requires = "fit")]
    pub write_weights: Option<PathBuf>,
    /// Ingest with these thresholds (a weights file's entry for the model) in place of the
    /// committed ones.
    #[arg(long)]
    pub thresholds: Option<PathBuf>,
    /// Override the clusterer's semantic join threshold.
    #[arg(long)]
    pub semantic_join: Option<f32>,
    /// Override the clusterer's lexical (TF-IDF cosine) join threshold.
    #[arg(long)]
    pub lexical_join: Option<f32>,
    /// Override how far below an event's cohesion a newcomer may score and still join.
    #[arg(long)]
    pub cohesion_margin: Option<f32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IngestPart {
    All,
    Fit,
    Check,
}

/// The part a pair belongs to: check when the FNV-1a 64-bit hash of its id is odd, else fit.
/// (FNV-1a's lowest bit is the parity of the id's odd bytes: independent of the texts, so a
/// fair split, if less mixed than intended; kept as it was fixed before any result was seen.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    Fit,
    Check,
}

pub fn part_of(pair_id: &str) -> Part {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in pair_id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    if hash & 1 == 1 {
        Part::Check
    } else {
        Part::Fit
    }
}

/// Whether the two articles of a pair report one happening, by gold; `None` for the pairs in
/// between, which are left out.
pub fn gold_same(pair: &StsPair) -> Option<bool> {
    if pair.overall <= SAME_AT_MOST {
        Some(true)
    } else if pair.overall >= DIFFERENT_AT_LEAST {
        Some(false)
    } else {
        None
    }
}

/// Pair counts and their precision, recall and F1 for "same event".
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct PairScores {
    /// Gold-same pairs, and gold-different ones.
    pub same: usize,
    pub different: usize,
    pub true_positive: usize,
    pub false_positive: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl PairScores {
    fn add(&mut self, gold: bool, joined: bool) {
        match gold {
            true => self.same += 1,
            false => self.different += 1,
        }
        self.true_positive += usize::from(gold && joined);
        self.false_positive += usize::from(!gold && joined);
    }

    fn finish(mut self) -> PairScores {
        let predicted = self.true_positive + self.false_positive;
        // No pair joined: precision is undefined; count it as 1 (nothing wrong was claimed).
        self.precision = if predicted == 0 { 1.0 } else { self.true_positive as f64 / predicted as f64 };
        self.recall = if self.same == 0 { 1.0 } else { self.true_positive as f64 / self.same as f64 };
        self.f1 = if self.precision + self.recall == 0.0 {
            0.0
        } else {
            2.0 * self.precision * self.recall / (self.precision + self.recall)
        };
        self
    }
}

/// The figures of one part.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PartScores {
    pub overall: PairScores,
    pub same_language: PairScores,
    pub cross_language: PairScores,
    pub by_pair: BTreeMap<String, PairScores>,
    /// Gold-same pairs not put in one event, and how many of those the event-join score of
    /// the two articles alone (without candidates, members or order) would have joined.
    pub missed_same: usize,
    pub missed_same_scoring_above_join: usize,
}

#[derive(Debug, Serialize)]
pub struct PairsReport {
    pub model: String,
    pub split: &'static str,
    pub ingested: IngestPart,
    pub articles: usize,
    pub events: usize,
    pub largest_event: usize,
    pub ingest_seconds: f64,
    pub check: PartScores,
    pub fit: PartScores,
    /// With `--fit`: thresholds fitted on the fit part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fitted: Option<JoinThresholds>,
}

/// One decisive pair as measured.
struct Scored<'p> {
    pair: &'p StsPair,
    part: Part,
    gold: bool,
    joined: bool,
    /// The event-join score of the two articles (with embeddings).
    direct: Option<f64>,
}

pub fn article_ids(pair: &StsPair) -> (String, String) {
    match pair.pair_id.split_once('_') {
        Some((a, b)) => (a.to_string(), b.to_string()),
        None => (format!("{}-1", pair.pair_id), format!("{}-2", pair.pair_id)),
    }
}

/// The articles of these pairs in order of first appearance, each once (an article in several
/// pairs keeps its first text), with the pair's language and title.
pub fn pair_articles(pairs: &[&StsPair]) -> Vec<Article> {
    let mut seen = std::collections::HashSet::new();
    let mut articles = Vec::new();
    for pair in pairs {
        let (a, b) = article_ids(pair);
        for (id, text, language) in [(a, &pair.text1, &pair.lang1), (b, &pair.text2, &pair.lang2)] {
            if !seen.insert(id.clone()) {
                continue;
            }
            let (title, body) = split_title(text);
            let mut article = Article::new(id, body, SourceFormat::Text);
            article.title = title.map(str::to_string);
            article.language = Some(Language { code: language.clone(), confidence: 1.0 });
            articles.push(article);
        }
    }
    articles
}

pub fn eval_pairs(args: &PairsArgs, json: bool) -> Result<()> {
    let all = read_pairs(&args.pairs)?;
    let decisive: Vec<(&StsPair, bool, Part)> =
        all.iter().filter_map(|p| gold_same(p).map(|g| (p, g, part_of(&p.pair_id)))).collect();
    let ingested: Vec<&StsPair> = decisive
        .iter()
        .filter(|(_, _, part)| match args.ingest {
            IngestPart::All => true,
            IngestPart::Fit => *part == Part::Fit,
            IngestPart::Check => *part == Part::Check,
        })
        .map(|(p, _, _)| *p)
        .collect();
    let articles = pair_articles(&ingested);
    let article_count = articles.len();

    let words_only = args.model.model == "none";
    let mut options = IngestOptions {
        models_dir: storyline_embed::models_dir(Some(&args.model.models_dir)),
        embedding_model: (!words_only).then(|| args.model.model.clone()),
        // Each pair is scored directly from its two stored articles below.
        keep_all_embeddings: true,
        ..Default::default()
    };
    if let Some(path) = &args.thresholds {
        let all: Vec<Weights> = serde_json::from_str(
            &std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
        )
        .with_context(|| format!("{}: not a weights file", path.display()))?;
        let entry = all.into_iter().find(|w| w.model == args.model.model);
        options.join_thresholds = Some(entry.map(|w| w.join_thresholds).unwrap_or_default());
    }
    if let Some(t) = args.semantic_join {
        options.cluster.semantic_join = t;
    }
    if let Some(t) = args.lexical_join {
        options.cluster.join_similarity = t;
    }
    if let Some(m) = args.cohesion_margin {
        options.cluster.cohesion_margin = m;
    }
    let thresholds =
        options.join_thresholds.clone().unwrap_or_else(|| Weights::for_model(&args.model.model).join_thresholds);
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("pairs.db"))?;
    let started = Instant::now();
    ingest_articles(&mut store, articles, &options)?;
    let ingest_seconds = started.elapsed().as_secs_f64();

    let mut event_of: HashMap<String, i64> = HashMap::new();
    let mut sizes: HashMap<i64, usize> = HashMap::new();
    for article in pair_articles(&ingested) {
        let detail = store.article(&article.id)?.with_context(|| format!("article {} was not stored", article.id))?;
        *sizes.entry(detail.event).or_default() += 1;
        event_of.insert(article.id, detail.event);
    }
    let combiner = Combiner::event_join(&args.model.model);
    let embedding = |id: &str| -> Result<Option<ArticleEmbedding>> {
        if words_only {
            return Ok(None);
        }
        Ok(match store.article_embedding(id, &args.model.model)? {
            Some(bytes) => Some(ArticleEmbedding::from_bytes(&bytes)?),
            None => None,
        })
    };
    let mut scored = Vec::new();
    for (pair, gold, part) in &decisive {
        let (a, b) = article_ids(pair);
        let (Some(ea), Some(eb)) = (event_of.get(&a), event_of.get(&b)) else { continue };
        let direct = match (embedding(&a)?, embedding(&b)?) {
            (Some(x), Some(y)) => Some(combiner.score(&signals(&x, &y))),
            _ => None,
        };
        scored.push(Scored { pair, part: *part, gold: *gold, joined: ea == eb, direct });
    }
    let join = |pair: &StsPair| {
        thresholds
            .for_languages(Some(&pair.lang1), Some(&pair.lang2))
            .unwrap_or(f64::from(options.cluster.semantic_join))
    };
    let report = PairsReport {
        model: if words_only { "none (words only)".into() } else { args.model.model.clone() },
        split: "check: FNV-1a 64 of pair_id odd; fit: even",
        ingested: args.ingest,
        articles: article_count,
        events: sizes.len(),
        largest_event: sizes.values().copied().max().unwrap_or(0),
        ingest_seconds,
        check: part_scores(scored.iter().filter(|s| s.part == Part::Check), join),
        fit: part_scores(scored.iter().filter(|s| s.part == Part::Fit), join),
        fitted: args.fit.then(|| fit_thresholds(scored.iter().filter(|s| s.part == Part::Fit), args.per_languages)),
    };
    if let Some(path) = &args.pairs_out {
        let mut out = String::from("pair_id\tpart\tlanguages\tgold_same\tsame_event\tdirect\n");
        for s in &scored {
            let direct = s.direct.map_or("".to_string(), |d| format!("{d:.4}"));
            let part = if s.part == Part::Check { "check" } else { "fit" };
            out.push_str(&format!(
                "{}\t{part}\t{}\t{}\t{}\t{direct}\n",
                s.pair.pair_id,
                s.pair.language_pair(),
                s.gold,
                s.joined
            ));
        }
        std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))?;
    }
    if let (Some(path), Some(fitted)) = (&args.write_weights, &report.fitted) {
        let mut weights = Weights::for_model(&args.model.model);
        weights.join_thresholds = fitted.clone();
        crate::sts::write_weights(path, &weights)?;
        eprintln!("wrote the join thresholds for {} to {}", args.model.model, path.display());
    }
    if json {
        return print_json(&report);
    }
    println!(
        "model {}; {} articles ingested ({:?} parts) in {:.1} s: {} events, the largest {} articles",
        report.model, report.articles, report.ingested, report.ingest_seconds, report.events, report.largest_event
    );
    println!("split: {}", report.split);
    for (name, part) in [("check", &report.check), ("fit", &report.fit)] {
        println!("\n{name} part");
        println!("{:<16} {:>5} {:>5} {:>9} {:>9} {:>9}", "pairs", "same", "diff", "precision", "recall", "f1");
        let rows = [
            ("overall", &part.overall),
            ("same-language", &part.same_language),
            ("cross-language", &part.cross_language),
        ]
        .into_iter()
        .chain(part.by_pair.iter().map(|(k, v)| (k.as_str(), v)));
        for (label, s) in rows {
            println!(
                "{label:<16} {:>5} {:>5} {:>9.3} {:>9.3} {:>9.3}",
                s.same, s.different, s.precision, s.recall, s.f1
            );
        }
        println!(
            "missed same-event pairs: {}, of which {} score at or above the join threshold directly",
            part.missed_same, part.missed_same_scoring_above_join
        );
    }
    if let Some(fitted) = &report.fitted {
        println!("\nthresholds fitted on the fit part: {}", fitted.provenance);
        println!("  same language {:?}, across languages {:?}", fitted.same_language, fitted.cross_language);
        for (key, t) in &fitted.by_languages {
            println!("  {key:<8} {t:.3}");
        }
    }
    Ok(())
}

/// Fewest gold-same pairs a pair of languages needs in the fit part for a threshold of its own;
/// others take the same-language or cross-language one.
const FIT_MIN_SAME: usize = 6;

/// The event-join thresholds with the best F1 on these pairs' direct scores: one within a
/// language, one across, and one per pair of languages with enough pairs.
fn fit_thresholds<'a, 'p: 'a>(scored: impl Iterator<Item = &'a Scored<'p>>, per_languages: bool) -> JoinThresholds {
    let mut groups: BTreeMap<String, Vec<(f64, bool)>> = BTreeMap::new();
    let (mut same, mut cross) = (Vec::new(), Vec::new());
    for s in scored {
        let Some(direct) = s.direct else { continue };
        groups.entry(language_key(&s.pair.lang1, &s.pair.lang2)).or_default().push((direct, s.gold));
        if s.pair.lang1 == s.pair.lang2 { &mut same } else { &mut cross }.push((direct, s.gold));
    }
    let by_languages = groups
        .iter()
        .filter(|(_, v)| per_languages && v.iter().filter(|(_, g)| *g).count() >= FIT_MIN_SAME)
        .filter_map(|(k, v)| best_f1_threshold(v).map(|t| (k.clone(), t)))
        .collect();
    JoinThresholds {
        by_languages,
        same_language: best_f1_threshold(&same),
        cross_language: best_f1_threshold(&cross),
        provenance: format!(
            "best pair F1 of the direct event-join score on the fit part of STS22 train (pair_id's FNV-1a 64 even; \
             same: Overall <= {SAME_AT_MOST}, different: >= {DIFFERENT_AT_LEAST}){}",
            if per_languages {
                format!("; per pair of languages with at least {FIT_MIN_SAME} same pairs")
            } else {
                "; one within a language, one across".to_string()
            }
        ),
    }
}

/// The threshold with the best F1 for "score ≥ threshold means same", half way between the
/// lowest score it admits and the next lower one; `None` without a same pair.
pub fn best_f1_threshold(points: &[(f64, bool)]) -> Option<f64> {
    let mut sorted = points.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let same = sorted.iter().filter(|(_, g)| *g).count();
    if same == 0 {
        return None;
    }
    let (mut tp, mut fp, mut best) = (0usize, 0usize, (0.0f64, None));
    for (i, &(score, gold)) in sorted.iter().enumerate() {
        tp += usize::from(gold);
        fp += usize::from(!gold);
        // Only where the next score is lower: a threshold cannot split equal scores.
        if sorted.get(i + 1).is_some_and(|next| next.0 == score) {
            continue;
        }
        let f1 = 2.0 * tp as f64 / (2 * tp + fp + (same - tp)) as f64;
        if f1 > best.0 {
            let below = sorted.get(i + 1).map_or(score, |next| next.0);
            best = (f1, Some((score + below) / 2.0));
        }
    }
    best.1
}

fn part_scores<'a, 'p: 'a>(scored: impl Iterator<Item = &'a Scored<'p>>, join: impl Fn(&StsPair) -> f64) -> PartScores {
    let mut scores = PartScores::default();
    for s in scored {
        scores.overall.add(s.gold, s.joined);
        let cross = s.pair.lang1 != s.pair.lang2;
        if cross { &mut scores.cross_language } else { &mut scores.same_language }.add(s.gold, s.joined);
        scores.by_pair.entry(s.pair.language_pair()).or_default().add(s.gold, s.joined);
        if s.gold && !s.joined {
            scores.missed_same += 1;
            scores.missed_same_scoring_above_join += usize::from(s.direct.is_some_and(|d| d >= join(s.pair)));
        }
    }
    scores.overall = scores.overall.finish();
    scores.same_language = scores.same_language.finish();
    scores.cross_language = scores.cross_language.finish();
    scores.by_pair.values_mut().for_each(|s| *s = s.finish());
    scores
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_split_is_fixed_by_the_pair_id() {
        assert_eq!(part_of("1586893419_1587582551"), part_of("1586893419_1587582551"));
        // Ids like STS22's: two article numbers of ten digits.
        let mut state = 2022u64;
        let mut number = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            1_480_000_000 + (state >> 33) % 160_000_000
        };
        let ids: Vec<String> = (0..1000).map(|_| format!("{}_{}", number(), number())).collect();
        let checks = ids.iter().filter(|id| part_of(id) == Part::Check).count();
        assert!((400..600).contains(&checks), "{checks}");
    }

    #[test]
    fn the_best_threshold_lies_between_the_classes() {
        let points = [(0.9, true), (0.7, true), (0.6, false), (0.3, false)];
        assert!((best_f1_threshold(&points).unwrap() - 0.65).abs() < 1e-9);
        assert_eq!(best_f1_threshold(&[(0.5, false)]), None);
    }

    #[test]
    fn scores_count_same_event_pairs() {
        let mut s = PairScores::default();
        for (gold, joined) in [(true, true), (true, false), (false, true), (false, false)] {
            s.add(gold, joined);
        }
        let s = s.finish();
        assert_eq!((s.same, s.different, s.true_positive, s.false_positive), (2, 2, 1, 1));
        assert!((s.precision - 0.5).abs() < 1e-9 && (s.recall - 0.5).abs() < 1e-9 && (s.f1 - 0.5).abs() < 1e-9);
    }
}
