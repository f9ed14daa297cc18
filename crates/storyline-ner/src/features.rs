//! Turning tokens into hashed feature ids.
//!
//! Features are strings ("w=akar", "sh-1=Xx") hashed with xxh3 to 64 bits; the model maps
//! those hashes to weight rows. Hashing keeps the saved model free of feature strings and lets
//! the tagger skip features it never saw without an interning table.

use crate::entity::EntityKind;
use crate::gazetteer::Gazetteer;
use crate::tagger::FeatureRows;
use rustc_hash::FxHashMap;
use std::collections::{HashMap, HashSet};
use xxhash_rust::xxh3::xxh3_64;

/// Bumped whenever the templates below change, so that a model trained with other features is
/// refused instead of silently producing nonsense.
pub(crate) const FEATURE_SCHEMA: u32 = 2;

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
#[derive(Default)]
struct FeatureHasher {
    buf: String,
}

impl FeatureHasher {
    fn hash(&mut self, parts: &[&str]) -> u64 {
        self.buf.clear();
        for p in parts {
            self.buf.push_str(p);
        }
        xxh3_64(self.buf.as_bytes())
    }
}

/// Where a token stands, as the `ctx` features name it.
const CONTEXTS: [&str; 3] = ["first", "caps", "mid"];
/// Neighbour offsets, in the order their features are emitted, with the names they carry.
const NEIGHBOURS: [(isize, &str); 4] = [(-2, "-2"), (-1, "-1"), (1, "+1"), (2, "+2")];

/// How feature hashes become the ids a sentence's feature list holds. Training keeps the hashes
/// (its rows are chosen after counting them); a trained tagger keeps only the weight rows of
/// the features it has, so a feature it never saw costs one look-up per word, not per token.
pub(crate) trait FeatureIds {
    type Id: Copy;
    fn id(&self, hash: u64) -> Option<Self::Id>;
    /// Runs `f` with this thread's cache of word features for these ids.
    fn with_word_cache<R>(&self, f: impl FnOnce(&mut WordCache<Self::Id>) -> R) -> R;
}

/// Feature ids that are the hashes themselves, as training needs them.
pub(crate) struct Hashes;

impl FeatureIds for Hashes {
    type Id = u64;
    fn id(&self, hash: u64) -> Option<u64> {
        Some(hash)
    }
    fn with_word_cache<R>(&self, f: impl FnOnce(&mut WordCache<u64>) -> R) -> R {
        thread_local! {
            static CACHE: std::cell::RefCell<Option<WordCache<u64>>> = const { std::cell::RefCell::new(None) };
        }
        CACHE.with_borrow_mut(|cache| {
            if cache.as_ref().is_none_or(WordCache::is_full) {
                *cache = Some(WordCache::new(self));
            }
            f(cache.as_mut().expect("just filled"))
        })
    }
}

/// The weight rows of one trained tagger; `owner` tells apart the taggers of a process, whose
/// rows differ, so that each thread's cache belongs to one of them at a time.
pub(crate) struct Rows<'a> {
    pub rows: &'a FeatureRows,
    pub owner: u64,
}

impl FeatureIds for Rows<'_> {
    type Id = u32;
    fn id(&self, hash: u64) -> Option<u32> {
        self.rows.get(&hash).copied()
    }
    fn with_word_cache<R>(&self, f: impl FnOnce(&mut WordCache<u32>) -> R) -> R {
        thread_local! {
            static CACHE: std::cell::RefCell<Option<(u64, WordCache<u32>)>> = const { std::cell::RefCell::new(None) };
        }
        CACHE.with_borrow_mut(|cache| {
            if cache.as_ref().is_none_or(|(owner, words)| *owner != self.owner || words.is_full()) {
                *cache = Some((self.owner, WordCache::new(self)));
            }
            f(&mut cache.as_mut().expect("just filled").1)
        })
    }
}

// The parts of a word's cached feature ids, in the order a token lists them.
/// `w=`, `W=`, `sh=`, `SH=`.
const OWN: usize = 0;
/// `ctx=` and `ctxw=` in each of [`CONTEXTS`]: parts 1 to 3.
const IN_CONTEXT: usize = 1;
/// `numsent|` and `numsentw|`, listed only in sentences made mostly of numbers.
const NUMERIC: usize = 4;
/// `p1=`, `s1=`, … `p4=`, `s4=` (as many as the word has letters), then `len=`.
const AFFIXES: usize = 5;
/// The word seen from the token at each of [`NEIGHBOURS`]: parts 6 to 9.
const AS_NEIGHBOUR: usize = 6;
const PARTS: usize = 10;

/// Where one word's feature ids lie in [`WordCache::ids`]: part `p` ends at `start + ends[p]`.
struct CachedWord {
    start: u32,
    ends: [u8; PARTS],
}

/// Words whose feature ids a thread keeps before it starts over.
const WORDS_CACHED: usize = 50_000;

/// The ids of every feature that depends on one word alone, per word. Hashing ~50 feature
/// strings per token was most of the tagger's time, and most words of a story were met before,
/// so each thread keeps these per word, and a token only gathers its own and its neighbours'.
pub(crate) struct WordCache<Id> {
    slots: FxHashMap<String, u32>,
    words: Vec<CachedWord>,
    ids: Vec<Id>,
    fixed: Fixed<Option<Id>>,
}

impl<Id: Copy> WordCache<Id> {
    fn new(ids: &impl FeatureIds<Id = Id>) -> Self {
        WordCache {
            slots: FxHashMap::default(),
            words: Vec::new(),
            ids: Vec::new(),
            fixed: fixed_hashes().resolve(ids),
        }
    }

    fn is_full(&self) -> bool {
        self.words.len() >= WORDS_CACHED
    }

    fn part(&self, slot: usize, part: usize) -> &[Id] {
        let word = &self.words[slot];
        let from = if part == 0 { 0 } else { word.ends[part - 1] as usize };
        &self.ids[word.start as usize + from..word.start as usize + word.ends[part] as usize]
    }

    fn slot(&mut self, ids: &impl FeatureIds<Id = Id>, h: &mut FeatureHasher, w: &str, lw: &str, sh: &str) -> usize {
        if let Some(&slot) = self.slots.get(w) {
            return slot as usize;
        }
        let start = self.ids.len();
        let (mut ends, mut part) = ([0u8; PARTS], 0);
        let mut end_part = |this: &Self| {
            ends[part] = (this.ids.len() - start) as u8;
            part += 1;
        };
        let push = |this: &mut Self, hashes: &[u64]| this.ids.extend(hashes.iter().filter_map(|&x| ids.id(x)));

        push(self, &[h.hash(&["w=", lw]), h.hash(&["W=", w]), h.hash(&["sh=", sh]), h.hash(&["SH=", &long_shape(w)])]);
        end_part(self);
        for c in CONTEXTS {
            push(self, &[h.hash(&["ctx=", c, "|", sh]), h.hash(&["ctxw=", c, "|", lw])]);
            end_part(self);
        }
        push(self, &[h.hash(&["numsent|", sh]), h.hash(&["numsentw|", lw])]);
        end_part(self);
        // The first and last one to four letters of the lowercased word, then its length.
        let boundaries: Vec<usize> = lw.char_indices().map(|(at, _)| at).chain([lw.len()]).collect();
        let letters = boundaries.len() - 1;
        for k in 1..=4.min(letters) {
            let digit = ["", "1", "2", "3", "4"][k];
            push(self, &[h.hash(&["p", digit, "=", &lw[..boundaries[k]]])]);
            push(self, &[h.hash(&["s", digit, "=", &lw[boundaries[letters - k]..]])]);
        }
        let len_bucket = match letters {
            0..=4 => ["1", "1", "2", "3", "4"][letters],
            5..=7 => "5-7",
            _ => "8+",
        };
        push(self, &[h.hash(&["len=", len_bucket])]);
        end_part(self);
        let seen = as_neighbour(h, lw, sh);
        for k in 0..NEIGHBOURS.len() {
            push(self, &seen[2 * k..2 * k + 2]);
            end_part(self);
        }
        debug_assert_eq!(part, PARTS);
        self.words.push(CachedWord { start: start as u32, ends });
        self.slots.insert(w.to_string(), (self.words.len() - 1) as u32);
        self.words.len() - 1
    }
}

/// `w-2=`, `sh-2=`, `w-1=`, `sh-1=`, `w+1=`, `sh+1=`, `w+2=`, `sh+2=`: a word seen from the
/// token at each of [`NEIGHBOURS`].
fn as_neighbour(h: &mut FeatureHasher, lw: &str, sh: &str) -> [u64; 8] {
    let mut out = [0; 8];
    for (k, (_, ds)) in NEIGHBOURS.iter().enumerate() {
        out[2 * k] = h.hash(&["w", ds, "=", lw]);
        out[2 * k + 1] = h.hash(&["sh", ds, "=", sh]);
    }
    out
}

/// The features made of fixed strings: their hashes, computed once, or their ids.
struct Fixed<T> {
    bias: T,
    /// `doc_lower|`, `doc_title|`, `doc_notitle|` in each of [`CONTEXTS`].
    doc_lower: [T; 3],
    doc_title: [T; 3],
    doc_notitle: [T; 3],
    /// By kind and position: `g=`, `gc=` with a capital, `gc=` without, `g-1=`, `g+1=`.
    gazetteer: [[[T; 5]; 4]; 4],
    /// `g=none` with a capital and without.
    no_gazetteer: [T; 2],
    /// The sentence's edges seen as neighbours: before its start and after its end.
    start: [T; 8],
    end: [T; 8],
}

impl Fixed<u64> {
    fn resolve<I: FeatureIds>(&self, ids: &I) -> Fixed<Option<I::Id>> {
        let id = |h: &u64| ids.id(*h);
        Fixed {
            bias: id(&self.bias),
            doc_lower: self.doc_lower.each_ref().map(id),
            doc_title: self.doc_title.each_ref().map(id),
            doc_notitle: self.doc_notitle.each_ref().map(id),
            gazetteer: self.gazetteer.each_ref().map(|k| k.each_ref().map(|p| p.each_ref().map(id))),
            no_gazetteer: self.no_gazetteer.each_ref().map(id),
            start: self.start.each_ref().map(id),
            end: self.end.each_ref().map(id),
        }
    }
}

fn fixed_hashes() -> &'static Fixed<u64> {
    static FIXED: std::sync::OnceLock<Fixed<u64>> = std::sync::OnceLock::new();
    FIXED.get_or_init(|| {
        let h = &mut FeatureHasher::default();
        let by_context = |h: &mut FeatureHasher, prefix: &str| CONTEXTS.map(|c| h.hash(&[prefix, c]));
        let mut gazetteer = [[[0; 5]; 4]; 4];
        for kind in EntityKind::ALL {
            for (p, pos) in POS_NAMES.iter().enumerate() {
                let k = kind.as_str();
                gazetteer[kind.index()][p] = [
                    h.hash(&["g=", k, pos]),
                    h.hash(&["gc=", k, pos, "C"]),
                    h.hash(&["gc=", k, pos, "c"]),
                    h.hash(&["g-1=", k, pos]),
                    h.hash(&["g+1=", k, pos]),
                ];
            }
        }
        Fixed {
            bias: h.hash(&["bias"]),
            doc_lower: by_context(h, "doc_lower|"),
            doc_title: by_context(h, "doc_title|"),
            doc_notitle: by_context(h, "doc_notitle|"),
            gazetteer,
            no_gazetteer: [h.hash(&["g=none", "C"]), h.hash(&["g=none", "c"])],
            start: as_neighbour(h, "<s>", "<s>"),
            end: as_neighbour(h, "</s>", "</s>"),
        }
    })
}

pub(crate) fn hash_feature(s: &str) -> u64 {
    xxh3_64(s.as_bytes())
}

/// The features of one sentence: `ids[offsets[i]..offsets[i + 1]]` belong to token `i`.
#[derive(Debug, Clone, Default)]
pub(crate) struct SentenceFeatures<Id> {
    pub ids: Vec<Id>,
    pub offsets: Vec<usize>,
    /// Lowercased tokens, the key for remembering earlier decisions in the story.
    pub lower: Vec<String>,
    /// Whether each token starts with a capital, i.e. could be a name worth remembering.
    pub capitalized: Vec<bool>,
}

const POS_NAMES: [&str; 4] = ["B", "I", "L", "U"];

/// Extracts the static features (everything that does not depend on the tagger's own earlier
/// decisions) for every sentence of one story, as `ids` names them.
pub(crate) fn document_features<S: AsRef<str>, I: FeatureIds>(
    sentences: &[Vec<S>],
    gazetteer: &Gazetteer,
    ids: &I,
) -> Vec<SentenceFeatures<I::Id>> {
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
    ids.with_word_cache(|cache| {
        norm.iter().zip(&caps).map(|(s, &c)| sentence_features(s, c, &evidence, gazetteer, ids, cache)).collect()
    })
}

fn sentence_features<I: FeatureIds>(
    words: &[String],
    caps_sentence: bool,
    evidence: &DocumentEvidence,
    gazetteer: &Gazetteer,
    feature_ids: &I,
    cache: &mut WordCache<I::Id>,
) -> SentenceFeatures<I::Id> {
    let n = words.len();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let short: Vec<String> = words.iter().map(|w| short_shape(w)).collect();
    let gaz = gazetteer.matches(&lower);
    let numeric = words.iter().filter(|w| is_numberish(w)).count() * 3 >= n.max(1);
    let h = &mut FeatureHasher::default();

    let mut ids = Vec::with_capacity(n * 40);
    let mut offsets = Vec::with_capacity(n + 1);
    let shape_at = |j: isize| -> &str {
        if j < 0 {
            "<s>"
        } else if j as usize >= n {
            "</s>"
        } else {
            &short[j as usize]
        }
    };

    let slots: Vec<usize> = (0..n).map(|i| cache.slot(feature_ids, h, &words[i], &lower[i], &short[i])).collect();
    let fixed = &cache.fixed;
    for i in 0..n {
        offsets.push(ids.len());
        let w = words[i].as_str();
        let lw = lower[i].as_str();
        let sh = short[i].as_str();
        let ii = i as isize;
        let context = if i == 0 {
            0
        } else if caps_sentence {
            1
        } else {
            2
        };
        let slot = slots[i];

        ids.extend(fixed.bias);
        ids.extend_from_slice(cache.part(slot, OWN));
        ids.extend_from_slice(cache.part(slot, IN_CONTEXT + context));
        if numeric {
            ids.extend_from_slice(cache.part(slot, NUMERIC));
        }
        ids.extend_from_slice(cache.part(slot, AFFIXES));
        for (k, (d, _)) in NEIGHBOURS.iter().enumerate() {
            let j = ii + d;
            if j < 0 {
                ids.extend(fixed.start[2 * k..2 * k + 2].iter().flatten());
            } else if j as usize >= n {
                ids.extend(fixed.end[2 * k..2 * k + 2].iter().flatten());
            } else {
                ids.extend_from_slice(cache.part(slots[j as usize], AS_NEIGHBOUR + k));
            }
        }
        // Shapes in a row, but no pairs with the word itself ("w-1w0=", "sh-1w0=", …; schema
        // 1): hashed and looked up for every token, those cost ingest time and gave 0.006 of
        // CoNLL-2003 dev micro F1 (docs/EVALUATION.md).
        let mut hashed = |parts: &[&str]| ids.extend(feature_ids.id(h.hash(parts)));
        hashed(&["sh3=", shape_at(ii - 1), "|", sh, "|", shape_at(ii + 1)]);
        hashed(&["sh-2sh-1sh0=", shape_at(ii - 2), "|", shape_at(ii - 1), "|", sh]);
        hashed(&["sh0sh+1sh+2=", sh, "|", shape_at(ii + 1), "|", shape_at(ii + 2)]);

        if starts_upper(w) {
            if evidence.seen_lowercase.contains(lw) {
                ids.extend(fixed.doc_lower[context]);
            }
            let self_counted = u32::from(context == 2 && is_title(w));
            let elsewhere = evidence.title_mid_sentence.get(lw).copied().unwrap_or(0).saturating_sub(self_counted);
            ids.extend(if elsewhere > 0 { fixed.doc_title[context] } else { fixed.doc_notitle[context] });
        }

        let capital = usize::from(!starts_upper(w));
        for &(kind, pos) in &gaz[i] {
            let g = &fixed.gazetteer[kind.index()][pos as usize];
            ids.extend(g[0]);
            ids.extend(g[1 + capital]);
        }
        if gaz[i].is_empty() {
            ids.extend(fixed.no_gazetteer[capital]);
        }
        for (d, which) in [(-1isize, 3), (1, 4)] {
            let j = ii + d;
            if j >= 0 && (j as usize) < n {
                for &(kind, pos) in &gaz[j as usize] {
                    ids.extend(fixed.gazetteer[kind.index()][pos as usize][which]);
                }
            }
        }
    }
    offsets.push(ids.len());
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
    pub(crate) fn features<Id>(
        &self,
        sent: &SentenceFeatures<Id>,
        i: usize,
        names: &MemoryFeatures,
        out: &mut Vec<u64>,
    ) {
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

    pub(crate) fn remember<Id>(&mut self, sent: &SentenceFeatures<Id>, spans: &[crate::entity::Span]) {
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
        let f = document_features(&doc, &Gazetteer::default(), &Hashes);
        assert_eq!(f.len(), 2);
        assert_eq!(f[1].offsets.len(), 4);
        assert!(f[1].offsets.windows(2).all(|w| w[1] > w[0]));
        // The headline word gains the evidence that it is written as a name elsewhere.
        let doc_title = hash_feature("doc_title|first");
        let first = &f[0].ids[f[0].offsets[0]..f[0].offsets[1]];
        assert!(first.contains(&doc_title));
    }
}
