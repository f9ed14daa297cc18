//! `storyline dedup PATHS`: copies among files, and nothing else — no store, no events — for
//! users who only want duplicate detection (and to compare it with MinHash LSH tools).
//!
//! The same decisions as ingest: each article is compared, by [`storyline_dedup::judge`], with
//! the earlier articles (in path order) that share its text hash, an LSH band, or at least
//! [`MIN_SHARED_TERMS`] of its [`TOP_TERMS`] strongest TF-IDF terms; here the indexes are in
//! memory and the IDF is the whole collection's.

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::Result;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use storyline_cluster::ClusterConfig;
use storyline_dedup::{
    align_texts_at_least, fingerprint_of_joined_words, judge_with, republication_needs, sentence_token_of_folded,
    AlignableText, Candidate, DedupConfig, Fingerprint,
};
use storyline_model::{Article, DuplicateKind, DuplicateRelation};
use xxhash_rust::xxh3::xxh3_64;

use crate::hashed_table::HashedTable;

/// As ingest's republication-candidate index: an article's strongest terms, and how many a
/// candidate must share.
const TOP_TERMS: usize = 12;
const MIN_SHARED_TERMS: usize = 4;
/// Candidates judged per article and per index, the most shared first.
const CANDIDATE_LIMIT: usize = 20;

#[derive(clap::Args)]
pub struct DedupArgs {
    /// Files or folders to read.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Only relations of this kind.
    #[arg(long, value_enum)]
    pub kind: Option<crate::KindArg>,
    /// Print only the summary (counts and time), not the pairs.
    #[arg(long)]
    pub summary: bool,
}

#[derive(Serialize)]
struct Summary {
    articles: usize,
    seconds: f64,
    articles_per_second: f64,
    relations: usize,
    by_kind: std::collections::BTreeMap<DuplicateKind, usize>,
}

pub fn run(args: &DedupArgs, json: bool) -> Result<()> {
    keep_pages_small();
    let started = Instant::now();
    let (files, skipped) = storyline_ingest::discover(&args.paths);
    for skip in &skipped {
        eprintln!("skipped {}: {}", skip.origin, skip.reason);
    }
    // The process's own worker pool runs at the lowest priority, for ingest's writer to keep up
    // (`storyline_pipeline::lower_thread_priority`); `dedup` stores nothing, and its workers run
    // at the priority it was started with, so that on a busy machine it is not left the crumbs.
    let pool = rayon::ThreadPoolBuilder::new().build()?;
    let (articles, relations) = pool.install(|| {
        let articles: Vec<Article> = storyline_ingest::read_files(&files).into_iter().flatten().collect();
        tracing::info!(seconds = started.elapsed().as_secs_f64(), "read");
        let relations = find_copies(&articles, &DedupConfig::default(), &ClusterConfig::default());
        (articles, relations)
    });
    let wanted = args.kind.map(DuplicateKind::from);
    let relations: Vec<DuplicateRelation> =
        relations.into_iter().filter(|r| wanted.is_none_or(|k| r.kind == k)).collect();
    let seconds = started.elapsed().as_secs_f64();
    let mut by_kind = std::collections::BTreeMap::new();
    for r in &relations {
        *by_kind.entry(r.kind).or_default() += 1;
    }
    let summary = Summary {
        articles: articles.len(),
        seconds,
        articles_per_second: articles.len() as f64 / seconds,
        relations: relations.len(),
        by_kind,
    };
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            summary: &'a Summary,
            #[serde(skip_serializing_if = "Option::is_none")]
            pairs: Option<&'a [DuplicateRelation]>,
        }
        let pairs = (!args.summary).then_some(relations.as_slice());
        println!("{}", serde_json::to_string(&Out { summary: &summary, pairs })?);
        return Ok(());
    }
    if !args.summary {
        for r in &relations {
            println!("{}\t{}\t{}\t{:.3}", r.kind.as_str(), r.original, r.copy, r.score);
        }
    }
    let kinds: Vec<String> = summary.by_kind.iter().map(|(k, n)| format!("{n} {}", k.as_str())).collect();
    eprintln!(
        "{} articles, {} relations ({}) in {:.2} s ({:.0} articles/s)",
        summary.articles,
        summary.relations,
        kinds.join(", "),
        seconds,
        summary.articles_per_second
    );
    Ok(())
}

/// Turns transparent huge pages off for this process. The allocator (mimalloc) asks for them,
/// and the kernel then zeroes 2 MiB at the first touch of each: in `dedup`, whose memory is
/// many small, short-lived strings and lists, that zeroing was a quarter of the processor time.
fn keep_pages_small() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE only sets a flag of this process; failing leaves huge pages on.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// What the first pass learns of an article.
struct Prepared {
    fingerprint: Fingerprint,
    /// Its content terms (title terms weighted up, as `storyline_cluster::term_counts` counts
    /// them), each by its index in [`RunWords::terms`], with its count.
    term_counts: Vec<(u32, f32)>,
    /// The offset and sentence token of each of its words that has one: its sentences' tokens,
    /// should it be aligned ([`AlignableText::from_word_tokens`]).
    word_tokens: Vec<(usize, u64)>,
}

/// What the threads of one run have learnt of words, shared: every content term met, each once,
/// named by its index, and every word met, by language and hash (as in [`WordsOfLanguage`]), so
/// that no two threads fold and stem the same word; and the stems of each folded word, so that
/// the forms of one word ("The", "the") are stemmed once. It lives as long as the run, as the
/// articles do.
#[derive(Default)]
struct RunWords {
    term_index: FxHashMap<Box<str>, u32>,
    terms: Vec<Box<str>>,
    languages: Vec<(Option<String>, LanguageWords)>,
    /// The sentence token of each folded word (the same in every language).
    tokens: FxHashMap<Box<str>, Option<u64>>,
}

/// [`RunWords`] of one language: each word as written by its hash, and the content term of
/// each folded word.
#[derive(Default)]
struct LanguageWords {
    written: FxHashMap<u64, Word>,
    terms: FxHashMap<Box<str>, Option<u32>>,
}

impl RunWords {
    fn lock(shared: &Mutex<RunWords>) -> std::sync::MutexGuard<'_, RunWords> {
        shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn term_index(&mut self, term: &str) -> u32 {
        if let Some(&index) = self.term_index.get(term) {
            return index;
        }
        let index = self.terms.len() as u32;
        self.terms.push(term.into());
        self.term_index.insert(term.into(), index);
        index
    }

    fn words_of(&mut self, language: Option<&str>) -> &mut LanguageWords {
        let at = language_entry(&mut self.languages, language);
        &mut self.languages[at].1
    }

    /// What a word no thread had met (by `key`, its hash as written) is: made from the same
    /// folded word met before, or else folded and stemmed outside the lock, for the other
    /// threads to go on meanwhile.
    fn new_word(shared: &Mutex<RunWords>, written: &str, key: u64, language: Option<&str>) -> Word {
        if let Some(word) = RunWords::lock(shared).words_of(language).written.get(&key) {
            return word.clone();
        }
        let folded = storyline_text::fold_word(written);
        let (known_term, known_token) = {
            let mut run = RunWords::lock(shared);
            (run.words_of(language).terms.get(&*folded).copied(), run.tokens.get(&*folded).copied())
        };
        let stem = known_term.is_none().then(|| storyline_text::content_term(&folded, language));
        let token = known_token.unwrap_or_else(|| sentence_token_of_folded(&folded));
        let mut run = RunWords::lock(shared);
        let term = match known_term {
            Some(term) => term,
            None => stem.flatten().map(|term| run.term_index(&term)),
        };
        let folded: Box<str> = folded.into();
        run.tokens.insert(folded.clone(), token);
        let words = run.words_of(language);
        words.terms.insert(folded.clone(), term);
        let word = Word { folded, term, token };
        words.written.insert(key, word.clone());
        word
    }
}

/// The place of `language` (a language code) in a short list kept per language, made empty
/// the first time.
fn language_entry<T: Default>(languages: &mut Vec<(Option<String>, T)>, language: Option<&str>) -> usize {
    match languages.iter().position(|(code, _)| code.as_deref() == language) {
        Some(at) => at,
        None => {
            languages.push((language.map(str::to_string), T::default()));
            languages.len() - 1
        }
    }
}

/// What a word, as written, is to dedup: folded (empty for a word `storyline_text::words`
/// drops), its content term in the article's language (an index in [`RunWords::terms`]), and
/// its sentence token.
#[derive(Clone)]
struct Word {
    folded: Box<str>,
    term: Option<u32>,
    token: Option<u64>,
}

/// A [`Word`] as a thread keeps it, in 24 bytes inline in the thread's table (two entries to a
/// cache line): its folded form as a range of the thread's [`WordsOfLanguage::folded`], its term
/// ([`NO_TERM`] for none) and its token, if `has_token`.
#[derive(Clone, Copy)]
struct ThreadWord {
    token: u64,
    term: u32,
    folded_at: u32,
    folded_len: u32,
    has_token: bool,
}

/// [`ThreadWord::term`] of a word without a content term.
const NO_TERM: u32 = u32::MAX;

/// A thread's words of one language, by a 64-bit hash of the word as written: no string to
/// compare or to reach through a pointer (two of a thread's words share a hash with odds of
/// about 2⁻⁶⁴ per pair, as sentence tokens, themselves such hashes, do).
#[derive(Default)]
struct WordsOfLanguage {
    words: HashedTable<ThreadWord>,
    /// The folded forms of `words`, one after the other.
    folded: String,
}

/// The words a thread has met in one run of [`find_copies`] (the run's number): folding,
/// stemming and hashing a word cost far more than looking it up, and news repeats its words.
#[derive(Default)]
struct WordsSeen {
    run: u64,
    languages: Vec<(Option<String>, WordsOfLanguage)>,
    /// An article's count of each term, by term index (zero for the terms it lacks), and the
    /// terms it has: counting needs no hashing.
    term_counts: Vec<f32>,
    terms_counted: Vec<u32>,
    /// An article's words (offset, length, key) before they are looked up.
    pending: Vec<(usize, usize, u64)>,
}

/// Words a thread keeps per language before it starts over.
const WORDS_KEPT: usize = 200_000;

/// How many words ahead of the one looked up the next entries are fetched: enough to cover a
/// trip to memory.
const PREFETCH_AHEAD: usize = 8;

/// The table key of a word as written: its 64-bit hash, never 0 (0 and 1 share a key, with the
/// odds of any two hashes).
fn word_key(written: &str) -> u64 {
    xxh3_64(written.as_bytes()).max(1)
}

impl WordsOfLanguage {
    fn word(&mut self, written: &str, key: u64, language: Option<&str>, shared: &Mutex<RunWords>) -> ThreadWord {
        if let Some(word) = self.words.get(key) {
            return word;
        }
        let word = RunWords::new_word(shared, written, key, language);
        let kept = ThreadWord {
            token: word.token.unwrap_or_default(),
            term: word.term.unwrap_or(NO_TERM),
            folded_at: self.folded.len() as u32,
            folded_len: word.folded.len() as u32,
            has_token: word.token.is_some(),
        };
        self.folded.push_str(&word.folded);
        self.words.insert(key, kept);
        kept
    }

    fn folded(&self, word: &ThreadWord) -> &str {
        &self.folded[word.folded_at as usize..(word.folded_at + word.folded_len) as usize]
    }
}

impl WordsSeen {
    fn count_term(&mut self, term: u32, weight: f32) {
        let at = term as usize;
        if at >= self.term_counts.len() {
            self.term_counts.resize(at + 1, 0.0);
        }
        if self.term_counts[at] == 0.0 {
            self.terms_counted.push(term);
        }
        self.term_counts[at] += weight;
    }

    /// The counts made since the last call, each term once, and the table left at zero.
    fn take_term_counts(&mut self) -> Vec<(u32, f32)> {
        let counts = &mut self.term_counts;
        self.terms_counted.drain(..).map(|term| (term, std::mem::take(&mut counts[term as usize]))).collect()
    }
}

thread_local! {
    static SEEN: RefCell<WordsSeen> = Default::default();
}

/// The sentence token of a word as written ([`storyline_dedup::sentence_token_of_word`]), from
/// this thread's words or the run's when either has met it (a word's token is the same in every
/// language), else made afresh: for texts whose sentences are tokenised again.
fn sentence_token(written: &str, language: Option<&str>, shared: &Mutex<RunWords>) -> Option<u64> {
    let key = word_key(written);
    let in_thread = SEEN.with_borrow(|seen| {
        let (_, words) = seen.languages.iter().find(|(code, _)| code.as_deref() == language)?;
        words.words.get(key).map(|word| word.has_token.then_some(word.token))
    });
    in_thread
        .or_else(|| RunWords::lock(shared).words_of(language).written.get(&key).map(|word| word.token))
        .unwrap_or_else(|| storyline_dedup::sentence_token_of_word(written))
}

/// Splits an article's text into words once, and from them makes its fingerprint, its term
/// counts and its words' sentence tokens: the same as `storyline_text::words`,
/// `storyline_dedup::fingerprint` and `storyline_cluster::term_counts` make.
fn prepare(
    article: &Article,
    run: u64,
    shared: &Mutex<RunWords>,
    dedup: &DedupConfig,
    cluster: &ClusterConfig,
) -> Prepared {
    SEEN.with_borrow_mut(|seen| {
        if seen.run != run {
            *seen = WordsSeen { run, ..Default::default() };
        }
        let language = article.language_code();
        let at = language_entry(&mut seen.languages, language);
        if seen.languages[at].1.words.len() >= WORDS_KEPT {
            seen.languages[at].1 = WordsOfLanguage::default();
        }
        let text = &article.text;
        let mut pending = std::mem::take(&mut seen.pending);
        pending.clear();
        storyline_text::for_each_word(text, |offset, written| pending.push((offset, written.len(), word_key(written))));
        // The folded words joined by spaces, as the fingerprint hashes them (bytes of ASCII
        // words and whole folded words pushed, so always UTF-8).
        let mut joined: Vec<u8> = Vec::with_capacity(text.len());
        let mut word_starts = Vec::with_capacity(pending.len());
        let mut word_tokens = Vec::with_capacity(pending.len());
        for (i, &(offset, len, key)) in pending.iter().enumerate() {
            let vocabulary = &mut seen.languages[at].1;
            if let Some(&(_, _, ahead)) = pending.get(i + PREFETCH_AHEAD) {
                vocabulary.words.prefetch(ahead);
            }
            let written = &text[offset..offset + len];
            let word = vocabulary.word(written, key, language, shared);
            if word.folded_len > 0 {
                if !word_starts.is_empty() {
                    joined.push(b' ');
                }
                word_starts.push(joined.len());
                if written.is_ascii() {
                    // An ASCII word folds to its lower case (`storyline_text::fold_word`): no
                    // need to read the folded form kept elsewhere.
                    joined.extend(written.bytes().map(|b| b.to_ascii_lowercase()));
                } else {
                    joined.extend_from_slice(vocabulary.folded(&word).as_bytes());
                }
            }
            if word.has_token {
                word_tokens.push((offset, word.token));
            }
            if word.term != NO_TERM {
                seen.count_term(word.term, 1.0);
            }
        }
        seen.pending = pending;
        if let Some(title) = &article.title {
            storyline_text::for_each_word(title, |_, written| {
                let word = seen.languages[at].1.word(written, word_key(written), language, shared);
                if word.term != NO_TERM {
                    seen.count_term(word.term, cluster.title_weight);
                }
            });
        }
        let joined = String::from_utf8(joined).expect("folded words and ASCII bytes are UTF-8");
        let fingerprint = fingerprint_of_joined_words(&joined, &word_starts, dedup);
        Prepared { fingerprint, term_counts: seen.take_term_counts(), word_tokens }
    })
}

/// Every duplicate relation among `articles`, each article judged against the earlier ones its
/// indexes name, strongest relation first per article.
pub fn find_copies(articles: &[Article], dedup: &DedupConfig, cluster: &ClusterConfig) -> Vec<DuplicateRelation> {
    static RUNS: AtomicU64 = AtomicU64::new(1);
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    let shared = Mutex::new(RunWords::default());
    let prepared: Vec<Prepared> =
        articles.par_iter().map(|article| prepare(article, run, &shared, dedup, cluster)).collect();
    // The words stay, for the texts whose sentences are tokenised again.
    let terms = std::mem::take(&mut RunWords::lock(&shared).terms);
    tracing::info!("fingerprinted");
    // The collection's document frequencies, for the strongest terms.
    let mut df = vec![0u64; terms.len()];
    for article in &prepared {
        for &(term, _) in &article.term_counts {
            df[term as usize] += 1;
        }
    }
    // Each term's place in the order of the terms' strings: ties in weight are broken by it as
    // by the strings, without reading them.
    let mut in_string_order: Vec<u32> = (0..terms.len() as u32).collect();
    in_string_order.par_sort_unstable_by(|&a, &b| terms[a as usize].cmp(&terms[b as usize]));
    let mut string_rank = vec![0u32; terms.len()];
    for (rank, &term) in in_string_order.iter().enumerate() {
        string_rank[term as usize] = rank as u32;
    }
    let documents = prepared.len() as u64;
    let top_terms: Vec<Vec<u32>> = prepared
        .par_iter()
        .map(|article| {
            storyline_cluster::tfidf_top_terms(
                article.term_counts.iter().copied(),
                documents,
                |&term| df[term as usize],
                |&a, &b| string_rank[a as usize].cmp(&string_rank[b as usize]),
                cluster,
                TOP_TERMS,
            )
        })
        .collect();
    let (fingerprints, word_tokens): (Vec<Fingerprint>, Vec<Vec<(usize, u64)>>) =
        prepared.into_iter().map(|article| (article.fingerprint, article.word_tokens)).unzip();
    let mut by_hash: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
    let mut by_band: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
    let mut by_term: Vec<Vec<u32>> = vec![Vec::new(); terms.len()];
    for (i, fingerprint) in fingerprints.iter().enumerate() {
        by_hash.entry(fingerprint.text_hash).or_default().push(i as u32);
        for key in &fingerprint.band_keys {
            by_band.entry(*key).or_default().push(i as u32);
        }
        for &term in &top_terms[i] {
            by_term[term as usize].push(i as u32);
        }
    }
    // The earlier articles (below `i`) in the lists, those in at least `min` of them, most first.
    let earlier = |lists: &mut dyn Iterator<Item = &Vec<u32>>, i: u32, min: usize| -> Vec<u32> {
        let mut counts: FxHashMap<u32, usize> = FxHashMap::default();
        for list in lists {
            for &j in list.iter().take_while(|&&j| j < i) {
                *counts.entry(j).or_default() += 1;
            }
        }
        let mut shared: Vec<(u32, usize)> = counts.into_iter().filter(|&(_, n)| n >= min).collect();
        shared.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        shared.into_iter().take(CANDIDATE_LIMIT).map(|(j, _)| j).collect()
    };
    tracing::info!("indexed");
    // Each article's sentences, split and tokenised once, when it is first aligned.
    let alignable: Vec<std::sync::OnceLock<AlignableText>> = articles.iter().map(|_| Default::default()).collect();
    let sentences_of = |i: u32| {
        let i = i as usize;
        let article = &articles[i];
        alignable[i].get_or_init(|| {
            AlignableText::from_word_tokens_or(&article.text, &word_tokens[i], |word| {
                sentence_token(word, article.language_code(), &shared)
            })
        })
    };
    let per_article: Vec<Vec<DuplicateRelation>> = (0..fingerprints.len() as u32)
        .into_par_iter()
        .map(|i| {
            let fingerprint = &fingerprints[i as usize];
            let mut candidates: Vec<u32> = by_hash[&fingerprint.text_hash].iter().copied().filter(|&j| j < i).collect();
            candidates.extend(earlier(&mut fingerprint.band_keys.iter().filter_map(|k| by_band.get(k)), i, 1));
            candidates.extend(earlier(
                &mut top_terms[i as usize].iter().map(|&term| &by_term[term as usize]),
                i,
                MIN_SHARED_TERMS,
            ));
            let mut seen = FxHashSet::default();
            candidates.retain(|j| seen.insert(*j));
            let incoming = Candidate { article: &articles[i as usize], fingerprint };
            let mut found: Vec<DuplicateRelation> = candidates
                .into_iter()
                .filter_map(|j| {
                    let stored = Candidate { article: &articles[j as usize], fingerprint: &fingerprints[j as usize] };
                    judge_with(&stored, &incoming, dedup, |original, copy| {
                        let of = |a: &Article| sentences_of(if std::ptr::eq(a, &articles[j as usize]) { j } else { i });
                        // Pairs that cannot reach a republication's share of aligned sentences
                        // are not searched for their best alignment.
                        align_texts_at_least(of(original), of(copy), dedup.sentence_similarity, |n, m| {
                            republication_needs(dedup, n, m)
                        })
                    })
                })
                .collect();
            found.sort_by(|a, b| a.kind.cmp(&b.kind).then(b.score.total_cmp(&a.score)));
            found
        })
        .collect();
    let aligned = alignable.iter().filter(|text| text.get().is_some()).count();
    tracing::info!(aligned, "judged");
    per_article.into_iter().flatten().collect()
}
