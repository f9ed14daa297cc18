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
    /// Files or folders of articles (default: the Spanish ML-Crisis articles).
    #[arg(default_value = "../shared/eval/timelines/es")]
    pub articles: Vec<PathBuf>,
    /// The models folder.
    #[arg(long = "models", env = "STORYLINE_MODELS", default_value = "models")]
    pub models_dir: PathBuf,
    /// Use at most this many files (the first, in path order).
    #[arg(long, default_value_t = 300)]
    pub limit: usize,
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
}

fn ingest(args: &BenchIngestArgs, json: bool) -> Result<()> {
    let (files, _) = storyline_ingest::discover(&args.articles);
    let files: Vec<_> = files.into_iter().take(args.limit).collect();
    if files.is_empty() {
        bail!("no article files under {:?}", args.articles);
    }
    let words: usize =
        files.iter().flat_map(storyline_ingest::read_file).flatten().map(|a| a.text.split_whitespace().count()).sum();
    let files: Vec<PathBuf> = files.into_iter().map(|f| f.path).collect();
    let work = tempfile::tempdir()?;
    let no_models = work.path().join("no-models");
    std::fs::create_dir_all(&no_models)?;
    let configurations: [(&'static str, &Path, Option<String>); 3] = [
        ("words only (lexical events, no models)", &no_models, None),
        ("+ entities and coded events (NER)", &args.models_dir, None),
        ("+ embeddings (default)", &args.models_dir, Some(storyline_embed::DEFAULT_MODEL.to_string())),
    ];
    let mut rows: Vec<IngestRow> = Vec::new();
    for (i, (pipeline, models_dir, embedding_model)) in configurations.into_iter().enumerate() {
        let mut store = Store::open(&work.path().join(format!("bench-{i}.db")))?;
        let options =
            IngestOptions { models_dir: models_dir.to_path_buf(), embedding_model, ..IngestOptions::default() };
        eprintln!("{pipeline}: ingesting {} files…", files.len());
        let started = Instant::now();
        let report = ingest_paths(&mut store, &files, &options, &|_| {})?;
        let seconds = started.elapsed().as_secs_f64();
        let baseline = rows.first().map_or(seconds, |r| r.seconds);
        rows.push(IngestRow {
            pipeline,
            articles: report.articles,
            words_per_article: words as f64 / report.articles.max(1) as f64,
            seconds,
            articles_per_second: report.articles as f64 / seconds,
            relative_time: seconds / baseline,
        });
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!("| pipeline | articles | words/article | seconds | articles/s | time vs words only |");
    println!("|---|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | {:.0} | {:.2} | {:.1} | {:.2}× |",
            r.pipeline, r.articles, r.words_per_article, r.seconds, r.articles_per_second, r.relative_time
        );
    }
    Ok(())
}
