//! Lists of known entity names, matched against token sequences.

use crate::entity::{EntityKind, Position};
use rustc_hash::FxHashMap;

// Longer names are rare and would make every lookup pay for them.
const MAX_NAME_TOKENS: usize = 6;

/// Known names (lowercased, tokens joined by a space) with the kinds they were seen as (bit
/// `1 << kind.index()`), and [`STARTS_LONGER`] on the shorter starts of multi-token names ("new" of
/// "new york"): one look-up per step tells both whether a run of tokens is a name and whether
/// matching goes on, and matching stops at the first run that starts no name, usually after one
/// look-up instead of six.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Gazetteer {
    names: FxHashMap<String, u8>,
}

/// The kinds' bits of an entry.
const KINDS: u8 = 0x0f;
/// Set on an entry that a longer name starts with.
const STARTS_LONGER: u8 = 0x80;

/// Every (kind, BILOU position) each token of a sentence takes in some listed name that covers
/// it, in one list ordered by token: `hits[at[i]..at[i + 1]]` are token `i`'s.
#[derive(Debug, Clone, Default)]
pub(crate) struct Matches {
    at: Vec<u32>,
    hits: Vec<(EntityKind, Position)>,
}

impl Matches {
    pub(crate) fn of(&self, i: usize) -> &[(EntityKind, Position)] {
        match (self.at.get(i), self.at.get(i + 1)) {
            (Some(&from), Some(&to)) => &self.hits[from as usize..to as usize],
            _ => &[],
        }
    }
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
            match self.names.get_mut(&key[..at]) {
                Some(m) => *m |= STARTS_LONGER,
                None => {
                    self.names.insert(key[..at].to_string(), STARTS_LONGER);
                }
            }
        }
        *self.names.entry(key).or_insert(0) |= mask & KINDS;
    }

    /// Entries in a fixed order so that saved models are byte-for-byte reproducible.
    pub(crate) fn sorted_entries(&self) -> Vec<(&str, u8)> {
        let mut v: Vec<(&str, u8)> =
            self.names.iter().filter(|(_, &m)| m & KINDS != 0).map(|(k, &m)| (k.as_str(), m & KINDS)).collect();
        v.sort_unstable();
        v
    }

    /// The entry of one lowercase token alone: its kinds' bits and [`STARTS_LONGER`]; 0 for a
    /// token that neither is nor starts a name. A tagger keeps it per word in its word cache.
    pub(crate) fn head(&self, lower: &str) -> u8 {
        self.names.get(lower).copied().unwrap_or(0)
    }

    /// For every token, each (kind, BILOU position) it takes in some listed name that covers it.
    pub(crate) fn matches(&self, lower: &[&str]) -> Matches {
        self.matches_with(lower, |i| self.head(lower[i]))
    }

    /// [`Gazetteer::matches`] with each token's [`Gazetteer::head`] given: most tokens start no
    /// name, and then matching there costs no string at all.
    pub(crate) fn matches_with(&self, lower: &[&str], head: impl Fn(usize) -> u8) -> Matches {
        if self.names.is_empty() {
            return Matches::default();
        }
        let mut found: Vec<(u32, EntityKind, Position)> = Vec::new();
        let add = |found: &mut Vec<(u32, EntityKind, Position)>, start: usize, end: usize, mask: u8| {
            for kind in EntityKind::ALL {
                if mask & (1 << kind.index()) == 0 {
                    continue;
                }
                if end - start == 1 {
                    found.push((start as u32, kind, Position::Unit));
                    continue;
                }
                found.push((start as u32, kind, Position::Begin));
                for i in start + 1..end - 1 {
                    found.push((i as u32, kind, Position::Inside));
                }
                found.push((end as u32 - 1, kind, Position::Last));
            }
        };
        let mut key = String::new();
        for start in 0..lower.len() {
            let first = head(start);
            add(&mut found, start, start + 1, first);
            if first & STARTS_LONGER == 0 {
                continue;
            }
            key.clear();
            key.push_str(lower[start]);
            for end in start + 2..=(start + MAX_NAME_TOKENS).min(lower.len()) {
                key.push(' ');
                key.push_str(lower[end - 1]);
                let Some(&mask) = self.names.get(key.as_str()) else {
                    break;
                };
                add(&mut found, start, end, mask);
                if mask & STARTS_LONGER == 0 {
                    break;
                }
            }
        }
        let mut matches = Matches { at: Vec::with_capacity(lower.len() + 1), hits: Vec::with_capacity(found.len()) };
        if found.is_empty() {
            return matches;
        }
        found.sort_unstable_by_key(|&(i, k, p)| (i, k, p as u8));
        found.dedup();
        let mut next = found.iter().peekable();
        for i in 0..lower.len() as u32 {
            matches.at.push(matches.hits.len() as u32);
            while let Some(&(_, kind, pos)) = next.next_if(|(at, _, _)| *at == i) {
                matches.hits.push((kind, pos));
            }
        }
        matches.at.push(matches.hits.len() as u32);
        matches
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
        assert!(m.of(0).is_empty());
        assert_eq!(m.of(1), [(EntityKind::Location, Position::Begin)]);
        assert_eq!(m.of(2), [(EntityKind::Person, Position::Unit), (EntityKind::Location, Position::Last)]);
        assert!(m.of(3).is_empty());
        // Only names are saved, not the starts of longer ones.
        assert_eq!(
            g.sorted_entries(),
            [("new york", 1 << EntityKind::Location.index()), ("york", 1 << EntityKind::Person.index())]
        );
    }
}
