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
//! let a = EventProfile { id: 1, centroid: v.clone(), first: None, last: None };
//! let b = EventProfile { id: 2, centroid: v, first: None, last: None };
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
use storyline_cluster::TermVector;
use storyline_model::EventId;

/// Tunable parameters of storyline linking.
#[derive(Debug, Clone)]
pub struct StorylineConfig {
    /// Linked events' score must reach this. Lower than the event-join threshold: a storyline's
    /// chapters share actors and places, not the same happening.
    pub link_similarity: f32,
    /// Similarity halves with every this many days between two events.
    pub half_life_days: f32,
}

impl Default for StorylineConfig {
    fn default() -> Self {
        StorylineConfig { link_similarity: 0.15, half_life_days: 120.0 }
    }
}

/// An event as storyline linking sees it.
#[derive(Debug, Clone)]
pub struct EventProfile {
    pub id: EventId,
    pub centroid: TermVector,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
}

/// How strongly two events belong to one storyline: the similarity of their content, decayed
/// by the time between them (when both are dated).
pub fn link_score(a: &EventProfile, b: &EventProfile, config: &StorylineConfig) -> f32 {
    let similarity = a.centroid.cosine(&b.centroid);
    let gap_days = match (a.first, a.last, b.first, b.last) {
        (Some(a_first), Some(a_last), Some(b_first), Some(b_last)) => {
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
    similarity * 0.5f32.powf(gap_days / config.half_life_days.max(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn time_apart_weakens_the_link() {
        let config = StorylineConfig::default();
        let v = TermVector::from_weights(vec![("libya".into(), 1.0)]);
        let day = |m, d| Some(Utc.with_ymd_and_hms(2020, m, d, 0, 0, 0).unwrap());
        let a = EventProfile { id: 1, centroid: v.clone(), first: day(1, 1), last: day(1, 2) };
        let near = EventProfile { id: 2, centroid: v.clone(), first: day(1, 3), last: day(1, 3) };
        let far = EventProfile { id: 3, centroid: v, first: day(5, 2), last: day(5, 2) };
        assert!((link_score(&a, &near, &config) - 0.994).abs() < 0.01);
        assert!((link_score(&a, &far, &config) - 0.5).abs() < 0.02);
    }
}
