//! A storyline's dated summary: the days that mattered and what happened on each, every sentence
//! with the article it comes from. The library call behind `storyline timeline` (the same
//! summariser `storyline eval timeline` scores on ML-Crisis).

use std::collections::HashMap;

use anyhow::Result;
use serde::Serialize;
use storyline_model::{Article, EventId};
use storyline_store::{Store, StorylineSummary};
use storyline_timeline::{summarise_with_sources, DatedArticle};

/// A storyline's events in time order and its dated summary.
#[derive(Debug, Clone, Serialize)]
pub struct StorylineTimeline {
    #[serde(flatten)]
    pub storyline: StorylineSummary,
    /// The most reported days, in date order.
    pub summary: Vec<SummaryDay>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SummaryDay {
    /// YYYY-MM-DD.
    pub date: String,
    pub sentences: Vec<SummarySentence>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SummarySentence {
    pub text: String,
    /// The article the sentence is taken from, and its event.
    pub article: String,
    pub event: EventId,
}

/// The storyline `id` with a summary of at most `days` days and `per_day` sentences a day;
/// `None` if there is no such storyline.
pub fn storyline_timeline(store: &Store, id: i64, days: usize, per_day: usize) -> Result<Option<StorylineTimeline>> {
    let Some(storyline) = store.storyline(id)? else { return Ok(None) };
    let events: Vec<EventId> = storyline.timeline.iter().map(|entry| entry.event.id).collect();
    let summary = summarise_events(store, &events, days, per_day)?;
    Ok(Some(StorylineTimeline { storyline, summary }))
}

/// The summary alone of storyline `id` (what the server adds to a page of its timeline), read
/// from its most reported events up to `max_articles` articles (a long storyline's most reported
/// days are theirs); `None` if there is no such storyline.
pub fn storyline_summary(
    store: &Store,
    id: i64,
    days: usize,
    per_day: usize,
    max_articles: usize,
) -> Result<Option<Vec<SummaryDay>>> {
    let events = store.storyline_most_reported(id, max_articles)?;
    if events.is_empty() {
        return Ok(None);
    }
    Ok(Some(summarise_events(store, &events, days, per_day)?))
}

/// What happened on the most reported days of these events' articles. Copies are left out
/// (their original speaks for them), and so are undated articles: a timeline needs a day for
/// each.
fn summarise_events(store: &Store, events: &[EventId], days: usize, per_day: usize) -> Result<Vec<SummaryDay>> {
    // Built side by side: a summary sentence's index into `dated` is its article's in `sources`.
    let mut sources: Vec<(Article, EventId)> = Vec::new();
    let mut dated: Vec<DatedArticle> = Vec::new();
    for &event in events {
        for member in store.event_articles(event)? {
            let Some(day) = member.article.publication_day().filter(|_| member.copy_of.is_none()) else { continue };
            dated.push(DatedArticle {
                published: day,
                title: member.article.title.clone().unwrap_or_default(),
                text: member.article.text.clone(),
            });
            sources.push((member.article, event));
        }
    }
    let language = most_common_language(sources.iter().map(|(article, _)| article));
    let summary = summarise_with_sources(&dated, language.as_deref(), days, per_day)
        .into_iter()
        .map(|(date, entries)| SummaryDay {
            date: date.format("%Y-%m-%d").to_string(),
            sentences: entries
                .into_iter()
                .map(|entry| {
                    let (article, event) = &sources[entry.article];
                    SummarySentence { text: entry.sentence, article: article.id.clone(), event: *event }
                })
                .collect(),
        })
        .collect();
    Ok(summary)
}

/// The language most of the articles are in: the summariser's stop words and date expressions.
fn most_common_language<'a>(articles: impl Iterator<Item = &'a Article>) -> Option<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for code in articles.filter_map(Article::language_code) {
        *counts.entry(code).or_default() += 1;
    }
    counts.into_iter().max_by_key(|(code, count)| (*count, std::cmp::Reverse(*code))).map(|(code, _)| code.to_string())
}
