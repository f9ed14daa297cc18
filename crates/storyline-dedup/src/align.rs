//! Sentence alignment: the evidence that one article was rewritten from another.
//!
//! A republication keeps the order of its source's sentences while rewording each of them
//! ("defence" → "defense", "struck" → "reached"), so word shingles barely overlap. Comparing
//! sentences as sets of word stems, truncated to their first five letters to absorb spelling
//! variants, and keeping the best in-order matching (a weighted longest common subsequence) finds
//! the rewritten pairs while ignoring sentences that merely share a topic.

use std::collections::HashSet;

use storyline_model::AlignedSentence;

/// The in-order sentence pairs of two texts whose similarity reaches the threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    pub original_sentences: usize,
    pub copy_sentences: usize,
    pub pairs: Vec<AlignedSentence>,
}

/// Sentences shorter than this many content tokens (datelines, "READ: …") carry too little to align.
const MIN_SENTENCE_TOKENS: usize = 4;
/// Prefix length that folds British/American and inflection variants together.
const TOKEN_PREFIX: usize = 5;

/// The comparable token set of a sentence: content-word stems cut to a fixed prefix.
pub fn sentence_tokens(sentence: &str) -> HashSet<String> {
    storyline_text::content_terms(sentence, Some("en"))
        .into_iter()
        .map(|t| t.chars().take(TOKEN_PREFIX).collect())
        .collect()
}

/// [`sentence_tokens`] as a sorted list of 64-bit hashes (FNV-1a): every sentence of one text is
/// compared with every sentence of the other, and merging two short sorted lists of integers is
/// many times cheaper than intersecting sets of strings. Two distinct tokens of two sentences
/// share a hash with odds of about 2⁻⁶⁴ per pair, so the counts, and the alignments, are the same.
fn sorted_tokens(sentence: &str) -> Vec<u64> {
    let mut tokens: Vec<u64> = sentence_tokens(sentence)
        .iter()
        .map(|t| t.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)))
        .collect();
    tokens.sort_unstable();
    tokens.dedup();
    tokens
}

/// The Dice similarity of two token lists, or 0 when it is certainly below `threshold` (the
/// alignment reads only whether a pair reaches it): lists of very different lengths cannot.
fn dice(a: &[u64], b: &[u64], threshold: f32) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if 2.0 * a.len().min(b.len()) as f32 / ((a.len() + b.len()) as f32) < threshold {
        return 0.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * shared as f32 / (a.len() + b.len()) as f32
}

/// A text's sentences with their comparable tokens: what alignment reads of a text. Made once
/// per article when it is aligned with several others (splitting and stemming cost more than
/// comparing).
#[derive(Debug, Clone, Default)]
pub struct AlignableText {
    sentences: Vec<(String, Vec<u64>)>,
}

impl AlignableText {
    pub fn new(text: &str) -> AlignableText {
        AlignableText {
            sentences: storyline_text::sentences(text)
                .into_iter()
                .map(|s| (s.text.to_string(), sorted_tokens(s.text)))
                .filter(|(_, tokens)| tokens.len() >= MIN_SENTENCE_TOKENS)
                .collect(),
        }
    }
}

/// Aligns the sentences of `copy` to those of `original` in order, keeping pairs whose
/// similarity is at least `threshold` and maximising the total similarity.
pub fn align_sentences(original: &str, copy: &str, threshold: f32) -> Alignment {
    align_texts(&AlignableText::new(original), &AlignableText::new(copy), threshold)
}

/// [`align_sentences`] of texts already split and tokenised.
pub fn align_texts(original: &AlignableText, copy: &AlignableText, threshold: f32) -> Alignment {
    let (left, right) = (&original.sentences, &copy.sentences);
    let (n, m) = (left.len(), right.len());

    // best[i][j]: best total similarity aligning left[i..] with right[j..].
    let similarity: Vec<Vec<f32>> =
        left.iter().map(|(_, a)| right.iter().map(|(_, b)| dice(a, b, threshold)).collect()).collect();
    let mut best = vec![vec![0.0f32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let mut value = best[i + 1][j].max(best[i][j + 1]);
            if similarity[i][j] >= threshold {
                value = value.max(similarity[i][j] + best[i + 1][j + 1]);
            }
            best[i][j] = value;
        }
    }

    let mut pairs = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        let s = similarity[i][j];
        if s >= threshold && (best[i][j] - (s + best[i + 1][j + 1])).abs() < 1e-6 {
            pairs.push(AlignedSentence {
                original_index: i,
                copy_index: j,
                original: left[i].0.clone(),
                copy: right[j].0.clone(),
                similarity: s,
            });
            i += 1;
            j += 1;
        } else if best[i + 1][j] >= best[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    Alignment { original_sentences: n, copy_sentences: m, pairs }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reworded_sentences_align_and_unrelated_ones_do_not() {
        let original = "The deal was struck after meetings between the defence ministers of both countries. \
                        Rain fell heavily across the northern provinces overnight.";
        let copy = "The deal was reached after meetings between the defense ministers of both countries. \
                    Stock markets closed higher on Friday amid strong earnings.";
        let alignment = align_sentences(original, copy, 0.5);
        assert_eq!(alignment.pairs.len(), 1);
        assert_eq!((alignment.pairs[0].original_index, alignment.pairs[0].copy_index), (0, 0));
    }

    #[test]
    fn crossing_matches_are_not_both_kept() {
        let a = "Alpha beta gamma delta epsilon zeta. Kappa lambda omicron sigma tau upsilon.";
        let b = "Kappa lambda omicron sigma tau upsilon. Alpha beta gamma delta epsilon zeta.";
        assert_eq!(align_sentences(a, b, 0.5).pairs.len(), 1);
    }
}
