//! Exact, near-duplicate and republication detection for news articles.
//!
//! The crate is pure: it turns an article into a [`Fingerprint`] (a normalised-text hash, a MinHash
//! signature with its LSH band keys, and the article's sentences) and judges one candidate pair at a
//! time with [`judge`]. Finding the candidates is the job of an index — the store keeps the LSH
//! band keys and a term index — so no stage ever compares all pairs.
//!
//! ```
//! use storyline_dedup::{fingerprint, judge, Candidate, DedupConfig};
//! use storyline_model::{Article, DuplicateKind, SourceFormat};
//!
//! let config = DedupConfig::default();
//! let a = Article::new("a", "Turkey and Qatar signed a deal with Libya. The deal covers training.", SourceFormat::Text);
//! let b = Article::new("b", "turkey and qatar signed a deal with libya the deal covers training", SourceFormat::Text);
//! let (fa, fb) = (fingerprint(&a, &config), fingerprint(&b, &config));
//! let relation = judge(&Candidate { article: &a, fingerprint: &fa }, &Candidate { article: &b, fingerprint: &fb }, &config).unwrap();
//! assert_eq!(relation.kind, DuplicateKind::Exact);
//! assert_eq!(relation.original, "a");
//! ```

mod align;
mod minhash;
mod screen;

pub use align::{
    align_sentences, align_texts, align_texts_at_least, sentence_token_of_folded, sentence_token_of_word,
    sentence_tokens, AlignableText, Alignment,
};
pub use minhash::{estimated_jaccard, MinHasher};
pub use screen::{is_screen, rules_out, screen_bytes};

use storyline_model::{Article, DuplicateKind, DuplicateRelation, Evidence};

/// Tunable parameters of duplicate detection.
///
/// MinHash uses `bands × rows` hash functions over word `shingle_size`-shingles. Two articles
/// become near-duplicate candidates when any band matches; with 20 bands of 5 rows the chance
/// of that is 50 % at a true Jaccard of about 0.55 and over 99.9 % at 0.8, the near-duplicate
/// threshold, so candidates above the threshold are practically never missed.
#[derive(Debug, Clone)]
pub struct DedupConfig {
    pub shingle_size: usize,
    pub bands: usize,
    pub rows_per_band: usize,
    /// Estimated shingle Jaccard at or above which two articles are near-duplicates.
    pub near_duplicate_jaccard: f32,
    /// Token-set Dice similarity at or above which two sentences are counterparts.
    pub sentence_similarity: f32,
    /// Fewest aligned sentence pairs for a republication.
    pub min_aligned_sentences: usize,
    /// Share of the shorter article's sentences that must be aligned for a republication.
    pub min_coverage: f32,
}

impl Default for DedupConfig {
    fn default() -> Self {
        DedupConfig {
            shingle_size: 5,
            bands: 20,
            rows_per_band: 5,
            near_duplicate_jaccard: 0.8,
            sentence_similarity: 0.5,
            min_aligned_sentences: 3,
            min_coverage: 0.6,
        }
    }
}

/// What dedup needs to know about an article, computed once when it arrives.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Fingerprint {
    /// Hash of the normalised full text (title and body).
    pub text_hash: u64,
    pub minhash: Vec<u32>,
    /// One key per LSH band: articles sharing any key are near-duplicate candidates.
    pub band_keys: Vec<u64>,
}

/// Computes an article's fingerprint.
pub fn fingerprint(article: &Article, config: &DedupConfig) -> Fingerprint {
    let words = storyline_text::words(&article.text);
    fingerprint_of_words(&words, storyline_text::words_hash(&words), config)
}

/// The fingerprint of an article whose text's [`storyline_text::words`] and their
/// [`storyline_text::words_hash`] are at hand.
pub fn fingerprint_of_words<S: AsRef<str>>(words: &[S], text_hash: u64, config: &DedupConfig) -> Fingerprint {
    let hasher = MinHasher::new(config.bands * config.rows_per_band);
    let minhash = hasher.signature(words, config.shingle_size);
    let band_keys = minhash::band_keys(&minhash, config.rows_per_band);
    Fingerprint { text_hash, minhash, band_keys }
}

/// The fingerprint of an article whose [`storyline_text::words`] are at hand joined by single
/// spaces (`joined`, the `i`-th word starting at `word_starts[i]`): the text hash is then
/// `joined`'s ([`storyline_text::words_hash`]) and each shingle a slice of it, so no word is
/// copied again.
pub fn fingerprint_of_joined_words(joined: &str, word_starts: &[usize], config: &DedupConfig) -> Fingerprint {
    let hasher = MinHasher::new(config.bands * config.rows_per_band);
    let minhash = hasher.signature_of_joined(joined, word_starts, config.shingle_size);
    let band_keys = minhash::band_keys(&minhash, config.rows_per_band);
    let text_hash = xxhash_rust::xxh3::xxh3_64(joined.as_bytes());
    Fingerprint { text_hash, minhash, band_keys }
}

/// The fewest aligned sentence pairs that make texts of these many (alignable) sentences a
/// republication under `config`, as [`judge_with`] decides; more than either count when none can.
/// An alignment (e.g. [`align_texts_at_least`]) that cannot reach it need not be searched.
pub fn republication_needs(config: &DedupConfig, original_sentences: usize, copy_sentences: usize) -> usize {
    let shorter = original_sentences.min(copy_sentences);
    // The same float comparison as the judgement's, so the two never disagree at the edge.
    (config.min_aligned_sentences..=shorter)
        .find(|&aligned| aligned as f32 / shorter as f32 >= config.min_coverage)
        .unwrap_or(shorter + 1)
}

/// One side of a candidate pair.
pub struct Candidate<'a> {
    pub article: &'a Article,
    pub fingerprint: &'a Fingerprint,
}

/// Judges whether `stored` and `incoming` are duplicates, and of which kind (the strongest that
/// holds: exact, then near-duplicate, then republication). The original is the one published
/// first; without dates, the one that arrived first (`stored`).
pub fn judge(stored: &Candidate, incoming: &Candidate, config: &DedupConfig) -> Option<DuplicateRelation> {
    judge_with(stored, incoming, config, |original, copy| {
        let (original, copy) = (AlignableText::new(&original.text), AlignableText::new(&copy.text));
        align_texts_at_least(&original, &copy, config.sentence_similarity, |n, m| republication_needs(config, n, m))
    })
}

/// [`judge`], with the texts' alignment made by `align(original, copy)`: e.g. from
/// [`AlignableText`]s made once per article ([`align_texts`]), when each article meets many.
pub fn judge_with(
    stored: &Candidate,
    incoming: &Candidate,
    config: &DedupConfig,
    align: impl FnOnce(&Article, &Article) -> Alignment,
) -> Option<DuplicateRelation> {
    let (original, copy) = match (stored.article.published, incoming.article.published) {
        (Some(s), Some(i)) if i < s => (incoming, stored),
        _ => (stored, incoming),
    };
    let relation = |kind, score, evidence| DuplicateRelation {
        original: original.article.id.clone(),
        copy: copy.article.id.clone(),
        kind,
        score,
        evidence,
    };

    if stored.fingerprint.text_hash == incoming.fingerprint.text_hash {
        let hash = format!("{:016x}", stored.fingerprint.text_hash);
        return Some(relation(DuplicateKind::Exact, 1.0, Evidence::SameText { hash }));
    }
    let jaccard = estimated_jaccard(&stored.fingerprint.minhash, &incoming.fingerprint.minhash);
    if jaccard >= config.near_duplicate_jaccard {
        let evidence = Evidence::Shingles { estimated_jaccard: jaccard, shingle_size: config.shingle_size };
        return Some(relation(DuplicateKind::NearDuplicate, jaccard, evidence));
    }

    let alignment = align(original.article, copy.article);
    let shorter = alignment.original_sentences.min(alignment.copy_sentences);
    let aligned = alignment.pairs.len();
    if shorter == 0 || aligned < config.min_aligned_sentences {
        return None;
    }
    let coverage = aligned as f32 / shorter as f32;
    if coverage < config.min_coverage {
        return None;
    }
    let evidence = Evidence::AlignedSentences {
        copy_coverage: aligned as f32 / alignment.copy_sentences as f32,
        original_coverage: aligned as f32 / alignment.original_sentences as f32,
        pairs: alignment.pairs,
    };
    Some(relation(DuplicateKind::Republication, coverage.min(1.0), evidence))
}

#[cfg(test)]
mod tests {
    use super::*;
    use storyline_model::SourceFormat;

    fn article(id: &str, text: &str) -> Article {
        Article::new(id, text, SourceFormat::Text)
    }

    fn judge_texts(a: &str, b: &str) -> Option<DuplicateRelation> {
        let config = DedupConfig::default();
        let (a, b) = (article("a", a), article("b", b));
        let (fa, fb) = (fingerprint(&a, &config), fingerprint(&b, &config));
        judge(&Candidate { article: &a, fingerprint: &fa }, &Candidate { article: &b, fingerprint: &fb }, &config)
    }

    /// The seed story's opening, shared with the screen's tests.
    pub(crate) const ORIGINAL: &str = "Turkey and Qatar have signed a tripartite deal with the Libyan government for military cooperation.\n\n\
        The agreement was announced by Libya's Deputy Defence Minister Salam Al-Namroush yesterday and will establish military facilities.\n\n\
        The deal was struck after meetings between Turkish Defence Minister Hulusi Akar and his Qatari counterpart.\n\n\
        German Foreign Minister Heiko Maas also visited Tripoli on the same day without announcement.";

    #[test]
    fn reworded_copy_is_a_republication_with_aligned_sentences() {
        let copy = "Turkey and Qatar signed a tripartite agreement with the Libyan government for military cooperation.\n\n\
            The deal, announced yesterday by Libyan Deputy Defense Minister Salam Al-Namroush, will establish military facilities.\n\n\
            READ: something else entirely\n\n\
            The deal was reached after meetings between Turkish Defense Minister Hulusi Akar and his Qatari counterpart.\n\n\
            German Foreign Minister Heiko Maas also visited Tripoli on the same day, unexpectedly.";
        let relation = judge_texts(ORIGINAL, copy).expect("a republication");
        assert_eq!(relation.kind, DuplicateKind::Republication);
        let Evidence::AlignedSentences { pairs, .. } = relation.evidence else { panic!("wrong evidence") };
        assert_eq!(pairs.len(), 4);
        assert!(pairs.windows(2).all(|w| w[0].copy_index < w[1].copy_index), "alignment is in order");
    }

    #[test]
    fn same_event_told_independently_is_not_a_duplicate() {
        let other = "Libya's government reached an agreement with Turkey and Qatar to rebuild its army.\n\n\
            It was the deputy defence minister who made the announcement on Monday after a meeting in Tripoli.\n\n\
            Both countries will send advisers and military personnel to the African country.\n\n\
            The ministers stressed their support for a political solution.";
        assert_eq!(judge_texts(ORIGINAL, other), None);
    }

    #[test]
    fn joined_words_give_the_same_fingerprint() {
        let config = DedupConfig::default();
        for text in [ORIGINAL, "", "One word", "Turkey and Qatar signed."] {
            let words = storyline_text::words(text);
            let mut word_starts = Vec::new();
            let mut joined = String::new();
            for word in &words {
                if !word_starts.is_empty() {
                    joined.push(' ');
                }
                word_starts.push(joined.len());
                joined.push_str(word);
            }
            let expected = fingerprint_of_words(&words, storyline_text::words_hash(&words), &config);
            assert_eq!(fingerprint_of_joined_words(&joined, &word_starts, &config), expected);
        }
    }

    #[test]
    fn republication_needs_what_the_judgement_asks() {
        let config = DedupConfig::default();
        // 3 pairs at least, and 60 % of the shorter text's sentences.
        assert_eq!(republication_needs(&config, 4, 10), 3);
        assert_eq!(republication_needs(&config, 10, 7), 5);
        assert_eq!(republication_needs(&config, 10, 10), 6);
        assert!(republication_needs(&config, 2, 9) > 2);
        assert!(republication_needs(&config, 0, 9) > 0);
    }

    #[test]
    fn small_edits_make_a_near_duplicate() {
        let edited = ORIGINAL.replace("without announcement", "without notice");
        let relation = judge_texts(ORIGINAL, &edited).expect("near duplicate");
        assert_eq!(relation.kind, DuplicateKind::NearDuplicate);
        assert!(relation.score >= 0.8);
    }

    #[test]
    fn the_earlier_publication_is_the_original() {
        use chrono::TimeZone;
        let config = DedupConfig::default();
        let mut stored = article("late", ORIGINAL);
        let mut incoming = article("early", ORIGINAL);
        stored.published = Some(chrono::Utc.with_ymd_and_hms(2020, 8, 18, 0, 0, 0).unwrap());
        incoming.published = Some(chrono::Utc.with_ymd_and_hms(2020, 8, 17, 0, 0, 0).unwrap());
        let (fs, fi) = (fingerprint(&stored, &config), fingerprint(&incoming, &config));
        let relation = judge(
            &Candidate { article: &stored, fingerprint: &fs },
            &Candidate { article: &incoming, fingerprint: &fi },
            &config,
        )
        .unwrap();
        assert_eq!((relation.original.as_str(), relation.copy.as_str()), ("early", "late"));
    }
}
