//! Lists of known entity names, matched against token sequences.

use crate::entity::{EntityKind, Position};
use rustc_hash::{FxHashMap, FxHashSet};

// Longer names are rare and would make every lookup pay for them.
const MAX_NAME_TOKENS: usize = 6;

/// Known names (lowercased, tokens joined by a space) with the kinds they were seen as.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Gazetteer {
    names: FxHashMap<String, u8>,
    /// The shorter starts of multi-token names ("new" of "new york"): matching stops at the
    /// first token run that starts no name, usually after one look-up instead of six.
    starts: FxHashSet<String>,
}

impl Gazetteer {
    pub(crate) fn insert(&mut self, tokens: &[String], kind: EntityKind) {
        if tokens.is_empty() || tokens.len() > MAX_NAME_TOKENS {
            return;
        }
        let key = tokens.iter().map(|t| t.to_lowercase()).collect::<Vec<_>>().join(" ");
        self.insert_raw(key, 1 << kind.index());
    }

    pub(crate) fn insert_raw(&mut self, key: String, mask: u8) {
        for (at, _) in key.match_indices(' ') {
            if !self.starts.contains(&key[..at]) {
                self.starts.insert(key[..at].to_string());
            }
        }
        *self.names.entry(key).or_insert(0) |= mask;
    }

    /// Entries in a fixed order so that saved models are byte-for-byte reproducible.
    pub(crate) fn sorted_entries(&self) -> Vec<(&str, u8)> {
        let mut v: Vec<(&str, u8)> = self.names.iter().map(|(k, &m)| (k.as_str(), m)).collect();
        v.sort_unstable();
        v
    }

    /// For every token, each (kind, BILOU position) it takes in some listed name that covers it.
    pub(crate) fn matches(&self, lower: &[&str]) -> Vec<Vec<(EntityKind, Position)>> {
        let mut out = vec![Vec::new(); lower.len()];
        if self.names.is_empty() {
            return out;
        }
        let mut key = String::new();
        for start in 0..lower.len() {
            key.clear();
            for end in start + 1..=(start + MAX_NAME_TOKENS).min(lower.len()) {
                if end > start + 1 {
                    key.push(' ');
                }
                key.push_str(lower[end - 1]);
                let Some(&mask) = self.names.get(key.as_str()) else {
                    if self.starts.contains(key.as_str()) {
                        continue;
                    }
                    break;
                };
                for kind in EntityKind::ALL {
                    if mask & (1 << kind.index()) == 0 {
                        continue;
                    }
                    if end - start == 1 {
                        out[start].push((kind, Position::Unit));
                        continue;
                    }
                    out[start].push((kind, Position::Begin));
                    for slot in &mut out[start + 1..end - 1] {
                        slot.push((kind, Position::Inside));
                    }
                    out[end - 1].push((kind, Position::Last));
                }
            }
        }
        for m in &mut out {
            m.sort_unstable_by_key(|&(k, p)| (k, p as u8));
            m.dedup();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn matches_multi_token_names_case_insensitively() {
        let mut g = Gazetteer::default();
        g.insert(&toks("New York"), EntityKind::Location);
        g.insert(&toks("York"), EntityKind::Person);
        let m = g.matches(&["in", "new", "york", "today"]);
        assert!(m[0].is_empty());
        assert_eq!(m[1], vec![(EntityKind::Location, Position::Begin)]);
        assert_eq!(m[2], vec![(EntityKind::Person, Position::Unit), (EntityKind::Location, Position::Last)]);
    }
}
