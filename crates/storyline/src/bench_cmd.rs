//! `storyline bench …`: speed measured on real work, each figure next to its baseline from the
//! same run (never a timed unit test).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use serde::Serialize;
use storyline::{ingest_paths, IngestOptions, ServerBackend};
use storyline_store::Store;

use crate::embed_cmd::{self, BenchEmbedArgs};

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Each installed embedding model: size, load time, embeddings per second, STS22 CV Pearson.
    Embed(BenchEmbedArgs),
    /// Ingest throughput of the whole pipeline, by words only, with entities and coded events,
    /// and with embeddings (the default), each into a fresh store.
    Ingest(BenchIngestArgs),
    /// A load test of `storyline serve` on loopback: requests per second and latency
    /// percentiles per path, over the store given by --db.
    Http(BenchHttpArgs),
}

pub fn run(command: BenchCommand, db: &Path, json: bool) -> Result<()> {
    match command {
        BenchCommand::Embed(args) => embed_cmd::bench(&args, json),
        BenchCommand::Ingest(args) => ingest(&args, json),
        BenchCommand::Http(args) => http(db, &args, json),
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

#[derive(Args)]
pub struct BenchHttpArgs {
    /// Paths requested, each measured on its own (default: the front page, its event list, a
    /// search).
    #[arg(long = "path")]
    pub paths: Vec<String>,
    /// Seconds of load per path.
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
    /// Concurrent client connections.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
}

#[derive(Serialize)]
struct HttpRow {
    path: String,
    requests: usize,
    errors: usize,
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

fn http(db: &Path, args: &BenchHttpArgs, json: bool) -> Result<()> {
    let store = Store::open(db).with_context(|| format!("opening the store {}", db.display()))?;
    if store.stats()?.articles == 0 {
        bail!("the store {} is empty: ingest articles first (e.g. storyline ingest ../shared/seeds)", db.display());
    }
    drop(store);
    let addr = storyline_server::spawn("127.0.0.1:0".parse()?, db, Arc::new(ServerBackend::default()))?;
    let paths = if args.paths.is_empty() {
        vec!["/".to_string(), "/api/events?limit=20".to_string(), "/api/search?q=Misrata".to_string()]
    } else {
        args.paths.clone()
    };
    let mut rows = Vec::new();
    for path in paths {
        let url = format!("http://{addr}{path}");
        // One warm-up request: the first search opens the index.
        let _ = ureq::get(&url).call();
        let deadline = Instant::now() + Duration::from_secs_f64(args.seconds);
        let started = Instant::now();
        let workers: Vec<_> = (0..args.concurrency.max(1))
            .map(|_| {
                let url = url.clone();
                std::thread::spawn(move || {
                    let agent = ureq::Agent::new_with_defaults();
                    let (mut latencies, mut errors) = (Vec::new(), 0usize);
                    while Instant::now() < deadline {
                        let sent = Instant::now();
                        match agent.get(&url).call().and_then(|mut r| r.body_mut().read_to_vec()) {
                            Ok(_) => latencies.push(sent.elapsed()),
                            Err(_) => errors += 1,
                        }
                    }
                    (latencies, errors)
                })
            })
            .collect();
        let (mut latencies, mut errors) = (Vec::new(), 0);
        for worker in workers {
            let (l, e) = worker.join().map_err(|_| anyhow::anyhow!("a load-test client panicked"))?;
            latencies.extend(l);
            errors += e;
        }
        let elapsed = started.elapsed().as_secs_f64();
        latencies.sort();
        let ms = |q: f64| {
            latencies
                .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        rows.push(HttpRow {
            path,
            requests: latencies.len(),
            errors,
            requests_per_second: latencies.len() as f64 / elapsed,
            p50_ms: ms(0.5),
            p99_ms: ms(0.99),
            max_ms: latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        });
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!(
        "{} client connections, {:.0} s per path, server on {addr} (same process)",
        args.concurrency, args.seconds
    );
    println!("| path | requests | errors | requests/s | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| `{}` | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} |",
            r.path, r.requests, r.errors, r.requests_per_second, r.p50_ms, r.p99_ms, r.max_ms
        );
    }
    Ok(())
}
