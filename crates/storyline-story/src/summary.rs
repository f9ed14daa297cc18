//! Event summaries: the headline and the sentences that most outlets support.

use serde::Serialize;

use crate::coverage::Coverage;

/// A short extractive summary of an event.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventSummaryText {
    pub headline: String,
    /// Sentences with the article and sentence index they were taken from.
    pub sentences: Vec<SummarySentence>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SummarySentence {
    pub text: String,
    pub article: String,
    pub sentence: usize,
    /// How many outlets report this claim.
    pub outlets: usize,
}

/// Picks up to `max_sentences` claims, those reported by the most outlets first, earlier
/// sentences breaking ties (news puts the essentials first), and returns them in reading order.
pub fn summarize(headline: &str, coverage: &Coverage, max_sentences: usize) -> EventSummaryText {
    let mut ranked: Vec<&crate::Claim> = coverage.claims.iter().collect();
    ranked.sort_by_key(|c| (std::cmp::Reverse(c.outlets.len()), c.statements[0].sentence, c.statements[0].order));
    let mut chosen: Vec<&crate::Claim> = ranked.into_iter().take(max_sentences).collect();
    chosen.sort_by_key(|c| (c.statements[0].order, c.statements[0].sentence));
    EventSummaryText {
        headline: headline.to_string(),
        sentences: chosen
            .into_iter()
            .map(|c| SummarySentence {
                text: c.statements[0].text.clone(),
                article: c.statements[0].article.clone(),
                sentence: c.statements[0].sentence,
                outlets: c.outlets.len(),
            })
            .collect(),
    }
}
