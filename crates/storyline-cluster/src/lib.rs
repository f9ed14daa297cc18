//! Online assignment of arriving articles to events.
//!
//! Each article becomes a TF-IDF [`TermVector`] over its title and body, weighted with document
//! frequencies that grow as articles arrive (incremental IDF). [`choose_event`] compares it with
//! the centroids of candidate events — found by the store's term index, never by scanning every
//! event — and joins the most similar one within the publication-time window, or opens a new
//! event. Decisions are made once, in arrival order, as a news desk would.
//!
//! Where a sentence-embedding model is installed, the caller also gives each candidate event a
//! semantic score (the best article similarity between the newcomer and the event's members,
//! which crosses languages) and candidates come from an ANN index over event centroids as well
//! ([`semantic`]); either signal above its threshold lets an article join.
//!
//! ```
//! use storyline_cluster::{choose_event, ClusterConfig, EventCandidate, TermVector};
//! let a = TermVector::from_weights(vec![("libya".into(), 1.0), ("turkey".into(), 1.0)]);
//! let event = EventCandidate { id: 7, centroid: a.0.clone().into(), first: None, last: None, semantic: None, cohesion: None };
//! let choice = choose_event(&a, None, &[event], &ClusterConfig::default());
//! assert_eq!(choice.map(|(id, _)| id), Some(7));
//! ```

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use storyline_model::{Article, EventId};

pub mod semantic;

/// Tunable parameters of event clustering.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// Cosine similarity to an event centroid at or above which an article joins the event.
    pub join_similarity: f32,
    /// How far outside an event's dated span an article may be published and still join it.
    pub time_window: Duration,
    /// How many of its strongest terms an article vector keeps.
    pub article_terms: usize,
    /// How many of its strongest terms an event centroid keeps.
    pub centroid_terms: usize,
    /// Title terms count this many times, because headlines name the event.
    pub title_weight: f32,
    /// Article similarity (STS22 scale, (4 − Overall) / 3) at or above which an article joins an
    /// event one of whose members it matches. 0.83 is Overall 1.5: half way between "very
    /// similar" and "somewhat similar", where STS22's annotators put reports of one happening.
    /// Where the score's own thresholds were calibrated per pair of languages (`eval pairs
    /// --fit`), the caller moves each score by its threshold's distance from this one, so this
    /// stays the one number compared.
    pub semantic_join: f32,
    /// How far below an event's cohesion (how alike its members are to each other) a newcomer's
    /// closeness to them (on the same scale, see [`Cohesion`]) may fall and still let it join by
    /// its semantic score. Members that agree closely are reports of one happening; a newcomer
    /// that agrees with them much less is more likely a report of another happening on the same
    /// topic. Infinite: no such check.
    /// 0.09: half way between the seeds' two cases (docs/EVALUATION.md, `eval pairs`); STS22's
    /// small events hardly feel it.
    pub cohesion_margin: f32,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            join_similarity: 0.3,
            time_window: Duration::days(4),
            article_terms: 100,
            centroid_terms: 200,
            title_weight: 2.0,
            semantic_join: 0.83,
            cohesion_margin: 0.09,
        }
    }
}

/// A sparse, L2-normalised term-weight vector, sorted by descending weight.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TermVector(pub Vec<(String, f32)>);

impl TermVector {
    /// Sorts by weight (ties by term, for determinism) and normalises to unit length.
    pub fn from_weights(mut weights: Vec<(String, f32)>) -> Self {
        rank_and_normalise(&mut weights, Ord::cmp);
        TermVector(weights)
    }

    pub fn truncated(mut self, keep: usize) -> Self {
        self.0.truncate(keep);
        TermVector::from_weights(self.0)
    }

    /// The strongest `n` terms: what the store indexes the vector under.
    pub fn top_terms(&self, n: usize) -> Vec<String> {
        self.0.iter().take(n).map(|(t, _)| t.clone()).collect()
    }

    pub fn cosine(&self, other: &TermVector) -> f32 {
        cosine(&self.0, &other.0)
    }
}

/// The cosine of two L2-normalised term vectors given as their (term, weight) entries, such as
/// a [`TermVector`]'s or an [`EventCandidate`]'s shared centroid.
pub fn cosine(a: &[(String, f32)], b: &[(String, f32)]) -> f32 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    // Built for every pair of vectors compared (events against their candidates), so hashed
    // with FxHash: SipHash made up most of the time of comparing.
    let lookup: FxHashMap<&str, f32> = large.iter().map(|(t, w)| (t.as_str(), *w)).collect();
    small.iter().filter_map(|(t, w)| lookup.get(t.as_str()).map(|v| v * w)).sum()
}

/// An event's centroid as candidates carry it: its [`TermVector`]'s entries, shared with the
/// store's decoded event rows rather than copied (up to 50 candidates of 200 terms for each
/// arriving article and each event it touches, a string per term).
pub type Centroid = std::sync::Arc<[(String, f32)]>;

/// [`TermVector::from_weights`] for terms of any kind, `term_order` ordering them as their
/// strings order.
fn rank_and_normalise<T>(weights: &mut Vec<(T, f32)>, term_order: impl Fn(&T, &T) -> std::cmp::Ordering) {
    weights.retain(|(_, w)| *w > 0.0);
    weights.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| term_order(&a.0, &b.0)));
    let norm = weights.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        weights.iter_mut().for_each(|(_, w)| *w /= norm);
    }
}

/// Term counts of an article (title terms weighted up), from its text's [`storyline_text::words`]:
/// the input to [`tfidf`] and to the store's document-frequency table.
pub fn term_counts(article: &Article, words: &[String], config: &ClusterConfig) -> FxHashMap<String, f32> {
    let language = article.language_code();
    let mut counts: FxHashMap<String, f32> = FxHashMap::default();
    // A string per distinct term, not per occurrence.
    storyline_text::for_each_content_term(words.iter().map(String::as_str), language, |term| {
        match counts.get_mut(term) {
            Some(count) => *count += 1.0,
            None => {
                counts.insert(term.to_string(), 1.0);
            }
        }
    });
    if let Some(title) = &article.title {
        for term in storyline_text::content_terms(title, language) {
            *counts.entry(term).or_insert(0.0) += config.title_weight;
        }
    }
    counts
}

/// TF-IDF with sublinear term frequency and smoothed IDF, `ln((1 + N) / (1 + df)) + 1`, where `N`
/// and `df` include every article stored so far. `document_frequency` must answer for each term.
pub fn tfidf(
    counts: &FxHashMap<String, f32>,
    documents: u64,
    document_frequency: impl Fn(&str) -> u64,
    config: &ClusterConfig,
) -> TermVector {
    let weights =
        counts.iter().map(|(term, count)| (term.clone(), tfidf_weight(*count, documents, document_frequency(term))));
    TermVector(ranked_tfidf(weights.collect(), config, Ord::cmp))
}

/// The strongest `n` terms of the vector [`tfidf`] makes, `tfidf(..).top_terms(n)`, for terms
/// named by keys of any kind (such as the indexes of interned terms) that `term_order` orders as
/// their strings order: the same terms, in the same order, without a string per term.
pub fn tfidf_top_terms<T>(
    counts: impl IntoIterator<Item = (T, f32)>,
    documents: u64,
    document_frequency: impl Fn(&T) -> u64,
    term_order: impl Fn(&T, &T) -> std::cmp::Ordering + Copy,
    config: &ClusterConfig,
    n: usize,
) -> Vec<T> {
    let weights = counts.into_iter().map(|(term, count)| {
        let weight = tfidf_weight(count, documents, document_frequency(&term));
        (term, weight)
    });
    let mut ranked = ranked_tfidf(weights.collect(), config, term_order);
    ranked.truncate(n);
    ranked.into_iter().map(|(term, _)| term).collect()
}

/// A term's TF-IDF weight: sublinear term frequency times smoothed IDF.
fn tfidf_weight(count: f32, documents: u64, document_frequency: u64) -> f32 {
    let idf = ((1.0 + documents as f32) / (1.0 + document_frequency as f32)).ln() + 1.0;
    (1.0 + count.ln()) * idf
}

/// Weights ranked and normalised, the strongest [`ClusterConfig::article_terms`] kept and
/// normalised again: [`TermVector::from_weights`], then [`TermVector::truncated`].
fn ranked_tfidf<T>(
    mut weights: Vec<(T, f32)>,
    config: &ClusterConfig,
    term_order: impl Fn(&T, &T) -> std::cmp::Ordering + Copy,
) -> Vec<(T, f32)> {
    rank_and_normalise(&mut weights, term_order);
    weights.truncate(config.article_terms);
    rank_and_normalise(&mut weights, term_order);
    weights
}

/// An existing event as clustering sees it.
#[derive(Debug, Clone)]
pub struct EventCandidate {
    pub id: EventId,
    pub centroid: Centroid,
    /// Earliest and latest known publication dates of its articles.
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
    /// The best semantic similarity between the article and the event's members, when both
    /// have embeddings.
    pub semantic: Option<f32>,
    /// How alike the event's members are to each other and to the newcomer, when at least two
    /// have embeddings.
    pub cohesion: Option<Cohesion>,
}

/// An event's cohesion and a newcomer's closeness to it, on one scale: one that keeps ranking
/// among close pairs, where a same-happening probability has levelled off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cohesion {
    /// The mean score of the pairs among the event's most recent members.
    pub members: f32,
    /// The newcomer's best score against the event's members.
    pub newcomer: f32,
}

/// The event an article should join, with its similarity, or `None` for a new event. An event
/// qualifies when its lexical or its semantic similarity reaches its threshold; among those, the
/// most similar wins — semantically when the article has a semantic score, else lexically.
pub fn choose_event(
    article: &TermVector,
    published: Option<DateTime<Utc>>,
    candidates: &[EventCandidate],
    config: &ClusterConfig,
) -> Option<(EventId, f32)> {
    candidates
        .iter()
        .filter(|event| within_window(published, event, config.time_window))
        .filter_map(|event| {
            let lexical = cosine(&article.0, &event.centroid);
            let semantic = event.semantic.unwrap_or(0.0);
            let cohesive = event.cohesion.is_none_or(|c| c.newcomer >= c.members - config.cohesion_margin);
            let joins = lexical >= config.join_similarity || (semantic >= config.semantic_join && cohesive);
            // Rank by the semantic score where there is one: it is the better-calibrated signal.
            joins.then_some((event.id, event.semantic.map_or(lexical, |_| semantic)))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
}

fn within_window(published: Option<DateTime<Utc>>, event: &EventCandidate, window: Duration) -> bool {
    within_time_window(published, event.first, event.last, window)
}

/// Whether time alone lets an article published at `published` join an event whose articles
/// were published from `first` to `last` ([`choose_event`]'s first test, which a caller can
/// make before reading the event's centroid). Where either date is unknown, time cannot rule
/// the event out.
pub fn within_time_window(
    published: Option<DateTime<Utc>>,
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
    window: Duration,
) -> bool {
    match (published, first, last) {
        (Some(date), Some(first), Some(last)) => date >= first - window && date <= last + window,
        _ => true,
    }
}

/// The centroid after adding one article to an event of `members` articles: the running mean of
/// member vectors, cut to the strongest terms.
pub fn add_to_centroid(
    centroid: &TermVector,
    members: usize,
    article: &TermVector,
    config: &ClusterConfig,
) -> TermVector {
    let mut sums: HashMap<String, f32> = centroid.0.iter().map(|(t, w)| (t.clone(), w * members as f32)).collect();
    for (term, weight) in &article.0 {
        *sums.entry(term.clone()).or_insert(0.0) += weight;
    }
    TermVector::from_weights(sums.into_iter().collect()).truncated(config.centroid_terms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn vector(terms: &[(&str, f32)]) -> TermVector {
        TermVector::from_weights(terms.iter().map(|(t, w)| (t.to_string(), *w)).collect())
    }

    /// A candidate event without dates or a semantic score.
    fn undated(id: EventId, terms: &[(&str, f32)]) -> EventCandidate {
        EventCandidate { id, centroid: vector(terms).0.into(), first: None, last: None, semantic: None, cohesion: None }
    }

    /// Terms named by their indexes rank as the terms themselves do, ties (equal counts and
    /// document frequencies) and the cut at `article_terms` included.
    #[test]
    fn top_terms_by_index_are_the_vector_top_terms() {
        let config = ClusterConfig { article_terms: 40, ..ClusterConfig::default() };
        // Terms in an order that is not the strings' order, with many equal weights.
        let terms: Vec<String> = (0..120).map(|i| format!("t{}", (i * 37) % 120)).collect();
        let counts: FxHashMap<String, f32> =
            terms.iter().enumerate().map(|(i, t)| (t.clone(), [1.0, 2.0, 3.0, 5.0][i % 4])).collect();
        let df = |term: &str| (term.len() as u64 * 7 + term.as_bytes()[1] as u64) % 5 + 1;
        for n in [1, 12, 40, 60] {
            let expected = tfidf(&counts, 1000, df, &config).top_terms(n);
            let by_index = tfidf_top_terms(
                counts.iter().map(|(t, c)| (terms.iter().position(|x| x == t).unwrap(), *c)),
                1000,
                |&i| df(&terms[i]),
                |&a, &b| terms[a].cmp(&terms[b]),
                &config,
                n,
            );
            let by_index: Vec<String> = by_index.into_iter().map(|i| terms[i].clone()).collect();
            assert_eq!(by_index, expected, "n = {n}");
        }
    }

    #[test]
    fn vectors_are_unit_length_and_cosine_is_symmetric() {
        let a = vector(&[("libya", 3.0), ("turkey", 4.0)]);
        let b = vector(&[("libya", 1.0), ("qatar", 1.0)]);
        assert!((a.cosine(&a) - 1.0).abs() < 1e-6);
        assert!((a.cosine(&b) - b.cosine(&a)).abs() < 1e-6);
        assert_eq!(a.top_terms(1), vec!["turkey"]);
    }

    #[test]
    fn rare_terms_weigh_more_than_common_ones() {
        let counts = FxHashMap::from_iter([("libya".to_string(), 1.0), ("namroush".to_string(), 1.0)]);
        let v = tfidf(&counts, 100, |t| if t == "libya" { 90 } else { 1 }, &ClusterConfig::default());
        assert_eq!(v.top_terms(1), vec!["namroush"]);
    }

    #[test]
    fn joins_the_most_similar_event_above_threshold_only() {
        let config = ClusterConfig::default();
        let article = vector(&[("libya", 1.0), ("turkey", 1.0), ("qatar", 1.0)]);
        let near = undated(1, &[("libya", 1.0), ("turkey", 1.0)]);
        let far = undated(2, &[("election", 1.0), ("libya", 0.1)]);
        assert_eq!(choose_event(&article, None, &[far.clone(), near], &config).map(|c| c.0), Some(1));
        assert_eq!(choose_event(&article, None, &[far], &config), None);
    }

    #[test]
    fn time_window_keeps_distant_articles_apart() {
        let config = ClusterConfig::default();
        let day = |d| Utc.with_ymd_and_hms(2020, 8, d, 12, 0, 0).unwrap();
        let v = vector(&[("libya", 1.0)]);
        let event = EventCandidate {
            id: 1,
            centroid: v.0.clone().into(),
            first: Some(day(1)),
            last: Some(day(3)),
            semantic: None,
            cohesion: None,
        };
        assert!(choose_event(&v, Some(day(6)), std::slice::from_ref(&event), &config).is_some());
        assert!(choose_event(&v, Some(day(20)), std::slice::from_ref(&event), &config).is_none());
        assert!(choose_event(&v, None, &[event], &config).is_some());
    }

    #[test]
    fn a_semantic_match_joins_across_languages() {
        let config = ClusterConfig::default();
        let article = vector(&[("libia", 1.0), ("turquía", 1.0)]);
        let event = |id, semantic| EventCandidate {
            semantic: Some(semantic),
            ..undated(id, &[("libya", 1.0), ("turkey", 1.0)])
        };
        assert_eq!(choose_event(&article, None, &[event(1, 0.85), event(2, 0.9)], &config).map(|c| c.0), Some(2));
        assert_eq!(choose_event(&article, None, &[event(1, 0.7)], &config), None);
    }

    #[test]
    fn a_newcomer_much_less_alike_than_the_members_stays_out() {
        let config = ClusterConfig::default();
        let article = vector(&[("libia", 1.0)]);
        let event = |newcomer| EventCandidate {
            semantic: Some(0.9),
            cohesion: Some(Cohesion { members: 0.94, newcomer }),
            ..undated(1, &[("libya", 1.0)])
        };
        assert!(choose_event(&article, None, &[event(0.93)], &config).is_some());
        assert!(choose_event(&article, None, &[event(0.82)], &config).is_none());
    }

    #[test]
    fn centroid_is_the_running_mean() {
        let config = ClusterConfig::default();
        let a = vector(&[("x", 1.0)]);
        let b = vector(&[("y", 1.0)]);
        let centroid = add_to_centroid(&a, 1, &b, &config);
        assert!((centroid.cosine(&a) - centroid.cosine(&b)).abs() < 1e-6);
    }
}
