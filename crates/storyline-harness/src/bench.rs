//! `storyline bench …`: speed measured on real work, each figure next to its baseline from the
//! same run (never a timed unit test). The server's load test is `scripts/bench-serve.sh` (wrk).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use serde::Serialize;
use storyline_pipeline::{ingest_paths, IngestOptions};
use storyline_store::{ScratchDatabase, Store};

use crate::sts::{self, BenchEmbedArgs};

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Each installed embedding model: size, load time, embeddings per second, STS22 CV Pearson.
    Embed(BenchEmbedArgs),
    /// Ingest throughput of the whole pipeline, by words only, with entities and coded events,
    /// and with embeddings (the default), each into a fresh store.
    Ingest(BenchIngestArgs),
    /// The cost of the millionth article: ingest a synthetic stream (real sentences recombined,
    /// see `synthetic.rs`) into one store, reporting each window's articles/s, time per batch,
    /// resident memory and store bytes per article.
    Growth(BenchGrowthArgs),
    /// Write the synthetic stream `bench growth` ingests as JSON Lines files, for other tools
    /// (the peers of `scripts/bench-peers.sh`) to read the same articles.
    Corpus(BenchCorpusArgs),
}

pub fn run(command: BenchCommand, json: bool) -> Result<()> {
    match command {
        BenchCommand::Embed(args) => sts::bench(&args, json),
        BenchCommand::Ingest(args) => ingest(&args, json),
        BenchCommand::Growth(args) => growth(&args, json),
        BenchCommand::Corpus(args) => corpus(&args),
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
    /// Also run each pipeline into a fresh database on this PostgreSQL server (a URL of a
    /// database there from which the user may create databases, e.g.
    /// `postgres://me@127.0.0.1/postgres`), beside the SQLite file; each run's database is
    /// dropped after it.
    #[arg(long, value_name = "POSTGRES_URL")]
    pub store: Option<String>,
}

#[derive(Serialize)]
struct IngestRow {
    pipeline: &'static str,
    /// `sqlite` or `postgresql`.
    store: &'static str,
    articles: usize,
    words_per_article: f64,
    seconds: f64,
    articles_per_second: f64,
    /// Time relative to the words-only pipeline into SQLite, in the same run.
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
    if let Some(server) = &args.store {
        if !storyline_store::is_postgres_location(server) {
            bail!("--store takes a PostgreSQL server's URL (postgres://…), not {server:?}: the SQLite file is measured anyway");
        }
    }
    let stores: Vec<&'static str> =
        std::iter::once("sqlite").chain(args.store.as_ref().map(|_| "postgresql")).collect();
    // Indexed by configuration, then store.
    let mut fastest = vec![vec![f64::INFINITY; stores.len()]; configurations.len()];
    let mut cores_busy = vec![vec![0.0; stores.len()]; configurations.len()];
    let mut articles = 0;
    for round in 0..args.repeat.max(1) {
        for (i, (pipeline, models_dir, embedding_model)) in configurations.iter().enumerate() {
            for (j, backend) in stores.iter().enumerate() {
                // Kept until the run ends; dropping it drops the database.
                let mut scratch = None;
                let mut store = match (*backend, &args.store) {
                    ("postgresql", Some(server)) => {
                        let database = scratch.insert(ScratchDatabase::create(server, "bench")?);
                        Store::open_location(database.url())?
                    }
                    _ => Store::open(&work.path().join(format!("bench-{round}-{i}.db")))?,
                };
                let options = IngestOptions {
                    models_dir: models_dir.to_path_buf(),
                    embedding_model: embedding_model.clone(),
                    batch_files: args.batch_files,
                    ..IngestOptions::default()
                };
                eprintln!("{pipeline} into {backend} (run {}): ingesting {} files…", round + 1, files.len());
                let (started, cpu_before) = (Instant::now(), cpu_seconds());
                articles = ingest_paths(&mut store, &files, &options, &|_| {})?.articles;
                let seconds = started.elapsed().as_secs_f64();
                if seconds < fastest[i][j] {
                    fastest[i][j] = seconds;
                    cores_busy[i][j] = (cpu_seconds() - cpu_before) / seconds;
                }
                drop(store);
                drop(scratch);
            }
        }
    }
    let rows: Vec<IngestRow> = configurations
        .iter()
        .enumerate()
        .flat_map(|(i, (pipeline, _, _))| stores.iter().enumerate().map(move |(j, store)| (i, j, *pipeline, *store)))
        .map(|(i, j, pipeline, store)| IngestRow {
            pipeline,
            store,
            articles,
            words_per_article: words as f64 / articles.max(1) as f64,
            seconds: fastest[i][j],
            articles_per_second: articles as f64 / fastest[i][j],
            relative_time: fastest[i][j] / fastest[0][0],
            cores_busy: cores_busy[i][j],
        })
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!(
        "| pipeline | store | articles | words/article | seconds | articles/s | time vs words only | cores busy |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {:.0} | {:.2} | {:.1} | {:.2}× | {:.2} |",
            r.pipeline,
            r.store,
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

/// What `bench growth` runs.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GrowthPipeline {
    /// Lexical events only, no models.
    Words,
    /// Entities and coded events (the NER model), no embeddings.
    Entities,
    /// Everything, with the default embedding model.
    Default,
}

#[derive(Args)]
pub struct BenchGrowthArgs {
    /// Articles to ingest in all.
    #[arg(long, default_value_t = 200_000)]
    pub articles: u64,
    /// Articles per reported window.
    #[arg(long, default_value_t = 50_000)]
    pub window: u64,
    /// The real articles the stream's sentences come from.
    #[arg(long, default_value = "../shared/eval/timelines")]
    pub sources: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = GrowthPipeline::Words)]
    pub pipeline: GrowthPipeline,
    /// The models folder.
    #[arg(long = "models", env = "STORYLINE_MODELS", default_value = "models")]
    pub models_dir: PathBuf,
    /// Keep the store here (it must not exist yet), e.g. to measure the server on it; by default
    /// a temporary store is removed at the end.
    #[arg(long)]
    pub keep_store: Option<PathBuf>,
    /// Articles per transaction.
    #[arg(long, default_value_t = IngestOptions::default().batch_files)]
    pub batch_files: usize,
}

#[derive(Args)]
pub struct BenchCorpusArgs {
    /// The folder to write into (created): one JSON Lines file per 10,000 articles.
    pub out: PathBuf,
    #[arg(long, default_value_t = 10_000)]
    pub articles: u64,
    /// The total the stream's dates are spread for (as `bench growth --articles`); by default
    /// `--articles`.
    #[arg(long)]
    pub stream: Option<u64>,
    #[arg(long, default_value = "../shared/eval/timelines")]
    pub sources: Vec<PathBuf>,
}

#[derive(Serialize, Clone)]
struct GrowthWindow {
    /// Articles stored when the window ended.
    articles: u64,
    seconds: f64,
    articles_per_second: f64,
    batch_ms_p50: f64,
    batch_ms_p99: f64,
    resident_mb: f64,
    peak_resident_mb: f64,
    /// The store's files (database and write-ahead log) over the articles stored.
    store_bytes_per_article: f64,
    /// Title and text bytes per article: the part of the store no format can avoid.
    text_bytes_per_article: f64,
    /// Processor time of the whole process (every thread) per article in the window: less
    /// disturbed than wall time when other work shares the machine.
    cpu_ms_per_article: f64,
    /// Processor time of the writer thread (which stores in arrival order, the part that can
    /// grow with the store) per article in the window.
    writer_cpu_ms_per_article: f64,
}

/// Processor time of the calling thread, in seconds.
fn thread_cpu_seconds() -> f64 {
    // SAFETY: clock_gettime only fills the struct it is given.
    let t = unsafe {
        let mut t = std::mem::zeroed::<libc::timespec>();
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t);
        t
    };
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

/// Resident and peak resident memory of this process, in MB (Linux; zero elsewhere).
fn resident_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn store_bytes(db: &Path) -> u64 {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    [db.to_path_buf(), PathBuf::from(wal)].iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn load_corpus(sources: &[PathBuf], total: u64) -> Result<crate::synthetic::Corpus> {
    let articles = crate::synthetic::load_sources(sources);
    match crate::synthetic::Corpus::new(&articles, total) {
        Some(corpus) => Ok(corpus),
        None => bail!("no articles with a language and four sentences under {sources:?}"),
    }
}

fn corpus(args: &BenchCorpusArgs) -> Result<()> {
    use rayon::prelude::*;
    use std::io::Write;
    let corpus = load_corpus(&args.sources, args.stream.unwrap_or(args.articles))?;
    std::fs::create_dir_all(&args.out)?;
    const PER_FILE: u64 = 10_000;
    for start in (0..args.articles).step_by(PER_FILE as usize) {
        let end = (start + PER_FILE).min(args.articles);
        let lines: Vec<String> = (start..end)
            .into_par_iter()
            .map(|i| {
                let a = corpus.article(i);
                serde_json::json!({
                    "id": a.id, "url": a.url, "title": a.title, "text": a.text, "source": a.outlet,
                    "published": a.published.map(|d| d.to_rfc3339()),
                    "lang": a.language.map(|l| l.code),
                })
                .to_string()
            })
            .collect();
        let path = args.out.join(format!("synthetic-{start:07}.jsonl"));
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        for line in lines {
            writeln!(file, "{line}")?;
        }
        file.flush()?;
    }
    eprintln!("{} synthetic articles from {} sources in {}", args.articles, corpus.sources(), args.out.display());
    Ok(())
}

fn growth(args: &BenchGrowthArgs, json: bool) -> Result<()> {
    use rayon::prelude::*;
    use std::sync::Mutex;

    let corpus = load_corpus(&args.sources, args.articles)?;
    let work = tempfile::tempdir_in(std::env::temp_dir())?;
    let db = match &args.keep_store {
        Some(path) if path.exists() => bail!("{} exists; --keep-store makes a new store", path.display()),
        Some(path) => path.clone(),
        None => work.path().join("growth.db"),
    };
    let no_models = work.path().join("no-models");
    std::fs::create_dir_all(&no_models)?;
    let (models_dir, embedding_model) = match args.pipeline {
        GrowthPipeline::Words => (no_models.clone(), None),
        GrowthPipeline::Entities => (args.models_dir.clone(), None),
        GrowthPipeline::Default => (args.models_dir.clone(), Some(storyline_embed::DEFAULT_MODEL.to_string())),
    };
    let options =
        IngestOptions { models_dir, embedding_model, batch_files: args.batch_files.max(1), ..IngestOptions::default() };
    let mut store = Store::open(&db)?;
    eprintln!(
        "growth: {} synthetic articles from {} sources, windows of {}, into {}",
        args.articles,
        corpus.sources(),
        args.window,
        db.display()
    );

    // Title and text bytes of each article made, in order (the generator runs ahead of storing).
    let text_bytes: Mutex<Vec<u32>> = Mutex::new(Vec::with_capacity(args.articles as usize));
    let step = options.batch_files as u64;
    let batches = (0..args.articles).step_by(step as usize).map(|start| {
        let end = (start + step).min(args.articles);
        let articles: Vec<_> = (start..end).into_par_iter().map(|i| corpus.article(i)).collect();
        let mut bytes = text_bytes.lock().unwrap_or_else(|p| p.into_inner());
        bytes.extend(articles.iter().map(|a| (a.text.len() + a.title.as_ref().map_or(0, String::len)) as u32));
        (articles.into_iter().map(Ok).collect(), (end - start) as usize)
    });

    struct Clock {
        window_cpu: f64,
        window_writer_cpu: f64,
        window_started: Instant,
        last_batch: Instant,
        batch_ms: Vec<f64>,
        windows: Vec<GrowthWindow>,
    }
    let clock = Mutex::new(Clock {
        window_cpu: 0.0,
        window_writer_cpu: 0.0,
        window_started: Instant::now(),
        last_batch: Instant::now(),
        batch_ms: Vec::new(),
        windows: Vec::new(),
    });
    let window = args.window.max(1);
    let progress = |p: storyline_pipeline::IngestProgress| {
        if p.waiting_for_writer.is_some() {
            return;
        }
        let mut c = clock.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        // Progress is reported on the writer's thread.
        let (cpu, writer_cpu) = (cpu_seconds(), thread_cpu_seconds());
        if p.files_done == 0 {
            (c.window_started, c.last_batch, c.window_cpu, c.window_writer_cpu) = (now, now, cpu, writer_cpu);
            return;
        }
        let ms = now.duration_since(c.last_batch).as_secs_f64() * 1e3;
        c.batch_ms.push(ms);
        c.last_batch = now;
        let done = p.files_done as u64;
        let in_window = done - c.windows.last().map_or(0, |w| w.articles);
        if in_window < window && done < args.articles {
            return;
        }
        let seconds = now.duration_since(c.window_started).as_secs_f64();
        let mut sorted = std::mem::take(&mut c.batch_ms);
        sorted.sort_by(f64::total_cmp);
        let (resident_mb, peak_resident_mb) = resident_mb();
        let text: u64 =
            text_bytes.lock().unwrap_or_else(|e| e.into_inner())[..done as usize].iter().map(|&b| b as u64).sum();
        let row = GrowthWindow {
            articles: done,
            seconds,
            articles_per_second: in_window as f64 / seconds,
            batch_ms_p50: percentile(&sorted, 0.5),
            batch_ms_p99: percentile(&sorted, 0.99),
            resident_mb,
            peak_resident_mb,
            store_bytes_per_article: store_bytes(&db) as f64 / done as f64,
            text_bytes_per_article: text as f64 / done as f64,
            cpu_ms_per_article: (cpu - c.window_cpu) * 1e3 / in_window as f64,
            writer_cpu_ms_per_article: (writer_cpu - c.window_writer_cpu) * 1e3 / in_window as f64,
        };
        (c.window_cpu, c.window_writer_cpu) = (cpu, writer_cpu);
        eprintln!(
            "  {:>9} articles: {:>7.1} articles/s, batch p50 {:.0} ms p99 {:.0} ms, resident {:.0} MB (peak {:.0}), \
             store {:.0} B/article ({:.0} B text), cpu {:.2} ms/article (writer {:.2})",
            row.articles,
            row.articles_per_second,
            row.batch_ms_p50,
            row.batch_ms_p99,
            row.resident_mb,
            row.peak_resident_mb,
            row.store_bytes_per_article,
            row.text_bytes_per_article,
            row.cpu_ms_per_article,
            row.writer_cpu_ms_per_article
        );
        c.windows.push(row);
        c.window_started = now;
    };
    let started = Instant::now();
    let report =
        storyline_pipeline::ingest_article_batches(&mut store, batches, args.articles as usize, &options, &progress)?;
    let seconds = started.elapsed().as_secs_f64();
    drop(store);
    let windows = clock.into_inner().unwrap_or_else(|e| e.into_inner()).windows;
    let (first, last) = (windows.first().cloned(), windows.last().cloned());
    let last_over_first = match (&first, &last) {
        (Some(f), Some(l)) => l.articles_per_second / f.articles_per_second,
        _ => 0.0,
    };
    #[derive(Serialize)]
    struct Growth<'a> {
        pipeline: &'static str,
        articles: usize,
        duplicates: usize,
        events: usize,
        seconds: f64,
        last_window_over_first: f64,
        windows: &'a [GrowthWindow],
    }
    let out = Growth {
        pipeline: match args.pipeline {
            GrowthPipeline::Words => "words only",
            GrowthPipeline::Entities => "+ entities and coded events",
            GrowthPipeline::Default => "+ embeddings (default)",
        },
        articles: report.new,
        duplicates: report.duplicates.values().sum(),
        events: report.events_created,
        seconds,
        last_window_over_first: last_over_first,
        windows: &windows,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "{}: {} articles stored ({} duplicates, {} events) in {:.0} s; last window's articles/s {:.0} % of the first's",
        out.pipeline,
        out.articles,
        out.duplicates,
        out.events,
        seconds,
        100.0 * last_over_first
    );
    println!(
        "| articles | articles/s | batch p50 ms | batch p99 ms | resident MB | peak MB | store B/article | text B/article | CPU ms/article | writer CPU ms/article |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for w in &windows {
        println!(
            "| {} | {:.1} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} |",
            w.articles,
            w.articles_per_second,
            w.batch_ms_p50,
            w.batch_ms_p99,
            w.resident_mb,
            w.peak_resident_mb,
            w.store_bytes_per_article,
            w.text_bytes_per_article,
            w.cpu_ms_per_article,
            w.writer_cpu_ms_per_article
        );
    }
    Ok(())
}
