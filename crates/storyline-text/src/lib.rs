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
    let mut out = Vec::new();
    for_each_word(text, |_, word| {
        let folded = fold_word(word);
        if !folded.is_empty() {
            out.push(folded);
        }
    });
    out
}

/// Calls `f(offset, word)` for each word of `text` in order, unfolded: exactly the words (UAX #29)
/// of `text.unicode_word_indices()`.
///
/// Most news text is ASCII and Latin letters, where the UAX #29 rules come down to a few classes
/// of characters (`word_class`), and a word boundary always falls between ASCII whitespace and
/// a following ASCII non-space. So the text is cut at those places; the stretches made only of
/// such characters are segmented by `simple_words`, the others by the full algorithm, and the
/// words are the same as the whole text's.
pub fn for_each_word<'a>(text: &'a str, mut f: impl FnMut(usize, &'a str)) {
    let bytes = text.as_bytes();
    // A place where the text can be cut without changing its segmentation.
    let cut_at =
        |i: usize| bytes[i - 1].is_ascii_whitespace() && bytes[i].is_ascii() && !bytes[i].is_ascii_whitespace();
    let mut simple_from = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii() {
            i += 1;
            continue;
        }
        let c = text[i..].chars().next().expect("a character starts here");
        if word_class(c).is_some() {
            i += c.len_utf8();
            continue;
        }
        let piece_start = (simple_from + 1..=i).rev().find(|&k| cut_at(k)).unwrap_or(simple_from);
        let piece_end = (i + 1..bytes.len()).find(|&k| cut_at(k)).unwrap_or(bytes.len());
        simple_words(&text[simple_from..piece_start], |offset, word| f(simple_from + offset, word));
        for (offset, word) in text[piece_start..piece_end].unicode_word_indices() {
            f(piece_start + offset, word);
        }
        simple_from = piece_end;
        i = piece_end;
    }
    simple_words(&text[simple_from..], |offset, word| f(simple_from + offset, word));
}

/// Whether every word of `text` ([`for_each_word`]) lies inside one of its [`sentences`], and each
/// sentence's words are the text's words in its range: so for text made only of the characters
/// the table path segments (ASCII, Latin letters, typographic quotes and dashes), where a sentence
/// boundary never falls inside a word and a word's ends depend on its neighbours alone. Callers
/// that have the text's words may then give each sentence its words without segmenting it again.
pub fn sentences_keep_their_words(text: &str) -> bool {
    text.chars().all(|c| c.is_ascii() || word_class(c).is_some())
}

/// The UAX #29 word-break class of the characters [`simple_words`] segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WordClass {
    Letter,
    Digit,
    /// `_` (ExtendNumLet).
    Connector,
    /// `:` (MidLetter): joins two letters.
    MidLetter,
    /// `.` `‘` `’` (MidNumLet) and `'` (Single_Quote): join two letters or two digits.
    MidNumLet,
    /// `,` `;` (MidNum): join two digits.
    MidNum,
    /// Spaces, line breaks and other punctuation: never part of a word here.
    Other,
}

/// The class of `c` when it is ASCII, a Latin letter (Latin-1 and Latin Extended-A), a
/// typographic quote, a dash, an ellipsis or Spanish opening marks; `None` for any other
/// character, which the full algorithm handles.
const fn word_class(c: char) -> Option<WordClass> {
    Some(match c {
        'a'..='z' | 'A'..='Z' | '\u{c0}'..='\u{d6}' | '\u{d8}'..='\u{f6}' | '\u{f8}'..='\u{17f}' => WordClass::Letter,
        '0'..='9' => WordClass::Digit,
        '_' => WordClass::Connector,
        ':' => WordClass::MidLetter,
        '.' | '\'' | '‘' | '’' => WordClass::MidNumLet,
        ',' | ';' => WordClass::MidNum,
        '«' | '»' | '“' | '”' | '–' | '—' | '¡' | '¿' | '…' => WordClass::Other,
        c if c.is_ascii() => WordClass::Other,
        _ => return None,
    })
}

/// The UAX #29 words of `text`, whose characters all have a [`word_class`]. Letters, digits and
/// `_` always hold together; `: . ' ’` join two letters and `, ; . ' ’` two digits; every other
/// character separates; a segment is a word when it has a letter or digit.
fn simple_words<'a>(text: &'a str, mut f: impl FnMut(usize, &'a str)) {
    use WordClass::*;
    let bytes = text.as_bytes();
    // The class of the character at byte `i` and where the next one starts, none at the end:
    // read as the words are walked, most often by a table of the ASCII classes.
    let class_at = |i: usize| -> Option<(WordClass, usize)> {
        let &byte = bytes.get(i)?;
        if byte.is_ascii() {
            return Some((ASCII_WORD_CLASSES[byte as usize], i + 1));
        }
        let c = text[i..].chars().next().expect("a character starts here");
        Some((word_class(c).expect("a simple character"), i + c.len_utf8()))
    };
    let holds = |class: WordClass| matches!(class, Letter | Digit | Connector);
    let joins = |before: WordClass, middle: WordClass, after: WordClass| {
        (before == Letter && matches!(middle, MidLetter | MidNumLet) && after == Letter)
            || (before == Digit && matches!(middle, MidNum | MidNumLet) && after == Digit)
    };
    let mut at = 0;
    while let Some((class, next)) = class_at(at) {
        if !holds(class) {
            at = next;
            continue;
        }
        let start = at;
        let (mut last, mut end) = (class, next);
        let mut alphanumeric = false;
        loop {
            alphanumeric |= matches!(last, Letter | Digit);
            match class_at(end) {
                Some((following, after)) if holds(following) => (last, end) = (following, after),
                Some((middle, after_middle)) => match class_at(after_middle) {
                    Some((following, after)) if joins(last, middle, following) => (last, end) = (following, after),
                    _ => break,
                },
                None => break,
            }
        }
        if alphanumeric {
            f(start, &text[start..end]);
        }
        at = end;
    }
}

/// [`word_class`] of each ASCII character.
const ASCII_WORD_CLASSES: [WordClass; 128] = {
    let mut classes = [WordClass::Other; 128];
    let mut byte = 0;
    while byte < 128 {
        if let Some(class) = word_class(byte as u8 as char) {
            classes[byte] = class;
        }
        byte += 1;
    }
    classes
};

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
pub fn words_hash<S: AsRef<str>>(words: &[S]) -> u64 {
    let mut joined = String::with_capacity(words.iter().map(|w| w.as_ref().len() + 1).sum());
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            joined.push(' ');
        }
        joined.push_str(word.as_ref());
    }
    xxhash_rust::xxh3::xxh3_64(joined.as_bytes())
}

/// Content terms for lexical similarity: words without stop words and numbers-only tokens,
/// stemmed with the language's Snowball stemmer when there is one.
pub fn content_terms(text: &str, language: Option<&str>) -> Vec<String> {
    content_terms_of(&words(text), language)
}

/// [`content_terms`] of a text whose [`words`] are already at hand.
pub fn content_terms_of(words: &[String], language: Option<&str>) -> Vec<String> {
    let mut terms = Vec::with_capacity(words.len());
    for_each_content_term(words.iter().map(String::as_str), language, |term| terms.push(term.to_string()));
    terms
}

/// Calls `f` with the content term of each of `words` ([`words`], folded) that has one, in order:
/// [`content_terms_of`] without a string per term.
pub fn for_each_content_term<'w>(
    words: impl IntoIterator<Item = &'w str>,
    language: Option<&str>,
    mut f: impl FnMut(&str),
) {
    // Deciding a word's term (its length, the stop words, the stemmer) costs far more than
    // looking it up, and news repeats its words: each thread keeps the terms it has made.
    thread_local! {
        static TERMS: std::cell::RefCell<Vec<(Option<String>, TermsOfWords)>> = Default::default();
    }
    TERMS.with_borrow_mut(|languages| {
        let at = match languages.iter().position(|(code, _)| code.as_deref() == language) {
            Some(at) => at,
            None => {
                languages.push((language.map(str::to_string), TermsOfWords::new(language)));
                languages.len() - 1
            }
        };
        let cache = &mut languages[at].1;
        if cache.terms.len() >= STEMS_CACHED {
            *cache = TermsOfWords::new(language);
        }
        for word in words {
            let index = match cache.index.get(word) {
                Some(&index) => index,
                None => {
                    let term = cache.term_of(word).map(String::into_boxed_str);
                    cache.terms.push(term);
                    let index = (cache.terms.len() - 1) as u32;
                    cache.index.insert(word.into(), index);
                    index
                }
            };
            if let Some(term) = &cache.terms[index as usize] {
                f(term);
            }
        }
    })
}

/// The content term of one word ([`words`], folded), if it has one: the term
/// [`for_each_content_term`] gives it, made afresh, for callers that keep each word's term
/// themselves (a second cache in front of theirs would only cost).
pub fn content_term(word: &str, language: Option<&str>) -> Option<String> {
    TermsOfWords::new(language).term_of(word)
}

/// A thread's content terms of one language: each word's place in `terms`, which holds its term
/// or `None` for a word that has none.
struct TermsOfWords {
    stop: &'static FxHashSet<String>,
    stemmer: Option<Stemmer>,
    index: FxHashMap<Box<str>, u32>,
    terms: Vec<Option<Box<str>>>,
}

impl TermsOfWords {
    fn new(language: Option<&str>) -> TermsOfWords {
        TermsOfWords {
            stop: stop_words_for(language),
            stemmer: language.and_then(stemmer_for),
            index: FxHashMap::default(),
            terms: Vec::new(),
        }
    }

    /// The content term of one word: none for a one-character word, a number or a stop word;
    /// the word's stem (as [`Stems::of`] makes it) when the language has a stemmer, else the word.
    fn term_of(&self, word: &str) -> Option<String> {
        if word.chars().count() <= 1 || word.chars().all(char::is_numeric) || self.stop.contains(word) {
            return None;
        }
        Some(match &self.stemmer {
            // A folded word is most often lower-case ASCII, which lower-casing and unifying
            // apostrophes leave as it is.
            Some(stemmer) if word.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) => {
                stemmer.stem(word).into_owned()
            }
            Some(stemmer) => stemmer.stem(&word.to_lowercase().replace('’', "'")).into_owned(),
            None => word.to_string(),
        })
    }
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
    // A piece (starting at `start` in the text) is a sentence when it has a letter or digit.
    fn keep<'a>(out: &mut Vec<Sentence<'a>>, piece: &'a str, start: usize) {
        let trimmed = piece.trim();
        if trimmed.chars().any(char::is_alphanumeric) {
            let lead = piece.len() - piece.trim_start().len();
            out.push(Sentence { text: trimmed, start: start + lead });
        }
    }
    let mut out = Vec::new();
    let mut line_start = 0;
    let mut breaks = Vec::new();
    for line in text.split('\n') {
        if simple_sentence_breaks(line, &mut breaks) {
            for pair in breaks.windows(2) {
                keep(&mut out, &line[pair[0]..pair[1]], line_start + pair[0]);
            }
        } else {
            for (offset, piece) in line.split_sentence_bound_indices() {
                keep(&mut out, piece, line_start + offset);
            }
        }
        line_start += line.len() + 1;
    }
    out
}

/// The UAX #29 sentence-break class of the characters [`simple_sentence_breaks`] handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SentenceClass {
    Upper,
    Lower,
    Numeric,
    /// `.`
    ATerm,
    /// `!` `?`
    STerm,
    /// `,` `-` `:` `;` and dashes: a sentence goes on after them, even after a terminator.
    SContinue,
    /// Quotes and brackets.
    Close,
    /// Spaces and tabs.
    Sp,
    /// A carriage return (a paragraph separator).
    Cr,
    Other,
}

/// The sentence-break class of `c` when it is one of the characters the word table path handles
/// ([`word_class`]) and the class is one of the few above; `None` for any other character.
fn sentence_class(c: char) -> Option<SentenceClass> {
    use SentenceClass::*;
    Some(match c {
        'a'..='z' => Lower,
        'A'..='Z' => Upper,
        '0'..='9' => Numeric,
        '.' => ATerm,
        '!' | '?' => STerm,
        ',' | '-' | ':' | ';' | '–' | '—' => SContinue,
        '"' | '\'' | '(' | ')' | '[' | ']' | '{' | '}' | '«' | '»' | '‘' | '’' | '“' | '”' => Close,
        ' ' | '\t' => Sp,
        '\r' => Cr,
        '#' | '$' | '%' | '&' | '*' | '+' | '/' | '<' | '=' | '>' | '@' | '\\' | '^' | '_' | '`' | '|' | '~' => Other,
        '¡' | '¿' | '…' => Other,
        c if word_class(c) == Some(WordClass::Letter) && c.is_lowercase() => Lower,
        c if word_class(c) == Some(WordClass::Letter) && c.is_uppercase() => Upper,
        _ => return None,
    })
}

/// The UAX #29 sentence boundaries of `line` (no line feed in it), from its start to its end,
/// into `breaks`, when every character of it has a [`sentence_class`]; false (and `breaks`
/// meaningless) otherwise. There, with no extending, format, separator or other-letter
/// characters, the rules come down to what may follow a terminator (`.`, `!`, `?`), its closing
/// quotes and brackets, and its spaces.
fn simple_sentence_breaks(line: &str, breaks: &mut Vec<usize>) -> bool {
    use SentenceClass::*;
    breaks.clear();
    if line.is_empty() {
        return true;
    }
    breaks.push(0);
    /// After a terminator (with its closing marks and spaces, SB8–SB11): what it was.
    struct AfterTerminator {
        full_stop: bool,
        /// The full stop follows a letter, and nothing follows it yet (SB7).
        after_letter: bool,
        closed: bool,
        spaced: bool,
    }
    let mut after: Option<AfterTerminator> = None;
    let mut previous: Option<SentenceClass> = None;
    for (at, c) in line.char_indices() {
        let Some(class) = sentence_class(c) else {
            return false;
        };
        if let Some(previous) = previous {
            let breaks_here = if previous == Cr {
                true // SB4
            } else if let Some(term) = &after {
                let bare = !term.closed && !term.spaced;
                let continues = (term.full_stop && bare && class == Numeric) // SB6
                    || (term.full_stop && term.after_letter && bare && class == Upper) // SB7
                    || (term.full_stop && lower_comes_first(&line[at..])) // SB8
                    || matches!(class, SContinue | STerm | ATerm) // SB8a
                    || (!term.spaced && matches!(class, Close | Sp | Cr)) // SB9
                    || matches!(class, Sp | Cr); // SB10
                !continues // SB11
            } else {
                false // SB998
            };
            if breaks_here {
                breaks.push(at);
            }
        }
        after = match (after, class) {
            (_, ATerm | STerm) => Some(AfterTerminator {
                full_stop: class == ATerm,
                after_letter: matches!(previous, Some(Upper | Lower)),
                closed: false,
                spaced: false,
            }),
            (Some(term), Close) if !term.spaced => Some(AfterTerminator { closed: true, after_letter: false, ..term }),
            (Some(term), Sp) => Some(AfterTerminator { spaced: true, after_letter: false, ..term }),
            _ => None,
        };
        previous = Some(class);
    }
    breaks.push(line.len());
    true
}

/// SB8's look-ahead: whether a lowercase letter comes before any letter of another kind, a
/// terminator or a paragraph separator.
fn lower_comes_first(ahead: &str) -> bool {
    for c in ahead.chars() {
        match sentence_class(c) {
            Some(SentenceClass::Lower) => return true,
            Some(SentenceClass::Upper | SentenceClass::ATerm | SentenceClass::STerm | SentenceClass::Cr) | None => {
                return false
            }
            _ => {}
        }
    }
    false
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
    let code = language.unwrap_or("en");
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, set)) = cache.iter().find(|(c, _)| c == code) {
        return set;
    }
    let list = stop_words::lookup(code).unwrap_or(&[]);
    let set: &'static FxHashSet<String> = Box::leak(Box::new(list.iter().map(|w| fold_word(w)).collect()));
    cache.push((code.to_string(), set));
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

    fn reference_words(text: &str) -> Vec<(usize, &str)> {
        text.unicode_word_indices().collect()
    }

    fn fast_words(text: &str) -> Vec<(usize, &str)> {
        let mut out = Vec::new();
        for_each_word(text, |offset, word| out.push((offset, word)));
        out
    }

    /// Calls `check` with every string of four characters of `alphabet`.
    fn each_string_of_four(alphabet: &str, mut check: impl FnMut(&str)) {
        let alphabet: Vec<char> = alphabet.chars().collect();
        let mut text = String::new();
        for a in &alphabet {
            for b in &alphabet {
                for c in &alphabet {
                    for d in &alphabet {
                        text.clear();
                        text.extend([a, b, c, d]);
                        check(&text);
                    }
                }
            }
        }
    }

    /// Every string of up to four characters from those that UAX #29 treats apart in ASCII and Latin
    /// (and a few others), segmented as the full algorithm segments it.
    #[test]
    fn simple_segmentation_is_the_full_algorithm_on_short_strings() {
        let check = |text: &str| assert_eq!(fast_words(text), reference_words(text), "{text:?}");
        each_string_of_four("aZ09_.:',;\" -\n\t\r!é\u{301}’«—·¿…", |text| {
            check(text);
            check(&text[..text.char_indices().nth(3).map_or(text.len(), |(i, _)| i)]);
        });
    }

    /// Where [`sentences_keep_their_words`] says so, each sentence's own words are the text's
    /// words in its range, and no word of the text lies outside every sentence.
    fn assert_sentences_keep_their_words(text: &str) {
        if !sentences_keep_their_words(text) {
            return;
        }
        let words = fast_words(text);
        let mut in_sentences = Vec::new();
        for sentence in sentences(text) {
            let end = sentence.start + sentence.text.len();
            let own: Vec<(usize, &str)> =
                fast_words(sentence.text).into_iter().map(|(offset, word)| (sentence.start + offset, word)).collect();
            let of_text: Vec<(usize, &str)> =
                words.iter().copied().filter(|&(offset, _)| offset >= sentence.start && offset < end).collect();
            assert_eq!(own, of_text, "{text:?}, sentence {:?}", sentence.text);
            in_sentences.extend(own);
        }
        assert_eq!(in_sentences, words, "{text:?}");
    }

    /// Every string of up to four characters of those that decide sentence and word boundaries.
    #[test]
    fn sentences_keep_their_words_on_short_strings() {
        each_string_of_four("aZ19_.:',;\"? !\n\r\t)é’«»“”—…¿ß", assert_sentences_keep_their_words);
    }

    /// The sentences as the full algorithm alone splits each line.
    fn reference_sentences(text: &str) -> Vec<Sentence<'_>> {
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

    /// The table path's boundaries are the full algorithm's on every string of up to four
    /// characters of those that decide sentence boundaries.
    #[test]
    fn simple_sentence_breaks_are_the_full_algorithm_on_short_strings() {
        let mut breaks = Vec::new();
        each_string_of_four("aZ1.!?,-:; \t\r\"')«»’“—…¿¡éÉß_#", |text| {
            assert!(simple_sentence_breaks(text, &mut breaks), "{text:?}");
            let mut expected: Vec<usize> = text.split_sentence_bound_indices().map(|(i, _)| i).collect();
            expected.push(text.len());
            assert_eq!(breaks, expected, "{text:?}");
        });
    }

    /// Each character with a sentence class, in the places where its class decides.
    #[test]
    fn sentence_classes_are_those_of_uax_29() {
        let classed: Vec<char> =
            ('\0'..='\u{17f}').chain("‘’“”«»–—…".chars()).filter(|&c| sentence_class(c).is_some()).collect();
        let mut text = String::new();
        for &c in &classed {
            for context in [
                "a. X", "a.X", "A.X", "1.X", "a? X", "a.’ X", "a.X b", "a. X. b", "a. X c", "Xa. b", "a.) X A", "a.\rX",
            ] {
                text.clear();
                text.extend(context.chars().map(|k| if k == 'X' { c } else { k }));
                assert_eq!(sentences(&text), reference_sentences(&text), "{text:?}");
            }
        }
    }

    /// Content terms as they were made before each thread kept them: word by word, every time.
    fn content_terms_unkept(words: &[String], language: Option<&str>) -> Vec<String> {
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

    /// Each character with a class, in the places where its class decides.
    #[test]
    fn word_classes_are_those_of_uax_29() {
        let simple: Vec<char> =
            ('\0'..='\u{17f}').chain("‘’“”«»–—…".chars()).filter(|&c| word_class(c).is_some()).collect();
        let mut text = String::new();
        for &c in &simple {
            for context in ["aXa", "1X1", "aX", "X1", "a.X", "X.a", "1,X", "X’a", "_X_", " X ", "a’X’1"] {
                text.clear();
                text.extend(context.chars().map(|k| if k == 'X' { c } else { k }));
                assert_eq!(fast_words(&text), reference_words(&text), "{text:?}");
            }
        }
    }

    proptest! {
        #[test]
        fn kept_content_terms_are_the_terms(text in "([a-zA-Z0-9 ]|[éüñçÉ’']|\\PC){0,80}", language in 0usize..5) {
            let language = [None, Some("en"), Some("es"), Some("fr"), Some("zz")][language];
            let words = words(&text);
            // Twice: the second time from what the thread kept.
            for _ in 0..2 {
                prop_assert_eq!(content_terms_of(&words, language), content_terms_unkept(&words, language));
            }
            let afresh: Vec<String> = words.iter().filter_map(|w| content_term(w, language)).collect();
            prop_assert_eq!(afresh, content_terms_unkept(&words, language));
        }

        #[test]
        fn word_segmentation_is_the_full_algorithm(text in "([a-zA-Z0-9_.:',; \n\t\"()-]|[éüñçÀÿĀſ‘’“”«»–—·\u{301}\u{200d}\u{ad}\u{a0}\u{3000}]|\\PC){0,60}") {
            prop_assert_eq!(fast_words(&text), reference_words(&text));
        }

        #[test]
        fn sentences_keep_their_words_in_news_like_text(text in "([a-zA-Z0-9_.:',;!? \n\t\r\"()-]|[éüñçÀÿĀſ‘’“”«»–—…¿¡]|[A-Z][a-z]{1,5}[.!?][’”»)]?[ ]?){0,60}") {
            assert_sentences_keep_their_words(&text);
        }

        #[test]
        fn sentences_are_the_full_algorithm(text in "([A-Z]?[a-z]{1,7}[ ,;:]{0,2}|[.!?…][’”»)]?[ \n]?|[0-9.,]{1,4} |[éñçßÉ‘’“”«»–—¿¡_'\"()\t\r]|\\PC){0,80}") {
            prop_assert_eq!(sentences(&text), reference_sentences(&text));
        }

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
