//! `storyline dedup PATHS`: copies among files, and nothing else — no store, no events — for
//! users who only want duplicate detection (and to compare it with MinHash LSH tools).
//!
//! The same decisions as ingest: each article is compared, by [`storyline_dedup::judge`], with
//! the earlier articles (in path order) that share its text hash, an LSH band, or at least
//! [`MIN_SHARED_TERMS`] of its [`TOP_TERMS`] strongest TF-IDF terms; here the indexes are in
//! memory and the IDF is the whole collection's.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use storyline_cluster::ClusterConfig;
use storyline_dedup::{
    align_texts_at_least, fingerprint_of_words, judge_with, republication_needs, AlignableText, Candidate, DedupConfig,
    Fingerprint,
};
use storyline_model::{Article, DuplicateKind, DuplicateRelation};

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

/// Every duplicate relation among `articles`, each article judged against the earlier ones its
/// indexes name, strongest relation first per article.
pub fn find_copies(articles: &[Article], dedup: &DedupConfig, cluster: &ClusterConfig) -> Vec<DuplicateRelation> {
    let (fingerprints, counts): (Vec<Fingerprint>, Vec<FxHashMap<String, f32>>) = articles
        .par_iter()
        .map(|article| {
            let words = storyline_text::words(&article.text);
            let hash = storyline_text::words_hash(&words);
            (fingerprint_of_words(&words, hash, dedup), storyline_cluster::term_counts(article, &words, cluster))
        })
        .unzip();
    tracing::info!("fingerprinted");
    // The collection's document frequencies, for the strongest terms.
    let df: FxHashMap<&str, u64> = counts
        .par_iter()
        .fold(FxHashMap::default, |mut df, counts| {
            for term in counts.keys() {
                *df.entry(term.as_str()).or_default() += 1;
            }
            df
        })
        .reduce(FxHashMap::default, |a, b| {
            let (small, mut large) = if a.len() < b.len() { (a, b) } else { (b, a) };
            for (term, n) in small {
                *large.entry(term).or_default() += n;
            }
            large
        });
    let documents = counts.len() as u64;
    let top_terms: Vec<Vec<String>> = counts
        .par_iter()
        .map(|counts| {
            storyline_cluster::tfidf(counts, documents, |t| df.get(t).copied().unwrap_or(1), cluster)
                .top_terms(TOP_TERMS)
        })
        .collect();
    // The term counts are done with: their memory goes to the sentences aligned below.
    drop(df);
    drop(counts);
    let mut by_hash: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
    let mut by_band: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
    let mut by_term: FxHashMap<&str, Vec<u32>> = FxHashMap::default();
    for (i, fingerprint) in fingerprints.iter().enumerate() {
        by_hash.entry(fingerprint.text_hash).or_default().push(i as u32);
        for key in &fingerprint.band_keys {
            by_band.entry(*key).or_default().push(i as u32);
        }
        for term in &top_terms[i] {
            by_term.entry(term.as_str()).or_default().push(i as u32);
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
    let sentences_of = |i: u32| alignable[i as usize].get_or_init(|| AlignableText::new(&articles[i as usize].text));
    let per_article: Vec<Vec<DuplicateRelation>> = (0..fingerprints.len() as u32)
        .into_par_iter()
        .map(|i| {
            let fingerprint = &fingerprints[i as usize];
            let mut candidates: Vec<u32> = by_hash[&fingerprint.text_hash].iter().copied().filter(|&j| j < i).collect();
            candidates.extend(earlier(&mut fingerprint.band_keys.iter().filter_map(|k| by_band.get(k)), i, 1));
            candidates.extend(earlier(
                &mut top_terms[i as usize].iter().filter_map(|t| by_term.get(t.as_str())),
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
    per_article.into_iter().flatten().collect()
}
