//! The decision consumer's side: prepared articles in raw arrival order, acknowledged after
//! the caller's commit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer::pull, AckKind};

use crate::order::{InOrder, Offered};
use crate::{codec, Outcome, Result, Shared, StreamError, DECISIONS_CONSUMER, RAW_SEQUENCE_HEADER};

/// Prepared articles held waiting for an earlier one at most; past it, the latest are handed
/// back to the server (asked for again a moment later), so memory stays bounded and the server
/// always has room to deliver the one missing.
const HOLD_LIMIT: usize = 2_000;
/// How long a released message stays away before the server delivers it again.
const RELEASE_DELAY: Duration = Duration::from_secs(1);
/// Messages are held in memory while earlier ones are missing; a redelivery meanwhile is
/// harmless (kept once), so this only needs to be longer than a typical gap.
const DECISIONS_ACK_WAIT: Duration = Duration::from_secs(5 * 60);
/// Messages asked for in one pull.
const PULL_MAX: usize = 512;

/// One prepared article in its turn.
#[derive(Debug)]
pub struct Decision<P> {
    /// Its raw sequence; record the run's last one with the run.
    pub sequence: u64,
    pub outcome: Outcome<P>,
}

/// Consecutive prepared articles, in raw order, starting right after the last one applied.
pub struct Run<P> {
    pub decisions: Vec<Decision<P>>,
    /// Hand it to [`DecisionQueue::applied`] once the run is committed.
    pub receipt: Receipt,
}

impl<P> Run<P> {
    /// The raw sequence to record with the run (none for an empty run).
    pub fn last_sequence(&self) -> Option<u64> {
        self.decisions.last().map(|d| d.sequence)
    }
}

/// The messages of a run, to acknowledge after the commit.
pub struct Receipt {
    messages: Vec<jetstream::Message>,
}

struct Held<P> {
    /// Its sequence in the prepared stream: a redelivery of the same message has the same.
    stream_sequence: u64,
    message: jetstream::Message,
    outcome: Outcome<P>,
}

/// The one decision consumer's handle on the prepared articles.
pub struct DecisionQueue<P> {
    shared: Arc<Shared>,
    consumer: jetstream::consumer::PullConsumer,
    order: InOrder<Held<P>>,
}

impl<P: serde::de::DeserializeOwned> DecisionQueue<P> {
    pub(crate) fn new(shared: Arc<Shared>, applied_through: u64) -> Result<DecisionQueue<P>> {
        let config = pull::Config {
            durable_name: Some(DECISIONS_CONSUMER.to_string()),
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ack_wait: DECISIONS_ACK_WAIT,
            max_deliver: -1,
            max_ack_pending: (2 * HOLD_LIMIT + PULL_MAX) as i64,
            ..Default::default()
        };
        let consumer = shared.again("taking over the decision consumer", || {
            shared.runtime.block_on(async {
                let stream = shared.jetstream.get_stream(shared.options.prepared_stream()).await?;
                // Taking over: the consumer is made anew, so what an earlier decision process
                // held unacknowledged comes again now, not after its ack wait. (The prepared
                // stream is a work queue: what was acknowledged is gone, the rest is there.)
                if let Err(error) = stream.delete_consumer(DECISIONS_CONSUMER).await {
                    tracing::debug!(%error, "no earlier decision consumer to replace");
                }
                stream.create_consumer(config.clone()).await.map_err(async_nats::Error::from)
            })
        });
        let consumer =
            consumer.map_err(|source| StreamError::Setup { what: format!("consumer {DECISIONS_CONSUMER}"), source })?;
        Ok(DecisionQueue { shared, consumer, order: InOrder::starting_at(applied_through + 1) })
    }

    /// The raw sequence the next run starts at.
    pub fn next_sequence(&self) -> u64 {
        self.order.next()
    }

    /// Prepared articles held while an earlier one is missing.
    pub fn held(&self) -> usize {
        self.order.held()
    }

    /// Up to `max` prepared articles in raw order from the next sequence, waiting up to `wait`
    /// for the first; an empty run when it has not come.
    pub fn next_run(&mut self, max: usize, wait: Duration) -> Result<Run<P>> {
        let deadline = Instant::now() + wait;
        loop {
            let run = self.order.take_run(max.max(1));
            let left = deadline.saturating_duration_since(Instant::now());
            if !run.is_empty() || left.is_zero() {
                let (decisions, messages) = run
                    .into_iter()
                    .map(|(sequence, held)| (Decision { sequence, outcome: held.outcome }, held.message))
                    .unzip();
                return Ok(Run { decisions, receipt: Receipt { messages } });
            }
            let messages = self.shared.pull(&self.consumer, PULL_MAX, left, "asking for prepared articles")?;
            self.hold(messages)?;
        }
    }

    fn hold(&mut self, messages: Vec<jetstream::Message>) -> Result<()> {
        let mut done_with = Vec::new();
        for message in messages {
            let Some(sequence) = raw_sequence(&message) else {
                tracing::warn!(subject = %message.subject, "a prepared message without its raw sequence: dropped");
                done_with.push(message);
                continue;
            };
            let stream_sequence = match message.info() {
                Ok(info) => info.stream_sequence,
                Err(error) => {
                    tracing::warn!(%error, "a prepared message without JetStream metadata: dropped");
                    continue;
                }
            };
            let outcome = codec::decode::<Outcome<P>>(&message.payload)
                .unwrap_or_else(|error| Outcome::Skipped(format!("its prepared form cannot be decoded: {error}")));
            match self.order.offer(sequence, Held { stream_sequence, message, outcome }) {
                Offered::Held => {}
                // Applied before: its acknowledgement was lost, or it was applied by an earlier
                // decision process that stopped before acknowledging.
                Offered::Stale(held) => done_with.push(held.message),
                // The same message delivered again: keep its latest delivery, the one to ack.
                Offered::Again { held, new } if held.stream_sequence == new.stream_sequence => {
                    self.order.keep(sequence, new)
                }
                // A second worker's copy the server did not de-duplicate (outside its window).
                Offered::Again { held, new } => {
                    self.order.keep(sequence, held);
                    done_with.push(new.message);
                }
            }
        }
        let released = self.order.release_highest(HOLD_LIMIT);
        self.shared.runtime.block_on(async {
            let failed =
                |e: async_nats::Error| StreamError::Consume { what: "acknowledging prepared articles", source: e };
            for message in &done_with {
                message.ack().await.map_err(failed)?;
            }
            for (_, held) in &released {
                held.message.ack_with(AckKind::Nak(Some(RELEASE_DELAY))).await.map_err(failed)?;
            }
            Ok(())
        })
    }

    /// Acknowledges a run the caller has committed: its messages leave the stream.
    pub fn applied(&mut self, receipt: Receipt) -> Result<()> {
        self.shared.runtime.block_on(async {
            let failed =
                |e: async_nats::Error| StreamError::Consume { what: "acknowledging prepared articles", source: e };
            for message in &receipt.messages {
                message.ack().await.map_err(failed)?;
            }
            self.shared.client.flush().await.map_err(|e| failed(e.into()))
        })
    }
}

fn raw_sequence(message: &jetstream::Message) -> Option<u64> {
    message.headers.as_ref()?.get(RAW_SEQUENCE_HEADER)?.as_str().parse().ok()
}
