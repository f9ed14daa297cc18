//! Coverage and summary of a stored event: the library call behind `storyline coverage` and the
//! server's coverage endpoint.

use anyhow::Result;
use serde::Serialize;
use storyline_model::EventId;
use storyline_store::Store;
use storyline_story::{compare_coverage, lexical_similarity, summarize, Coverage, CoverageArticle, EventSummaryText};

/// How many sentences an event summary has.
const SUMMARY_SENTENCES: usize = 3;

#[derive(Debug, Clone, Serialize)]
pub struct EventCoverage {
    pub event: EventId,
    pub summary: EventSummaryText,
    #[serde(flatten)]
    pub coverage: Coverage,
}

/// Coverage comparison and summary of one event; `None` if there is no such event.
pub fn event_coverage(store: &Store, event: EventId) -> Result<Option<EventCoverage>> {
    let Some(detail) = store.event_detail(event)? else { return Ok(None) };
    let articles = store.event_articles(event)?;
    let inputs: Vec<CoverageArticle> =
        articles.iter().map(|a| CoverageArticle { article: &a.article, copy_of: a.copy_of.clone() }).collect();
    let coverage = compare_coverage(&inputs, &lexical_similarity);
    let summary = summarize(&detail.summary.title, &coverage, SUMMARY_SENTENCES);
    Ok(Some(EventCoverage { event, summary, coverage }))
}
