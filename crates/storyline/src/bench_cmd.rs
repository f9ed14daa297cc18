//! `storyline bench …`: speed measured on real work, each figure next to its baseline from the
//! same run (never a timed unit test). The server's load test is `scripts/bench-serve.sh` (wrk).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use serde::Serialize;
use storyline::{ingest_paths, IngestOptions};
use storyline_store::Store;

use crate::embed_cmd::{self, BenchEmbedArgs};

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Each installed embedding model: size, load time, embeddings per second, STS22 CV Pearson.
    Embed(BenchEmbedArgs),
    /// Ingest throughput of the whole pipeline, by words only, with entities and coded events,
    /// and with embeddings (the default), each into a fresh store.
    Ingest(BenchIngestArgs),
}

pub fn run(command: BenchCommand, json: bool) -> Result<()> {
    match command {
        BenchCommand::Embed(args) => embed_cmd::bench(&args, json),
        BenchCommand::Ingest(args) => ingest(&args, json),
    }
}

#[derive(Args)]
pub struct BenchIngestArgs {
    /// Files or folders of articles (default: the ML-Crisis articles, in Spanish, French and
    /// Italian).
    #[arg(default_value = "../shared/eval/timelines")]
    pub articles: Vec<PathBuf>,
    /// Only files whose articles have at least this many words in all (the target is
    /// stated for articles of about 600 words).
    #[arg(long, default_value_t = 450)]
    pub min_words: usize,
    /// Only files whose articles have at most this many words in all.
    #[arg(long, default_value_t = 750)]
    pub max_words: usize,
    /// The models folder.
    #[arg(long = "models", env = "STORYLINE_MODELS", default_value = "models")]
    pub models_dir: PathBuf,
    /// Use at most this many files (the first, in path order).
    #[arg(long, default_value_t = 300)]
    pub limit: usize,
    /// Files per transaction, at most (as `storyline ingest --batch-files`).
    #[arg(long, default_value_t = IngestOptions::default().batch_files)]
    pub batch_files: usize,
    /// Runs of each pipeline, alternating; each reports its fastest (the least disturbed by
    /// other work on the machine).
    #[arg(long, default_value_t = 2)]
    pub repeat: usize,
    /// Leave out the pipeline with embeddings, the slowest, e.g. to compare the other two often.
    #[arg(long)]
    pub no_embeddings: bool,
}

#[derive(Serialize)]
struct IngestRow {
    pipeline: &'static str,
    articles: usize,
    words_per_article: f64,
    seconds: f64,
    articles_per_second: f64,
    /// Time relative to the words-only pipeline of the same run.
    relative_time: f64,
    /// Processor time of the fastest run over its wall time: how many cores it kept busy.
    cores_busy: f64,
}

/// Processor time (user and system) this process has used so far, in seconds.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only fills the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

fn ingest(args: &BenchIngestArgs, json: bool) -> Result<()> {
    let (files, _) = storyline_ingest::discover(&args.articles);
    let files: Vec<(PathBuf, usize)> = files
        .into_iter()
        .filter_map(|file| {
            let in_file: usize =
                storyline_ingest::read_file(&file).iter().flatten().map(|a| a.text.split_whitespace().count()).sum();
            (args.min_words..=args.max_words).contains(&in_file).then(|| (file.path, in_file))
        })
        .take(args.limit)
        .collect();
    if files.is_empty() {
        bail!("no article files of {}–{} words under {:?}", args.min_words, args.max_words, args.articles);
    }
    let words: usize = files.iter().map(|f| f.1).sum();
    let files: Vec<PathBuf> = files.into_iter().map(|f| f.0).collect();
    let work = tempfile::tempdir()?;
    let no_models = work.path().join("no-models");
    std::fs::create_dir_all(&no_models)?;
    let configurations: [(&'static str, &Path, Option<String>); 3] = [
        ("words only (lexical events, no models)", &no_models, None),
        ("+ entities and coded events (NER)", &args.models_dir, None),
        ("+ embeddings (default)", &args.models_dir, Some(storyline_embed::DEFAULT_MODEL.to_string())),
    ];
    let configurations = &configurations[..if args.no_embeddings { 2 } else { 3 }];
    let mut fastest = [f64::INFINITY; 3];
    let mut cores_busy = [0.0; 3];
    let mut articles = 0;
    for round in 0..args.repeat.max(1) {
        for (i, (pipeline, models_dir, embedding_model)) in configurations.iter().enumerate() {
            let mut store = Store::open(&work.path().join(format!("bench-{round}-{i}.db")))?;
            let options = IngestOptions {
                models_dir: models_dir.to_path_buf(),
                embedding_model: embedding_model.clone(),
                batch_files: args.batch_files,
                ..IngestOptions::default()
            };
            eprintln!("{pipeline} (run {}): ingesting {} files…", round + 1, files.len());
            let (started, cpu_before) = (Instant::now(), cpu_seconds());
            articles = ingest_paths(&mut store, &files, &options, &|_| {})?.articles;
            let seconds = started.elapsed().as_secs_f64();
            if seconds < fastest[i] {
                fastest[i] = seconds;
                cores_busy[i] = (cpu_seconds() - cpu_before) / seconds;
            }
        }
    }
    let rows: Vec<IngestRow> = configurations
        .iter()
        .zip(fastest.into_iter().zip(cores_busy))
        .map(|((pipeline, _, _), (seconds, cores_busy))| IngestRow {
            pipeline,
            articles,
            words_per_article: words as f64 / articles.max(1) as f64,
            seconds,
            articles_per_second: articles as f64 / seconds,
            relative_time: seconds / fastest[0],
            cores_busy,
        })
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!("| pipeline | articles | words/article | seconds | articles/s | time vs words only | cores busy |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | {:.0} | {:.2} | {:.1} | {:.2}× | {:.2} |",
            r.pipeline,
            r.articles,
            r.words_per_article,
            r.seconds,
            r.articles_per_second,
            r.relative_time,
            r.cores_busy
        );
    }
    Ok(())
}
