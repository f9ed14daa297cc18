//! Inferring an article's publication date from its text, for articles whose metadata has none.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{resolve, Granularity};

/// A publication date read from an article's text rather than its metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InferredDate {
    pub date: NaiveDate,
    /// The expression it was read from.
    pub evidence: String,
    /// `dateline` (a full date in the article's opening lines) or `today` (a full date in the
    /// same breath as "today"/"hoy"/"aujourd'hui"/"oggi").
    pub method: String,
}

/// How far into the text a dateline or page header may be.
const DATELINE_BYTES: usize = 300;
/// How close to a full date a "today" must be to say that the date is the day of writing.
const TODAY_WINDOW: usize = 40;
const TODAY_WORDS: &[&str] = &["today", "hoy", "aujourd'hui", "aujourd’hui", "oggi", "this morning"];

/// The publication date the text itself states, if it states one: a full (day-precise,
/// year-explicit) date in its opening lines, as datelines and page headers put it ("Miércoles
/// 16/02/2011. Actualizado 11:40h."), or a full date in a sentence that also says "today".
/// Anything less certain gives `None`: an unknown date is better than a wrong one.
pub fn infer_publication_date(text: &str, language: Option<&str>) -> Option<InferredDate> {
    infer_publication_date_from(text, &resolve(text, None, language))
}

/// [`infer_publication_date`] from the text's date expressions resolved without an anchor
/// (`resolve(text, None, language)`), for callers that need those anyway.
pub fn infer_publication_date_from(text: &str, mentions: &[crate::DateMention]) -> Option<InferredDate> {
    let full = |m: &&crate::DateMention| !m.relative && m.value.is_some_and(|v| v.granularity == Granularity::Day);
    if let Some(m) = mentions.iter().filter(full).find(|m| m.start < DATELINE_BYTES) {
        return Some(InferredDate { date: m.value?.start, evidence: m.text.clone(), method: "dateline".into() });
    }
    for m in mentions.iter().filter(full) {
        let window = &text
            [floor_boundary(text, m.start.saturating_sub(TODAY_WINDOW))..ceil_boundary(text, m.end + TODAY_WINDOW)];
        let lower = window.to_lowercase();
        if TODAY_WORDS.iter().any(|w| lower.contains(w)) {
            return Some(InferredDate { date: m.value?.start, evidence: m.text.clone(), method: "today".into() });
        }
    }
    None
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dateline_in_a_page_header() {
        let text = "Mundo | elmundo.es\nMiércoles 16/02/2011. Actualizado 11:40h.\nGadafi advierte ...";
        let found = infer_publication_date(text, Some("es")).unwrap();
        assert_eq!(found.date, NaiveDate::from_ymd_opt(2011, 2, 16).unwrap());
        assert_eq!(found.method, "dateline");
    }

    #[test]
    fn full_date_said_to_be_today() {
        let mut text = "x ".repeat(200);
        text.push_str("Today, Nov. 27, 2019, the ministers met.");
        let found = infer_publication_date(&text, Some("en")).unwrap();
        assert_eq!(found.date, NaiveDate::from_ymd_opt(2019, 11, 27).unwrap());
        assert_eq!(found.method, "today");
    }

    #[test]
    fn relative_or_partial_dates_infer_nothing() {
        let text = "The deal was announced yesterday. Haftar attacked Tripoli in April 2019. Last month, talks.";
        assert_eq!(infer_publication_date(text, Some("en")), None);
    }
}
