//! The PLOVER trigger lexicon (`lexicon.txt`) and matching it against a sentence's words.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::actors::{words, Word};
use crate::PloverType;

/// How many words a `*` in a pattern may skip.
const GAP_WORDS: usize = 6;

#[derive(Debug, Clone)]
enum Piece {
    Stem(String),
    Gap,
}

#[derive(Debug, Clone)]
struct Pattern {
    class: PloverType,
    pieces: Vec<Piece>,
    passive: bool,
}

/// A trigger found in a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub class: PloverType,
    /// Byte range in the sentence, first to last matched word.
    pub start: usize,
    pub end: usize,
    /// Index of its first and one past its last word.
    pub first_word: usize,
    pub last_word: usize,
    /// Where the target side begins: the trigger's end, or the end of its first word when the
    /// pattern skips words ("signed a deal with the Libyan government for … cooperation").
    pub head_end: usize,
    /// Whether the actor follows ("backed by France").
    pub passive: bool,
    /// Matched pattern words, for preferring the more specific pattern.
    pub weight: usize,
}

/// Calls `f` with the English stem of each word (this thread's, kept as they are made).
fn with_stems<R>(words: &[Word], f: impl FnOnce(&[&str]) -> R) -> R {
    let texts: Vec<&str> = words.iter().map(|w| w.text).collect();
    storyline_text::with_stems("en", |stems| f(&stems.of(&texts))).expect("English has a stemmer")
}

pub(crate) fn stem(word: &str) -> String {
    storyline_text::with_stems("en", |stems| stems.of(&[word])[0].to_string()).expect("English has a stemmer")
}

/// The patterns, and for each stem the patterns that begin with it.
struct Lexicon {
    patterns: Vec<Pattern>,
    by_first_stem: HashMap<String, Vec<usize>>,
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let mut patterns = Vec::new();
        for line in include_str!("lexicon.txt").lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let Some((class, pattern)) = line.split_once('|') else { continue };
            let Some(class) = PloverType::parse(class) else { continue };
            let (passive, pattern) = match pattern.strip_prefix('>') {
                Some(rest) => (true, rest),
                None => (false, pattern),
            };
            // A trigger starts at a word: a leading gap would only move where it starts.
            let pieces: Vec<Piece> = pattern
                .split_whitespace()
                .skip_while(|w| *w == "*")
                .map(|w| if w == "*" { Piece::Gap } else { Piece::Stem(stem(w)) })
                .collect();
            if !pieces.is_empty() {
                patterns.push(Pattern { class, pieces, passive });
            }
        }
        let mut by_first_stem: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, pattern) in patterns.iter().enumerate() {
            if let Some(Piece::Stem(first)) = pattern.pieces.first() {
                by_first_stem.entry(first.clone()).or_default().push(index);
            }
        }
        Lexicon { patterns, by_first_stem }
    })
}

/// Every trigger in the sentence, in text order; at each start the most specific first (and
/// among equals, the one listed first in the lexicon).
pub fn triggers(sentence: &str) -> Vec<Trigger> {
    let ws = words(sentence);
    let lexicon = lexicon();
    let mut found: Vec<(usize, Trigger)> = with_stems(&ws, |stems| {
        let mut found = Vec::new();
        for (i, first) in stems.iter().enumerate() {
            for &index in lexicon.by_first_stem.get(*first).map(Vec::as_slice).unwrap_or_default() {
                let pattern = &lexicon.patterns[index];
                if let Some(end) = match_at(&pattern.pieces, stems, i) {
                    found.push((index, trigger(pattern, &ws, i, end)));
                }
            }
        }
        found
    });
    found.sort_by(|(ia, a), (ib, b)| {
        a.start.cmp(&b.start).then(b.weight.cmp(&a.weight)).then(b.end.cmp(&a.end)).then(ia.cmp(ib))
    });
    found.into_iter().map(|(_, t)| t).collect()
}

fn trigger(pattern: &Pattern, ws: &[Word], first: usize, last: usize) -> Trigger {
    Trigger {
        class: pattern.class,
        start: ws[first].start,
        end: ws[last - 1].end,
        head_end: if pattern.pieces.iter().any(|p| matches!(p, Piece::Gap)) { ws[first].end } else { ws[last - 1].end },
        first_word: first,
        last_word: last,
        passive: pattern.passive,
        weight: pattern.pieces.iter().filter(|p| matches!(p, Piece::Stem(_))).count(),
    }
}

/// Matches the pattern starting at word `i`; returns one past the last matched word.
fn match_at(pieces: &[Piece], stems: &[&str], i: usize) -> Option<usize> {
    match pieces.split_first() {
        None => Some(i),
        Some((Piece::Stem(s), rest)) => {
            if stems.get(i).is_some_and(|stem| *stem == s.as_str()) {
                match_at(rest, stems, i + 1)
            } else {
                None
            }
        }
        Some((Piece::Gap, rest)) => {
            (0..=GAP_WORDS).find_map(|skip| if i + skip > stems.len() { None } else { match_at(rest, stems, i + skip) })
        }
    }
}

/// Words before a trigger that turn a cooperative act into a promise of it ("will visit").
const INTENT: &[&str] = &["will", "would", "shall", "plan", "plans", "intend", "intends", "going"];
/// Words before a trigger that deny it ("did not agree", "will not accept").
const NEGATION: &[&str] = &["not", "n't", "never", "no", "without"];

/// The class a trigger gets in its context: promises of cooperation are AGREE, denials of it
/// REJECT.
pub fn class_in_context(sentence: &str, trigger: &Trigger) -> PloverType {
    let ws = words(sentence);
    let before: Vec<String> =
        ws[trigger.first_word.saturating_sub(3)..trigger.first_word].iter().map(|w| w.text.to_lowercase()).collect();
    let cooperative = matches!(
        trigger.class,
        PloverType::Agree
            | PloverType::Consult
            | PloverType::Support
            | PloverType::Cooperate
            | PloverType::Aid
            | PloverType::Concede
            | PloverType::Retreat
    );
    if cooperative && before.iter().any(|w| NEGATION.contains(&w.as_str()) || w.ends_with("n't")) {
        return PloverType::Reject;
    }
    if cooperative && trigger.class != PloverType::Agree && before.iter().any(|w| INTENT.contains(&w.as_str())) {
        return PloverType::Agree;
    }
    trigger.class
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(sentence: &str) -> PloverType {
        let t = triggers(sentence);
        class_in_context(sentence, &t[0])
    }

    #[test]
    fn triggers_match_inflections_and_gaps() {
        assert_eq!(
            first("Turkey and Qatar have signed a tripartite deal with the Libyan government for military cooperation"),
            PloverType::Agree
        );
        assert_eq!(first("The two sides signed a treaty"), PloverType::Support);
        assert_eq!(first("Haftar has been backed by France"), PloverType::Support);
        assert!(triggers("Haftar has been backed by France")[0].passive);
        assert_eq!(first("Police arrested dozens"), PloverType::Coerce);
    }

    #[test]
    fn intent_and_negation_change_the_class() {
        assert_eq!(first("The minister will visit Cairo"), PloverType::Agree);
        assert_eq!(first("Egypt did not support the plan"), PloverType::Reject);
    }
}
