//! The storyline library as the HTTP server's backend: the server ingests and computes
//! coverage through these functions, exactly as the command line does.

use storyline_model::{Article, EventId};
use storyline_server::{Backend, BoxError, IngestCounts};
use storyline_store::Store;

use crate::{event_coverage, ingest_articles, IngestOptions};

/// The pipeline behind `storyline serve`.
#[derive(Debug, Clone, Default)]
pub struct ServerBackend {
    pub options: IngestOptions,
}

impl Backend for ServerBackend {
    fn ingest(&self, store: &mut Store, articles: Vec<Article>) -> Result<IngestCounts, BoxError> {
        // The server logs a failure by its message alone: give it every cause.
        let report = ingest_articles(store, articles, &self.options).map_err(|error| format!("{error:#}"))?;
        Ok(IngestCounts { new: report.new, unchanged: report.unchanged, skipped: report.skipped })
    }

    fn can_ingest(&self) -> bool {
        true
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
