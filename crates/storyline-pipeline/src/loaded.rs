//! Models loaded once per process and key (a models folder, a model name). Ingest runs again and
//! again in one process — a watched folder, the HTTP API's `POST /api/articles` — and loading a
//! model reads tens of megabytes.

use std::fmt::Display;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

pub(crate) struct LoadOnce<K, V> {
    loaded: Mutex<Vec<(K, V)>>,
}

impl<K: PartialEq, V: Clone> LoadOnce<K, V> {
    pub(crate) const fn new() -> Self {
        LoadOnce { loaded: Mutex::new(Vec::new()) }
    }

    /// What was loaded for `key`, loading it with `load` the first time.
    pub(crate) fn get(&self, key: K, load: impl FnOnce() -> V) -> V {
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, value)) = loaded.iter().find(|(k, _)| *k == key) {
            return value.clone();
        }
        let value = load();
        loaded.push((key, value.clone()));
        value
    }
}

/// A note on stderr that a process gives at most once: why a stage of ingest goes without its
/// model ("entities skipped: …"), which would otherwise repeat for every ingest run.
pub(crate) struct OnceNote(AtomicBool);

impl OnceNote {
    pub(crate) const fn new() -> Self {
        OnceNote(AtomicBool::new(false))
    }

    /// The loaded value, or `None` after saying (the first time) `what` and why.
    pub(crate) fn ok_or_note<T, E: Display>(&self, result: Result<T, E>, what: &str) -> Option<T> {
        result
            .map_err(|error| {
                if !self.0.swap(true, Ordering::Relaxed) {
                    eprintln!("note: {what}: {error}");
                }
            })
            .ok()
    }
}
