//! Models loaded once per process and key (a models folder, a model name). Ingest runs again and
//! again in one process — a watched folder, the HTTP API's `POST /api/articles` — and loading a
//! model reads tens of megabytes.

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
