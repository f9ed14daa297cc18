//! The embedding and article-similarity commands: `models`, `compare`, `eval sts`, `bench embed`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use storyline_embed::{list_models, load_model, models_dir, Embedder, DEFAULT_MODEL};
use storyline_similarity::sts::{evaluate, pair_signals, read_pairs, Correlation, StsReport};
use storyline_similarity::{similarity, ArticleEmbedding, Weights};
use storyline_store::Store;

use crate::render::print_json;

/// Where the models are and which one to use.
#[derive(Args, Clone)]
pub struct ModelArgs {
    /// The embedding model (see `storyline models`).
    #[arg(long, env = "STORYLINE_MODEL", default_value = DEFAULT_MODEL)]
    pub model: String,
    /// The models folder (filled by scripts/setup.d/20-models.sh).
    #[arg(long = "models", env = "STORYLINE_MODELS", default_value = "models")]
    pub models_dir: PathBuf,
}

impl ModelArgs {
    fn load(&self) -> Result<(Box<dyn Embedder>, f64)> {
        let started = Instant::now();
        let model = load_model(&self.model, &models_dir(Some(&self.models_dir)))?;
        Ok((model, started.elapsed().as_secs_f64()))
    }
}

/// `storyline models`: the known embedding models and whether they are installed.
pub fn models(dir: &Path, json: bool) -> Result<()> {
    let models = list_models(&models_dir(Some(dir)));
    if json {
        return print_json(&models);
    }
    println!("Models in {}:", dir.display());
    for m in &models {
        let state = if m.installed {
            format!("installed, {:.1} MB", m.size_bytes as f64 / 1e6)
        } else {
            "not installed".into()
        };
        let default = if m.default { " (default)" } else { "" };
        println!("  {:<10} {}{default}\n             {}; {}", m.spec.name, state, m.spec.description, m.spec.languages);
    }
    if models.iter().any(|m| !m.installed) {
        println!("Install the missing ones with: bash scripts/setup.d/20-models.sh");
    }
    Ok(())
}

#[derive(Serialize)]
struct Comparison<'a> {
    a: &'a str,
    b: &'a str,
    model: &'a str,
    #[serde(flatten)]
    explained: storyline_similarity::Explained,
}

/// `storyline compare A B`: the similarity of two stored articles, and why.
pub fn compare(store: &Store, a: &str, b: &str, model_args: &ModelArgs, json: bool) -> Result<()> {
    let fetch = |id: &str| -> Result<storyline_model::Article> {
        Ok(store.article(id)?.with_context(|| format!("no article with id {id:?} in the store"))?.article)
    };
    let (first, second) = (fetch(a)?, fetch(b)?);
    let (model, _) = model_args.load()?;
    let embedded = ArticleEmbedding::compute_many(
        model.as_ref(),
        &[(first.title.as_deref(), first.text.as_str()), (second.title.as_deref(), second.text.as_str())],
    )?;
    let mut embedded = embedded.into_iter();
    let (ea, eb) = match (embedded.next(), embedded.next()) {
        (Some(x), Some(y)) => (x.with_published(first.published), y.with_published(second.published)),
        _ => bail!("the model returned no embeddings"),
    };
    let weights = Weights::for_model(model.name());
    let explained = similarity(&ea, &eb, &weights);
    if json {
        return print_json(&Comparison { a, b, model: model.name(), explained });
    }
    println!(
        "similarity {:.3} between {a} and {b} ({}, weights: {})",
        explained.score,
        model.name(),
        weights.provenance
    );
    println!("  {:<12} {:>8} {:>13}", "signal", "value", "contribution");
    println!("  {:<12} {:>8} {:>+13.3}", "bias", "", explained.bias);
    for c in &explained.contributions {
        let value = if c.signal == "time" { format!("{:.1} d", c.value) } else { format!("{:.3}", c.value) };
        println!("  {:<12} {:>8} {:>+13.3}", c.signal, value, c.contribution);
    }
    println!("best-aligned sentences:");
    for p in &explained.aligned_pairs {
        println!("  {:.3}  [{}] {}\n         [{}] {}", p.similarity, p.a_index, clip(&p.a), p.b_index, clip(&p.b));
    }
    Ok(())
}

fn clip(text: &str) -> String {
    if text.chars().count() <= 110 {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(110).collect::<String>())
    }
}

/// `storyline eval sts`.
#[derive(Args)]
pub struct StsArgs {
    /// The STS22 pairs CSV.
    #[arg(long, default_value = "../shared/eval/sts22/train.csv")]
    pub pairs: PathBuf,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Also print the weights fitted on all pairs (the CV figure is always printed).
    #[arg(long)]
    pub fit: bool,
    /// Store the weights fitted on all pairs for this model in this JSON file (the committed one
    /// is crates/storyline-similarity/weights.json).
    #[arg(long, requires = "fit")]
    pub write: Option<PathBuf>,
    /// Use only the first N pairs (quick checks).
    #[arg(long)]
    pub limit: Option<usize>,
}

fn sts_report(args: &StsArgs, model: &dyn Embedder) -> Result<StsReport> {
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
    let signals = pair_signals(model, &pairs, &|done, _| bar.set_position(done as u64))?;
    bar.finish_and_clear();
    Ok(evaluate(model.name(), &pairs, &signals, started.elapsed().as_secs_f64()))
}

pub fn eval_sts(args: &StsArgs, json: bool) -> Result<()> {
    let (model, _) = args.model.load()?;
    let report = sts_report(args, model.as_ref())?;
    if let Some(path) = &args.write {
        write_weights(path, &report.fitted)?;
        eprintln!("wrote the weights for {} to {}", report.model, path.display());
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
    println!("each signal alone (no fitting):");
    for (signal, c) in &report.signals {
        println!("  {:<12} pearson {:>6.3}  spearman {:>6.3}", signal, c.pearson, c.spearman);
    }
    if let Some(c) = &report.committed_in_sample {
        println!("committed weights on these pairs (in-sample, not a test): pearson {:.3}", c.pearson);
    }
    if args.fit {
        let w = &report.fitted;
        println!("weights fitted on all {} pairs: bias {:+.4}", o.n, w.bias);
        for (signal, weight) in &w.weights {
            println!("  {signal:<12} {weight:+.4}");
        }
    }
    Ok(())
}

/// Replaces (or adds) this model's entry in a weights file, keeping the others.
fn write_weights(path: &Path, fitted: &Weights) -> Result<()> {
    let mut all: Vec<Weights> = match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    all.retain(|w| w.model != fitted.model);
    all.push(fitted.clone());
    all.sort_by(|a, b| a.model.cmp(&b.model));
    std::fs::write(path, serde_json::to_string_pretty(&all)? + "\n")
        .with_context(|| format!("writing {}", path.display()))
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
        model.embed(&sentences)?;
        let speed = sentences.len() as f64 / started.elapsed().as_secs_f64();
        let sts22_cv = if args.no_eval {
            None
        } else {
            let sts = StsArgs { pairs: args.pairs.clone(), model: model_args, fit: false, write: None, limit: None };
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
