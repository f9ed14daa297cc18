//! storyline: turns a stream of news articles into stories.
//!
//! This library wires the pipeline's stages — ingest, dedup, cluster, store — into the operations
//! the command-line tool (and later the HTTP server) offer. Each stage is its own crate; this one
//! only decides the order in which they run and what crosses between them.
//!
//! ```no_run
//! use storyline_pipeline::{ingest_paths, IngestOptions};
//! let mut store = storyline_store::Store::open("storyline.db".as_ref())?;
//! let report = ingest_paths(&mut store, &["../shared/seeds".into()], &IngestOptions::default(), &|_| {})?;
//! println!("{} new articles", report.new);
//! # Ok::<(), anyhow::Error>(())
//! ```

mod coverage;
pub mod entities;
pub mod events;
mod feeds;
mod loaded;
mod pipeline;
pub mod places;
mod semantic;
mod server;
mod sink;
mod timeline;
mod watch;

pub use coverage::{event_coverage, EventCoverage};
pub use feeds::{poll_feeds, FeedPollReport, PollReport};
pub use pipeline::{
    ingest_article_batches, ingest_articles, ingest_paths, lower_thread_priority, Decider, IngestOptions,
    IngestProgress, IngestReport, PreparedArticle, Preparer,
};
pub use server::ServerBackend;
pub use sink::{ArticlePublisher, ArticleSink};
pub use timeline::{storyline_summary, storyline_timeline, StorylineTimeline, SummaryDay, SummarySentence};
pub use watch::{watch_folder, WatchBatch, WatchOptions};
