//! Finding the actors of a sentence: the people, organisations, places and countries that can do
//! something or have something done to them, each with a country code where one can be told.
//!
//! [`ActorFinder`] is the seam: today [`GazetteerActors`] (a country table and capitalised
//! phrases) and [`NerActors`] (storyline's NER tagger plus the table) implement it; entity
//! resolution can implement it later and hand back resolved names.

use rustc_hash::FxHashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use storyline_ner::{EntityKind, Tagger};

/// A stretch of a sentence that names an actor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorSpan {
    /// Byte offsets into the sentence.
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// ISO 3166 alpha-3 country code (or `IGO` for international organisations) when known.
    pub code: Option<String>,
}

/// Finds actors in one sentence.
pub trait ActorFinder: Send + Sync {
    fn find(&self, sentence: &str) -> Vec<ActorSpan>;
}

/// What the country table says about a phrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountryWord {
    Name,
    Adjective,
    Capital,
}

struct CountryTable {
    /// Looked up for every word run of every trigger sentence: hashed with FxHash, not SipHash.
    phrases: FxHashMap<String, (String, CountryWord)>,
    /// The longest phrase, in words, so look-ups know how far to try.
    longest: usize,
}

fn table() -> &'static CountryTable {
    static TABLE: OnceLock<CountryTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut phrases = FxHashMap::default();
        let mut longest = 1;
        // English first: where a phrase means different countries, the English reading wins.
        for line in include_str!("countries.txt").lines().chain(include_str!("countries_es.txt").lines()) {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split('|').collect();
            let [code, names, adjectives, capitals] = fields[..] else { continue };
            for (list, kind) in
                [(names, CountryWord::Name), (adjectives, CountryWord::Adjective), (capitals, CountryWord::Capital)]
            {
                for phrase in list.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                    longest = longest.max(phrase.split(' ').count());
                    phrases.entry(phrase.to_string()).or_insert((code.to_string(), kind));
                }
            }
        }
        CountryTable { phrases, longest }
    })
}

/// Whether `code` is an alpha-3 code (or `IGO`) the country table gives.
pub fn is_country_code(code: &str) -> bool {
    static CODES: OnceLock<std::collections::HashSet<String>> = OnceLock::new();
    CODES.get_or_init(|| table().phrases.values().map(|(c, _)| c.clone()).collect()).contains(code)
}

/// The country a phrase names ("Turkish", "Tripoli", "the UAE" → TUR, LBY, ARE), if any.
pub fn country_of(phrase: &str) -> Option<(String, CountryWord)> {
    let lower = phrase.trim().trim_start_matches("the ").to_lowercase().replace(['’', '\''], "'");
    let lower = lower.strip_suffix("'s").unwrap_or(&lower);
    table().phrases.get(lower).cloned()
}

/// A word of a sentence with its byte range.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Word<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
}

/// Words: letters, digits, and the apostrophes, hyphens and dots inside them (U.S., Al-Attiyah).
pub(crate) fn words(sentence: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    let chars: Vec<(usize, char)> = sentence.char_indices().collect();
    for (i, &(at, c)) in chars.iter().enumerate() {
        let inner = matches!(c, '\'' | '’' | '-' | '.')
            && start.is_some()
            && chars.get(i + 1).is_some_and(|(_, n)| n.is_alphanumeric());
        if c.is_alphanumeric() || inner {
            start.get_or_insert(at);
        } else if let Some(s) = start.take() {
            out.push(Word { text: &sentence[s..at], start: s, end: at });
        }
    }
    if let Some(s) = start {
        out.push(Word { text: &sentence[s..], start: s, end: sentence.len() });
    }
    out
}

fn is_capitalised(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

/// Arabic and other name particles written in lowercase before a capitalised name: al-Sarraj,
/// el-Sisi, bin Salman.
const NAME_PARTICLES: &[&str] = &["al-", "el-", "ad-", "as-", "ash-", "an-", "at-", "az-", "ibn-", "abu-"];

/// A word that can be part of a name: capitalised, or a particle glued to a capitalised name.
fn is_name_word(word: &str) -> bool {
    is_capitalised(word)
        || NAME_PARTICLES.iter().any(|p| {
            word.len() > p.len()
                && word.is_char_boundary(p.len())
                && word[..p.len()].eq_ignore_ascii_case(p)
                && word[p.len()..].chars().next().is_some_and(char::is_uppercase)
        })
}

/// Capitalised words that start sentences or headings but never name an actor.
const NOT_NAMES: &[&str] = &[
    "the",
    "a",
    "an",
    "on",
    "in",
    "at",
    "of",
    "for",
    "and",
    "but",
    "or",
    "if",
    "as",
    "by",
    "to",
    "from",
    "with",
    "after",
    "before",
    "during",
    "while",
    "when",
    "this",
    "that",
    "these",
    "those",
    "it",
    "its",
    "he",
    "she",
    "they",
    "we",
    "i",
    "his",
    "her",
    "their",
    "our",
    "there",
    "here",
    "last",
    "next",
    "yesterday",
    "today",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "read",
    "site",
    "exit",
    "however",
    "meanwhile",
    "also",
    "speaking",
    "currently",
    "according",
    "it's",
    "consultation",
    "chairman",
    "head",
    "senior",
    "top",
    "former",
    "new",
    "some",
    "all",
    "both",
    "each",
    "what",
    "who",
    "which",
    "why",
    "how",
    // Spanish ("un" is in NOT_NAME_STARTS, written as it is: "UN" is the United Nations)
    "una",
    "unos",
    "unas",
    "en",
    "y",
    "según",
    "por",
    "para",
    "con",
    "tras",
    "este",
    "esta",
    "estos",
    "estas",
    "ese",
    "esa",
    "sin",
    "pero",
    "también",
    "desde",
    "hasta",
    "ante",
    "entre",
    "sobre",
    "hoy",
    "ayer",
    "mientras",
    "cuando",
    "que",
    "no",
    "se",
    "su",
    "sus",
    "lunes",
    "martes",
    "miércoles",
    "jueves",
    "viernes",
    "sábado",
    "domingo",
    "enero",
    "febrero",
    "marzo",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// Spanish articles and prepositions that never start a name but may link its words
/// ("Gobierno de Colombia"), so they are not in [`NOT_NAMES`]. "El" and "Al" start names (El
/// Salvador, Al Qaeda).
const NOT_NAME_STARTS: &[&str] = &["la", "los", "las", "de", "del"];
/// Words that never start a name as written, though their capitals do ("Un" and "UN").
const NOT_NAME_STARTS_AS_WRITTEN: &[&str] = &["Un", "un"];

/// Lowercase nouns that, after a country adjective, name a collective actor ("Libyan
/// government", "Turkish troops").
const ACTOR_NOUNS: &[&str] = &[
    "government",
    "forces",
    "force",
    "army",
    "military",
    "troops",
    "officials",
    "official",
    "ministers",
    "minister",
    "authorities",
    "police",
    "president",
    "leader",
    "leaders",
    "rebels",
    "protesters",
    "people",
    "navy",
    "warships",
    "diplomats",
    "delegation",
    "parliament",
    "court",
    "opposition",
    "militia",
    "militias",
    "soldiers",
    "counterpart",
    "embassy",
    "side",
    "administration",
    "regime",
    "students",
    "workers",
];

/// Title words that may sit between a nationality and a name ("Turkish Defence Minister Hulusi
/// Akar"): capitalised words are joined anyway; these lowercase ones too.
const TITLE_LINKS: &[&str] = &["of", "for", "de", "del", "al", "bin", "el", "and", "la", "los"];

/// Actors from the country table and capitalised phrases: no model needed.
#[derive(Debug, Default, Clone, Copy)]
pub struct GazetteerActors;

impl ActorFinder for GazetteerActors {
    fn find(&self, sentence: &str) -> Vec<ActorSpan> {
        self.find_in(sentence, &words(sentence))
    }
}

impl GazetteerActors {
    /// [`ActorFinder::find`] over the sentence's [`words`], split once by the caller.
    pub(crate) fn find_in(&self, sentence: &str, words: &[Word]) -> Vec<ActorSpan> {
        let mut spans = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let lower = words[i].text.to_lowercase();
            if !is_name_word(words[i].text)
                || NOT_NAMES.contains(&lower.as_str())
                || NOT_NAME_STARTS.contains(&lower.as_str())
                || NOT_NAME_STARTS_AS_WRITTEN.contains(&words[i].text)
            {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < words.len() {
                let w = words[j].text;
                let linked = TITLE_LINKS.contains(&w) && words.get(j + 1).is_some_and(|n| is_capitalised(n.text));
                let adjacent = sentence[words[j - 1].end..words[j].start].chars().all(|c| c == ' ');
                if !adjacent || !(is_name_word(w) || linked) || NOT_NAMES.contains(&w.to_lowercase().as_str()) {
                    break;
                }
                j += 1;
            }
            spans.push(span_over(sentence, &words, i, j));
            i = j;
        }
        spans.into_iter().map(|s| extend_with_actor_noun(sentence, words, s)).collect()
    }
}

/// Splits a capitalised run at country words that start a new actor ("France Russia" never
/// happens in prose, but "Turkey Qatar" in headlines does) and codes the result.
fn span_over(sentence: &str, words: &[Word], i: usize, j: usize) -> ActorSpan {
    let start = words[i].start;
    let end = words[j - 1].end;
    let text = &sentence[start..end];
    ActorSpan { start, end, text: text.to_string(), code: code_of_phrase(text) }
}

/// The country code of a phrase: the whole phrase if the table knows it, else its first
/// country word of at most the table's phrase length ("Turkish Defence Minister Hulusi Akar" →
/// TUR, "Government of National Accord" → none).
pub fn code_of_phrase(phrase: &str) -> Option<String> {
    if let Some(code) = lookup(phrase) {
        return Some(code);
    }
    let ws = words(phrase);
    let longest = table().longest;
    for i in 0..ws.len() {
        for n in (1..=longest.min(ws.len() - i)).rev() {
            let piece = &phrase[ws[i].start..ws[i + n - 1].end];
            if let Some(code) = lookup(piece) {
                return Some(code);
            }
        }
    }
    None
}

/// The country table, asked only about capitalised text; short acronyms (US, UN, EU, WHO) only
/// match in capitals, so "us" or "Who" never do.
fn lookup(piece: &str) -> Option<String> {
    let piece = piece.trim();
    if !is_capitalised(piece) {
        return None;
    }
    let letters = piece.chars().filter(|c| c.is_alphabetic()).count();
    if letters <= 3 && piece.chars().filter(|c| c.is_alphabetic()).any(char::is_lowercase) {
        return None;
    }
    country_of(piece).map(|(code, _)| code)
}

/// "Libyan" + "government" → "Libyan government": a country adjective with the collective noun
/// after it is one actor.
fn extend_with_actor_noun(sentence: &str, words: &[Word], span: ActorSpan) -> ActorSpan {
    let Some(next) = words.iter().find(|w| w.start >= span.end) else { return span };
    let gap = &sentence[span.end..next.start];
    let possessive = span.text.ends_with("'s") || span.text.ends_with("’s");
    let is_adjective = possessive
        || country_of(&span.text).is_some_and(|(_, k)| k == CountryWord::Adjective)
        || words
            .iter()
            .rev()
            .find(|w| w.end <= span.end)
            .is_some_and(|w| country_of(w.text).is_some_and(|(_, k)| k == CountryWord::Adjective));
    if is_adjective && gap.chars().all(|c| c == ' ') && ACTOR_NOUNS.contains(&next.text) {
        return ActorSpan { end: next.end, text: sentence[span.start..next.end].to_string(), ..span };
    }
    span
}

/// Actors from storyline's NER tagger, joined with the title words and nationality adjectives
/// around them, plus every country-table hit the tagger missed.
pub struct NerActors {
    pub tagger: Tagger,
}

impl ActorFinder for NerActors {
    fn find(&self, sentence: &str) -> Vec<ActorSpan> {
        let names: Vec<FoundName> = self
            .tagger
            .tag_text(sentence)
            .into_iter()
            .map(|m| FoundName { start: m.byte_start, end: m.byte_end, misc: m.kind == EntityKind::Misc })
            .collect();
        actors_from_names(sentence, &names)
    }
}

/// A name already found in a text, by the tagger or by entity extraction: byte offsets, and
/// whether it is a miscellaneous name (a nationality, an event) rather than a person, an
/// organisation or a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundName {
    pub start: usize,
    pub end: usize,
    pub misc: bool,
}

/// A sentence's actors given the names found in it (offsets into `sentence`): the gazetteer's
/// capitalised runs, which already join titles to names, that a name confirms (overlaps) or
/// the country table codes, then the names no run covers.
pub fn actors_from_names(sentence: &str, names: &[FoundName]) -> Vec<ActorSpan> {
    actors_from_names_in(sentence, &words(sentence), names)
}

/// [`actors_from_names`] over the sentence's [`words`], split once by the caller.
pub(crate) fn actors_from_names_in(sentence: &str, words: &[Word], names: &[FoundName]) -> Vec<ActorSpan> {
    let runs = GazetteerActors.find_in(sentence, words);
    let mut out: Vec<ActorSpan> = runs
        .into_iter()
        .filter(|r| r.code.is_some() || names.iter().any(|m| m.start < r.end && r.start < m.end && !m.misc))
        .collect();
    for m in names {
        let text = &sentence[m.start..m.end];
        let code = code_of_phrase(text);
        if m.misc && code.is_none() {
            continue;
        }
        if out.iter().all(|r| m.end <= r.start || m.start >= r.end) {
            let span = ActorSpan { start: m.start, end: m.end, text: text.to_string(), code };
            out.push(extend_with_actor_noun(sentence, words, span));
        }
    }
    out.sort_by_key(|s| s.start);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_by_name_adjective_and_capital() {
        assert_eq!(country_of("Turkish").unwrap().0, "TUR");
        assert_eq!(country_of("the United Arab Emirates").unwrap().0, "ARE");
        assert_eq!(country_of("Tripoli").unwrap(), ("LBY".to_string(), CountryWord::Capital));
        assert_eq!(country_of("Qatar's").unwrap().0, "QAT");
        assert_eq!(code_of_phrase("German Foreign Minister Heiko Maas").as_deref(), Some("DEU"));
        assert_eq!(code_of_phrase("Government of National Accord"), None);
    }

    #[test]
    fn gazetteer_joins_titles_and_names() {
        let s = "The deal followed a visit by Turkish Defence Minister Hulusi Akar and the Libyan government.";
        let found = GazetteerActors.find(s);
        let texts: Vec<&str> = found.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(texts, ["Turkish Defence Minister Hulusi Akar", "Libyan government"]);
        assert_eq!(found[1].code.as_deref(), Some("LBY"));
    }

    #[test]
    fn lowercase_acronym_words_are_not_countries() {
        assert_eq!(code_of_phrase("Us"), None);
        assert_eq!(code_of_phrase("US").as_deref(), Some("USA"));
    }
}
