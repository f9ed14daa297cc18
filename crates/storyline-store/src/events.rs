//! Coded events (actor – action – target, PLOVER types) and resolved date expressions.
//!
//! The store keeps them as plain text and JSON; what they mean is the events and dates crates'
//! business. A coded event's sentence is not copied: the event keeps where the sentence starts
//! in its article's text, and readers take the sentence from there (rows written before kept
//! the text, and still show it).

use crate::db::Value;
use serde::{Deserialize, Serialize};

use crate::{from_json, to_json, Batch, Result, Store};

/// A participant as stored: its text and country code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredActor {
    pub text: String,
    pub code: Option<String>,
}

/// A coded event to store.
#[derive(Debug, Clone)]
pub struct NewCodedEvent<'a> {
    pub article: &'a str,
    pub sentence_index: usize,
    /// Byte offset in the article's text (the body) of the sentence, as
    /// `storyline_text::sentences` cuts it: readers take the sentence from there.
    pub sentence_start: usize,
    pub event_type: &'a str,
    pub trigger: &'a str,
    pub actors: Vec<StoredActor>,
    pub targets: Vec<StoredActor>,
    pub location: Option<StoredActor>,
    /// First and last day (YYYY-MM-DD) and granularity of the event's date, when resolved.
    pub date: Option<(String, String, String)>,
    pub date_text: Option<&'a str>,
}

/// A date expression to store.
#[derive(Debug, Clone)]
pub struct NewDateMention<'a> {
    pub article: &'a str,
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
    pub relative: bool,
    pub date: Option<(String, String, String)>,
}

/// A stored coded event with its article's URL, for listings and exports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredCodedEvent {
    pub id: i64,
    pub article: String,
    pub url: Option<String>,
    pub sentence_index: usize,
    pub sentence: String,
    pub event_type: String,
    pub trigger: String,
    pub actors: Vec<StoredActor>,
    pub targets: Vec<StoredActor>,
    pub location: Option<StoredActor>,
    pub date_start: Option<String>,
    pub date_end: Option<String>,
    pub date_granularity: Option<String>,
    pub date_text: Option<String>,
    /// The article's publication date (RFC 3339), when known.
    pub published: Option<String>,
}

/// Which coded events a listing shows. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct CodedEventFilter {
    /// Case-insensitive substring of an actor's or target's text, or an exact country code.
    pub actor: Option<String>,
    /// PLOVER type, e.g. AGREE.
    pub event_type: Option<String>,
    /// Events dated (or, undated, published) on or after this day (YYYY-MM-DD).
    pub since: Option<String>,
}

impl Batch<'_> {
    pub fn insert_coded_events(&self, events: &[NewCodedEvent]) -> Result<()> {
        let seqs = self.article_seqs(events.iter().map(|e| e.article))?;
        let rows: Vec<_> = events
            .iter()
            .map(|e| {
                let (start, end, granularity) = date_parts(&e.date);
                (
                    seqs[e.article],
                    e.sentence_index,
                    e.sentence_start,
                    // The sentence is in the article's text already (see `sentence_at`).
                    "",
                    e.event_type,
                    e.trigger,
                    to_json(&e.actors),
                    to_json(&e.targets),
                    e.location.as_ref().map(to_json),
                    start,
                    end,
                    granularity,
                    e.date_text,
                )
            })
            .collect();
        self.tx().execute_rows(
            (
                "INSERT INTO coded_events (article_seq, sentence_index, sentence_start, sentence, event_type,
                 trigger_text, actors, targets, location, date_start, date_end, date_granularity, date_text)",
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "",
            ),
            &rows,
            |_| Ok(()),
        )
    }

    pub fn insert_date_mentions(&self, mentions: &[NewDateMention]) -> Result<()> {
        let seqs = self.article_seqs(mentions.iter().map(|m| m.article))?;
        let rows: Vec<_> = mentions
            .iter()
            .map(|m| {
                let (start, end, granularity) = date_parts(&m.date);
                (seqs[m.article], m.text, m.start, m.end, m.relative, start, end, granularity)
            })
            .collect();
        self.tx().execute_rows(
            (
                "INSERT INTO date_mentions (article_seq, text, byte_start, byte_end, relative, date_start, date_end,
                 date_granularity)",
                "(?, ?, ?, ?, ?, ?, ?, ?)",
                "",
            ),
            &rows,
            |_| Ok(()),
        )
    }
}

/// A date's first day, last day and granularity as stored, each `None` for no date.
fn date_parts(date: &Option<(String, String, String)>) -> (Option<&str>, Option<&str>, Option<&str>) {
    match date {
        Some((s, t, g)) => (Some(s.as_str()), Some(t.as_str()), Some(g.as_str())),
        None => (None, None, None),
    }
}

impl Store {
    /// Coded events matching the filter, in article arrival then sentence order.
    pub fn coded_events(&self, filter: &CodedEventFilter) -> Result<Vec<StoredCodedEvent>> {
        let mut sql = format!("SELECT {CODED_EVENT_COLUMNS} FROM {CODED_EVENTS_WITH_ARTICLES} WHERE 1 = 1");
        let mut values: Vec<Value> = Vec::new();
        if let Some(t) = &filter.event_type {
            sql.push_str(" AND c.event_type = ?");
            values.push(Value::Text(t.to_uppercase()));
        }
        if let Some(since) = &filter.since {
            sql.push_str(" AND COALESCE(c.date_end, substr(a.published, 1, 10)) >= ?");
            values.push(Value::Text(since.clone()));
        }
        sql.push_str(" ORDER BY c.article_seq, c.sentence_index, c.id");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt
            .query_map(crate::db::params_from_iter(values), read_coded_event)?
            .collect::<crate::Result<Vec<_>>>()?;
        let mut out = Vec::new();
        for event in rows {
            let event = event?;
            if let Some(wanted) = &filter.actor {
                let lower = wanted.to_lowercase();
                let hit = event.actors.iter().chain(&event.targets).any(|a| {
                    a.text.to_lowercase().contains(&lower)
                        || a.code.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(wanted))
                });
                if !hit {
                    continue;
                }
            }
            out.push(event);
        }
        Ok(out)
    }
}

/// The coded events (`c`) with their articles (`a`): the table keeps the article's arrival number
/// (since version 6), readers its id.
pub(crate) const CODED_EVENTS_WITH_ARTICLES: &str = "coded_events c JOIN articles a ON a.seq = c.article_seq";
/// The columns [`read_coded_event`] reads, from [`CODED_EVENTS_WITH_ARTICLES`].
pub(crate) const CODED_EVENT_COLUMNS: &str = "c.id, a.id, a.url, c.sentence_index, c.sentence, \
     c.event_type, c.trigger_text, c.actors, c.targets, c.location, c.date_start, c.date_end, c.date_granularity, \
     c.date_text, a.published, a.published_offset, c.sentence_start, a.text";

/// The sentence of `text` that starts at byte `start`, as `storyline_text::sentences` cut it
/// when the event was coded; empty when none does (the text is not the one coded).
fn sentence_at(text: &str, start: usize) -> String {
    storyline_text::sentences(text).into_iter().find(|s| s.start == start).map_or_else(String::new, |s| s.text.into())
}

/// Reads the [`CODED_EVENT_COLUMNS`] of a row. The outer result is SQLite's; the inner one is ours
/// (a stored JSON field that no longer parses).
pub(crate) fn read_coded_event(r: &crate::db::Row) -> crate::Result<Result<StoredCodedEvent>> {
    let (actors, targets, location): (String, String, Option<String>) = (r.get(7)?, r.get(8)?, r.get(9)?);
    let build = || -> Result<StoredCodedEvent> {
        Ok(StoredCodedEvent {
            id: r.get(0)?,
            article: r.get(1)?,
            url: r.get(2)?,
            sentence_index: r.get::<i64>(3)? as usize,
            sentence: match r.get::<String>(4)? {
                // Written since the sentence is no longer copied.
                stored if stored.is_empty() => {
                    sentence_at(&crate::stored_text::read(r.get_ref(17)?)?, r.get::<i64>(16)? as usize)
                }
                stored => stored,
            },
            event_type: r.get(5)?,
            trigger: r.get(6)?,
            actors: from_json("coded event actors", &actors)?,
            targets: from_json("coded event targets", &targets)?,
            location: location.as_deref().map(|l| from_json("coded event location", l)).transpose()?,
            date_start: r.get(10)?,
            date_end: r.get(11)?,
            date_granularity: r.get(12)?,
            date_text: r.get(13)?,
            published: crate::batch::stated_date(r.get(14)?, r.get(15)?),
        })
    };
    Ok(build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use storyline_model::{Article, SourceFormat};

    #[test]
    fn coded_events_round_trip_and_filter() {
        crate::testing::each_backend(|mut store| {
            let article = Article::new("a1", "Talks began. Turkey backed Libya.", SourceFormat::Text);
            let batch = store.batch().unwrap();
            let event = batch.create_event(&[], 0).unwrap();
            batch
                .insert_article(&crate::NewArticle {
                    article: &article,
                    text_hash: 1,
                    screen: &[],
                    band_keys: &[],
                    terms: &[],
                    indexed_terms: 0,
                    event,
                })
                .unwrap();
            batch
                .insert_coded_events(&[NewCodedEvent {
                    article: "a1",
                    sentence_index: 1,
                    sentence_start: 13,
                    event_type: "SUPPORT",
                    trigger: "backed",
                    actors: vec![StoredActor { text: "Turkey".into(), code: Some("TUR".into()) }],
                    targets: vec![StoredActor { text: "Libya".into(), code: Some("LBY".into()) }],
                    location: None,
                    date: Some(("2020-08-17".into(), "2020-08-17".into(), "day".into())),
                    date_text: Some("yesterday"),
                }])
                .unwrap();
            batch.commit().unwrap();
            let all = store.coded_events(&CodedEventFilter::default()).unwrap();
            assert_eq!(all.len(), 1);
            assert_eq!(all[0].sentence, "Turkey backed Libya.", "taken from the article's text");
            assert_eq!(all[0].targets[0].code.as_deref(), Some("LBY"));
            let by_code = CodedEventFilter { actor: Some("tur".into()), ..Default::default() };
            assert_eq!(store.coded_events(&by_code).unwrap().len(), 1);
            let other = CodedEventFilter { event_type: Some("agree".into()), ..Default::default() };
            assert!(store.coded_events(&other).unwrap().is_empty());
            let later = CodedEventFilter { since: Some("2020-09-01".into()), ..Default::default() };
            assert!(store.coded_events(&later).unwrap().is_empty());
            // A row written when the sentence was copied shows its copy.
            store.conn.execute("UPDATE coded_events SET sentence = 'As coded.'", crate::db::params![]).unwrap();
            assert_eq!(store.coded_events(&CodedEventFilter::default()).unwrap()[0].sentence, "As coded.");
        });
    }
}
