//! The workers' side: raw articles from the shared work-queue consumer, prepared articles back.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer::pull};

use crate::{codec, Outcome, Outgoing, Result, Shared, StreamError, StreamOptions, GIVE_UP_AFTER, WORKERS_CONSUMER};

/// Raw articles one worker may hold unacknowledged before the server gives it no more.
const MAX_HELD_PER_CONSUMER: i64 = 10_000;
/// A worker that sends "in progress" for longer than this is taken as stuck: its articles go to
/// another worker after the ack wait.
const LONGEST_PREPARATION: Duration = Duration::from_secs(15 * 60);
/// Room left under the server's max_payload for headers.
const HEADER_ROOM: usize = 1024;

pub(crate) fn workers_config(options: &StreamOptions) -> pull::Config {
    pull::Config {
        durable_name: Some(WORKERS_CONSUMER.to_string()),
        ack_policy: jetstream::consumer::AckPolicy::Explicit,
        ack_wait: options.ack_wait,
        // Never given up by the server: a message it stopped delivering would leave a hole in
        // the order, and the decision consumer would wait for it forever. Workers turn a raw
        // article delivered too often into a skipped one instead (`GIVE_UP_AFTER`).
        max_deliver: -1,
        max_ack_pending: MAX_HELD_PER_CONSUMER,
        num_replicas: 0, // as the stream
        ..Default::default()
    }
}

/// A worker's handle on the raw articles.
pub struct WorkQueue {
    shared: Arc<Shared>,
    consumer: jetstream::consumer::PullConsumer,
}

/// One raw article to prepare.
pub struct Work<R> {
    pub raw: R,
    /// Hand it back with what became of the article ([`WorkQueue::finish`]).
    pub ticket: Ticket,
    /// How many times it has been delivered, this one included (more than one: a worker died
    /// holding it, or it took longer than the ack wait).
    pub attempts: i64,
}

/// A raw article taken and not yet finished. Dropped unfinished, the article goes to another
/// worker after the ack wait.
pub struct Ticket {
    sequence: u64,
    message: jetstream::Message,
    /// While any ticket of one take is alive, its articles are reported in progress.
    _alive: Arc<()>,
}

impl Ticket {
    /// The raw article's sequence: its place in the arrival order.
    pub fn sequence(&self) -> u64 {
        self.sequence
    }
}

impl WorkQueue {
    pub(crate) fn new(shared: Arc<Shared>) -> Result<WorkQueue> {
        let options = &shared.options;
        let consumer = shared.again("finding the workers' consumer", || {
            shared.runtime.block_on(async {
                let stream = shared.jetstream.get_stream(options.raw_stream()).await?;
                stream.get_consumer::<pull::Config>(WORKERS_CONSUMER).await.map_err(async_nats::Error::from)
            })
        });
        let consumer =
            consumer.map_err(|source| StreamError::Setup { what: format!("consumer {WORKERS_CONSUMER}"), source })?;
        Ok(WorkQueue { shared, consumer })
    }

    /// Takes up to `max` raw articles, waiting up to `wait` for the first. Raw articles that
    /// cannot be decoded, or that failed too often, are finished here as skipped.
    pub fn take<R: serde::de::DeserializeOwned>(&mut self, max: usize, wait: Duration) -> Result<Vec<Work<R>>> {
        let messages = self.shared.pull(&self.consumer, max, wait, "asking for raw articles")?;
        let alive = Arc::new(());
        self.report_progress(&messages, Arc::downgrade(&alive));
        let mut works = Vec::with_capacity(messages.len());
        let mut skipped = Vec::new();
        for message in messages {
            let (sequence, attempts) = match message.info() {
                Ok(info) => (info.stream_sequence, info.delivered),
                Err(error) => {
                    tracing::warn!(%error, "a raw message without JetStream metadata: dropped");
                    continue;
                }
            };
            let ticket = Ticket { sequence, message, _alive: alive.clone() };
            if attempts > GIVE_UP_AFTER {
                let reason = format!("no worker prepared it in {} tries", attempts - 1);
                skipped.push((ticket, Outcome::<()>::Skipped(reason)));
                continue;
            }
            match codec::decode::<R>(&ticket.message.payload) {
                Ok(raw) => works.push(Work { raw, ticket, attempts }),
                Err(error) => {
                    skipped.push((ticket, Outcome::Skipped(format!("the raw article cannot be decoded: {error}"))))
                }
            }
        }
        if !skipped.is_empty() {
            self.finish(skipped)?;
        }
        Ok(works)
    }

    /// Sends "in progress" for the messages of one take every third of the ack wait while any
    /// of its tickets is alive, so a long preparation is not taken for a dead worker.
    fn report_progress(&self, messages: &[jetstream::Message], alive: Weak<()>) {
        let replies: Vec<_> = messages.iter().filter_map(|m| m.reply.clone()).collect();
        if replies.is_empty() {
            return;
        }
        let client = self.shared.client.clone();
        let every = (self.shared.options.ack_wait / 3).max(Duration::from_millis(100));
        self.shared.runtime.spawn(async move {
            let started = Instant::now();
            loop {
                tokio::time::sleep(every).await;
                if alive.upgrade().is_none() || started.elapsed() > LONGEST_PREPARATION {
                    return;
                }
                for reply in &replies {
                    let _ = client.publish(reply.clone(), "+WPI".into()).await;
                }
            }
        });
    }

    /// Publishes what became of raw articles taken, then acknowledges them: a raw article
    /// leaves its stream only once the server has stored its prepared form. An outcome that
    /// cannot be encoded, or is over the server's message size, is published as skipped.
    pub fn finish<P: serde::Serialize>(&mut self, done: Vec<(Ticket, Outcome<P>)>) -> Result<()> {
        let max_payload = self.shared.max_payload().saturating_sub(HEADER_ROOM);
        let mut outgoing = Vec::with_capacity(done.len());
        let mut tickets = Vec::with_capacity(done.len());
        for (ticket, outcome) in done {
            let payload = match codec::encode(&outcome) {
                Ok(payload) if payload.len() <= max_payload => payload,
                Ok(payload) => {
                    let reason =
                        format!("prepared, it takes {} bytes, over the {max_payload} a message may", payload.len());
                    codec::encode(&Outcome::<()>::Skipped(reason))?
                }
                Err(error) => {
                    codec::encode(&Outcome::<()>::Skipped(format!("its prepared form cannot be encoded: {error}")))?
                }
            };
            // The raw sequence is the id: a second worker's copy (after a redelivery) is dropped.
            outgoing.push(Outgoing { id: ticket.sequence.to_string(), payload, raw_sequence: Some(ticket.sequence) });
            tickets.push(ticket);
        }
        self.shared.publish_all(&self.shared.options.prepared_subject(), outgoing)?;
        self.shared.runtime.block_on(async {
            let failed = |e: async_nats::Error| StreamError::Consume { what: "acknowledging raw articles", source: e };
            for ticket in &tickets {
                ticket.message.ack().await.map_err(failed)?;
            }
            self.shared.client.flush().await.map_err(|e| failed(e.into()))
        })
    }
}
