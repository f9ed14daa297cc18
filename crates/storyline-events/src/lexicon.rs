//! The PLOVER trigger lexicons (`lexicon.txt` for English, `lexicon_es.txt` for Spanish) and
//! matching them against a sentence's words.

use rustc_hash::FxHashMap;
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
    /// The language of the lexicon that matched.
    pub language: &'static str,
}

/// Calls `f` with the stem of each word in `language` (this thread's, kept as they are made).
fn with_stems<R>(language: &str, words: &[Word], f: impl FnOnce(&[&str]) -> R) -> Option<R> {
    let texts: Vec<&str> = words.iter().map(|w| w.text).collect();
    storyline_text::with_stems(language, |stems| f(&stems.of(&texts)))
}

/// The Snowball stem of a word in `language` (the lowercased word where there is no stemmer).
pub(crate) fn stem_in(language: &str, word: &str) -> String {
    storyline_text::with_stems(language, |stems| stems.of(&[word])[0].to_string())
        .unwrap_or_else(|| word.to_lowercase())
}

/// The patterns, and for each stem the patterns that begin with it.
struct Lexicon {
    patterns: Vec<Pattern>,
    /// Looked up for every word of every sentence: hashed with FxHash, not SipHash.
    by_first_stem: FxHashMap<String, Vec<usize>>,
}

/// The languages with a trigger lexicon.
pub const LANGUAGES: [&str; 2] = ["en", "es"];

/// The lexicon of `language`, if it has one.
fn lexicon(language: &str) -> Option<&'static Lexicon> {
    static EN: OnceLock<Lexicon> = OnceLock::new();
    static ES: OnceLock<Lexicon> = OnceLock::new();
    match language {
        "en" => Some(EN.get_or_init(|| build("en", include_str!("lexicon.txt")))),
        "es" => Some(ES.get_or_init(|| build("es", include_str!("lexicon_es.txt")))),
        _ => None,
    }
}

fn build(language: &str, text: &str) -> Lexicon {
    let mut patterns = Vec::new();
    for line in text.lines() {
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
            .map(|w| if w == "*" { Piece::Gap } else { Piece::Stem(stem_in(language, w)) })
            .collect();
        if !pieces.is_empty() {
            patterns.push(Pattern { class, pieces, passive });
        }
    }
    let mut by_first_stem: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    for (index, pattern) in patterns.iter().enumerate() {
        if let Some(Piece::Stem(first)) = pattern.pieces.first() {
            by_first_stem.entry(first.clone()).or_default().push(index);
        }
    }
    Lexicon { patterns, by_first_stem }
}

/// Every English trigger in the sentence; see [`triggers_in`].
pub fn triggers(sentence: &str) -> Vec<Trigger> {
    triggers_in(sentence, "en")
}

/// Every trigger of `language`'s lexicon in the sentence, in text order; at each start the
/// most specific first (and among equals, the one listed first in the lexicon). None in a
/// language without a lexicon.
pub fn triggers_in(sentence: &str, language: &str) -> Vec<Trigger> {
    triggers_in_words(&words(sentence), language)
}

/// [`triggers_in`] over a sentence's [`words`], split once by the caller.
pub(crate) fn triggers_in_words(ws: &[Word], language: &str) -> Vec<Trigger> {
    let Some(lexicon) = lexicon(language) else { return Vec::new() };
    let language = if language == "es" { "es" } else { "en" };
    let found: Option<Vec<(usize, Trigger)>> = with_stems(language, ws, |stems| {
        let mut found = Vec::new();
        for (i, first) in stems.iter().enumerate() {
            for &index in lexicon.by_first_stem.get(*first).map(Vec::as_slice).unwrap_or_default() {
                let pattern = &lexicon.patterns[index];
                if let Some(end) = match_at(&pattern.pieces, stems, i) {
                    found.push((index, trigger(pattern, ws, i, end, language)));
                }
            }
        }
        found
    });
    let mut found = found.unwrap_or_default();
    found.sort_by(|(ia, a), (ib, b)| {
        a.start.cmp(&b.start).then(b.weight.cmp(&a.weight)).then(b.end.cmp(&a.end)).then(ia.cmp(ib))
    });
    found.into_iter().map(|(_, t)| t).collect()
}

fn trigger(pattern: &Pattern, ws: &[Word], first: usize, last: usize, language: &'static str) -> Trigger {
    Trigger {
        class: pattern.class,
        start: ws[first].start,
        end: ws[last - 1].end,
        head_end: if pattern.pieces.iter().any(|p| matches!(p, Piece::Gap)) { ws[first].end } else { ws[last - 1].end },
        first_word: first,
        last_word: last,
        passive: pattern.passive,
        weight: pattern.pieces.iter().filter(|p| matches!(p, Piece::Stem(_))).count(),
        language,
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
/// The same in Spanish ("va a visitar", "no aceptó").
const INTENT_ES: &[&str] = &["va", "van", "planea", "planean", "prevé", "prevén", "pretende", "quiere", "intenta"];
const NEGATION_ES: &[&str] = &["no", "nunca", "jamás", "sin", "ni"];

/// Whether a word before a trigger denies it, in the trigger's language.
pub(crate) fn is_negation(language: &str, word: &str) -> bool {
    let w = word.to_lowercase();
    match language {
        "es" => NEGATION_ES.contains(&w.as_str()),
        _ => NEGATION.contains(&w.as_str()) || w.ends_with("n't"),
    }
}

/// Whether a word before a trigger makes it a plan or promise, in the trigger's language.
pub(crate) fn is_intent(language: &str, word: &str) -> bool {
    let w = word.to_lowercase();
    match language {
        "es" => INTENT_ES.contains(&w.as_str()),
        _ => INTENT.contains(&w.as_str()),
    }
}

/// The class a trigger gets in its context: promises of cooperation are AGREE, denials of it
/// REJECT.
pub fn class_in_context(sentence: &str, trigger: &Trigger) -> PloverType {
    class_in_context_of(&words(sentence), trigger)
}

/// [`class_in_context`] over the sentence's [`words`], split once by the caller.
pub(crate) fn class_in_context_of(ws: &[Word], trigger: &Trigger) -> PloverType {
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
    if cooperative && before.iter().any(|w| is_negation(trigger.language, w)) {
        return PloverType::Reject;
    }
    if cooperative && trigger.class != PloverType::Agree && before.iter().any(|w| is_intent(trigger.language, w)) {
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

    #[test]
    fn spanish_triggers_match_inflections() {
        let first_es = |s: &str| {
            let t = triggers_in(s, "es");
            class_in_context(s, &t[0])
        };
        assert_eq!(first_es("Miles de estudiantes se manifestaron contra el gobierno"), PloverType::Protest);
        assert_eq!(first_es("La policía detuvo a tres dirigentes sindicales"), PloverType::Coerce);
        assert_eq!(first_es("Los rebeldes atacaron un cuartel del ejército"), PloverType::Assault);
        assert_eq!(first_es("El gobierno no aceptó la propuesta"), PloverType::Reject);
        assert!(triggers_in("Miles de estudiantes se manifestaron", "de").is_empty());
        // "para" and "paro" share a stem: only the strike's longer phrases are triggers.
        assert!(triggers_in("Vinieron para exigir dinero", "es").iter().all(|t| t.class != PloverType::Protest));
        assert_eq!(first_es("Los sindicatos convocaron un paro nacional"), PloverType::Protest);
    }
}
