//! What an analyst reads: storylines that link events over weeks and months, a short summary of
//! each event, and a comparison of how each outlet covered it.
//!
//! Everything here is pure: the pipeline hands in events and articles read from the store and
//! stores what comes back.
//!
//! ```
//! use storyline_story::{link_score, EventProfile, StorylineConfig};
//! use storyline_cluster::TermVector;
//! let v = TermVector::from_weights(vec![("libya".into(), 1.0), ("turkey".into(), 0.5)]);
//! let a = EventProfile { id: 1, centroid: v.0.clone().into(), first: None, last: None };
//! let b = EventProfile { id: 2, centroid: v.0.into(), first: None, last: None };
//! assert!(link_score(&a, &b, &StorylineConfig::default()) > 0.99);
//! ```

mod coverage;
mod summary;

pub use coverage::{
    compare_coverage, lexical_similarity, outlet_of, Claim, Coverage, CoverageArticle, Disagreement, OutletRow,
    Statement,
};
pub use summary::{summarize, EventSummaryText};

use chrono::{DateTime, Utc};
use storyline_cluster::{cosine, Centroid};
use storyline_model::EventId;

/// Tunable parameters of storyline linking.
#[derive(Debug, Clone)]
pub struct StorylineConfig {
    /// Linked events' score must reach this. Lower than the event-join threshold: a storyline's
    /// chapters share actors and places, not the same happening.
    pub link_similarity: f32,
    /// Similarity halves with every this many days between two events.
    pub half_life_days: f32,
    /// An event's mean score with a storyline's latest events must reach this for the two to
    /// join ([`fits_storyline`]). Chosen on the Spanish and French ML-Crisis timelines
    /// (docs/EVALUATION.md, "Storylines").
    pub fit_similarity: f32,
}

impl Default for StorylineConfig {
    fn default() -> Self {
        StorylineConfig { link_similarity: 0.15, half_life_days: 120.0, fit_similarity: 0.10 }
    }
}

/// An event as storyline linking sees it.
#[derive(Debug, Clone)]
pub struct EventProfile {
    pub id: EventId,
    pub centroid: Centroid,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
}

/// How strongly two events belong to one storyline: the similarity of their content, decayed
/// by the time between them (when both are dated).
pub fn link_score(a: &EventProfile, b: &EventProfile, config: &StorylineConfig) -> f32 {
    cosine(&a.centroid, &b.centroid) * time_decay((a.first, a.last), (b.first, b.last), config)
}

/// Whether two events' dates (first, last) alone leave their [`link_score`] able to reach
/// `link_similarity`: the score is their centroids' cosine, at most 1, times the time decay.
/// Events too far apart to link need not have their centroids read (the margin covers a
/// cosine that rounding puts a little above 1).
pub fn may_link(a: EventDates, b: EventDates, config: &StorylineConfig) -> bool {
    time_decay(a, b, config) * 1.001 >= config.link_similarity
}

/// An event's first and last publication dates, where known.
pub type EventDates = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The factor [`link_score`] decays two events' similarity by: it halves with every
/// `half_life_days` between them; 1 when they overlap or either is undated.
fn time_decay(a: EventDates, b: EventDates, config: &StorylineConfig) -> f32 {
    let gap_days = match (a, b) {
        ((Some(a_first), Some(a_last)), (Some(b_first), Some(b_last))) => {
            if a_last < b_first {
                (b_first - a_last).num_hours() as f32 / 24.0
            } else if b_last < a_first {
                (a_first - b_last).num_hours() as f32 / 24.0
            } else {
                0.0
            }
        }
        _ => 0.0,
    };
    0.5f32.powf(gap_days / config.half_life_days.max(1.0))
}

/// Whether an event belongs with a storyline as a whole: its mean link score with the storyline's
/// events (the pipeline passes the latest few) reaches `fit_similarity`. Merging storylines
/// whenever any one pair of events links (single linkage) chains drifting events without end:
/// on ML-Crisis one storyline took 42 % of all events, Syria and Libya in three languages.
pub fn fits_storyline(event: &EventProfile, storyline: &[EventProfile], config: &StorylineConfig) -> bool {
    let scores: Vec<f32> =
        storyline.iter().filter(|e| e.id != event.id).map(|e| link_score(event, e, config)).collect();
    !scores.is_empty() && scores.iter().sum::<f32>() / scores.len() as f32 >= config.fit_similarity
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use storyline_cluster::TermVector;

    #[test]
    fn time_apart_weakens_the_link() {
        let config = StorylineConfig::default();
        let v = TermVector::from_weights(vec![("libya".into(), 1.0)]);
        let day = |m, d| Some(Utc.with_ymd_and_hms(2020, m, d, 0, 0, 0).unwrap());
        let a = EventProfile { id: 1, centroid: v.0.clone().into(), first: day(1, 1), last: day(1, 2) };
        let near = EventProfile { id: 2, centroid: v.0.clone().into(), first: day(1, 3), last: day(1, 3) };
        let far = EventProfile { id: 3, centroid: v.0.into(), first: day(5, 2), last: day(5, 2) };
        assert!((link_score(&a, &near, &config) - 0.994).abs() < 0.01);
        assert!((link_score(&a, &far, &config) - 0.5).abs() < 0.02);
    }

    #[test]
    fn an_event_like_one_member_alone_does_not_join_a_storyline() {
        let config = StorylineConfig::default();
        let event = |id, terms: &[(&str, f32)]| EventProfile {
            id,
            centroid: TermVector::from_weights(terms.iter().map(|(t, w)| (t.to_string(), *w)).collect()).0.into(),
            first: None,
            last: None,
        };
        let libya = [
            event(1, &[("libya", 1.0), ("tripoli", 1.0)]),
            event(2, &[("libya", 1.0), ("haftar", 1.0)]),
            event(6, &[("libya", 1.0), ("benghazi", 1.0)]),
            event(7, &[("libya", 1.0), ("misrata", 1.0)]),
        ];
        let bridge = event(3, &[("tripoli", 1.0), ("syria", 1.0), ("damascus", 1.0), ("aleppo", 1.0)]);
        let syria = event(4, &[("syria", 1.0), ("damascus", 1.0)]);
        assert!(link_score(&bridge, &libya[0], &config) >= config.link_similarity);
        assert!(!fits_storyline(&bridge, &libya, &config), "one shared word with one event is not the storyline");
        assert!(fits_storyline(&syria, std::slice::from_ref(&bridge), &config));
        assert!(fits_storyline(&event(5, &[("libya", 1.0), ("tripoli", 0.5)]), &libya, &config));
        assert!(!fits_storyline(&libya[0], &libya[..1], &config), "an event is not compared with itself");
    }
}
