//! Text normalisation, tokens, terms and sentences shared by storyline's stages.
//!
//! Dedup and clustering must see text the same way — the same word boundaries, the same case and
//! diacritic folding, the same sentence split — or their signatures would not be comparable. This
//! crate is that one way.
//!
//! ```
//! use storyline_text::{content_terms, normalized_hash, sentences};
//! assert_eq!(normalized_hash("Turkey  signs a DEAL."), normalized_hash("turkey signs a deal"));
//! assert_eq!(sentences("Akar arrived. He spoke.\n\nMaas left.").len(), 3);
//! assert_eq!(content_terms("The ministers signed agreements", Some("en")), vec!["minist", "sign", "agreement"]);
//! ```

use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};
use rustc_hash::{FxHashMap, FxHashSet};
use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

/// Lowercase words with diacritics removed and typographic apostrophes unified: the tokens every
/// similarity measure in storyline is built on.
pub fn words(text: &str) -> Vec<String> {
    text.unicode_words().map(fold_word).filter(|w| !w.is_empty()).collect()
}

/// Lowercases, strips combining marks (é → e) and unifies apostrophes, so that spelling variants
/// from different outlets and encodings meet.
pub fn fold_word(word: &str) -> String {
    // Most words of most news are ASCII, which decomposes to itself and has no marks or curly
    // apostrophes: lowercasing is all, and skips the decomposition's per-character work.
    if word.is_ascii() {
        return word.to_ascii_lowercase();
    }
    word.nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == '’' || c == '‘' { '\'' } else { c })
        .collect()
}

/// A 64-bit hash of the text after normalisation: case, diacritics, punctuation and whitespace do
/// not change it. Two articles with the same hash are exact copies.
pub fn normalized_hash(text: &str) -> u64 {
    words_hash(&words(text))
}

/// [`normalized_hash`] of a text whose [`words`] are already at hand.
pub fn words_hash(words: &[String]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(words.join(" ").as_bytes())
}

/// Content terms for lexical similarity: words without stop words and numbers-only tokens,
/// stemmed with the language's Snowball stemmer when there is one.
pub fn content_terms(text: &str, language: Option<&str>) -> Vec<String> {
    content_terms_of(&words(text), language)
}

/// [`content_terms`] of a text whose [`words`] are already at hand.
pub fn content_terms_of(words: &[String], language: Option<&str>) -> Vec<String> {
    let stop = stop_words_for(language);
    let kept: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|w| w.chars().count() > 1 && !w.chars().all(|c| c.is_numeric()))
        .filter(|w| !stop.contains(*w))
        .collect();
    let stemmed =
        language.and_then(|code| with_stems(code, |stems| stems.of(&kept).iter().map(|s| s.to_string()).collect()));
    stemmed.unwrap_or_else(|| kept.iter().map(|w| w.to_string()).collect())
}

/// Words whose stems a thread keeps, per language, before it starts over.
const STEMS_CACHED: usize = 100_000;

/// A thread's stems of one language, kept as they are made: Snowball stemming was a third of
/// term counting and a large part of event coding, and news repeats its words.
pub struct Stems {
    stemmer: Stemmer,
    kept: FxHashMap<String, Box<str>>,
}

impl Stems {
    /// The stem of each of `words`. A word is lowercased, with its typographic apostrophes
    /// unified, before it is stemmed, so a [`fold_word`] word is stemmed as it is.
    pub fn of(&mut self, words: &[&str]) -> Vec<&str> {
        for word in words {
            if !self.kept.contains_key(*word) {
                let lower = word.to_lowercase().replace('’', "'");
                self.kept.insert(word.to_string(), self.stemmer.stem(&lower).into());
            }
        }
        words.iter().map(|word| &*self.kept[*word]).collect()
    }
}

/// Calls `f` with this thread's [`Stems`] of `language` (a language code), or returns `None`
/// when the language has no Snowball stemmer.
pub fn with_stems<R>(language: &str, f: impl FnOnce(&mut Stems) -> R) -> Option<R> {
    thread_local! {
        static STEMS: std::cell::RefCell<FxHashMap<String, Stems>> = Default::default();
    }
    STEMS.with_borrow_mut(|languages| {
        if !languages.contains_key(language) {
            let stemmer = stemmer_for(language)?;
            languages.insert(language.to_string(), Stems { stemmer, kept: FxHashMap::default() });
        }
        let stems = languages.get_mut(language).expect("inserted above");
        if stems.kept.len() >= STEMS_CACHED {
            stems.kept.clear();
        }
        Some(f(stems))
    })
}

/// A sentence with its byte range in the text it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence<'a> {
    pub text: &'a str,
    pub start: usize,
}

/// Splits text into sentences: first at line breaks (news paragraphs and headings), then at the
/// Unicode sentence boundaries (UAX #29). Empty pieces are dropped; text is trimmed.
pub fn sentences(text: &str) -> Vec<Sentence<'_>> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split('\n') {
        for (offset, piece) in line.split_sentence_bound_indices() {
            let trimmed = piece.trim();
            if trimmed.chars().any(char::is_alphanumeric) {
                let lead = piece.len() - piece.trim_start().len();
                out.push(Sentence { text: trimmed, start: line_start + offset + lead });
            }
        }
        line_start += line.len() + 1;
    }
    out
}

/// Stop-word sets by language code, built once per language and kept for the process's life.
type StopWordCache = std::sync::Mutex<Vec<(String, &'static FxHashSet<String>)>>;

/// The stop words (function words) of a language by its ISO 639-1 code (English when `None`),
/// folded as [`fold_word`] folds; empty for a language the `stop-words` crate has no list for.
pub fn stop_words(language: Option<&str>) -> &'static FxHashSet<String> {
    stop_words_for(language)
}

fn stop_words_for(language: Option<&str>) -> &'static FxHashSet<String> {
    static CACHE: OnceLock<StopWordCache> = OnceLock::new();
    let code = language.unwrap_or("en").to_string();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, set)) = cache.iter().find(|(c, _)| *c == code) {
        return set;
    }
    let list = stop_words::lookup(&code).unwrap_or(&[]);
    let set: &'static FxHashSet<String> = Box::leak(Box::new(list.iter().map(|w| fold_word(w)).collect()));
    cache.push((code, set));
    set
}

fn stemmer_for(code: &str) -> Option<Stemmer> {
    let algorithm = match code {
        "ar" => Algorithm::Arabic,
        "da" => Algorithm::Danish,
        "nl" => Algorithm::Dutch,
        "en" => Algorithm::English,
        "fi" => Algorithm::Finnish,
        "fr" => Algorithm::French,
        "de" => Algorithm::German,
        "el" => Algorithm::Greek,
        "hu" => Algorithm::Hungarian,
        "it" => Algorithm::Italian,
        "no" | "nb" => Algorithm::Norwegian,
        "pt" => Algorithm::Portuguese,
        "ro" => Algorithm::Romanian,
        "ru" => Algorithm::Russian,
        "es" => Algorithm::Spanish,
        "sv" => Algorithm::Swedish,
        "ta" => Algorithm::Tamil,
        "tr" => Algorithm::Turkish,
        _ => return None,
    };
    Some(Stemmer::create(algorithm))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folds_case_diacritics_and_apostrophes() {
        assert_eq!(words("Erdoğan’s Çavuşoğlu"), vec!["erdogan's", "cavusoglu"]);
    }

    #[test]
    fn hash_ignores_punctuation_and_spacing() {
        assert_eq!(normalized_hash("A deal,  signed!"), normalized_hash("a deal signed"));
        assert_ne!(normalized_hash("a deal signed"), normalized_hash("a deal unsigned"));
    }

    #[test]
    fn sentences_keep_offsets() {
        let text = "Akar arrived in Tripoli. He met Sarraj.\nREAD: more";
        let found = sentences(text);
        assert_eq!(found.len(), 3);
        for s in &found {
            assert_eq!(&text[s.start..s.start + s.text.len()], s.text);
        }
        assert_eq!(found[1].text, "He met Sarraj.");
    }

    #[test]
    fn terms_drop_stop_words_and_stem_by_language() {
        assert_eq!(content_terms("Los ministros firmaron", Some("es")), vec!["ministr", "firm"]);
        assert_eq!(content_terms("in 2020 the deal", Some("en")), vec!["deal"]);
        // Unknown languages still get folded words, just not stemmed.
        assert_eq!(content_terms("Xyz Qwerty", Some("zz")), vec!["xyz", "qwerty"]);
    }

    proptest! {
        #[test]
        fn ascii_words_fold_as_any_other(word in "[ -~]{0,20}") {
            let general: String = word.nfkd().flat_map(char::to_lowercase).collect();
            prop_assert_eq!(fold_word(&word), general);
        }

        #[test]
        fn sentence_offsets_always_point_into_the_text(text in "\\PC{0,200}") {
            for s in sentences(&text) {
                prop_assert_eq!(&text[s.start..s.start + s.text.len()], s.text);
            }
        }
    }
}
