//! The tagger: training, and tagging stories given as token lists or as raw text.

use crate::conll::Document;
use crate::entity::NUM_LABELS;
use crate::entity::{labels_to_spans, spans_to_labels, EntityKind, Span};
use crate::features::{
    document_features, stem_algorithm, Emissions, Hashes, MemoryFeatures, Rows, SentenceFeatures, SentenceWords,
    StoryMemory, TokenIds,
};
use crate::gazetteer::Gazetteer;
use crate::perceptron::{constrained_transitions, emission_scores, viterbi, Trainer, TRANSITION_ROWS};
use crate::tokenize::tokenize_sentences;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::time::Instant;

/// Feature keys are already xxh3 hashes, so hashing them again would only cost time.
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ b as u64;
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) type FeatureRows = HashMap<u64, u32, BuildHasherDefault<PassThrough>>;

/// How to train. The defaults are what the shipped model uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrainConfig {
    /// Passes over the training stories.
    pub epochs: usize,
    /// Seed for the order in which stories are visited; same seed, same model.
    pub seed: u64,
    /// Features seen fewer times than this in training are dropped.
    pub min_feature_count: u32,
    /// The name lists used while training are built from the other folds of the training data
    /// (jackknifing), so that the model learns how much a list match is worth on names it has
    /// not seen, as will be the case at run time. 0 or 1 disables that.
    pub gazetteer_folds: usize,
    /// The language (ISO 639-1) whose Snowball stems of each word and its neighbours are
    /// features too; `None`: no stem features. The model keeps it.
    pub stems: Option<String>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig { epochs: 12, seed: 2003, min_feature_count: 1, gazetteer_folds: 5, stems: None }
    }
}

/// What happened in one training epoch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EpochProgress {
    pub epoch: usize,
    /// Sentences the tagger got wrong (before updating) during the epoch.
    pub sentence_errors: usize,
    /// Tokens whose label was wrong (before updating) during the epoch.
    pub token_errors: usize,
    pub tokens: usize,
    pub seconds: f64,
}

/// A named entity found in raw text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mention {
    /// The text exactly as it appears in the input, `&input[byte_start..byte_end]`.
    pub text: String,
    pub kind: EntityKind,
    pub byte_start: usize,
    pub byte_end: usize,
}

/// A trained named-entity tagger.
#[derive(Debug, Clone)]
pub struct Tagger {
    pub(crate) rows: FeatureRows,
    /// `rows.len() * NUM_LABELS` averaged emission weights.
    pub(crate) emit: Vec<f32>,
    /// `TRANSITION_ROWS * NUM_LABELS` averaged transition weights (unconstrained).
    pub(crate) trans: Vec<f32>,
    pub(crate) gazetteer: Gazetteer,
    /// What the model was trained on and under which terms, as its file states it.
    pub(crate) about: String,
    /// The language whose stems are features ([`TrainConfig::stems`]).
    pub(crate) stems: Option<String>,
    /// Tells this tagger's rows apart from other taggers' in the per-thread word caches.
    owner: u64,
}

struct TrainingSentence {
    rows: Vec<u32>,
    offsets: Vec<usize>,
    gold: Vec<u8>,
    words: SentenceWords,
}

/// SplitMix64: a tiny, well-mixed generator so the visiting order never depends on a crate
/// version.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

fn gazetteer_from<'a>(docs: impl Iterator<Item = &'a Document>) -> Gazetteer {
    let mut g = Gazetteer::default();
    for d in docs {
        for s in &d.sentences {
            for e in &s.entities {
                if e.end <= s.tokens.len() {
                    g.insert(&s.tokens[e.start..e.end], e.kind);
                }
            }
        }
    }
    g
}

impl Tagger {
    pub(crate) fn new(rows: FeatureRows, emit: Vec<f32>, trans: Vec<f32>, gazetteer: Gazetteer) -> Tagger {
        static TAGGERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let owner = TAGGERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Tagger { rows, emit, trans, gazetteer, about: String::new(), stems: None, owner }
    }

    /// The same model, with the stem features of `lang` (as it was trained).
    pub(crate) fn with_stems(mut self, lang: Option<String>) -> Tagger {
        self.stems = lang;
        self
    }

    /// The language whose stems the model takes as features, if any.
    pub fn stems(&self) -> Option<&str> {
        self.stems.as_deref()
    }

    fn weights(&self) -> Rows<'_> {
        let stems = self.stems.as_deref().and_then(stem_algorithm);
        Rows { rows: &self.rows, emit: &self.emit, owner: self.owner, stems }
    }

    /// The same model, described by `about` (training data and its terms; saved with it).
    pub fn with_about(mut self, about: impl Into<String>) -> Tagger {
        self.about = about.into();
        self
    }

    /// What the model was trained on and under which terms ("" for models saved without).
    pub fn about(&self) -> &str {
        &self.about
    }

    /// Trains a tagger on gold stories.
    pub fn train(docs: &[Document], config: &TrainConfig) -> Tagger {
        Tagger::train_with_progress(docs, config, |_, _| {})
    }

    /// Trains, calling `on_epoch` after every epoch with the progress and the model as it stands
    /// (averaged weights), e.g. to score a development set.
    pub fn train_with_progress(
        docs: &[Document],
        config: &TrainConfig,
        mut on_epoch: impl FnMut(&EpochProgress, &Tagger),
    ) -> Tagger {
        // A language without a Snowball stemmer takes no stem features, and its model says so.
        let stem_lang = config.stems.clone().filter(|l| stem_algorithm(l).is_some());
        let stems = stem_lang.as_deref().and_then(stem_algorithm);
        let full_gazetteer = gazetteer_from(docs.iter());
        let folds = config.gazetteer_folds;
        let fold_gazetteers: Vec<Gazetteer> = if folds > 1 {
            (0..folds)
                .into_par_iter()
                .map(|f| gazetteer_from(docs.iter().enumerate().filter(|(i, _)| i % folds != f).map(|(_, d)| d)))
                .collect()
        } else {
            Vec::new()
        };

        let hashed: Vec<Vec<SentenceFeatures<TokenIds<u64>>>> = docs
            .par_iter()
            .enumerate()
            .map(|(i, d)| {
                let gaz = if folds > 1 { &fold_gazetteers[i % folds] } else { &full_gazetteer };
                document_features(&d.token_lists(), gaz, &Hashes { stems }, TokenIds::default)
            })
            .collect();
        drop(fold_gazetteers);

        // Rows in first-seen order, keeping only features seen often enough.
        let mut counts: HashMap<u64, u32, BuildHasherDefault<PassThrough>> = HashMap::default();
        for sent in hashed.iter().flatten() {
            for &h in &sent.tokens.ids {
                *counts.entry(h).or_insert(0) += 1;
            }
        }
        let memory_names = MemoryFeatures::new();
        let mut rows: FeatureRows = HashMap::default();
        for h in memory_names.all() {
            let next = rows.len() as u32;
            rows.entry(h).or_insert(next);
        }
        for sent in hashed.iter().flatten() {
            for &h in &sent.tokens.ids {
                if counts.get(&h).copied().unwrap_or(0) >= config.min_feature_count {
                    let next = rows.len() as u32;
                    rows.entry(h).or_insert(next);
                }
            }
        }
        drop(counts);

        let stories: Vec<Vec<TrainingSentence>> = hashed
            .into_iter()
            .zip(docs)
            .map(|(sents, doc)| {
                sents
                    .into_iter()
                    .zip(&doc.sentences)
                    .map(|(f, s)| {
                        let hashed = f.tokens;
                        let mut ids = Vec::with_capacity(hashed.ids.len());
                        let mut offsets = Vec::with_capacity(hashed.offsets.len());
                        for w in hashed.offsets.windows(2) {
                            offsets.push(ids.len());
                            ids.extend(hashed.ids[w[0]..w[1]].iter().filter_map(|h| rows.get(h).copied()));
                        }
                        offsets.push(ids.len());
                        TrainingSentence {
                            rows: ids,
                            offsets,
                            gold: spans_to_labels(s.tokens.len(), &s.entities),
                            words: f.words,
                        }
                    })
                    .collect()
            })
            .collect();

        let mut trainer = Trainer::new(rows.len());
        let mut order: Vec<usize> = (0..stories.len()).collect();
        let mut rng = SplitMix(config.seed);
        let mut memory = StoryMemory::default();
        let (mut buf_rows, mut buf_offsets, mut scores, mut predicted) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut extra = Vec::new();
        for epoch in 1..=config.epochs {
            let started = Instant::now();
            rng.shuffle(&mut order);
            let mut progress = EpochProgress { epoch, sentence_errors: 0, token_errors: 0, tokens: 0, seconds: 0.0 };
            for &d in &order {
                memory.clear();
                for sent in &stories[d] {
                    add_memory_rows(sent, &memory, &memory_names, &rows, &mut extra, &mut buf_rows, &mut buf_offsets);
                    emission_scores(&trainer.emit, &buf_rows, &buf_offsets, &mut scores);
                    let transitions = constrained_transitions(&trainer.trans);
                    viterbi(&scores, &transitions, &mut predicted);
                    let wrong = predicted.iter().zip(&sent.gold).filter(|(p, g)| p != g).count();
                    progress.tokens += sent.gold.len();
                    if wrong > 0 {
                        progress.sentence_errors += 1;
                        progress.token_errors += wrong;
                        trainer.update(&buf_rows, &buf_offsets, &sent.gold, &predicted);
                    }
                    trainer.tick();
                    // Remember what the tagger itself said, as it will have to at run time.
                    memory.remember(&sent.words, &labels_to_spans(&predicted));
                }
            }
            progress.seconds = started.elapsed().as_secs_f64();
            let (emit, trans) = trainer.averaged();
            let snapshot = Tagger::new(rows.clone(), emit, trans, full_gazetteer.clone()).with_stems(stem_lang.clone());
            on_epoch(&progress, &snapshot);
            if epoch == config.epochs {
                return snapshot.pruned();
            }
        }
        let (emit, trans) = trainer.averaged();
        Tagger::new(rows, emit, trans, full_gazetteer).with_stems(stem_lang.clone()).pruned()
    }

    /// Drops features whose averaged weights are all zero: they cannot change a decision.
    fn pruned(self) -> Tagger {
        let mut by_row: Vec<(u32, u64)> = self.rows.iter().map(|(&h, &r)| (r, h)).collect();
        by_row.sort_unstable();
        let mut rows: FeatureRows = HashMap::default();
        let mut emit = Vec::new();
        for (r, h) in by_row {
            let w = &self.emit[r as usize * NUM_LABELS..(r as usize + 1) * NUM_LABELS];
            if w.iter().any(|&x| x != 0.0) {
                rows.insert(h, rows.len() as u32);
                emit.extend_from_slice(w);
            }
        }
        Tagger::new(rows, emit, self.trans, self.gazetteer).with_about(self.about).with_stems(self.stems)
    }

    /// Number of features with weights, a measure of model size.
    pub fn feature_count(&self) -> usize {
        self.rows.len()
    }

    /// Tags the tokenised sentences of one story. Sentences are tagged in order and later ones
    /// see what was decided for earlier ones, so pass a whole story at once.
    pub fn tag_document<S: AsRef<str>>(&self, sentences: &[Vec<S>]) -> Vec<Vec<Span>> {
        let weights = self.weights();
        let features = document_features(sentences, &self.gazetteer, &weights, || Emissions::new(&weights));
        let memory_names = MemoryFeatures::new();
        let mut memory = StoryMemory::default();
        let transitions = constrained_transitions(&self.trans);
        let (mut labels, mut extra) = (Vec::new(), Vec::new());
        let mut out = Vec::with_capacity(features.len());
        for SentenceFeatures { tokens: mut emissions, words } in features {
            for i in 0..words.lower.len() {
                extra.clear();
                memory.features(&words, i, &memory_names, &mut extra);
                for row in extra.iter().filter_map(|h| self.rows.get(h)) {
                    emissions.add(i, *row);
                }
            }
            viterbi(emissions.scores.as_flattened(), &transitions, &mut labels);
            let spans = labels_to_spans(&labels);
            memory.remember(&words, &spans);
            out.push(spans);
        }
        out
    }

    /// Finds the entities in raw news text (one story), splitting it into sentences and tokens
    /// itself.
    pub fn tag_text(&self, text: &str) -> Vec<Mention> {
        let sentences = tokenize_sentences(text);
        let words: Vec<Vec<&str>> = sentences.iter().map(|s| s.iter().map(|t| t.text.as_str()).collect()).collect();
        let spans = self.tag_document(&words);
        let mut mentions = Vec::new();
        for (sent, spans) in sentences.iter().zip(spans) {
            for span in spans {
                let (Some(first), Some(last)) = (sent.get(span.start), sent.get(span.end.saturating_sub(1))) else {
                    continue;
                };
                mentions.push(Mention {
                    text: text[first.start..last.end].to_string(),
                    kind: span.kind,
                    byte_start: first.start,
                    byte_end: last.end,
                });
            }
        }
        mentions
    }
}

/// Builds the rows of one training sentence: its static rows plus the memory features.
fn add_memory_rows(
    sent: &TrainingSentence,
    memory: &StoryMemory,
    names: &MemoryFeatures,
    rows: &FeatureRows,
    extra: &mut Vec<u64>,
    out_rows: &mut Vec<u32>,
    out_offsets: &mut Vec<usize>,
) {
    out_rows.clear();
    out_offsets.clear();
    for i in 0..sent.gold.len() {
        out_offsets.push(out_rows.len());
        out_rows.extend_from_slice(&sent.rows[sent.offsets[i]..sent.offsets[i + 1]]);
        extra.clear();
        memory.features(&sent.words, i, names, extra);
        out_rows.extend(extra.iter().filter_map(|h| rows.get(h).copied()));
    }
    out_offsets.push(out_rows.len());
}

// Keep the transition table shape in one place for the model file.
pub(crate) const TRANSITION_LEN: usize = TRANSITION_ROWS * NUM_LABELS;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conll::parse_conll;

    const TINY: &str = include_str!("../tests/tiny.conll");

    /// Tagging adds each word's summed rows; it must score as adding every feature's row.
    #[test]
    fn summed_word_features_score_as_their_rows() {
        let docs = parse_conll(TINY, "tiny").expect("parses");
        for stems in [None, Some("en".to_string())] {
            let config = TrainConfig { gazetteer_folds: 0, stems: stems.clone(), ..TrainConfig::default() };
            let tagger = Tagger::train(&docs, &config);
            assert_eq!(tagger.stems(), stems.as_deref());
            summed_rows_match(&tagger);
        }
    }

    fn summed_rows_match(tagger: &Tagger) {
        let weights = tagger.weights();
        // An all-caps headline, unseen words, and a sentence mostly of numbers: every kind of
        // feature a token can have.
        let sentences = [
            vec!["TURKEY", "AND", "QATAR", "SIGN", "DEAL"],
            vec!["Akar", "met", "al-Sarraj", "and", "Maas", "in", "Tripoli", "in", "2020", "."],
            vec!["2020", "1", "3", "Misrata"],
        ];
        let stems = weights.stems;
        let hashed = document_features(&sentences, &tagger.gazetteer, &Hashes { stems }, TokenIds::default);
        let summed = document_features(&sentences, &tagger.gazetteer, &weights, || Emissions::new(&weights));
        let (mut rows, mut offsets, mut scores) = (Vec::new(), Vec::new(), Vec::new());
        for (hashed, summed) in hashed.iter().zip(&summed) {
            rows.clear();
            offsets.clear();
            for token in hashed.tokens.offsets.windows(2) {
                offsets.push(rows.len());
                rows.extend(hashed.tokens.ids[token[0]..token[1]].iter().filter_map(|h| tagger.rows.get(h)));
            }
            offsets.push(rows.len());
            emission_scores(&tagger.emit, &rows, &offsets, &mut scores);
            let summed = summed.tokens.scores.as_flattened();
            assert_eq!(scores.len(), summed.len());
            for (a, b) in scores.iter().zip(summed) {
                assert!((a - b).abs() <= 1e-4 * a.abs().max(1.0), "{a} vs {b}");
            }
        }
    }
}
