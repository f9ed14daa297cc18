//! The `storyline` command-line tool: a thin layer over the pipeline library
//! (`storyline-pipeline`), the store, the server and the measurement harnesses
//! (`storyline-harness`).

mod dedup_cmd;
mod embed_cmd;
mod entities_cmd;
mod events_cmd;
mod export_cmd;
mod feeds_cmd;
mod hashed_table;
mod render;
mod serve_cmd;
mod stream_cmd;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use storyline_model::DuplicateKind;
use storyline_pipeline::{ArticleSink, IngestOptions};
use storyline_store::Store;
use tracing_subscriber::filter::LevelFilter;

// Ingest allocates many small, short-lived strings and vectors on several threads at once;
// mimalloc serves those with less work than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// storyline turns a stream of news articles into stories: it reads articles, finds copies and
/// republications, and groups articles about the same happening into events.
///
/// Start with `storyline ingest FOLDER`, then `storyline stories`.
#[derive(Parser)]
#[command(name = "storyline", version, about, long_about)]
struct Cli {
    /// The store file (created if missing); `--store` names any store.
    #[arg(long, global = true, env = "STORYLINE_DB", default_value = "storyline.db")]
    db: PathBuf,
    /// The store: a SQLite file (created if missing) or a PostgreSQL database
    /// (`postgres://user@host:port/db`, its tables created if missing). Overrides `--db`.
    #[arg(long, global = true, env = "STORYLINE_STORE")]
    store: Option<String>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read articles from files and folders (recursively): plain text, HTML, JSON Lines, web
    /// archives (.warc, .warc.gz).
    ///
    /// Each article is cleaned, checked against everything stored for duplicates, and put into an
    /// event. Ingesting the same files again adds nothing. Bad files are skipped with a reason.
    Ingest {
        /// Files or folders to read.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Files per transaction, at most (the first and last batches are smaller, so storing
        /// starts early and ends soon after reading): an interrupted ingest keeps every finished
        /// batch.
        #[arg(long, default_value_t = 64)]
        batch_files: usize,
        /// The models folder; entities are extracted when it holds ner.bin.
        #[arg(long = "models", env = "STORYLINE_MODELS", default_value = "models")]
        models_dir: PathBuf,
        /// The sentence-embedding model that matches articles to events across languages
        /// (`storyline models` lists them); `none` matches by words only.
        #[arg(long, default_value = storyline_embed::DEFAULT_MODEL)]
        model: String,
        /// Follow symbolic links that lead out of the folders read (by default they are skipped,
        /// with a reason).
        #[arg(long)]
        follow_symlinks: bool,
        #[command(flatten)]
        publish: stream_cmd::PublishArgs,
    },
    /// Prepare raw articles from the article stream (NATS JetStream) and publish them prepared:
    /// parsing is done, this does entities, places, coded events, dates and embeddings. Run any
    /// number of them, on any machine; none needs the store.
    Worker(stream_cmd::StreamArgs),
    /// Store prepared articles from the article stream, in the order their raw articles were
    /// published, exactly as `ingest` stores them: the one writer of the store (`--db`).
    /// Started again, it goes on after the last article it stored.
    Consume(stream_cmd::StreamArgs),
    /// List events (stories), most recent first.
    Stories {
        /// Show at most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Show one event and its articles.
    Show {
        /// The event number, as `stories` lists it.
        event: i64,
    },
    /// Show one article: clean text, metadata, removed clutter, duplicate relations.
    Article {
        /// The article id, e.g. a file name without its extension.
        id: String,
    },
    /// List duplicate relations: exact copies, near-duplicates, republications.
    Dupes {
        /// Only relations of this kind.
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
    },
    /// List storylines: events linked over weeks and months, each with its timeline.
    Storylines {
        /// Show at most this many.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Show one storyline's timeline: its events in time order, and what happened on its most
    /// reported days, each sentence with its article.
    Timeline {
        /// The storyline number, as `storylines` lists it.
        storyline: i64,
        /// How many days the summary keeps (the most reported ones).
        #[arg(long, default_value_t = 10)]
        days: usize,
        /// Sentences per day.
        #[arg(long, default_value_t = 2)]
        per_day: usize,
    },
    /// Compare how outlets covered an event: shared facts, facts only one outlet reports,
    /// disagreements (a name spelled two ways, a different number), and a short summary.
    Coverage {
        /// The event number, as `stories` lists it.
        event: i64,
    },
    /// Serve the JSON API (/api/…, /openapi.json) and the web page over HTTP.
    Serve(serve_cmd::ServeArgs),
    /// Bring the full-text search index (DB.search/) up to date with the store.
    Reindex {
        /// Empty the index and index every article again.
        #[arg(long)]
        from_scratch: bool,
    },
    /// Check the store: SQLite's integrity check (on a SQLite file) and that every article is
    /// stored whole.
    Check,
    /// Copy a whole store into another: `--from storyline.db --to postgres://user@host/db`
    /// (or back). The target must be empty unless `--replace`.
    Migrate {
        /// The store to copy: a SQLite file or a PostgreSQL URL.
        #[arg(long)]
        from: String,
        /// The store to copy into (created if missing).
        #[arg(long)]
        to: String,
        /// Empty the target first when it holds anything.
        #[arg(long)]
        replace: bool,
    },
    /// List coded events (who did what to whom, PLOVER types), or export them with --tsv.
    Events(events_cmd::EventsArgs),
    /// List entities (people, organisations, places), named in the most articles first, with their
    /// aliases.
    Entities {
        /// Only entities of this type.
        #[arg(long = "type", value_enum)]
        kind: Option<entities_cmd::TypeArg>,
        /// Only entities mentioned in this event.
        #[arg(long)]
        event: Option<i64>,
        /// Show at most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Show one entity: aliases, roles, disputed facts, articles, quotes, places for a map.
    Entity {
        /// A name or alias ("Al-Sarraj"), or the entity number.
        name: String,
    },
    /// Train the named-entity tagger on a CoNLL-2003 file.
    TrainNer(storyline_harness::ner::TrainNerArgs),
    /// Subscribe to RSS and Atom feeds and poll them for new articles.
    #[command(subcommand)]
    Feeds(feeds_cmd::FeedsCommand),
    /// Watch a folder and ingest files as they appear (until Ctrl-C).
    Watch(feeds_cmd::WatchArgs),
    /// Resolve a place name to a place (GeoNames), with the article's other place names as context.
    Geocode {
        /// The place name, in any script ("Misurata", "مصراتة").
        name: String,
        /// Other place names of the same article.
        #[arg(long, num_args = 1..)]
        context: Vec<String>,
        #[command(flatten)]
        gazetteer: storyline_harness::GazetteerArg,
    },
    /// Measure storyline against public gold data (see ../shared/eval/README.md).
    #[command(subcommand)]
    Eval(storyline_harness::EvalCommand),
    /// List the sentence-embedding models and whether they are installed.
    Models {
        /// The models folder (filled by scripts/setup.d/20-models.sh).
        #[arg(long = "models", env = "STORYLINE_MODELS", default_value = "models")]
        models_dir: PathBuf,
    },
    /// How similar two stored articles are, and why: each signal's contribution and the
    /// best-aligned sentence pairs.
    Compare {
        /// The two article ids.
        a: String,
        b: String,
        #[command(flatten)]
        model: storyline_harness::ModelArgs,
    },
    /// Report copies among files (exact copies, near-duplicates, republications) without a
    /// store or events: duplicate detection alone, one line per pair (kind, original, copy, score).
    Dedup(dedup_cmd::DedupArgs),
    /// Measure speed and quality on real data.
    #[command(subcommand)]
    Bench(storyline_harness::BenchCommand),
    /// Write the store's tables (articles, events, storylines, entities, mentions, quotes, coded
    /// events) to files for analysts: Parquet, JSON Lines or TSV, one file per table.
    Export(export_cmd::ExportArgs),
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum KindArg {
    Exact,
    NearDuplicate,
    Republication,
}

impl From<KindArg> for DuplicateKind {
    fn from(kind: KindArg) -> Self {
        match kind {
            KindArg::Exact => DuplicateKind::Exact,
            KindArg::NearDuplicate => DuplicateKind::NearDuplicate,
            KindArg::Republication => DuplicateKind::Republication,
        }
    }
}

fn main() {
    let cli = Cli::parse();
    // `storyline stories | head`: a reader that stops early ends the listing quietly, as with any
    // Unix tool, instead of a panic on a broken pipe. The server keeps Rust's default (the signal
    // ignored), so one closed connection never ends it.
    #[cfg(unix)]
    if !matches!(cli.command, Command::Serve(_)) {
        // SAFETY: called before any other thread starts; it only restores the default action.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    // A server runs unattended: its warnings (requests stopped at their deadline, a writer
    // waiting for another) are its operator's only view. The CLI reports those itself.
    let quietest = if matches!(cli.command, Command::Serve(_)) { LevelFilter::WARN } else { LevelFilter::ERROR };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::builder()
                .with_default_directive(quietest.into())
                .with_env_var("STORYLINE_LOG")
                .from_env_lossy(),
        )
        .with_writer(std::io::stderr)
        .init();
    let _ =
        rayon::ThreadPoolBuilder::new().start_handler(|_| storyline_pipeline::lower_thread_priority()).build_global();
    if let Err(error) = run(cli) {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

/// `storyline migrate`: copies a store, with a bar per table on stderr.
fn migrate(from: &str, to: &str, replace: bool, json: bool) -> Result<()> {
    use storyline_store::redacted_location as shown;
    anyhow::ensure!(
        storyline_store::is_postgres_location(from) || Path::new(from).exists(),
        "no store at {from} to copy"
    );
    let mut source = Store::open_location(from).with_context(|| format!("opening the store {}", shown(from)))?;
    let mut target = Store::open_location(to).with_context(|| format!("opening the store {}", shown(to)))?;
    struct Bar(ProgressBar);
    impl storyline_store::CopyProgress for Bar {
        fn table(&self, name: &str, rows: u64) {
            self.0.set_length(rows);
            self.0.set_position(0);
            self.0.set_message(name.to_string());
        }
        fn copied(&self, rows: u64) {
            self.0.inc(rows);
        }
    }
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{spinner} {msg:20} {bar:40} {pos}/{len} rows [{elapsed_precise}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let copied = storyline_store::copy_store(&mut source, &mut target, replace, &Bar(bar.clone()))
        .with_context(|| format!("copying {} into {}", shown(from), shown(to)))?;
    bar.finish_and_clear();
    let rows: u64 = copied.iter().map(|(_, n)| n).sum();
    if json {
        let tables: serde_json::Map<String, serde_json::Value> =
            copied.iter().map(|(t, n)| (t.to_string(), serde_json::json!(n))).collect();
        render::print_json(
            &serde_json::json!({ "from": shown(from), "to": shown(to), "rows": rows, "tables": tables }),
        )?;
    } else {
        let stats = target.stats()?;
        println!(
            "copied {rows} rows into {}: {} articles, {} events, {} duplicate relations (counts verified)",
            shown(to),
            stats.articles,
            stats.events,
            stats.duplicates
        );
    }
    Ok(())
}

impl Cli {
    /// Where the store is: `--store`, else `--db`.
    fn location(&self) -> String {
        self.store.clone().unwrap_or_else(|| self.db.display().to_string())
    }

    /// The store's location as messages show it (no password).
    fn shown(&self) -> String {
        storyline_store::redacted_location(&self.location())
    }
}

/// The store at `location` (a file or a PostgreSQL URL), opened for reading and writing.
pub(crate) fn open_store(location: &str) -> Result<Store> {
    Store::open_location(location).map_err(|error| match error {
        // Names the store and what to do already.
        storyline_store::StoreError::Connect { .. } => error.into(),
        error => {
            let shown = storyline_store::redacted_location(location);
            anyhow::Error::from(error).context(format!("opening the store {shown}"))
        }
    })
}

/// `storyline ingest`: reads the files into `sink`, with a progress bar on stderr.
fn ingest_files(
    mut sink: ArticleSink,
    paths: &[PathBuf],
    options: &IngestOptions,
    shown: &str,
) -> Result<storyline_pipeline::IngestReport> {
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{spinner} {bar:40} {pos}/{len} files, {msg} [{elapsed_precise}, eta {eta}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let report = sink.send_files(paths, options, &|p| {
        if let Some(waited) = p.waiting_for_writer {
            // Shown with or without the bar, so a waiting ingest never looks hung.
            bar.suspend(|| eprintln!("waiting for another writer of {shown} ({} s so far)", waited.as_secs()));
            return;
        }
        bar.set_length(p.files_total as u64);
        bar.set_position(p.files_done as u64);
        bar.set_message(format!("{} articles", p.articles_done));
    })?;
    bar.finish_and_clear();
    Ok(report)
}

fn run(cli: Cli) -> Result<()> {
    let (location, shown) = (cli.location(), cli.shown());
    // Commands that read no store, or open it themselves (only when they store).
    let command = match cli.command {
        Command::Eval(command) => return storyline_harness::eval(command, cli.json),
        Command::Geocode { name, context, gazetteer } => {
            return storyline_harness::geo::geocode(&name, &context, &gazetteer, cli.json)
        }
        Command::Models { models_dir } => return embed_cmd::models(&models_dir, cli.json),
        Command::Bench(command) => return storyline_harness::bench(command, cli.json),
        Command::Dedup(args) => return dedup_cmd::run(&args, cli.json),
        Command::TrainNer(args) => return storyline_harness::ner::train_ner(&args, cli.json),
        Command::Migrate { from, to, replace } => return migrate(&from, &to, replace, cli.json),
        Command::Serve(args) => return serve_cmd::serve(Path::new(&location), args),
        Command::Reindex { from_scratch } => return serve_cmd::reindex(Path::new(&location), from_scratch, cli.json),
        Command::Worker(args) => return stream_cmd::worker(&args),
        Command::Consume(args) => return render::ingest_report(&stream_cmd::consume(&location, &args)?, cli.json),
        Command::Ingest { paths, batch_files, models_dir, model, follow_symlinks, publish } => {
            let embedding_model = (model != "none").then_some(model);
            let discovery = storyline_ingest::Discovery { follow_symlinks, within: None };
            let options = IngestOptions { batch_files, models_dir, embedding_model, discovery, ..Default::default() };
            let report = publish.with_sink(&location, |sink| ingest_files(sink, &paths, &options, &shown))?;
            return render::ingest_report(&report, cli.json);
        }
        Command::Watch(args) => return feeds_cmd::watch(&location, args, cli.json),
        command => command,
    };
    let mut store = open_store(&location)?;
    match command {
        Command::Stories { limit } => render::stories(&store.events(limit)?, cli.json),
        Command::Show { event } => match store.event_detail(event)? {
            Some(detail) => entities_cmd::event(&store, &detail, cli.json),
            None => bail!("no event {event} in {} (see `storyline stories`)", shown),
        },
        Command::Article { id } => match store.article(&id)? {
            Some(detail) => entities_cmd::article(&store, &detail, cli.json),
            None => bail!("no article with id {id:?} in {}", shown),
        },
        Command::Dupes { kind } => render::duplicates(&store.duplicates(kind.map(Into::into))?, cli.json),
        Command::Storylines { limit } => render::storylines(&store.storylines(limit)?, cli.json),
        Command::Timeline { storyline, days, per_day } => {
            match storyline_pipeline::storyline_timeline(&store, storyline, days, per_day)? {
                Some(found) => render::timeline(&found, cli.json),
                None => bail!("no storyline {storyline} in {} (see `storyline storylines`)", shown),
            }
        }
        Command::Coverage { event } => match storyline_pipeline::event_coverage(&store, event)? {
            Some(coverage) => render::coverage(&coverage, cli.json),
            None => bail!("no event {event} in {} (see `storyline stories`)", shown),
        },
        Command::Feeds(command) => feeds_cmd::feeds(&mut store, command, &shown, cli.json),
        Command::Events(args) => events_cmd::list(&store, &args, cli.json),
        Command::Check => {
            let problems = store.integrity_problems()?;
            let stats = store.stats()?;
            if cli.json {
                render::print_json(
                    &serde_json::json!({ "ok": problems.is_empty(), "problems": problems, "stats": stats }),
                )?;
            } else if problems.is_empty() {
                println!(
                    "ok: {} articles, {} events, {} duplicate relations",
                    stats.articles, stats.events, stats.duplicates
                );
            }
            if !problems.is_empty() {
                bail!("the store has problems:\n  {}", problems.join("\n  "));
            }
            Ok(())
        }
        Command::Eval(_) | Command::Geocode { .. } => unreachable!("handled above"),
        Command::Models { .. } | Command::Bench(_) | Command::Dedup(_) => unreachable!("handled above"),
        Command::Serve(_) | Command::Reindex { .. } | Command::Migrate { .. } => unreachable!("handled above"),
        Command::Worker(_) | Command::Consume(_) => unreachable!("handled above"),
        Command::Ingest { .. } | Command::Watch(_) => unreachable!("handled above"),
        Command::TrainNer(_) => unreachable!("handled above"),
        Command::Entities { kind, event, limit } => entities_cmd::list(&store, kind, event, limit, cli.json),
        Command::Entity { name } => entities_cmd::show(&store, &name, cli.json),
        Command::Compare { a, b, model } => embed_cmd::compare(&store, &a, &b, &model, cli.json),
        Command::Export(args) => export_cmd::export(&mut store, &args, cli.json),
    }
}
