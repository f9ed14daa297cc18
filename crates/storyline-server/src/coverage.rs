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

/// Events whose coverage is kept; the least recently asked for is dropped first.
const KEPT_EVENTS: usize = 256;

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

struct Kept {
    members: u64,
    json: Bytes,
    last_asked: u64,
}

/// Serialised coverage answers by event, each valid for one version of its event.
#[derive(Default)]
pub struct CoverageCache {
    kept: Mutex<(HashMap<EventId, Kept>, u64)>,
}

impl CoverageCache {
    /// The kept answer for exactly this version of the event.
    pub fn get(&self, version: EventVersion) -> Option<Bytes> {
        let mut guard = self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (kept, clock) = &mut *guard;
        *clock += 1;
        let entry = kept.get_mut(&version.event).filter(|entry| entry.members == version.members)?;
        entry.last_asked = *clock;
        Some(entry.json.clone())
    }

    pub fn put(&self, version: EventVersion, json: Bytes) {
        let mut guard = self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (kept, clock) = &mut *guard;
        *clock += 1;
        if kept.len() >= KEPT_EVENTS && !kept.contains_key(&version.event) {
            if let Some(oldest) = kept.iter().min_by_key(|(_, entry)| entry.last_asked).map(|(id, _)| *id) {
                kept.remove(&oldest);
            }
        }
        kept.insert(version.event, Kept { members: version.members, json, last_asked: *clock });
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
    fn the_least_recently_asked_is_dropped_first() {
        let cache = CoverageCache::default();
        let version = |event| EventVersion { event, members: 1 };
        for event in 0..KEPT_EVENTS as i64 {
            cache.put(version(event), Bytes::new());
        }
        assert!(cache.get(version(0)).is_some());
        cache.put(version(1000), Bytes::new());
        assert!(cache.get(version(0)).is_some(), "asked for recently");
        assert!(cache.get(version(1)).is_none(), "the oldest untouched");
        assert!(cache.get(version(1000)).is_some());
    }
}
