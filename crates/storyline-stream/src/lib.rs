//! The article stream on NATS JetStream: raw articles go to any number of workers, prepared
//! articles come back to one decision consumer in the order the raw articles arrived.
//!
//! ```text
//! sources ──publish_raw──▶ RAW stream (work queue) ──"workers"──▶ WorkQueue::take (any number)
//!                                                                      │ prepare (no store)
//!   store ◀──commit── DecisionQueue::next_run ◀──"decisions"── PREPARED stream ◀──finish
//! ```
//!
//! The crate knows nothing of articles: the raw and prepared payloads are any serde types
//! (MessagePack on the wire). What it guarantees:
//!
//! - **Nothing lost.** A raw article leaves its stream only when a worker has published its
//!   prepared form and the server stored that; a worker that dies holding raw articles has them
//!   redelivered to another after the ack wait. A raw article no worker can handle (undecodable,
//!   or failed [`GIVE_UP_AFTER`] times) still yields a prepared message, "skipped, with the
//!   reason", so the raw sequence has no holes.
//! - **Nothing doubled.** Raw articles carry a message id (`Nats-Msg-Id`) the server
//!   de-duplicates within [`StreamOptions::duplicate_window`]; prepared messages carry their raw
//!   sequence, as id and header, and the decision queue hands each sequence out once, in order.
//! - **Arrival order.** [`DecisionQueue`] buffers prepared messages that come early and hands
//!   out contiguous runs from the sequence after the last one applied. The caller records that
//!   last sequence in its store in the same transaction as the run, and acknowledges the run
//!   ([`DecisionQueue::applied`]) only after the commit. A consumer started again (on this
//!   machine or another) passes the recorded sequence to [`ArticleStream::decisions`] and goes
//!   on from there: what was applied and not acknowledged is acknowledged and dropped.
//!
//! The API blocks: it runs its own small tokio runtime, so callers are plain threads (from async
//! code, call it inside `spawn_blocking`).
//!
//! ```no_run
//! use storyline_stream::{ArticleStream, Outcome, StreamOptions};
//! use std::time::Duration;
//!
//! let stream = ArticleStream::connect("nats://127.0.0.1:4222", StreamOptions::default())?;
//! stream.publish_raw(vec![("article-1".to_string(), "raw text".to_string())])?;
//!
//! // A worker.
//! let mut work = stream.workers()?;
//! let taken = work.take::<String>(64, Duration::from_secs(1))?;
//! let done = taken.into_iter().map(|w| (w.ticket, Outcome::Prepared(w.raw.len()))).collect();
//! work.finish(done)?;
//!
//! // The decision consumer, which last committed sequence 0.
//! let mut decisions = stream.decisions::<usize>(0)?;
//! let run = decisions.next_run(64, Duration::from_secs(1))?;
//! // … apply run.decisions and record their last sequence in one transaction, commit, then:
//! decisions.applied(run.receipt)?;
//! # Ok::<(), storyline_stream::StreamError>(())
//! ```

mod codec;
mod decisions;
mod order;
mod work;

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, stream};

pub use decisions::{Decision, DecisionQueue, Receipt, Run};
pub use work::{Ticket, Work, WorkQueue};

/// The name streams and subjects are derived from when none is given.
pub const DEFAULT_NAME: &str = "STORYLINE";
/// The durable pull consumer every worker shares on the raw stream.
pub const WORKERS_CONSUMER: &str = "workers";
/// The one durable pull consumer on the prepared stream.
pub const DECISIONS_CONSUMER: &str = "decisions";
/// The header a prepared message carries its raw sequence in (also its message id), so even a
/// prepared message that cannot be decoded still fills its place in the order.
pub const RAW_SEQUENCE_HEADER: &str = "Storyline-Raw-Sequence";
/// After this many deliveries of one raw article, no worker tries again: it becomes a skipped
/// prepared message. A raw article that kills every worker it reaches must not stop the stream.
pub const GIVE_UP_AFTER: i64 = 5;

/// How long a publish or a request is tried again while a cluster elects a leader, or a
/// server is restarting.
pub const RETRY_FOR: Duration = Duration::from_secs(30);

/// What went wrong talking to NATS.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// `reason` is no `#[source]`: the client's message holds its cause already, and a chain
    /// printed whole would repeat it.
    #[error("cannot reach NATS at {url}: {reason}; is nats-server running there, with -js?")]
    Unreachable { url: String, reason: async_nats::ConnectError },
    #[error("the NATS server at {url} has no JetStream (start nats-server with -js): {reason}")]
    NoJetStream { url: String, reason: async_nats::Error },
    #[error("setting up {what}: {source}")]
    Setup {
        what: String,
        #[source]
        source: async_nats::Error,
    },
    #[error("publishing to {subject}: {source}")]
    Publish {
        subject: String,
        #[source]
        source: async_nats::Error,
    },
    #[error("{what}: {source}")]
    Consume {
        what: &'static str,
        #[source]
        source: async_nats::Error,
    },
    #[error("encoding a message: {0}")]
    Encode(#[from] rmp_serde::encode::Error),
    #[error("starting the NATS client's runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

pub type Result<T, E = StreamError> = std::result::Result<T, E>;

/// What a worker made of one raw article.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Outcome<P> {
    Prepared(P),
    /// Nothing to apply, and why (not an article, undecodable, too large, failed too often).
    Skipped(String),
}

/// How one pipeline's streams are set up.
#[derive(Debug, Clone)]
pub struct StreamOptions {
    /// Streams are `{name}_RAW` and `{name}_PREPARED`, subjects `{name}.raw` and
    /// `{name}.prepared` in lowercase: two pipelines on one server differ by name.
    pub name: String,
    /// Copies of each stream in a JetStream cluster (1 on a single server; 3 survives a node).
    pub replicas: usize,
    /// How long a worker may hold raw articles without word before they go to another. Workers
    /// send "in progress" while they prepare, so this bounds how long a dead worker's articles
    /// wait, not how long preparation may take.
    pub ack_wait: Duration,
    /// How long the server remembers message ids: a raw article published again within it is
    /// stored once.
    pub duplicate_window: Duration,
    /// How long connecting may take before NATS counts as unreachable.
    pub connect_timeout: Duration,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            name: DEFAULT_NAME.to_string(),
            replicas: 1,
            ack_wait: Duration::from_secs(30),
            duplicate_window: Duration::from_secs(60 * 60),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

impl StreamOptions {
    pub fn raw_stream(&self) -> String {
        format!("{}_RAW", self.name)
    }
    pub fn prepared_stream(&self) -> String {
        format!("{}_PREPARED", self.name)
    }
    pub fn raw_subject(&self) -> String {
        format!("{}.raw", self.name.to_lowercase())
    }
    pub fn prepared_subject(&self) -> String {
        format!("{}.prepared", self.name.to_lowercase())
    }
}

/// How many messages wait in each stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backlog {
    /// Raw articles no worker has finished.
    pub raw: u64,
    /// Prepared articles the decision consumer has not acknowledged.
    pub prepared: u64,
}

/// What the server did with one published raw article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    /// Its raw sequence: its place in the arrival order.
    pub sequence: u64,
    /// The server already had a message with this id (within the duplicate window): this is
    /// the earlier one's sequence, and nothing new was stored. (After a publish sent again, the
    /// earlier one may be this call's own first attempt.)
    pub duplicate: bool,
}

/// A connection to the streams of one pipeline; cheap to clone.
#[derive(Clone)]
pub struct ArticleStream {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) runtime: tokio::runtime::Runtime,
    pub(crate) client: async_nats::Client,
    pub(crate) jetstream: jetstream::Context,
    pub(crate) options: StreamOptions,
}

impl ArticleStream {
    /// Connects to NATS (`urls`: one URL, or several separated by commas for a cluster) and
    /// sets up the two streams and the workers' consumer when they are not there yet.
    pub fn connect(urls: &str, options: StreamOptions) -> Result<ArticleStream> {
        // One worker thread keeps the connection alive (pings, reconnects) between calls.
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).thread_name("nats").enable_all().build()?;
        let addresses: Vec<&str> = urls.split(',').map(str::trim).filter(|u| !u.is_empty()).collect();
        let client = runtime.block_on(
            async_nats::ConnectOptions::new()
                .name("storyline")
                .connection_timeout(options.connect_timeout)
                .connect(addresses),
        );
        let client = client.map_err(|reason| StreamError::Unreachable { url: urls.to_string(), reason })?;
        // The context spawns its acknowledgement task on the runtime it is made in.
        let jetstream = {
            let _inside = runtime.enter();
            jetstream::new(client.clone())
        };
        let stream = ArticleStream { shared: Arc::new(Shared { runtime, client, jetstream, options }) };
        // A server without JetStream has nobody answering its API subjects.
        let unavailable = |e: &async_nats::Error| {
            let text = e.to_string().to_lowercase();
            text.contains("jetstream unavailable") || text.contains("no responders")
        };
        stream.set_up().map_err(|error| match error {
            StreamError::Setup { source, .. } if unavailable(&source) => {
                StreamError::NoJetStream { url: urls.to_string(), reason: source }
            }
            error => error,
        })?;
        Ok(stream)
    }

    pub fn options(&self) -> &StreamOptions {
        &self.shared.options
    }

    /// Creates what is missing; leaves what exists as it is (so any process may call it).
    fn set_up(&self) -> Result<()> {
        let o = &self.shared.options;
        let stream_config = |name: String, subject: String| stream::Config {
            name,
            subjects: vec![subject],
            // A message leaves its stream when its one consumer acknowledges it.
            retention: stream::RetentionPolicy::WorkQueue,
            storage: stream::StorageType::File,
            num_replicas: o.replicas,
            duplicate_window: o.duplicate_window,
            ..Default::default()
        };
        let js = &self.shared.jetstream;
        let shared = &self.shared;
        let setup = |what: String| move |source| StreamError::Setup { what, source };
        for (name, subject) in [(o.raw_stream(), o.raw_subject()), (o.prepared_stream(), o.prepared_subject())] {
            let config = stream_config(name.clone(), subject);
            shared
                .again("creating a stream", || shared.runtime.block_on(js.get_or_create_stream(config.clone())))
                .map_err(setup(format!("stream {name}")))?;
        }
        shared
            .again("creating the workers' consumer", || {
                shared.runtime.block_on(async {
                    let raw = js.get_stream(o.raw_stream()).await?;
                    raw.create_consumer(work::workers_config(o)).await.map_err(async_nats::Error::from)
                })
            })
            .map_err(setup(format!("consumer {WORKERS_CONSUMER}")))?;
        Ok(())
    }

    /// Publishes raw articles, each with its message id (the same article published again gets
    /// the same id, and the server stores it once). Returns, per article, its raw sequence.
    /// The articles are in flight together; this returns when the server has stored them all.
    pub fn publish_raw<R: serde::Serialize>(&self, articles: Vec<(String, R)>) -> Result<Vec<Published>> {
        let subject = self.shared.options.raw_subject();
        let mut messages = Vec::with_capacity(articles.len());
        for (id, raw) in articles {
            messages.push(Outgoing { id, payload: codec::encode(&raw)?, raw_sequence: None });
        }
        self.shared.publish_all(&subject, messages)
    }

    /// How many messages wait in each stream.
    pub fn backlog(&self) -> Result<Backlog> {
        let o = &self.shared.options;
        let js = &self.shared.jetstream;
        let count = |name: String| {
            self.shared.again("reading a stream's state", || {
                self.shared.runtime.block_on(async {
                    let mut stream = js.get_stream(&name).await?;
                    let info = stream.info().await?;
                    Ok::<u64, async_nats::Error>(info.state.messages)
                })
            })
        };
        let failed = |source| StreamError::Consume { what: "reading a stream's state", source };
        Ok(Backlog {
            raw: count(o.raw_stream()).map_err(failed)?,
            prepared: count(o.prepared_stream()).map_err(failed)?,
        })
    }

    /// Deletes both streams, and with them their consumers and messages (tests, and starting a
    /// pipeline over).
    pub fn delete_streams(&self) -> Result<()> {
        let o = &self.shared.options;
        let js = &self.shared.jetstream;
        self.shared.runtime.block_on(async {
            for name in [o.raw_stream(), o.prepared_stream()] {
                js.delete_stream(&name)
                    .await
                    .map_err(|e| StreamError::Setup { what: format!("deleting stream {name}"), source: e.into() })?;
            }
            Ok(())
        })
    }

    /// The workers' side: raw articles to prepare.
    pub fn workers(&self) -> Result<WorkQueue> {
        WorkQueue::new(self.shared.clone())
    }

    /// The decision consumer's side: prepared articles in raw order, from the one after
    /// `applied_through` (the last raw sequence the store recorded; 0 for none). Takes over
    /// the consumer from any earlier decision process, whose unacknowledged messages come
    /// again at once rather than after their ack wait.
    pub fn decisions<P: serde::de::DeserializeOwned>(&self, applied_through: u64) -> Result<DecisionQueue<P>> {
        DecisionQueue::new(self.shared.clone(), applied_through)
    }
}

/// One message to publish.
pub(crate) struct Outgoing {
    /// Its message id, which the server de-duplicates by.
    pub(crate) id: String,
    pub(crate) payload: Vec<u8>,
    /// For a prepared message: the raw article's sequence, also sent as a header.
    pub(crate) raw_sequence: Option<u64>,
}

impl Shared {
    /// Runs `request` (a whole exchange with the server, safe to repeat) again while it fails
    /// the way a cluster fails for a moment (a timeout while a leader is elected, no peers yet),
    /// for up to [`RETRY_FOR`].
    pub(crate) fn again<T, E: Into<async_nats::Error>>(
        &self,
        what: &str,
        mut request: impl FnMut() -> std::result::Result<T, E>,
    ) -> std::result::Result<T, async_nats::Error> {
        let started = std::time::Instant::now();
        loop {
            match request() {
                Ok(value) => return Ok(value),
                Err(error) => {
                    let error: async_nats::Error = error.into();
                    if !is_transient(&error) || started.elapsed() > RETRY_FOR {
                        return Err(error);
                    }
                    tracing::debug!(%error, what, "trying again");
                    std::thread::sleep(Duration::from_millis(250));
                }
            }
        }
    }

    /// Up to `max` messages: at once what is there, else the first to come within `wait` and
    /// what came with it. (A pull that asks for `max` and waits would wait its whole time
    /// whenever fewer than `max` are there.)
    pub(crate) fn pull(
        &self,
        consumer: &jetstream::consumer::PullConsumer,
        max: usize,
        wait: Duration,
        what: &'static str,
    ) -> Result<Vec<jetstream::Message>> {
        let max = max.max(1);
        let mut messages = Vec::new();
        let pulled = self.runtime.block_on(async {
            let now = consumer.fetch().max_messages(max).messages().await?;
            drain(now, &mut messages).await;
            if messages.is_empty() && !wait.is_zero() {
                let first = consumer.batch().max_messages(1).expires(wait.max(Duration::from_millis(100))).messages();
                drain(first.await?, &mut messages).await;
                if !messages.is_empty() && max > 1 {
                    drain(consumer.fetch().max_messages(max - 1).messages().await?, &mut messages).await;
                }
            }
            Ok::<(), async_nats::Error>(())
        });
        match pulled {
            Ok(()) => Ok(messages),
            // A cluster electing the consumer's leader: what came, or nothing, this time.
            Err(error) if is_transient(&error) => {
                tracing::debug!(%error, what, "a pull failed for a moment");
                if messages.is_empty() {
                    std::thread::sleep(Duration::from_millis(250).min(wait));
                }
                Ok(messages)
            }
            Err(error) => Err(StreamError::Consume { what, source: error }),
        }
    }

    /// The most a message may carry, as the server said when the client connected.
    pub(crate) fn max_payload(&self) -> usize {
        self.client.server_info().max_payload
    }

    /// Publishes messages with as many in flight as the client allows, and waits for the
    /// server to store each. What a cluster refuses for a moment (no stream leader while one is
    /// elected, an acknowledgement that timed out) is sent again, under the same message id,
    /// for up to [`RETRY_FOR`]: the server keeps one copy.
    pub(crate) fn publish_all(&self, subject: &str, messages: Vec<Outgoing>) -> Result<Vec<Published>> {
        use jetstream::context::PublishErrorKind as Kind;
        let failed = |e: async_nats::Error| StreamError::Publish { subject: subject.to_string(), source: e };
        let max_payload = self.max_payload();
        let mut built = Vec::with_capacity(messages.len());
        for message in messages {
            let size = message.payload.len();
            if size > max_payload {
                let too_large = format!("a message of {size} bytes is over the server's max_payload ({max_payload})");
                return Err(failed(too_large.into()));
            }
            let mut publish =
                jetstream::message::PublishMessage::build().payload(message.payload.into()).message_id(message.id);
            if let Some(sequence) = message.raw_sequence {
                publish = publish.header(RAW_SEQUENCE_HEADER, sequence.to_string().as_str());
            }
            built.push(publish);
        }
        let transient =
            |kind: Kind| matches!(kind, Kind::StreamNotFound | Kind::TimedOut | Kind::BrokenPipe | Kind::MaxAckPending);
        let started = std::time::Instant::now();
        let mut published: Vec<Option<Published>> = vec![None; built.len()];
        self.runtime.block_on(async {
            loop {
                let mut pending = Vec::new();
                let mut again = None;
                for (i, publish) in built.iter().enumerate().filter(|(i, _)| published[*i].is_none()) {
                    match self.jetstream.send_publish(subject.to_string(), publish.clone()).await {
                        Ok(ack) => pending.push((i, ack)),
                        Err(e) if transient(e.kind()) => again = Some(e.into()),
                        Err(e) => return Err(failed(e.into())),
                    }
                }
                for (i, ack) in pending {
                    match ack.await {
                        Ok(ack) => published[i] = Some(Published { sequence: ack.sequence, duplicate: ack.duplicate }),
                        Err(e) if transient(e.kind()) => again = Some(e.into()),
                        Err(e) => return Err(failed(e.into())),
                    }
                }
                let Some(error) = again else { break };
                if started.elapsed() > RETRY_FOR {
                    return Err(failed(error));
                }
                tracing::debug!(%error, "publishing again");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Ok(published.into_iter().flatten().collect())
        })
    }
}

/// Whether an error is one a cluster gives for a moment (async-nats's many error kinds share
/// no trait to ask, so by their words).
fn is_transient(error: &async_nats::Error) -> bool {
    let text = error.to_string().to_lowercase();
    ["timed out", "timeout", "no suitable peers", "leader", "broken pipe", "insufficient resources"]
        .iter()
        .any(|words| text.contains(words))
}

/// Reads a pull's messages until it ends.
async fn drain(mut batch: jetstream::consumer::pull::Batch, into: &mut Vec<jetstream::Message>) {
    use futures_util::StreamExt;
    while let Some(message) = batch.next().await {
        match message {
            Ok(message) => into.push(message),
            // A missed heartbeat or a closed request ends this pull, not the caller.
            Err(error) => {
                tracing::debug!(%error, "a pull ended early");
                break;
            }
        }
    }
}
