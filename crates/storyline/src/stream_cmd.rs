//! The pipeline as a stream (storyline-stream on NATS JetStream): `--publish-to` on `ingest`,
//! `feeds poll`, `watch` and `serve` publishes raw articles (storyline-pipeline's article sink), `worker` prepares them (any number, anywhere), `consume` is the one
//! writer that applies them to the store in the order they were published.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;
use storyline_model::{Article, Skipped};
use storyline_pipeline::{
    ArticlePublisher, ArticleSink, Decider, IngestOptions, IngestReport, PreparedArticle, Preparer,
};
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
        // The stream's own errors name the URL and what to do.
        Ok(ArticleStream::connect(&self.nats, options)?)
    }

    fn ingest_options(&self) -> IngestOptions {
        let embedding_model = (self.model != "none").then(|| self.model.clone());
        IngestOptions { models_dir: self.models_dir.clone(), embedding_model, ..Default::default() }
    }

    fn idle_too_long(&self, idle_since: Instant) -> bool {
        self.exit_when_idle.is_some_and(|seconds| idle_since.elapsed() >= Duration::from_secs(seconds))
    }
}

/// Where sources publish raw articles instead of storing them (`ingest`, `feeds poll`,
/// `watch`, `serve`).
#[derive(clap::Args)]
pub struct PublishArgs {
    /// Publish the articles to this NATS server's article stream instead of storing them
    /// (`storyline worker` prepares them, `storyline consume` stores them).
    #[arg(long, value_name = "URL")]
    pub publish_to: Option<String>,
    /// The name of the article stream published to (with --publish-to).
    #[arg(long, default_value = storyline_stream::DEFAULT_NAME)]
    pub stream: String,
}

impl PublishArgs {
    /// The publisher, connected, when --publish-to is given.
    pub fn connect(&self) -> Result<Option<ArticlePublisher>> {
        self.publish_to.as_deref().map(|url| ArticlePublisher::connect(url, &self.stream)).transpose()
    }

    /// Runs `send` with the sink these arguments choose: the article stream, or else the store
    /// at `location` (opened only then: publishing needs no store).
    pub fn with_sink<T>(&self, location: &str, send: impl FnOnce(ArticleSink) -> Result<T>) -> Result<T> {
        match self.connect()? {
            Some(publisher) => send(ArticleSink::Stream(&publisher)),
            None => send(ArticleSink::Store(&mut crate::open_store(location)?)),
        }
    }
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
    let mut store = crate::open_store(location)?;
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
