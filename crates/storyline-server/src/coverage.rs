//! Coverage comparisons, computed once per version of an event and kept. Computing one reads
//! and compares every article of the event (seconds for a large event), and its result only
//! changes when an article joins: articles never leave an event and their duplicate relations
//! are decided when they arrive, so the event's id and member count name one version.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;
use storyline_model::EventId;
use storyline_store::{ArticleFilter, Store};

use crate::error::ApiError;

/// How much serialised coverage is kept (a 40-article event's is about 400 KB); the least
/// recently asked for is dropped first.
const KEPT_BYTES: usize = 64 * 1024 * 1024;

/// Which version of an event a coverage was computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventVersion {
    pub event: EventId,
    pub members: u64,
}

impl EventVersion {
    /// The event's current version; `None` if it has no articles (or does not exist).
    pub fn read(store: &Store, event: EventId) -> Result<Option<EventVersion>, ApiError> {
        let filter = ArticleFilter { event: Some(event), ..ArticleFilter::default() };
        let members = store.articles_page(&filter, 1, 0)?.total;
        Ok((members > 0).then_some(EventVersion { event, members }))
    }
}

/// One event's answer.
struct Answer {
    members: u64,
    json: Bytes,
    last_asked: u64,
}

/// The answers, the clock that orders them by use, and their size in all.
#[derive(Default)]
struct Answers {
    by_event: HashMap<EventId, Answer>,
    clock: u64,
    bytes: usize,
}

/// Serialised coverage answers by event, each valid for one version of its event, within a
/// budget of bytes.
pub struct CoverageCache {
    answers: Mutex<Answers>,
    budget: usize,
}

impl Default for CoverageCache {
    fn default() -> Self {
        CoverageCache::with_budget(KEPT_BYTES)
    }
}

impl CoverageCache {
    pub fn with_budget(budget: usize) -> CoverageCache {
        CoverageCache { answers: Mutex::default(), budget }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Answers> {
        // The map stays consistent whatever panicked while holding it: every change is one step.
        self.answers.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The kept answer for exactly this version of the event.
    pub fn get(&self, version: EventVersion) -> Option<Bytes> {
        let mut answers = self.lock();
        answers.clock += 1;
        let now = answers.clock;
        let answer = answers.by_event.get_mut(&version.event).filter(|answer| answer.members == version.members)?;
        answer.last_asked = now;
        Some(answer.json.clone())
    }

    /// Keeps `json` as the answer for this version of the event, dropping the least recently
    /// asked answers while the budget is exceeded. An answer larger than the budget is not kept.
    pub fn put(&self, version: EventVersion, json: Bytes) {
        if json.len() > self.budget {
            return;
        }
        let mut answers = self.lock();
        answers.clock += 1;
        let answer = Answer { members: version.members, json, last_asked: answers.clock };
        answers.bytes += answer.json.len();
        if let Some(replaced) = answers.by_event.insert(version.event, answer) {
            answers.bytes -= replaced.json.len();
        }
        while answers.bytes > self.budget {
            let Some(oldest) = answers.by_event.iter().min_by_key(|(_, answer)| answer.last_asked).map(|(id, _)| *id)
            else {
                break;
            };
            if let Some(dropped) = answers.by_event.remove(&oldest) {
                answers.bytes -= dropped.json.len();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_serves_only_its_version() {
        let cache = CoverageCache::default();
        let v1 = EventVersion { event: 7, members: 3 };
        assert!(cache.get(v1).is_none());
        cache.put(v1, Bytes::from_static(b"{}"));
        assert_eq!(cache.get(v1).as_deref(), Some(&b"{}"[..]));
        assert!(cache.get(EventVersion { members: 4, ..v1 }).is_none());
        assert!(cache.get(EventVersion { event: 8, ..v1 }).is_none());
    }

    #[test]
    fn the_least_recently_asked_is_dropped_first_when_over_budget() {
        let cache = CoverageCache::with_budget(30);
        let version = |event| EventVersion { event, members: 1 };
        let ten = || Bytes::from_static(b"0123456789");
        for event in 0..3 {
            cache.put(version(event), ten());
        }
        assert!(cache.get(version(0)).is_some());
        cache.put(version(3), ten());
        assert!(cache.get(version(0)).is_some(), "asked for recently");
        assert!(cache.get(version(1)).is_none(), "the oldest untouched");
        assert!(cache.get(version(2)).is_some() && cache.get(version(3)).is_some());
        // A new version replaces the old one's bytes rather than adding to them.
        cache.put(EventVersion { event: 3, members: 2 }, ten());
        assert!(cache.get(version(0)).is_some() && cache.get(version(2)).is_some());
        // Too large to keep at all.
        cache.put(version(9), Bytes::from(vec![b'x'; 31]));
        assert!(cache.get(version(9)).is_none() && cache.get(version(0)).is_some());
    }
}
