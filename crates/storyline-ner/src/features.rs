//! Turning tokens into hashed feature ids.
//!
//! Features are strings ("w=akar", "sh-1=Xx") hashed with xxh3 to 64 bits; the model maps
//! those hashes to weight rows. Hashing keeps the saved model free of feature strings and lets
//! the tagger skip features it never saw without an interning table.

use crate::entity::{EntityKind, NUM_LABELS};
use crate::gazetteer::Gazetteer;
use crate::tagger::FeatureRows;
use rust_stemmers::{Algorithm, Stemmer};
use rustc_hash::{FxHashMap, FxHashSet};
use std::borrow::Cow;
use xxhash_rust::xxh3::xxh3_64;

/// Bumped whenever the templates below change, so that a model trained with other features is
/// refused instead of silently producing nonsense.
/// Schema 3 added the stem features of a tagger trained with a stemmer ([`stem_algorithm`]).
pub(crate) const FEATURE_SCHEMA: u32 = 3;

/// The Snowball stemmer of a language (ISO 639-1) whose tagger may take stem features.
pub(crate) fn stem_algorithm(lang: &str) -> Option<Algorithm> {
    Some(match lang {
        "de" => Algorithm::German,
        "en" => Algorithm::English,
        "es" => Algorithm::Spanish,
        "fr" => Algorithm::French,
        "it" => Algorithm::Italian,
        "nl" => Algorithm::Dutch,
        "pt" => Algorithm::Portuguese,
        "ru" => Algorithm::Russian,
        _ => return None,
    })
}

/// Maps typographic variants to the ASCII forms the CoNLL corpus uses, so that text pasted from
/// the web (curly quotes, dashes) looks like the training data.
pub(crate) fn normalize_token(tok: &str) -> Cow<'_, str> {
    if tok.is_ascii() {
        return Cow::Borrowed(tok); // every variant below is outside ASCII
    }
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
    Cow::Owned(out)
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

/// What the rest of the story says about a word: a capitalised word at the start of a sentence
/// or in an all-caps headline is ambiguous, but the same word elsewhere in the story usually is
/// not. Words are named by the interned ids of their lowercase forms.
struct DocumentEvidence {
    seen_lowercase: FxHashSet<u32>,
    title_mid_sentence: FxHashMap<u32, u32>,
}

impl DocumentEvidence {
    fn new<Id>(sentences: &[Vec<usize>], caps: &[bool], cache: &WordCache<Id>) -> Self {
        let mut seen_lowercase = FxHashSet::default();
        let mut title_mid_sentence = FxHashMap::default();
        for (s, sentence) in sentences.iter().enumerate() {
            for (i, &slot) in sentence.iter().enumerate() {
                let word = &cache.words[slot];
                if word.traits.starts_lower {
                    // Only a word all in lowercase can be another word's lowercase form.
                    if word.traits.lowercase {
                        seen_lowercase.insert(word.lower);
                    }
                } else if i > 0 && !caps[s] && word.traits.title {
                    *title_mid_sentence.entry(word.lower).or_insert(0) += 1;
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
    /// Whether the ids name weight rows (a trained tagger): then each word's cache also keeps
    /// the summed rows of the features a token takes from its own word.
    const WEIGHTED: bool;
    fn id(&self, hash: u64) -> Option<Self::Id>;
    /// The stemmer whose stems are features, if any.
    fn stems(&self) -> Option<Algorithm>;
    /// The weight of each label for feature `id`; only asked of [`FeatureIds::WEIGHTED`] ids.
    fn row(&self, id: Self::Id) -> &LabelScores;
    /// Runs `f` with this thread's cache of word features for these ids.
    fn with_word_cache<R>(&self, f: impl FnOnce(&mut WordCache<Self::Id>) -> R) -> R;
}

/// Feature ids that are the hashes themselves, as training needs them.
pub(crate) struct Hashes {
    pub stems: Option<Algorithm>,
}

impl FeatureIds for Hashes {
    type Id = u64;
    const WEIGHTED: bool = false;
    fn id(&self, hash: u64) -> Option<u64> {
        Some(hash)
    }
    fn stems(&self) -> Option<Algorithm> {
        self.stems
    }
    fn row(&self, _: u64) -> &LabelScores {
        unreachable!("feature hashes have no weights")
    }
    fn with_word_cache<R>(&self, f: impl FnOnce(&mut WordCache<u64>) -> R) -> R {
        thread_local! {
            static CACHE: std::cell::RefCell<Option<WordCache<u64>>> = const { std::cell::RefCell::new(None) };
        }
        CACHE.with_borrow_mut(|cache| {
            if cache.as_ref().is_none_or(|c| c.is_full() || c.stems != self.stems) {
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
    /// `NUM_LABELS` weights per row.
    pub emit: &'a [f32],
    pub owner: u64,
    pub stems: Option<Algorithm>,
}

impl FeatureIds for Rows<'_> {
    type Id = u32;
    const WEIGHTED: bool = true;
    fn id(&self, hash: u64) -> Option<u32> {
        self.rows.get(&hash).copied()
    }
    fn stems(&self) -> Option<Algorithm> {
        self.stems
    }
    fn row(&self, id: u32) -> &LabelScores {
        &self.emit.as_chunks().0[id as usize]
    }
    fn with_word_cache<R>(&self, f: impl FnOnce(&mut WordCache<u32>) -> R) -> R {
        // One cache per tagger, the most recently used first: ingest tags articles in several
        // languages on each thread, and starting a language's cache over at every switch
        // would lose most of what it saves.
        thread_local! {
            static CACHES: std::cell::RefCell<Vec<(u64, WordCache<u32>)>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        CACHES.with_borrow_mut(|caches| {
            match caches.iter().position(|(owner, _)| *owner == self.owner) {
                Some(0) => {}
                Some(i) => {
                    let found = caches.remove(i);
                    caches.insert(0, found);
                }
                None => {
                    caches.truncate(TAGGERS_CACHED - 1);
                    caches.insert(0, (self.owner, WordCache::new(self)));
                }
            }
            if caches[0].1.is_full() {
                caches[0].1 = WordCache::new(self);
            }
            f(&mut caches[0].1)
        })
    }
}

// The parts of a word's cached features, in the order a token lists them.
/// `w=`, `W=`, `sh=`, `SH=`, and with a stemmer `st=` and `end=`.
const OWN: usize = 0;
/// `ctx=` and `ctxw=` in each of [`CONTEXTS`]: parts 1 to 3.
const IN_CONTEXT: usize = 1;
/// `numsent|` and `numsentw|`, listed only in sentences made mostly of numbers.
const NUMERIC: usize = 4;
/// `p1=`, `s1=`, … `p4=`, `s4=` (as many as the word has letters), then `len=`.
const AFFIXES: usize = 5;
/// The word seen from the token at each of [`NEIGHBOURS`] (its stem too, with a stemmer): parts
/// 6 to 9.
const AS_NEIGHBOUR: usize = 6;
const PARTS: usize = 10;

/// What the features ask of a word's letters, answered once per word.
#[derive(Debug, Clone, Copy)]
struct WordTraits {
    starts_upper: bool,
    starts_lower: bool,
    /// Starts with a capital and has a lowercase letter.
    title: bool,
    alphabetic: bool,
    /// Has letters, none of them lowercase.
    all_upper: bool,
    /// Has a digit and no letter.
    numberish: bool,
    /// Is its own lowercase form.
    lowercase: bool,
}

impl WordTraits {
    fn of(w: &str, lower: &str) -> Self {
        let first = w.chars().next();
        let alphabetic = w.chars().any(char::is_alphabetic);
        let has_lowercase = w.chars().any(char::is_lowercase);
        WordTraits {
            starts_upper: first.is_some_and(char::is_uppercase),
            starts_lower: first.is_some_and(char::is_lowercase),
            title: first.is_some_and(char::is_uppercase) && has_lowercase,
            alphabetic,
            all_upper: alphabetic && !has_lowercase,
            numberish: w.chars().any(|c| c.is_ascii_digit()) && !alphabetic,
            lowercase: w == lower,
        }
    }
}

/// One cached word: its traits, the interned ids of its lowercase form and short shape, and
/// where its features lie: training's ids of part `p` end at `ids[start + ends[p]]`; tagging's
/// own sums are `own_sums[slot]`.
#[derive(Debug, Clone, Copy)]
struct CachedWord {
    start: u32,
    ends: [u8; PARTS],
    lower: u32,
    shape: u32,
    traits: WordTraits,
    /// The tagger's [`Gazetteer::head`] of the lowercase form (tagging only: training's
    /// gazetteers differ from story to story).
    gazetteer_head: u8,
}

/// Strings numbered in the order first met.
#[derive(Default)]
struct Interned {
    ids: FxHashMap<String, u32>,
    names: Vec<String>,
}

impl Interned {
    fn id(&mut self, name: String) -> u32 {
        let Interned { ids, names } = self;
        *ids.entry(name).or_insert_with_key(|name| {
            names.push(name.clone());
            names.len() as u32 - 1
        })
    }
}

/// Taggers whose word caches a thread keeps at once (one per language met).
const TAGGERS_CACHED: usize = 12;
/// Words whose features a thread keeps before it starts over.
const WORDS_CACHED: usize = 30_000;
/// Shape trigrams whose feature ids a thread keeps before it starts over.
const TRIGRAMS_CACHED: usize = 200_000;
/// The interned shapes of the places before a sentence's start and after its end.
const SHAPE_BEFORE: u32 = 0;
const SHAPE_AFTER: u32 = 1;

/// Every feature that depends on one word alone, per word. Hashing ~50 feature strings per
/// token was most of the tagger's time, and most words of a story were met before, so each
/// thread keeps these per word, and a token only gathers its own and its neighbours'. A tagger
/// also keeps, per word and context, the sum of the weight rows of the features a token takes
/// from its own word (some thirty): one row to add instead. Its neighbours' features stay ids
/// (two per neighbour), whose rows are few and stay in the processor's cache, where summed rows
/// for every part of every word would not. The shape trigrams around a token take their ids
/// from a cache of their own, since few shapes make many trigrams.
pub(crate) struct WordCache<Id> {
    slots: FxHashMap<String, u32>,
    words: Vec<CachedWord>,
    ids: Vec<Id>,
    own_sums: Vec<[LabelScores; CONTEXTS.len()]>,
    lowers: Interned,
    shapes: Interned,
    /// By template and shapes, packed in one number: a cheaper key than the tuple.
    trigrams: FxHashMap<u128, Option<Id>>,
    fixed: Fixed<Option<Id>>,
    stems: Option<Algorithm>,
    stemmer: Option<Stemmer>,
}

impl<Id: Copy> WordCache<Id> {
    fn new(ids: &impl FeatureIds<Id = Id>) -> Self {
        let mut shapes = Interned::default();
        let before = shapes.id("<s>".to_string());
        let after = shapes.id("</s>".to_string());
        debug_assert_eq!((before, after), (SHAPE_BEFORE, SHAPE_AFTER));
        WordCache {
            slots: FxHashMap::default(),
            words: Vec::new(),
            ids: Vec::new(),
            own_sums: Vec::new(),
            lowers: Interned::default(),
            shapes,
            trigrams: FxHashMap::default(),
            fixed: fixed_hashes().resolve(ids),
            stems: ids.stems(),
            stemmer: ids.stems().map(Stemmer::create),
        }
    }

    fn is_full(&self) -> bool {
        self.words.len() >= WORDS_CACHED || self.trigrams.len() >= TRIGRAMS_CACHED
    }

    /// The ids of one part of a word's features.
    fn part(&self, slot: usize, part: usize) -> &[Id] {
        let word = &self.words[slot];
        let from = if part == 0 { 0 } else { word.ends[part - 1] as usize };
        &self.ids[word.start as usize + from..word.start as usize + word.ends[part] as usize]
    }

    /// A tagger's summed rows of a word's [`OWN`], [`IN_CONTEXT`] + `context` and [`AFFIXES`] parts.
    fn own_sum(&self, slot: usize, context: usize) -> &LabelScores {
        &self.own_sums[slot][context]
    }

    fn slot<I: FeatureIds<Id = Id>>(
        &mut self,
        ids: &I,
        gazetteer: &Gazetteer,
        h: &mut FeatureHasher,
        w: &str,
    ) -> usize {
        if let Some(&slot) = self.slots.get(w) {
            return slot as usize;
        }
        let lw = w.to_lowercase();
        let sh = short_shape(w);
        let stem = self.stemmer.as_ref().map(|s| s.stem(&lw));
        let (hashes, hash_ends) = word_feature_hashes(h, w, &lw, &sh, stem.as_deref());
        let start = self.ids.len();
        let mut ends = [0u8; PARTS];
        let mut from = 0;
        for (part, &to) in hash_ends.iter().enumerate() {
            self.ids.extend(hashes[from..to].iter().filter_map(|&x| ids.id(x)));
            ends[part] = (self.ids.len() - start) as u8;
            from = to;
        }
        self.words.push(CachedWord {
            start: start as u32,
            ends,
            traits: WordTraits::of(w, &lw),
            gazetteer_head: if I::WEIGHTED { gazetteer.head(&lw) } else { 0 },
            lower: self.lowers.id(lw),
            shape: self.shapes.id(sh),
        });
        let slot = self.words.len() - 1;
        if I::WEIGHTED {
            let own_sum = |context: usize| {
                let mut sum = [0.0; NUM_LABELS];
                for &id in [OWN, IN_CONTEXT + context, AFFIXES].iter().flat_map(|&p| self.part(slot, p)) {
                    add_row(&mut sum, ids.row(id));
                }
                sum
            };
            let sums = std::array::from_fn(own_sum);
            self.own_sums.push(sums);
        }
        self.slots.insert(w.to_string(), slot as u32);
        slot
    }

    /// The id of a shape trigram feature: `template` indexes [`SHAPE_TRIGRAMS`].
    fn trigram(
        &mut self,
        ids: &impl FeatureIds<Id = Id>,
        h: &mut FeatureHasher,
        template: u8,
        shapes: [u32; 3],
    ) -> Option<Id> {
        let names = &self.shapes.names;
        let [a, b, c] = shapes.map(u128::from);
        let key = u128::from(template) << 96 | a << 64 | b << 32 | c;
        *self.trigrams.entry(key).or_insert_with(|| {
            let [a, b, c] = shapes.map(|s| names[s as usize].as_str());
            ids.id(h.hash(&[SHAPE_TRIGRAMS[template as usize], a, "|", b, "|", c]))
        })
    }
}

/// A score for each label.
pub(crate) type LabelScores = [f32; NUM_LABELS];

#[inline]
fn add_row(sum: &mut LabelScores, row: &LabelScores) {
    for (s, w) in sum.iter_mut().zip(row) {
        *s += w;
    }
}

/// The hashes of every feature of one word alone, and where each of the [`PARTS`] ends.
fn word_feature_hashes(
    h: &mut FeatureHasher,
    w: &str,
    lw: &str,
    sh: &str,
    stem: Option<&str>,
) -> (Vec<u64>, [usize; PARTS]) {
    let mut hashes = Vec::with_capacity(48);
    let mut ends = [0; PARTS];
    let mut part = 0;
    let mut end_part = |hashes: &Vec<u64>| {
        ends[part] = hashes.len();
        part += 1;
    };
    hashes.extend([h.hash(&["w=", lw]), h.hash(&["W=", w]), h.hash(&["sh=", sh]), h.hash(&["SH=", &long_shape(w)])]);
    if let Some(stem) = stem {
        // An inflected name shares its stem with its other forms (Москвы, Москве: москв), and
        // what the stemmer took off is the inflection (Snowball only strips suffixes).
        let ending = lw.strip_prefix(stem).unwrap_or("?");
        hashes.extend([h.hash(&["st=", stem]), h.hash(&["end=", ending])]);
    }
    end_part(&hashes);
    for c in CONTEXTS {
        hashes.extend([h.hash(&["ctx=", c, "|", sh]), h.hash(&["ctxw=", c, "|", lw])]);
        end_part(&hashes);
    }
    hashes.extend([h.hash(&["numsent|", sh]), h.hash(&["numsentw|", lw])]);
    end_part(&hashes);
    // The first and last one to four letters of the lowercased word, then its length.
    let boundaries: Vec<usize> = lw.char_indices().map(|(at, _)| at).chain([lw.len()]).collect();
    let letters = boundaries.len() - 1;
    for k in 1..=4.min(letters) {
        let digit = ["", "1", "2", "3", "4"][k];
        hashes.push(h.hash(&["p", digit, "=", &lw[..boundaries[k]]]));
        hashes.push(h.hash(&["s", digit, "=", &lw[boundaries[letters - k]..]]));
    }
    let len_bucket = match letters {
        0..=4 => ["1", "1", "2", "3", "4"][letters],
        5..=7 => "5-7",
        _ => "8+",
    };
    hashes.push(h.hash(&["len=", len_bucket]));
    end_part(&hashes);
    let seen = as_neighbour(h, lw, sh);
    for (k, (_, ds)) in NEIGHBOURS.iter().enumerate() {
        hashes.extend_from_slice(&seen[2 * k..2 * k + 2]);
        if let Some(stem) = stem {
            hashes.push(h.hash(&["st", ds, "=", stem]));
        }
        end_part(&hashes);
    }
    debug_assert_eq!(part, PARTS);
    (hashes, ends)
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

/// The words of one sentence as the story memory knows them.
#[derive(Debug, Clone, Default)]
pub(crate) struct SentenceWords {
    /// The interned lowercase form of each token: the key for remembering earlier decisions in
    /// the story (the ids hold within one story).
    pub lower: Vec<u32>,
    /// Whether each token starts with a capital, i.e. could be a name worth remembering.
    pub capitalized: Vec<bool>,
}

/// The features of one sentence, gathered in `tokens`.
#[derive(Debug, Clone, Default)]
pub(crate) struct SentenceFeatures<T> {
    pub tokens: T,
    pub words: SentenceWords,
}

/// Where the features of a sentence's tokens go, token by token: their ids (training), or the
/// sums of their weight rows, the emission scores (tagging).
pub(crate) trait TokenSink<Id: Copy> {
    fn next_token(&mut self);
    fn features(&mut self, ids: impl IntoIterator<Item = Id>);
    fn word_part(&mut self, cache: &WordCache<Id>, slot: usize, part: usize) {
        self.features(cache.part(slot, part).iter().copied());
    }
    /// The features a token takes from its own word, in `context`.
    fn own_features(&mut self, cache: &WordCache<Id>, slot: usize, context: usize, numeric: bool) {
        self.word_part(cache, slot, OWN);
        self.word_part(cache, slot, IN_CONTEXT + context);
        if numeric {
            self.word_part(cache, slot, NUMERIC);
        }
        self.word_part(cache, slot, AFFIXES);
    }
    fn finish(&mut self) {}
}

/// A sentence's feature ids: `ids[offsets[i]..offsets[i + 1]]` belong to token `i`.
#[derive(Debug, Clone, Default)]
pub(crate) struct TokenIds<Id> {
    pub ids: Vec<Id>,
    pub offsets: Vec<usize>,
}

impl<Id: Copy> TokenSink<Id> for TokenIds<Id> {
    fn next_token(&mut self) {
        self.offsets.push(self.ids.len());
    }
    fn features(&mut self, ids: impl IntoIterator<Item = Id>) {
        self.ids.extend(ids);
    }
    fn finish(&mut self) {
        self.offsets.push(self.ids.len());
    }
}

/// A sentence's emission scores, a row per token, summed from a tagger's weight rows.
pub(crate) struct Emissions<'a, I> {
    weights: &'a I,
    pub scores: Vec<LabelScores>,
}

impl<'a, I> Emissions<'a, I> {
    pub(crate) fn new(weights: &'a I) -> Self {
        Emissions { weights, scores: Vec::new() }
    }
}

impl<I: FeatureIds> Emissions<'_, I> {
    /// Adds feature `id`'s row to token `i`'s scores.
    pub(crate) fn add(&mut self, i: usize, id: I::Id) {
        add_row(&mut self.scores[i], self.weights.row(id));
    }

    fn last(&mut self) -> &mut LabelScores {
        self.scores.last_mut().expect("a token was started")
    }
}

impl<I: FeatureIds> TokenSink<I::Id> for Emissions<'_, I> {
    fn next_token(&mut self) {
        self.scores.push([0.0; NUM_LABELS]);
    }
    fn features(&mut self, ids: impl IntoIterator<Item = I::Id>) {
        for id in ids {
            let row = self.weights.row(id);
            add_row(self.last(), row);
        }
    }
    fn own_features(&mut self, cache: &WordCache<I::Id>, slot: usize, context: usize, numeric: bool) {
        add_row(self.last(), cache.own_sum(slot, context));
        if numeric {
            self.word_part(cache, slot, NUMERIC);
        }
    }
}

const POS_NAMES: [&str; 4] = ["B", "I", "L", "U"];

/// The shape trigram templates: the token in the middle, at the end, at the start.
const SHAPE_TRIGRAMS: [&str; 3] = ["sh3=", "sh-2sh-1sh0=", "sh0sh+1sh+2="];

/// Extracts the static features (everything that does not depend on the tagger's own earlier
/// decisions) for every sentence of one story, as `ids` names them, into sinks `new_sink` makes.
pub(crate) fn document_features<S: AsRef<str>, I: FeatureIds, K: TokenSink<I::Id>>(
    sentences: &[Vec<S>],
    gazetteer: &Gazetteer,
    ids: &I,
    new_sink: impl Fn() -> K,
) -> Vec<SentenceFeatures<K>> {
    ids.with_word_cache(|cache| {
        let h = &mut FeatureHasher::default();
        let slots: Vec<Vec<usize>> = sentences
            .iter()
            .map(|s| s.iter().map(|t| cache.slot(ids, gazetteer, h, &normalize_token(t.as_ref()))).collect())
            .collect();
        // Headlines in all caps carry no capitalisation signal; the model needs to know that.
        let caps: Vec<bool> = slots
            .iter()
            .map(|s| {
                let alpha = s.iter().map(|&slot| cache.words[slot].traits).filter(|t| t.alphabetic);
                let (letters, upper) = alpha.fold((0, 0), |(a, u), t| (a + 1, u + usize::from(t.all_upper)));
                letters >= 2 && letters == upper
            })
            .collect();
        let evidence = DocumentEvidence::new(&slots, &caps, cache);
        slots
            .iter()
            .zip(&caps)
            .map(|(s, &c)| sentence_features(s, c, &evidence, gazetteer, ids, cache, h, new_sink()))
            .collect()
    })
}

#[allow(clippy::too_many_arguments)]
fn sentence_features<I: FeatureIds, K: TokenSink<I::Id>>(
    slots: &[usize],
    caps_sentence: bool,
    evidence: &DocumentEvidence,
    gazetteer: &Gazetteer,
    feature_ids: &I,
    cache: &mut WordCache<I::Id>,
    h: &mut FeatureHasher,
    mut sink: K,
) -> SentenceFeatures<K> {
    let n = slots.len();
    let words: Vec<CachedWord> = slots.iter().map(|&slot| cache.words[slot]).collect();
    let lower: Vec<&str> = words.iter().map(|w| cache.lowers.names[w.lower as usize].as_str()).collect();
    let gaz = if I::WEIGHTED {
        gazetteer.matches_with(&lower, |i| words[i].gazetteer_head)
    } else {
        gazetteer.matches(&lower)
    };
    let numeric = words.iter().filter(|w| w.traits.numberish).count() * 3 >= n.max(1);
    let shape_at = |j: isize| -> u32 {
        if j < 0 {
            SHAPE_BEFORE
        } else if j as usize >= n {
            SHAPE_AFTER
        } else {
            words[j as usize].shape
        }
    };
    // Shapes in a row, but no pairs with the word itself ("w-1w0=", "sh-1w0=", …; schema 1):
    // looked up for every token, those cost ingest time and gave 0.006 of CoNLL-2003 dev micro
    // F1 (docs/EVALUATION.md).
    let trigrams: Vec<[Option<I::Id>; 3]> = (0..n as isize)
        .map(|i| {
            let mut trigram = |template, shapes| cache.trigram(feature_ids, h, template, shapes);
            [
                trigram(0, [shape_at(i - 1), shape_at(i), shape_at(i + 1)]),
                trigram(1, [shape_at(i - 2), shape_at(i - 1), shape_at(i)]),
                trigram(2, [shape_at(i), shape_at(i + 1), shape_at(i + 2)]),
            ]
        })
        .collect();

    let fixed = &cache.fixed;
    for i in 0..n {
        sink.next_token();
        let (slot, word) = (slots[i], &words[i]);
        let ii = i as isize;
        let context = if i == 0 {
            0
        } else if caps_sentence {
            1
        } else {
            2
        };

        sink.features(fixed.bias);
        sink.own_features(cache, slot, context, numeric);
        for (k, (d, _)) in NEIGHBOURS.iter().enumerate() {
            let j = ii + d;
            if j < 0 {
                sink.features(fixed.start[2 * k..2 * k + 2].iter().flatten().copied());
            } else if j as usize >= n {
                sink.features(fixed.end[2 * k..2 * k + 2].iter().flatten().copied());
            } else {
                sink.word_part(cache, slots[j as usize], AS_NEIGHBOUR + k);
            }
        }
        sink.features(trigrams[i].iter().flatten().copied());

        if word.traits.starts_upper {
            if evidence.seen_lowercase.contains(&word.lower) {
                sink.features(fixed.doc_lower[context]);
            }
            let self_counted = u32::from(context == 2 && word.traits.title);
            let elsewhere =
                evidence.title_mid_sentence.get(&word.lower).copied().unwrap_or(0).saturating_sub(self_counted);
            sink.features(if elsewhere > 0 { fixed.doc_title[context] } else { fixed.doc_notitle[context] });
        }

        let capital = usize::from(!word.traits.starts_upper);
        for &(kind, pos) in gaz.of(i) {
            let g = &fixed.gazetteer[kind.index()][pos as usize];
            sink.features(g[0]);
            sink.features(g[1 + capital]);
        }
        if gaz.of(i).is_empty() {
            sink.features(fixed.no_gazetteer[capital]);
        }
        for (d, which) in [(-1isize, 3), (1, 4)] {
            let j = ii + d;
            if j >= 0 && (j as usize) < n {
                for &(kind, pos) in gaz.of(j as usize) {
                    sink.features(fixed.gazetteer[kind.index()][pos as usize][which]);
                }
            }
        }
    }
    sink.finish();
    let words = SentenceWords {
        lower: words.iter().map(|w| w.lower).collect(),
        capitalized: words.iter().map(|w| w.traits.starts_upper).collect(),
    };
    SentenceFeatures { tokens: sink, words }
}

/// Features that depend on the tagger's decisions earlier in the same story: the kinds this
/// word was already tagged as. Only capitalised words consult or feed the memory, since names
/// are what recur.
#[derive(Debug, Default)]
pub(crate) struct StoryMemory {
    kinds: FxHashMap<u32, [u32; 4]>,
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
    pub(crate) fn features(&self, sent: &SentenceWords, i: usize, names: &MemoryFeatures, out: &mut Vec<u64>) {
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

    pub(crate) fn remember(&mut self, sent: &SentenceWords, spans: &[crate::entity::Span]) {
        for s in spans {
            for i in s.start..s.end.min(sent.lower.len()) {
                if sent.capitalized[i] {
                    self.kinds.entry(sent.lower[i]).or_insert([0; 4])[s.kind.index()] += 1;
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
        // Cased scripts other than Latin take the same shapes.
        assert_eq!(long_shape("Москвы"), "Xxxxx");
        assert_eq!(short_shape("Санкт-Петербург"), "Xx-Xx");
        assert_eq!(short_shape("МПЛА"), "X");
    }

    #[test]
    fn inflected_forms_share_their_stem_feature() {
        let stems = Some(Algorithm::Russian);
        let ids = |word: &str| {
            let doc = vec![vec![word.to_string()]];
            let f = document_features(&doc, &Gazetteer::default(), &Hashes { stems }, TokenIds::default);
            f[0].tokens.ids.clone()
        };
        let stem = hash_feature("st=москв");
        assert!(ids("Москвы").contains(&stem) && ids("Москве").contains(&stem));
        assert!(ids("Москве").contains(&hash_feature("end=е")));
        // Without a stemmer, no stem features.
        let doc = vec![vec!["Москвы".to_string()]];
        let plain = document_features(&doc, &Gazetteer::default(), &Hashes { stems: None }, TokenIds::default);
        assert!(!plain[0].tokens.ids.contains(&stem));
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
        let f = document_features(&doc, &Gazetteer::default(), &Hashes { stems: None }, TokenIds::default);
        assert_eq!(f.len(), 2);
        let tokens = &f[1].tokens;
        assert_eq!(tokens.offsets.len(), 4);
        assert!(tokens.offsets.windows(2).all(|w| w[1] > w[0]));
        // The headline word gains the evidence that it is written as a name elsewhere.
        let doc_title = hash_feature("doc_title|first");
        let first = &f[0].tokens.ids[f[0].tokens.offsets[0]..f[0].tokens.offsets[1]];
        assert!(first.contains(&doc_title));
    }
}
