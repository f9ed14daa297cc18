//! Dates in news text: which expressions name a date, what date they name, when an article was
//! published, and when the happening an event reports took place.
//!
//! News text says "yesterday", "on Monday", "last month", "in April", "on Nov. 27, 2019",
//! "el 16 de febrero de 2011", "hier", "ieri". [`resolve`] finds such expressions (English,
//! Spanish, French, Italian) and resolves them against an anchor, normally the article's
//! publication date. Without an anchor, relative expressions are still found but stay
//! unresolved: storyline never guesses a date it cannot justify.
//!
//! ```
//! use chrono::NaiveDate;
//! use storyline_dates::{resolve, Granularity};
//!
//! let anchor = NaiveDate::from_ymd_opt(2020, 8, 18);
//! let found = resolve("The deal was announced yesterday, after talks in April 2019.", anchor, Some("en"));
//! assert_eq!(found[0].text, "yesterday");
//! assert!(found[0].relative);
//! assert_eq!(found[0].value.unwrap().start, NaiveDate::from_ymd_opt(2020, 8, 17).unwrap());
//! assert_eq!(found[1].value.unwrap().granularity, Granularity::Month);
//!
//! // No anchor: "yesterday" is found, but its date is unknown.
//! assert!(resolve("It was announced yesterday.", None, None)[0].value.is_none());
//! ```
//!
//! Where is what: `expressions` finds and resolves expressions; `publication` infers an
//! article's publication date from its text; [`event_date`] combines the evidence of an
//! event's articles.

mod expressions;
mod publication;

pub use expressions::resolve;
pub use publication::{infer_publication_date, infer_publication_date_from, InferredDate};

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// How precise a resolved date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Day,
    Week,
    Month,
    Year,
}

impl Granularity {
    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
            Granularity::Year => "year",
        }
    }
}

/// A resolved date: an inclusive range of days and how precise it is. A day has `start == end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DateValue {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub granularity: Granularity,
}

impl DateValue {
    pub fn day(date: NaiveDate) -> Self {
        DateValue { start: date, end: date, granularity: Granularity::Day }
    }

    /// The whole month of `year`/`month`; `None` for an impossible month.
    pub fn month(year: i32, month: u32) -> Option<Self> {
        let start = NaiveDate::from_ymd_opt(year, month, 1)?;
        let next = if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1)? } else { start.with_month(month + 1)? };
        Some(DateValue { start, end: next - Duration::days(1), granularity: Granularity::Month })
    }

    pub fn year(year: i32) -> Option<Self> {
        Some(DateValue {
            start: NaiveDate::from_ymd_opt(year, 1, 1)?,
            end: NaiveDate::from_ymd_opt(year, 12, 31)?,
            granularity: Granularity::Year,
        })
    }

    /// The Monday-to-Sunday week containing `date`.
    pub fn week_of(date: NaiveDate) -> Self {
        let start = date - Duration::days(date.weekday().num_days_from_monday() as i64);
        DateValue { start, end: start + Duration::days(6), granularity: Granularity::Week }
    }

    /// `2019-11-27`, `2019-11`, `2019`, or `2019-11-25/2019-12-01` for a week.
    pub fn label(&self) -> String {
        match self.granularity {
            Granularity::Day => self.start.format("%Y-%m-%d").to_string(),
            Granularity::Month => self.start.format("%Y-%m").to_string(),
            Granularity::Year => self.start.format("%Y").to_string(),
            Granularity::Week => format!("{}/{}", self.start.format("%Y-%m-%d"), self.end.format("%Y-%m-%d")),
        }
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }
}

/// A date expression found in a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateMention {
    /// The expression exactly as written: `&text[start..end]`.
    pub text: String,
    /// Byte offsets into the text.
    pub start: usize,
    pub end: usize,
    /// The date it names; `None` when it is relative (or lacks a year) and there was no anchor.
    pub value: Option<DateValue>,
    /// Whether the date depends on the anchor ("yesterday", "in April", "on Monday").
    pub relative: bool,
}

/// What is known about one article's dates, the input of [`event_date`].
#[derive(Debug, Clone, Default)]
pub struct ArticleDates {
    pub article: String,
    /// The publication date, from metadata or inferred.
    pub published: Option<NaiveDate>,
    /// Whether `published` was inferred from the text rather than given.
    pub published_inferred: bool,
    /// Date expressions in the article, resolved against `published`.
    pub mentions: Vec<DateMention>,
}

/// How an event's date was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventDateBasis {
    /// Relative day expressions ("yesterday", "on Monday") resolved against publication dates.
    ResolvedMentions,
    /// The earliest publication date of the member articles.
    Publication,
    /// Nothing dates the event.
    Unknown,
}

/// One piece of evidence behind an event's date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateEvidence {
    pub article: String,
    /// The expression, or "published" for a publication date.
    pub text: String,
    pub date: String,
}

/// When an event happened, and why storyline thinks so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDate {
    pub value: Option<DateValue>,
    pub basis: EventDateBasis,
    /// Whether any publication date used was inferred from text rather than given.
    pub inferred: bool,
    /// The latest absolute date the articles mention: the event cannot be earlier than the
    /// news it reports, so this is a lower bound even when the date is unknown.
    pub not_before: Option<DateValue>,
    pub evidence: Vec<DateEvidence>,
}

/// How far before the earliest publication a relative day expression may point and still be
/// taken as the event's date: news reports what happened in the last few days.
const EVENT_WINDOW_DAYS: i64 = 7;

/// Dates an event from its member articles.
///
/// The day most often named by resolved day-precise relative expressions ("yesterday", "on
/// Monday") within a week before the earliest publication wins; else the earliest publication
/// date; else the date is unknown. Relative expressions whose article has no publication date
/// give no date at all: they are counted as nothing, never guessed.
pub fn event_date(articles: &[ArticleDates]) -> EventDate {
    let earliest = articles.iter().filter_map(|a| a.published).min();
    let inferred_any = articles.iter().any(|a| a.published.is_some() && a.published_inferred);
    let not_before = articles
        .iter()
        .flat_map(|a| &a.mentions)
        .filter(|m| !m.relative)
        .filter_map(|m| m.value)
        .max_by_key(|v| (v.end, std::cmp::Reverse(v.granularity)));

    let mut votes: Vec<(NaiveDate, Vec<DateEvidence>)> = Vec::new();
    if let Some(earliest) = earliest {
        for article in articles.iter().filter(|a| a.published.is_some()) {
            for m in &article.mentions {
                let Some(v) = m.value.filter(|v| v.granularity == Granularity::Day && m.relative) else { continue };
                if v.start > earliest || (earliest - v.start).num_days() > EVENT_WINDOW_DAYS {
                    continue;
                }
                let evidence = DateEvidence { article: article.article.clone(), text: m.text.clone(), date: v.label() };
                match votes.iter_mut().find(|(d, _)| *d == v.start) {
                    Some((_, list)) => list.push(evidence),
                    None => votes.push((v.start, vec![evidence])),
                }
            }
        }
    }
    // Most votes first; among ties the earlier day, since the reports follow the happening.
    votes.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    if let Some((day, evidence)) = votes.into_iter().next() {
        return EventDate {
            value: Some(DateValue::day(day)),
            basis: EventDateBasis::ResolvedMentions,
            inferred: inferred_any,
            not_before,
            evidence,
        };
    }
    if let Some(earliest) = earliest {
        let evidence = articles
            .iter()
            .filter(|a| a.published == Some(earliest))
            .map(|a| DateEvidence {
                article: a.article.clone(),
                text: if a.published_inferred { "published (inferred)".into() } else { "published".into() },
                date: earliest.format("%Y-%m-%d").to_string(),
            })
            .collect();
        return EventDate {
            value: Some(DateValue::day(earliest)),
            basis: EventDateBasis::Publication,
            inferred: inferred_any,
            not_before,
            evidence,
        };
    }
    EventDate { value: None, basis: EventDateBasis::Unknown, inferred: false, not_before, evidence: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn ranges_cover_whole_months_and_years() {
        let feb = DateValue::month(2020, 2).unwrap();
        assert_eq!(feb.end, d(2020, 2, 29));
        assert_eq!(DateValue::month(2019, 12).unwrap().end, d(2019, 12, 31));
        assert_eq!(DateValue::year(2011).unwrap().label(), "2011");
        assert_eq!(DateValue::week_of(d(2020, 8, 19)).start, d(2020, 8, 17));
    }

    #[test]
    fn event_date_votes_for_the_day_relative_expressions_name() {
        let anchor = Some(d(2020, 8, 18));
        let a = ArticleDates {
            article: "a".into(),
            published: anchor,
            published_inferred: false,
            mentions: resolve("announced yesterday", anchor, Some("en")),
        };
        let b = ArticleDates {
            article: "b".into(),
            published: Some(d(2020, 8, 19)),
            published_inferred: false,
            mentions: resolve("ministers arrived on Monday", Some(d(2020, 8, 19)), Some("en")),
        };
        let date = event_date(&[a, b]);
        assert_eq!(date.basis, EventDateBasis::ResolvedMentions);
        assert_eq!(date.value.unwrap().start, d(2020, 8, 17));
        assert_eq!(date.evidence.len(), 2);
    }

    #[test]
    fn event_date_is_unknown_without_publication_dates() {
        let mentions = resolve("announced yesterday, a year after April 2019", None, Some("en"));
        let date = event_date(&[ArticleDates { article: "a".into(), mentions, ..Default::default() }]);
        assert_eq!(date.basis, EventDateBasis::Unknown);
        assert!(date.value.is_none());
        assert_eq!(date.not_before.unwrap().label(), "2019-04");
    }

    #[test]
    fn event_date_falls_back_to_the_earliest_publication() {
        let a = ArticleDates { article: "a".into(), published: Some(d(2020, 8, 20)), ..Default::default() };
        let b = ArticleDates { article: "b".into(), published: Some(d(2020, 8, 18)), ..Default::default() };
        let date = event_date(&[a, b]);
        assert_eq!(date.basis, EventDateBasis::Publication);
        assert_eq!(date.value.unwrap().label(), "2020-08-18");
        assert_eq!(date.evidence[0].article, "b");
    }
}
