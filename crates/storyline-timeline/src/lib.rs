//! Timeline summarisation: from a set of dated articles about one story, pick the most important
//! dates and, for each, the sentences that say what happened — and measure such timelines
//! against reference timelines.
//!
//! Date selection counts, for each day, the articles published on it and the day-precise date
//! expressions in all articles that resolve to it ("yesterday" in an article of 2011-02-17 votes
//! for 2011-02-16). For each chosen day, candidate sentences are those whose date expressions
//! point to the day and the opening sentences of the articles published on it; they are ranked
//! by centrality (TF-IDF cosine to the candidates' centroid) and picked greedily, skipping any
//! too similar to one already picked.
//!
//! ```
//! use chrono::NaiveDate;
//! use storyline_timeline::{summarise, DatedArticle, metrics};
//!
//! let day = NaiveDate::from_ymd_opt(2011, 2, 17).unwrap();
//! let article = DatedArticle {
//!     published: day,
//!     title: "Protests".into(),
//!     text: "Thousands of protesters marched in Benghazi yesterday against the government of Gaddafi.".into(),
//! };
//! let timeline = summarise(&[article], Some("en"), 1, 1);
//! assert_eq!(timeline.keys().next(), Some(&NaiveDate::from_ymd_opt(2011, 2, 16).unwrap()));
//! assert_eq!(metrics::date_f1(&timeline, &timeline).f1, 1.0);
//! ```

pub mod data;
pub mod metrics;

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
pub use metrics::Timeline;
use storyline_dates::Granularity;

/// An article with a known publication date.
#[derive(Debug, Clone)]
pub struct DatedArticle {
    pub published: NaiveDate,
    pub title: String,
    pub text: String,
}

/// How many opening sentences of an article count as candidates for its publication day.
const LEDE_SENTENCES: usize = 4;
/// Candidate sentences must have this many words (drops page furniture and fragments) …
const MIN_WORDS: usize = 8;
/// … and at most this many (drops run-on blocks that lost their punctuation).
const MAX_WORDS: usize = 60;
/// A sentence this similar (cosine) to one already picked for the day is redundant.
const REDUNDANT: f64 = 0.5;

/// Builds a timeline of `dates` days with up to `per_date` sentences each.
pub fn summarise(articles: &[DatedArticle], language: Option<&str>, dates: usize, per_date: usize) -> Timeline {
    summarise_with_sources(articles, language, dates, per_date)
        .into_iter()
        .map(|(day, entries)| (day, entries.into_iter().map(|entry| entry.sentence).collect()))
        .collect()
}

/// One sentence of a timeline and the article it was taken from.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    pub sentence: String,
    /// Index into the articles the timeline was built from.
    pub article: usize,
}

/// [`summarise`], keeping for each sentence the article it came from, so that a timeline can
/// link to its sources.
pub fn summarise_with_sources(
    articles: &[DatedArticle],
    language: Option<&str>,
    dates: usize,
    per_date: usize,
) -> BTreeMap<NaiveDate, Vec<TimelineEntry>> {
    // Votes per day, and candidate sentences per day (with the article each came from).
    let mut votes: HashMap<NaiveDate, f64> = HashMap::new();
    let mut candidates: HashMap<NaiveDate, Vec<(String, usize)>> = HashMap::new();
    for (index, article) in articles.iter().enumerate() {
        *votes.entry(article.published).or_default() += 1.0;
        for (i, sentence) in storyline_text::sentences(&article.text).into_iter().enumerate() {
            let words = storyline_text::words(sentence.text).len();
            let usable = (MIN_WORDS..=MAX_WORDS).contains(&words);
            if i < LEDE_SENTENCES && usable {
                candidates.entry(article.published).or_default().push((sentence.text.to_string(), index));
            }
            for m in storyline_dates::resolve(sentence.text, Some(article.published), language) {
                let Some(v) = m.value.filter(|v| v.granularity == Granularity::Day) else { continue };
                // A date the article mentions but that is its own publication day was counted above.
                if v.start == article.published {
                    continue;
                }
                *votes.entry(v.start).or_default() += 1.0;
                if usable {
                    candidates.entry(v.start).or_default().push((sentence.text.to_string(), index));
                }
            }
        }
    }
    let mut ranked: Vec<(NaiveDate, f64)> = votes.into_iter().filter(|(d, _)| candidates.contains_key(d)).collect();
    // Most votes first; ties to the earlier day so results are reproducible.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));

    let mut timeline = BTreeMap::new();
    for (date, _) in ranked.into_iter().take(dates) {
        let mut pool = candidates.remove(&date).unwrap_or_default();
        // A sentence found in several articles is credited to the first.
        pool.sort();
        pool.dedup_by(|later, first| later.0 == first.0);
        let sentences: Vec<String> = pool.iter().map(|(sentence, _)| sentence.clone()).collect();
        let picked = pick_sentences(&sentences, language, per_date)
            .into_iter()
            .map(|i| TimelineEntry { sentence: pool[i].0.clone(), article: pool[i].1 })
            .collect();
        timeline.insert(date, picked);
    }
    timeline
}

type Vector = HashMap<String, f64>;

fn cosine(a: &Vector, b: &Vector) -> f64 {
    let dot: f64 = a.iter().filter_map(|(k, x)| b.get(k).map(|y| x * y)).sum();
    let na: f64 = a.values().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b.values().map(|x| x * x).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

/// The indexes of the `k` most central sentences of the pool that are not redundant with each
/// other, in the order picked.
fn pick_sentences(pool: &[String], language: Option<&str>, k: usize) -> Vec<usize> {
    let terms: Vec<Vec<String>> = pool.iter().map(|s| storyline_text::content_terms(s, language)).collect();
    let mut df: HashMap<&str, f64> = HashMap::new();
    for t in &terms {
        let mut seen: Vec<&str> = t.iter().map(String::as_str).collect();
        seen.sort_unstable();
        seen.dedup();
        for w in seen {
            *df.entry(w).or_default() += 1.0;
        }
    }
    let n = pool.len() as f64;
    let vectors: Vec<Vector> = terms
        .iter()
        .map(|t| {
            let mut v = Vector::new();
            for w in t {
                *v.entry(w.clone()).or_default() += 1.0;
            }
            for (w, x) in v.iter_mut() {
                *x *= (1.0 + n / df.get(w.as_str()).copied().unwrap_or(1.0)).ln();
            }
            v
        })
        .collect();
    let mut centroid = Vector::new();
    for v in &vectors {
        for (w, x) in v {
            *centroid.entry(w.clone()).or_default() += x;
        }
    }
    let mut order: Vec<usize> = (0..pool.len()).collect();
    order.sort_by(|&a, &b| cosine(&vectors[b], &centroid).total_cmp(&cosine(&vectors[a], &centroid)).then(a.cmp(&b)));
    let mut chosen: Vec<usize> = Vec::new();
    for i in order {
        if chosen.len() >= k {
            break;
        }
        if chosen.iter().all(|&c| cosine(&vectors[i], &vectors[c]) < REDUNDANT) {
            chosen.push(i);
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2011, 2, d).unwrap()
    }

    #[test]
    fn picks_the_most_reported_days_and_their_central_sentences() {
        let a = |d: u32, text: &str| DatedArticle { published: day(d), title: String::new(), text: text.into() };
        let articles = [
            a(17, "Security forces opened fire on protesters in Benghazi killing dozens of people today."),
            a(17, "Protesters in Benghazi were killed when security forces opened fire on the crowd."),
            a(18, "The death toll from the protests in Benghazi rose to eighty four people on Friday."),
            a(20, "Saif al-Islam warned of civil war in a long televised speech to the nation."),
        ];
        let timeline = summarise(&articles, Some("en"), 1, 1);
        assert_eq!(timeline.keys().copied().collect::<Vec<_>>(), [day(17)]);
        let sentences = &timeline[&day(17)];
        assert_eq!(sentences.len(), 1);
        assert!(sentences[0].contains("Benghazi"));
    }

    #[test]
    fn each_sentence_names_the_article_it_came_from() {
        let a = |d: u32, text: &str| DatedArticle { published: day(d), title: String::new(), text: text.into() };
        let articles = [
            a(17, "Security forces opened fire on protesters in Benghazi killing dozens of people today."),
            a(20, "Saif al-Islam warned of civil war in a long televised speech to the nation."),
        ];
        let timeline = summarise_with_sources(&articles, Some("en"), 2, 1);
        for (date, entries) in &timeline {
            for entry in entries {
                assert_eq!(articles[entry.article].published, *date);
                assert!(articles[entry.article].text.contains(&entry.sentence));
            }
        }
        assert_eq!(timeline.len(), 2);
    }
}
