//! `storyline eval sts` and `storyline bench embed`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use storyline_embed::{list_models, models_dir, Embedder};
use storyline_similarity::sts::{
    evaluate, fit_all, fit_join, pair_signals, read_pairs, Correlation, StsPair, StsReport,
};
use storyline_similarity::trees::{self, TreeParams, PARAMS};
use storyline_similarity::{Signals, TreeModel, Weights, SIGNALS};

use crate::{print_json, ModelArgs};

/// `storyline eval sts`.
#[derive(Args)]
pub struct StsArgs {
    /// The STS22 pairs CSV.
    #[arg(long, default_value = "../shared/eval/sts22/train.csv")]
    pub pairs: PathBuf,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Also fit the trees on all pairs and print what each input contributes (the CV figure is
    /// always printed).
    #[arg(long)]
    pub fit: bool,
    /// Store the trees fitted on all pairs for this model in this JSON file (the committed one is
    /// crates/storyline-similarity/fitted.json).
    #[arg(long, requires = "fit")]
    pub write: Option<PathBuf>,
    /// Store the linear event-join weights fitted on all pairs for this model in this JSON file
    /// (the committed one is crates/storyline-similarity/weights.json).
    #[arg(long, requires = "fit")]
    pub write_weights: Option<PathBuf>,
    /// Fit the event-join classifier (same against different happening) on the decisive pairs of
    /// the fit part only (`eval pairs`' split) and store it for this model in this JSON file (the
    /// committed one is crates/storyline-similarity/join.json). Use with `--stored`: clustering
    /// reads members back from their stored form.
    #[arg(long, value_name = "FILE")]
    pub write_join: Option<PathBuf>,
    /// Cross-validate a small grid of tree hyper-parameters (learning rate, depth, fewest pairs
    /// in a leaf) and print each point's figure, instead of the report.
    #[arg(long, conflicts_with = "fit")]
    pub grid: bool,
    /// Use only the first N pairs (quick checks).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Write every pair's signals to this JSON Lines file (one object per pair: id, languages,
    /// gold target, signal values), for analysis outside storyline.
    #[arg(long, value_name = "FILE.jsonl")]
    pub signals_out: Option<PathBuf>,
    /// Score the articles as the store keeps them (each read back from its stored form: one
    /// byte per dimension, four bits for sentences), as event clustering reads an event's members.
    #[arg(long)]
    pub stored: bool,
}

/// The pairs and their signals (embedding every text: the slow part).
fn sts_signals(args: &StsArgs, model: &dyn Embedder) -> Result<(Vec<StsPair>, Vec<Signals>, f64)> {
    let mut pairs = read_pairs(&args.pairs)?;
    if let Some(limit) = args.limit {
        pairs.truncate(limit);
    }
    if pairs.len() < 10 {
        bail!("{} has {} pairs; need at least 10 for {}-fold CV", args.pairs.display(), pairs.len(), 5);
    }
    let bar = ProgressBar::new(pairs.len() as u64).with_style(
        ProgressStyle::with_template("{spinner} embedding {bar:40} {pos}/{len} pairs [{elapsed_precise}, eta {eta}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let signals = pair_signals(model, &pairs, args.stored, &|done, _| bar.set_position(done as u64))?;
    bar.finish_and_clear();
    if let Some(path) = &args.signals_out {
        write_signals(path, &pairs, &signals)?;
        eprintln!("wrote the signals of {} pairs to {}", pairs.len(), path.display());
    }
    Ok((pairs, signals, started.elapsed().as_secs_f64()))
}

fn sts_report(args: &StsArgs, model: &dyn Embedder) -> Result<StsReport> {
    let (pairs, signals, seconds) = sts_signals(args, model)?;
    Ok(evaluate(model.name(), &pairs, &signals, PARAMS, seconds))
}

pub fn eval_sts(args: &StsArgs, json: bool) -> Result<()> {
    let (model, _) = args.model.load()?;
    let (pairs, signals, seconds) = sts_signals(args, model.as_ref())?;
    if args.grid {
        return grid(model.name(), &pairs, &signals, json);
    }
    let report = evaluate(model.name(), &pairs, &signals, PARAMS, seconds);
    let fitted = args.fit.then(|| fit_all(&pairs, &signals, &report));
    if let (Some(path), Some(fitted)) = (&args.write, &fitted) {
        write_model(path, fitted)?;
        eprintln!("wrote the trees for {} to {}", report.model, path.display());
    }
    if let Some(path) = &args.write_weights {
        write_weights(path, &report.linear_fitted)?;
        eprintln!("wrote the linear weights for {} to {}", report.model, path.display());
    }
    if let Some(path) = &args.write_join {
        let fitted = fit_join_on_fit_part(model.name(), &pairs, &signals, args.stored, json);
        write_model(path, &fitted)?;
        eprintln!("wrote the event-join classifier for {} to {}", report.model, path.display());
    }
    if json {
        return print_json(&report);
    }
    println!(
        "STS22 {} pairs, model {}, combined similarity, {}-fold cross-validated (embedding took {:.0} s):",
        report.overall.n, report.model, report.folds, report.embed_seconds
    );
    println!("  {:<8} {:>5} {:>8} {:>9}", "pair", "n", "pearson", "spearman");
    for (pair, c) in &report.by_pair {
        println!("  {:<8} {:>5} {:>8.3} {:>9.3}", pair, c.n, c.pearson, c.spearman);
    }
    let o = &report.overall;
    println!("  {:<8} {:>5} {:>8.3} {:>9.3}", "overall", o.n, o.pearson, o.spearman);
    println!(
        "linear event-join score (ridge on the first {} signals, same folds): pearson {:.3}",
        storyline_similarity::LINEAR_SIGNALS,
        report.linear.pearson
    );
    println!("each signal alone (no fitting):");
    for (signal, c) in &report.signals {
        println!("  {:<12} pearson {:>6.3}  spearman {:>6.3}", signal, c.pearson, c.spearman);
    }
    if let Some(c) = &report.committed_in_sample {
        println!("committed trees on these pairs (in-sample, not a test): pearson {:.3}", c.pearson);
    }
    if let Some(fitted) = &fitted {
        println!("trees fitted on all {} pairs ({} trees); mean |contribution| of each input:", o.n, fitted.trees());
        for (input, mean) in mean_contributions(fitted, &signals) {
            println!("  {input:<12} {mean:.4}");
        }
    }
    Ok(())
}

/// The event-join classifier fitted on the fit part's decisive pairs (`pairs::part_of`,
/// `pairs::gold_same`); the check part is never read.
fn fit_join_on_fit_part(model: &str, pairs: &[StsPair], signals: &[Signals], stored: bool, quiet: bool) -> TreeModel {
    let (chosen, same): (Vec<&Signals>, Vec<bool>) = pairs
        .iter()
        .zip(signals)
        .filter(|(p, _)| crate::pairs::part_of(&p.pair_id) == crate::pairs::Part::Fit)
        .filter_map(|(p, s)| crate::pairs::gold_same(p).map(|g| (s, g)))
        .unzip();
    let about = format!(
        "the fit part of STS22 train's decisive pairs (pair_id's FNV-1a 64 even; same: Overall <= {}, different: >= {}; \
         signals of the {} form)",
        crate::pairs::SAME_AT_MOST,
        crate::pairs::DIFFERENT_AT_LEAST,
        if stored { "stored" } else { "f32" }
    );
    let fit = fit_join(model, &chosen, &same, &about);
    if !quiet {
        println!("event-join classifier grid (5-fold CV on the fit part's {} decisive pairs):", same.len());
        for point in &fit.grid {
            let p = point.params;
            println!(
                "  trees {:>3} depth {} min leaf {:>2}: log loss {:.4}, best F1 {:.3}",
                p.iterations, p.max_depth, p.min_leaf, point.log_loss, point.best_f1
            );
        }
        println!("chosen: {}", fit.model.provenance);
    }
    fit.model
}

/// How much each input moves the fitted trees' scores on these pairs, on average (TreeSHAP),
/// grouped as `compare` shows them.
fn mean_contributions(model: &TreeModel, signals: &[Signals]) -> Vec<(&'static str, f64)> {
    let mut sums = vec![0.0; trees::groups().len()];
    for s in signals {
        let (contributions, _) = model.contributions(&trees::features(s));
        sums.iter_mut().zip(contributions).for_each(|(sum, c)| *sum += c.abs() / signals.len() as f64);
    }
    trees::groups().into_iter().zip(sums).collect()
}

/// `eval sts --grid`: the hyper-parameter grid behind `trees::PARAMS`, each point cross-validated
/// on the same folds. Learning rate × trees is held at 15, so every point learns about as much.
fn grid(model: &str, pairs: &[StsPair], signals: &[Signals], json: bool) -> Result<()> {
    #[derive(Serialize)]
    struct Point {
        params: TreeParams,
        pearson: f64,
    }
    let mut points = Vec::new();
    for learning_rate in [0.03, 0.05, 0.1] {
        for max_depth in [2, 3, 4] {
            for min_leaf in [10, 20, 40] {
                let iterations = (15.0f64 / learning_rate).round() as usize;
                let params = TreeParams { iterations, learning_rate, max_depth, min_leaf, ..PARAMS };
                let pearson = evaluate(model, pairs, signals, params, 0.0).overall.pearson;
                if !json {
                    println!(
                        "learning rate {learning_rate:<5} trees {iterations:>3} depth {max_depth} min leaf {min_leaf:>3}: pearson {pearson:.4}"
                    );
                }
                points.push(Point { params, pearson });
            }
        }
    }
    if json {
        return print_json(&points);
    }
    Ok(())
}

/// One line of `eval sts --signals-out`.
#[derive(Serialize)]
struct PairSignalsLine<'a> {
    pair_id: &'a str,
    lang1: &'a str,
    lang2: &'a str,
    /// (4 − Overall) / 3: 1 for the same story, 0 for unrelated ones.
    target: f64,
    signals: std::collections::BTreeMap<&'static str, f64>,
}

fn write_signals(path: &Path, pairs: &[StsPair], signals: &[Signals]) -> Result<()> {
    let mut out = String::new();
    for (pair, s) in pairs.iter().zip(signals) {
        let line = PairSignalsLine {
            pair_id: &pair.pair_id,
            lang1: &pair.lang1,
            lang2: &pair.lang2,
            target: pair.target(),
            signals: SIGNALS.iter().copied().zip(s.values.iter().copied()).collect(),
        };
        out.push_str(&serde_json::to_string(&line)?);
        out.push('\n');
    }
    std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))
}

/// The per-model entries of a committed JSON file (weights or trees); none when it is missing.
fn read_entries<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Replaces (or adds) this model's entry in a weights file, keeping the others.
pub(crate) fn write_weights(path: &Path, fitted: &Weights) -> Result<()> {
    let mut all: Vec<Weights> = read_entries(path)?;
    all.retain(|w| w.model != fitted.model);
    all.push(fitted.clone());
    all.sort_by(|a, b| a.model.cmp(&b.model));
    std::fs::write(path, serde_json::to_string_pretty(&all)? + "\n")
        .with_context(|| format!("writing {}", path.display()))
}

/// Replaces (or adds) this model's entry in a fitted-models file, keeping the others: one
/// compact JSON line per model, since a few hundred trees are for machines to read.
fn write_model(path: &Path, fitted: &TreeModel) -> Result<()> {
    let mut all: Vec<TreeModel> = read_entries(path)?;
    all.retain(|m| m.model != fitted.model);
    let mut lines: Vec<(String, String)> = Vec::new();
    for m in all.iter().chain([fitted]) {
        lines.push((m.model.clone(), serde_json::to_string(m)?));
    }
    lines.sort();
    let body: Vec<String> = lines.into_iter().map(|(_, line)| line).collect();
    std::fs::write(path, format!("[\n{}\n]\n", body.join(",\n"))).with_context(|| format!("writing {}", path.display()))
}

#[derive(Args)]
pub struct BenchEmbedArgs {
    /// The models folder.
    #[arg(long = "models", env = "STORYLINE_MODELS", default_value = "models")]
    pub models_dir: PathBuf,
    /// Only these models (default: every installed one).
    #[arg(long = "model")]
    pub only: Vec<String>,
    /// The STS22 pairs: their sentences are the speed test, the pairs the quality test.
    #[arg(long, default_value = "../shared/eval/sts22/train.csv")]
    pub pairs: PathBuf,
    /// Sentences embedded for the speed test.
    #[arg(long, default_value_t = 1000)]
    pub sentences: usize,
    /// Skip the STS22 evaluation (speed only).
    #[arg(long)]
    pub no_eval: bool,
    /// Write each sentence with its vector, one JSON object a line (of the last model run):
    /// what a peer runtime of the same model is compared with.
    #[arg(long, value_name = "FILE")]
    pub write_vectors: Option<PathBuf>,
}

#[derive(Serialize)]
struct BenchRow {
    model: String,
    size_mb: f64,
    dimension: usize,
    load_seconds: f64,
    sentences: usize,
    sentences_per_second: f64,
    threads: usize,
    sts22_cv: Option<Correlation>,
}

fn write_vectors(path: &Path, sentences: &[&str], vectors: &[Vec<f32>]) -> Result<()> {
    let mut out = String::new();
    for (sentence, vector) in sentences.iter().zip(vectors) {
        out.push_str(&serde_json::to_string(&serde_json::json!({ "sentence": sentence, "vector": vector }))?);
        out.push('\n');
    }
    std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))
}

pub fn bench(args: &BenchEmbedArgs, json: bool) -> Result<()> {
    let dir = models_dir(Some(&args.models_dir));
    let pairs = read_pairs(&args.pairs)?;
    let sentences: Vec<&str> = pairs
        .iter()
        .flat_map(|p| [p.text1.as_str(), p.text2.as_str()])
        .flat_map(|t| storyline_text::sentences(t).into_iter().map(|s| s.text))
        .take(args.sentences)
        .collect();
    let mut rows = Vec::new();
    for installed in list_models(&dir) {
        let name = installed.spec.name;
        if !args.only.is_empty() && !args.only.iter().any(|m| m == name) {
            continue;
        }
        if !installed.installed {
            eprintln!("skipping {name}: not installed in {}", dir.display());
            continue;
        }
        let model_args = ModelArgs { model: name.to_string(), models_dir: dir.clone() };
        let (model, load_seconds) = model_args.load()?;
        let started = Instant::now();
        let vectors = model.embed(&sentences)?;
        let speed = sentences.len() as f64 / started.elapsed().as_secs_f64();
        if let Some(path) = &args.write_vectors {
            write_vectors(path, &sentences, &vectors)?;
        }
        let sts22_cv = if args.no_eval {
            None
        } else {
            let sts = StsArgs {
                pairs: args.pairs.clone(),
                model: model_args,
                fit: false,
                write: None,
                write_weights: None,
                write_join: None,
                grid: false,
                limit: None,
                signals_out: None,
                stored: false,
            };
            Some(sts_report(&sts, model.as_ref())?.overall)
        };
        rows.push(BenchRow {
            model: name.to_string(),
            size_mb: installed.size_bytes as f64 / 1e6,
            dimension: model.dimension(),
            load_seconds,
            sentences: sentences.len(),
            sentences_per_second: speed,
            threads: rayon::current_num_threads(),
            sts22_cv,
        });
    }
    if json {
        return print_json(&rows);
    }
    println!(
        "| model | size MB | dims | load s | sentences/s ({} threads) | STS22 5-fold CV Pearson |",
        rayon::current_num_threads()
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for r in &rows {
        let sts = r.sts22_cv.map_or("–".to_string(), |c| format!("{:.3}", c.pearson));
        println!(
            "| {} | {:.1} | {} | {:.2} | {:.0} | {} |",
            r.model, r.size_mb, r.dimension, r.load_seconds, r.sentences_per_second, sts
        );
    }
    Ok(())
}
