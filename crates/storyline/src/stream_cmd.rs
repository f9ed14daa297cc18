//! The pipeline as a stream (storyline-stream on NATS JetStream): `ingest --publish-to`
//! publishes raw articles, `worker` prepares them (any number, anywhere), `consume` is the one
//! writer that applies them to the store in the order they were published.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use storyline_model::{Article, Skipped};
use storyline_pipeline::{Decider, IngestOptions, IngestReport, PreparedArticle, Preparer};
use storyline_store::Store;
use storyline_stream::{ArticleStream, Outcome, StreamOptions};

/// Where the stream is and how its loops run (shared by `worker` and `consume`).
#[derive(clap::Args)]
pub struct StreamArgs {
    /// The NATS server with JetStream (several, comma-separated, for a cluster).
    #[arg(long, env = "STORYLINE_NATS")]
    pub nats: String,
    /// The name of the pipeline's streams (two pipelines on one server differ by name).
    #[arg(long, default_value = storyline_stream::DEFAULT_NAME)]
    pub stream: String,
    /// Articles per batch: per preparation (worker) or per transaction (consume).
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
    /// Stop after this many seconds with nothing to do (by default, run until stopped).
    #[arg(long)]
    pub exit_when_idle: Option<u64>,
    /// Seconds a worker may fall silent before its articles go to another worker.
    #[arg(long, default_value_t = 30)]
    pub ack_wait: u64,
    /// The models folder; entities are extracted when it holds ner.bin.
    #[arg(long = "models", env = "STORYLINE_MODELS", default_value = "models")]
    pub models_dir: PathBuf,
    /// The sentence-embedding model (`none`: by words only); as `storyline ingest --model`.
    #[arg(long, default_value = storyline_embed::DEFAULT_MODEL)]
    pub model: String,
}

impl StreamArgs {
    fn connect(&self) -> Result<ArticleStream> {
        let options = StreamOptions {
            name: self.stream.clone(),
            ack_wait: Duration::from_secs(self.ack_wait.max(1)),
            ..StreamOptions::default()
        };
        ArticleStream::connect(&self.nats, options).with_context(|| format!("connecting to {}", self.nats))
    }

    fn ingest_options(&self) -> IngestOptions {
        let embedding_model = (self.model != "none").then(|| self.model.clone());
        IngestOptions { models_dir: self.models_dir.clone(), embedding_model, ..Default::default() }
    }

    fn idle_too_long(&self, idle_since: Instant) -> bool {
        self.exit_when_idle.is_some_and(|seconds| idle_since.elapsed() >= Duration::from_secs(seconds))
    }
}

/// The message id of a raw article: its id and its text, so publishing the same files again
/// stores nothing new, and a changed text under the same id is a new message.
fn message_id(article: &Article) -> String {
    let words = storyline_text::words(&article.text);
    format!("{}:{:016x}", article.id, storyline_text::words_hash(&words))
}

/// `storyline ingest --publish-to URL PATHS`: reads the files and publishes their articles.
pub fn publish(
    nats: &str,
    stream: &str,
    paths: &[PathBuf],
    discovery: &storyline_ingest::Discovery,
) -> Result<IngestReport> {
    let options = StreamOptions { name: stream.to_string(), ..StreamOptions::default() };
    let stream = ArticleStream::connect(nats, options).with_context(|| format!("connecting to {nats}"))?;
    let (files, skipped) = storyline_ingest::discover_with(paths, discovery);
    let mut report = IngestReport { files: files.len(), skipped, ..Default::default() };
    for chunk in files.chunks(256) {
        let mut articles = Vec::new();
        for item in chunk.iter().flat_map(storyline_ingest::read_file) {
            match item {
                Ok(article) => articles.push((message_id(&article), article)),
                Err(skip) => report.skipped.push(skip),
            }
        }
        report.articles += articles.len();
        for published in stream.publish_raw(articles).context("publishing raw articles")? {
            // Published before (within the server's duplicate window): counted as unchanged.
            if published.duplicate {
                report.unchanged += 1;
            } else {
                report.new += 1;
            }
        }
    }
    Ok(report)
}

/// `storyline worker`: prepares raw articles from the stream and publishes them prepared.
pub fn worker(args: &StreamArgs) -> Result<()> {
    let stream = args.connect()?;
    let preparer = Preparer::new(args.ingest_options());
    let mut queue = stream.workers()?;
    let mut idle_since = Instant::now();
    let mut prepared_total = 0usize;
    loop {
        let taken = queue.take::<Article>(args.batch.max(1), Duration::from_secs(1))?;
        if taken.is_empty() {
            if args.idle_too_long(idle_since) {
                break;
            }
            continue;
        }
        let (tickets, articles): (Vec<_>, Vec<_>) = taken.into_iter().map(|work| (work.ticket, work.raw)).unzip();
        // One prepared article per article, in order.
        let prepared = preparer.prepare(articles);
        prepared_total += prepared.len();
        queue.finish(tickets.into_iter().zip(prepared.into_iter().map(Outcome::Prepared)).collect())?;
        tracing::debug!(prepared_total, "batch prepared and published");
        idle_since = Instant::now();
    }
    eprintln!("worker: prepared {prepared_total} articles");
    Ok(())
}

/// `storyline consume`: the one writer. Applies prepared articles to the store in the order
/// their raw articles were published, recording in each transaction the last raw sequence it
/// covers; started again (here or elsewhere), it goes on from the one after.
pub fn consume(location: &str, args: &StreamArgs) -> Result<IngestReport> {
    let shown = storyline_store::redacted_location(location);
    let mut store = Store::open_location(location).with_context(|| format!("opening the store {shown}"))?;
    let mut applied = store.snapshot()?.stream_position()?;
    let stream = args.connect()?;
    let mut decisions = stream.decisions::<PreparedArticle>(applied)?;
    let mut decider = Decider::new(args.ingest_options());
    let mut report = IngestReport::default();
    let mut idle_since = Instant::now();
    loop {
        let run = decisions.next_run(args.batch.max(1), Duration::from_secs(1))?;
        let Some(last) = run.last_sequence() else {
            if args.idle_too_long(idle_since) {
                break;
            }
            continue;
        };
        let mut prepared = Vec::with_capacity(run.decisions.len());
        for decision in run.decisions {
            match decision.outcome {
                Outcome::Prepared(article) => prepared.push(article),
                Outcome::Skipped(reason) => {
                    report.skipped.push(Skipped { origin: format!("raw article #{}", decision.sequence), reason })
                }
            }
        }
        decider.store(&mut store, prepared, (applied, last), &mut report)?;
        // Acknowledged only once committed: a consumer that dies in between has the run again,
        // and drops it as applied.
        decisions.applied(run.receipt)?;
        applied = last;
        idle_since = Instant::now();
    }
    Ok(report)
}
