//! The storyline library as the HTTP server's backend: the server ingests (or publishes to the
//! article stream) and computes coverage through these functions, exactly as the command line
//! does.

use storyline_model::{Article, EventId};
use storyline_server::{Backend, BoxError, IngestCounts};
use storyline_store::Store;

use crate::{event_coverage, ArticlePublisher, ArticleSink, IngestOptions};

/// The pipeline behind `storyline serve`.
#[derive(Debug, Clone, Default)]
pub struct ServerBackend {
    pub options: IngestOptions,
    /// Posted articles go to the article stream through this, instead of into the store.
    pub publisher: Option<ArticlePublisher>,
}

impl ServerBackend {
    fn send(&self, mut sink: ArticleSink, articles: Vec<Article>) -> Result<IngestCounts, BoxError> {
        // The server logs a failure by its message alone: give it every cause.
        let report = sink.send_articles(articles, &self.options).map_err(|error| format!("{error:#}"))?;
        Ok(IngestCounts { new: report.new, unchanged: report.unchanged, skipped: report.skipped })
    }
}

impl Backend for ServerBackend {
    fn ingest(&self, store: &mut Store, articles: Vec<Article>) -> Result<IngestCounts, BoxError> {
        self.send(ArticleSink::Store(store), articles)
    }

    fn can_ingest(&self) -> bool {
        self.publisher.is_none()
    }

    fn publish(&self, articles: Vec<Article>) -> Result<IngestCounts, BoxError> {
        match &self.publisher {
            Some(publisher) => self.send(ArticleSink::Stream(publisher), articles),
            None => Err("this server stores articles; it does not publish them".into()),
        }
    }

    fn publishes(&self) -> bool {
        self.publisher.is_some()
    }

    fn coverage(&self, store: &Store, event: EventId) -> Result<Option<serde_json::Value>, BoxError> {
        match event_coverage(store, event)? {
            Some(coverage) => Ok(Some(serde_json::to_value(coverage)?)),
            None => Ok(None),
        }
    }

    fn has_coverage(&self) -> bool {
        true
    }

    fn storyline_summary(&self, store: &Store, storyline: i64) -> Result<Option<serde_json::Value>, BoxError> {
        match crate::storyline_summary(store, storyline, SUMMARY_DAYS, SENTENCES_PER_DAY, SUMMARY_ARTICLES)? {
            Some(summary) => Ok(Some(serde_json::to_value(summary)?)),
            None => Ok(None),
        }
    }
}

/// The storyline page's summary: its ten most reported days, two sentences each (as `storyline
/// timeline` by default).
const SUMMARY_DAYS: usize = 10;
const SENTENCES_PER_DAY: usize = 2;
/// The most articles a storyline page's summary reads (from the storyline's largest events):
/// every storyline of the evaluation corpora is smaller, a chained one on a large store is not.
const SUMMARY_ARTICLES: usize = 500;
