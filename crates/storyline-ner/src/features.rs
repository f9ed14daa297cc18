//! Turning tokens into hashed feature ids.
//!
//! Features are strings ("w=akar", "sh-1=Xx") hashed with xxh3 to 64 bits; the model maps
//! those hashes to weight rows. Hashing keeps the saved model free of feature strings and lets
//! the tagger skip features it never saw without an interning table.

use crate::entity::{EntityKind, Position};
use crate::gazetteer::Gazetteer;
use std::collections::{HashMap, HashSet};
use xxhash_rust::xxh3::xxh3_64;

/// Bumped whenever the templates below change, so that a model trained with other features is
/// refused instead of silently producing nonsense.
pub(crate) const FEATURE_SCHEMA: u32 = 1;

/// Maps typographic variants to the ASCII forms the CoNLL corpus uses, so that text pasted from
/// the web (curly quotes, dashes) looks like the training data.
pub(crate) fn normalize_token(tok: &str) -> String {
    let mut out = String::with_capacity(tok.len());
    for c in tok.chars() {
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{2032}' | '\u{02BC}' => out.push('\''),
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{00AB}' | '\u{00BB}' => out.push('"'),
            '\u{2010}' | '\u{2011}' | '\u{2013}' | '\u{2014}' | '\u{2212}' => out.push('-'),
            '\u{2026}' => out.push_str("..."),
            '\u{00A0}' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

fn char_class(c: char) -> char {
    if c.is_uppercase() {
        'X'
    } else if c.is_lowercase() {
        'x'
    } else if c.is_numeric() {
        'd'
    } else {
        c
    }
}

/// "Hulusi" -> "Xxxxx" (runs capped at four), "1996-08-22" -> "dddd-dd-dd".
fn long_shape(w: &str) -> String {
    let mut out = String::new();
    let mut last = '\0';
    let mut run = 0;
    for c in w.chars().map(char_class) {
        if c == last {
            run += 1;
        } else {
            run = 1;
            last = c;
        }
        if run <= 4 {
            out.push(c);
        }
    }
    out
}

/// "Hulusi" -> "Xx", "U.S." -> "X.X.", "al-Sarraj" -> "x-Xx".
fn short_shape(w: &str) -> String {
    let mut out = String::new();
    let mut last = '\0';
    for c in w.chars().map(char_class) {
        if c != last {
            out.push(c);
            last = c;
        }
    }
    out
}

fn starts_upper(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

fn is_title(w: &str) -> bool {
    starts_upper(w) && w.chars().any(char::is_lowercase)
}

fn has_letters_all_upper(w: &str) -> bool {
    w.chars().any(char::is_alphabetic) && !w.chars().any(char::is_lowercase)
}

fn is_numberish(w: &str) -> bool {
    w.chars().any(|c| c.is_ascii_digit()) && !w.chars().any(char::is_alphabetic)
}

/// What the rest of the story says about a word: a capitalised word at the start of a sentence
/// or in an all-caps headline is ambiguous, but the same word elsewhere in the story usually is
/// not.
struct DocumentEvidence {
    seen_lowercase: HashSet<String>,
    title_mid_sentence: HashMap<String, u32>,
}

impl DocumentEvidence {
    fn new(sentences: &[Vec<String>], caps: &[bool]) -> Self {
        let mut seen_lowercase = HashSet::new();
        let mut title_mid_sentence: HashMap<String, u32> = HashMap::new();
        for (s, sent) in sentences.iter().enumerate() {
            for (i, w) in sent.iter().enumerate() {
                if w.chars().next().is_some_and(char::is_lowercase) {
                    seen_lowercase.insert(w.clone());
                } else if i > 0 && !caps[s] && is_title(w) {
                    *title_mid_sentence.entry(w.to_lowercase()).or_insert(0) += 1;
                }
            }
        }
        DocumentEvidence { seen_lowercase, title_mid_sentence }
    }
}

/// Hashes feature strings built in one reusable buffer.
struct Sink<'a> {
    buf: String,
    out: &'a mut Vec<u64>,
}

impl Sink<'_> {
    fn add(&mut self, parts: &[&str]) {
        self.buf.clear();
        for p in parts {
            self.buf.push_str(p);
        }
        self.out.push(xxh3_64(self.buf.as_bytes()));
    }
}

pub(crate) fn hash_feature(s: &str) -> u64 {
    xxh3_64(s.as_bytes())
}

/// The features of one sentence: `ids[offsets[i]..offsets[i + 1]]` belong to token `i`.
#[derive(Debug, Clone, Default)]
pub(crate) struct SentenceFeatures {
    pub ids: Vec<u64>,
    pub offsets: Vec<usize>,
    /// Lowercased tokens, the key for remembering earlier decisions in the story.
    pub lower: Vec<String>,
    /// Whether each token starts with a capital, i.e. could be a name worth remembering.
    pub capitalized: Vec<bool>,
}

const POS_NAMES: [&str; 4] = ["B", "I", "L", "U"];

fn position_name(p: Position) -> &'static str {
    POS_NAMES[p as usize]
}

/// Extracts the static features (everything that does not depend on the tagger's own earlier
/// decisions) for every sentence of one story.
pub(crate) fn document_features<S: AsRef<str>>(sentences: &[Vec<S>], gazetteer: &Gazetteer) -> Vec<SentenceFeatures> {
    let norm: Vec<Vec<String>> =
        sentences.iter().map(|s| s.iter().map(|t| normalize_token(t.as_ref())).collect()).collect();
    // Headlines in all caps carry no capitalisation signal; the model needs to know that.
    let caps: Vec<bool> = norm
        .iter()
        .map(|s| {
            let alpha: Vec<&String> = s.iter().filter(|w| w.chars().any(char::is_alphabetic)).collect();
            alpha.len() >= 2 && alpha.iter().all(|w| has_letters_all_upper(w))
        })
        .collect();
    let evidence = DocumentEvidence::new(&norm, &caps);
    norm.iter().zip(&caps).map(|(s, &c)| sentence_features(s, c, &evidence, gazetteer)).collect()
}

fn sentence_features(
    words: &[String],
    caps_sentence: bool,
    evidence: &DocumentEvidence,
    gazetteer: &Gazetteer,
) -> SentenceFeatures {
    let n = words.len();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let short: Vec<String> = words.iter().map(|w| short_shape(w)).collect();
    let gaz = gazetteer.matches(&lower);
    let numeric = words.iter().filter(|w| is_numberish(w)).count() * 3 >= n.max(1);

    let mut ids = Vec::with_capacity(n * 56);
    let mut offsets = Vec::with_capacity(n + 1);
    let mut sink = Sink { buf: String::with_capacity(64), out: &mut ids };
    let word_at = |j: isize| -> &str {
        if j < 0 {
            "<s>"
        } else if j as usize >= n {
            "</s>"
        } else {
            &lower[j as usize]
        }
    };
    let shape_at = |j: isize| -> &str {
        if j < 0 {
            "<s>"
        } else if j as usize >= n {
            "</s>"
        } else {
            &short[j as usize]
        }
    };

    let mut boundaries: Vec<usize> = Vec::with_capacity(32);
    for i in 0..n {
        offsets.push(sink.out.len());
        let w = words[i].as_str();
        let lw = lower[i].as_str();
        let sh = short[i].as_str();
        let ii = i as isize;
        let context = if i == 0 {
            "first"
        } else if caps_sentence {
            "caps"
        } else {
            "mid"
        };

        sink.add(&["bias"]);
        sink.add(&["w=", lw]);
        sink.add(&["W=", w]);
        sink.add(&["sh=", sh]);
        sink.add(&["SH=", &long_shape(w)]);
        sink.add(&["ctx=", context, "|", sh]);
        sink.add(&["ctxw=", context, "|", lw]);
        if numeric {
            sink.add(&["numsent|", sh]);
            sink.add(&["numsentw|", lw]);
        }

        // Character boundaries of the lowercased word, for its first and last one to four letters.
        boundaries.clear();
        boundaries.extend(lw.char_indices().map(|(at, _)| at));
        boundaries.push(lw.len());
        let letters = boundaries.len() - 1;
        for k in 1..=4.min(letters) {
            let digit = ["", "1", "2", "3", "4"][k];
            sink.add(&["p", digit, "=", &lw[..boundaries[k]]]);
            sink.add(&["s", digit, "=", &lw[boundaries[letters - k]..]]);
        }
        let len_bucket = match letters {
            0..=4 => ["1", "1", "2", "3", "4"][letters],
            5..=7 => "5-7",
            _ => "8+",
        };
        sink.add(&["len=", len_bucket]);

        for d in [-2isize, -1, 1, 2] {
            let ds = ["-2", "-1", "", "+1", "+2"][(d + 2) as usize];
            sink.add(&["w", ds, "=", word_at(ii + d)]);
            sink.add(&["sh", ds, "=", shape_at(ii + d)]);
        }
        sink.add(&["w-1w0=", word_at(ii - 1), "|", lw]);
        sink.add(&["w0w+1=", lw, "|", word_at(ii + 1)]);
        sink.add(&["sh-1w0=", shape_at(ii - 1), "|", lw]);
        sink.add(&["w0sh+1=", lw, "|", shape_at(ii + 1)]);
        sink.add(&["sh3=", shape_at(ii - 1), "|", sh, "|", shape_at(ii + 1)]);
        sink.add(&["sh-2sh-1sh0=", shape_at(ii - 2), "|", shape_at(ii - 1), "|", sh]);
        sink.add(&["sh0sh+1sh+2=", sh, "|", shape_at(ii + 1), "|", shape_at(ii + 2)]);

        if starts_upper(w) {
            if evidence.seen_lowercase.contains(lw) {
                sink.add(&["doc_lower|", context]);
            }
            let self_counted = u32::from(context == "mid" && is_title(w));
            let elsewhere = evidence.title_mid_sentence.get(lw).copied().unwrap_or(0).saturating_sub(self_counted);
            if elsewhere > 0 {
                sink.add(&["doc_title|", context]);
            } else {
                sink.add(&["doc_notitle|", context]);
            }
        }

        let cap = if starts_upper(w) { "C" } else { "c" };
        for &(kind, pos) in &gaz[i] {
            sink.add(&["g=", kind.as_str(), position_name(pos)]);
            sink.add(&["gc=", kind.as_str(), position_name(pos), cap]);
        }
        if gaz[i].is_empty() {
            sink.add(&["g=none", cap]);
        }
        for (d, name) in [(-1isize, "g-1="), (1, "g+1=")] {
            let j = ii + d;
            if j >= 0 && (j as usize) < n {
                for &(kind, pos) in &gaz[j as usize] {
                    sink.add(&[name, kind.as_str(), position_name(pos)]);
                }
            }
        }
    }
    offsets.push(sink.out.len());
    let capitalized = words.iter().map(|w| starts_upper(w)).collect();
    SentenceFeatures { ids, offsets, lower, capitalized }
}

/// Features that depend on the tagger's decisions earlier in the same story: the kinds this
/// word was already tagged as. Only capitalised words consult or feed the memory, since names
/// are what recur.
#[derive(Debug, Default)]
pub(crate) struct StoryMemory {
    kinds: HashMap<String, [u32; 4]>,
}

pub(crate) struct MemoryFeatures {
    pub seen: [u64; 4],
    pub majority: [u64; 4],
}

impl MemoryFeatures {
    pub(crate) fn new() -> Self {
        let h = |prefix: &str, k: EntityKind| hash_feature(&format!("{prefix}{}", k.as_str()));
        MemoryFeatures {
            seen: EntityKind::ALL.map(|k| h("mem=", k)),
            majority: EntityKind::ALL.map(|k| h("memmaj=", k)),
        }
    }

    pub(crate) fn all(&self) -> impl Iterator<Item = u64> + '_ {
        self.seen.iter().chain(self.majority.iter()).copied()
    }
}

impl StoryMemory {
    pub(crate) fn clear(&mut self) {
        self.kinds.clear();
    }

    /// Appends the memory features of token `i` to `out`.
    pub(crate) fn features(&self, sent: &SentenceFeatures, i: usize, names: &MemoryFeatures, out: &mut Vec<u64>) {
        if !sent.capitalized[i] {
            return;
        }
        let Some(counts) = self.kinds.get(&sent.lower[i]) else {
            return;
        };
        let mut best = 0;
        for k in 0..4 {
            if counts[k] > 0 {
                out.push(names.seen[k]);
            }
            if counts[k] > counts[best] {
                best = k;
            }
        }
        out.push(names.majority[best]);
    }

    pub(crate) fn remember(&mut self, sent: &SentenceFeatures, spans: &[crate::entity::Span]) {
        for s in spans {
            for i in s.start..s.end.min(sent.lower.len()) {
                if sent.capitalized[i] {
                    self.kinds.entry(sent.lower[i].clone()).or_insert([0; 4])[s.kind.index()] += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(long_shape("Hulusi"), "Xxxxx");
        assert_eq!(long_shape("1996-08-22"), "dddd-dd-dd");
        assert_eq!(short_shape("U.S."), "X.X.");
        assert_eq!(short_shape("al-Sarraj"), "x-Xx");
    }

    #[test]
    fn curly_punctuation_is_normalised() {
        assert_eq!(normalize_token("Akar\u{2019}s"), "Akar's");
        assert_eq!(normalize_token("\u{201C}"), "\"");
    }

    #[test]
    fn every_token_gets_features() {
        let doc = vec![
            vec!["TURKEY".to_string(), "NEWS".to_string()],
            vec!["Turkey".to_string(), "and".to_string(), "Turkey".to_string()],
        ];
        let f = document_features(&doc, &Gazetteer::default());
        assert_eq!(f.len(), 2);
        assert_eq!(f[1].offsets.len(), 4);
        assert!(f[1].offsets.windows(2).all(|w| w[1] > w[0]));
        // The headline word gains the evidence that it is written as a name elsewhere.
        let doc_title = hash_feature("doc_title|first");
        let first = &f[0].ids[f[0].offsets[0]..f[0].offsets[1]];
        assert!(first.contains(&doc_title));
    }
}
