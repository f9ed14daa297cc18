//! Timeline metrics as the timeline-summarisation literature defines them (Martschat & Markert
//! 2017, "Improving ROUGE for Timeline Summarization"; date F1 as in Tran et al. 2013).
//!
//! Tokens: lowercase words (`storyline_text::words`, diacritics folded), no stemming and no stop
//! word removal. N-gram counts are clipped (an n-gram counts at most as often as in the other
//! side). For every metric P = matched / system n-grams, R = matched / reference n-grams,
//! F1 = 2PR / (P + R), 0 when nothing matches.
//!
//! - **concat**: all of a timeline's summaries concatenated into one text, then ROUGE-N.
//! - **agreement** (date-agreement ROUGE): n-grams only match between the system's and the
//!   reference's summaries *of the same date*; the matches are summed over dates and divided by
//!   all system (P) and all reference (R) n-grams.
//! - **date F1**: the set of system dates against the set of reference dates.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

/// A timeline: dates, each with its summary sentences.
pub type Timeline = BTreeMap<NaiveDate, Vec<String>>;

/// Precision, recall and F1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl Prf {
    pub fn from_counts(matched: f64, system: f64, reference: f64) -> Prf {
        let precision = if system > 0.0 { matched / system } else { 0.0 };
        let recall = if reference > 0.0 { matched / reference } else { 0.0 };
        let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
        Prf { precision, recall, f1 }
    }
}

fn ngrams(text: &str, n: usize) -> HashMap<Vec<String>, usize> {
    let words = storyline_text::words(text);
    let mut out = HashMap::new();
    if words.len() >= n {
        for w in words.windows(n) {
            *out.entry(w.to_vec()).or_insert(0) += 1;
        }
    }
    out
}

/// (matched, system total, reference total) n-gram counts of two texts, clipped.
fn overlap(system: &str, reference: &str, n: usize) -> (usize, usize, usize) {
    let s = ngrams(system, n);
    let r = ngrams(reference, n);
    let matched = s.iter().map(|(g, c)| (*c).min(r.get(g).copied().unwrap_or(0))).sum();
    (matched, s.values().sum(), r.values().sum())
}

/// ROUGE-N of two texts.
pub fn rouge_n(system: &str, reference: &str, n: usize) -> Prf {
    let (m, s, r) = overlap(system, reference, n);
    Prf::from_counts(m as f64, s as f64, r as f64)
}

fn concat(timeline: &Timeline) -> String {
    timeline.values().flatten().cloned().collect::<Vec<_>>().join(" ")
}

/// Concatenation ROUGE-N: dates ignored.
pub fn concat_rouge(system: &Timeline, reference: &Timeline, n: usize) -> Prf {
    rouge_n(&concat(system), &concat(reference), n)
}

/// Date-agreement ROUGE-N: only same-date summaries are compared.
pub fn agreement_rouge(system: &Timeline, reference: &Timeline, n: usize) -> Prf {
    let mut matched = 0;
    for (date, sentences) in system {
        if let Some(gold) = reference.get(date) {
            matched += overlap(&sentences.join(" "), &gold.join(" "), n).0;
        }
    }
    let total = |t: &Timeline| t.values().map(|s| ngrams(&s.join(" "), n).values().sum::<usize>()).sum::<usize>();
    Prf::from_counts(matched as f64, total(system) as f64, total(reference) as f64)
}

/// Date selection F1.
pub fn date_f1(system: &Timeline, reference: &Timeline) -> Prf {
    let matched = system.keys().filter(|d| reference.contains_key(d)).count();
    Prf::from_counts(matched as f64, system.len() as f64, reference.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2011, 2, day).unwrap()
    }

    fn timeline(items: &[(u32, &str)]) -> Timeline {
        items.iter().map(|(day, s)| (d(*day), vec![s.to_string()])).collect()
    }

    #[test]
    fn rouge_counts_clipped_ngrams() {
        let p = rouge_n("the cat the cat", "the cat sat", 1);
        // system: the×2 cat×2 (4); reference: the cat sat (3); matched: the 1 + cat 1 = 2.
        assert!((p.precision - 0.5).abs() < 1e-9);
        assert!((p.recall - 2.0 / 3.0).abs() < 1e-9);
        assert!((rouge_n("the cat sat", "the cat sat", 2).f1 - 1.0).abs() < 1e-9);
        assert_eq!(rouge_n("", "the cat", 1).f1, 0.0);
    }

    #[test]
    fn agreement_rouge_ignores_words_on_other_dates() {
        let reference = timeline(&[(1, "protests in cairo"), (2, "mubarak resigns")]);
        let right_day = timeline(&[(1, "protests in cairo")]);
        let wrong_day = timeline(&[(3, "protests in cairo")]);
        assert!((concat_rouge(&right_day, &reference, 1).f1 - concat_rouge(&wrong_day, &reference, 1).f1).abs() < 1e-9);
        let right = agreement_rouge(&right_day, &reference, 1);
        assert!((right.precision - 1.0).abs() < 1e-9);
        assert!((right.recall - 3.0 / 5.0).abs() < 1e-9);
        assert_eq!(agreement_rouge(&wrong_day, &reference, 1).f1, 0.0);
    }

    #[test]
    fn date_f1_on_sets() {
        let reference = timeline(&[(1, "a"), (2, "b"), (3, "c"), (4, "d")]);
        let system = timeline(&[(1, "x"), (2, "y"), (9, "z")]);
        let f = date_f1(&system, &reference);
        assert!((f.precision - 2.0 / 3.0).abs() < 1e-9);
        assert!((f.recall - 0.5).abs() < 1e-9);
    }
}
