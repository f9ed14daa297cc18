//! Sentence alignment: the evidence that one article was rewritten from another.
//!
//! A republication keeps the order of its source's sentences while rewording each of them
//! ("defence" → "defense", "struck" → "reached"), so word shingles barely overlap. Comparing
//! sentences as sets of word stems, truncated to their first five letters to absorb spelling
//! variants, and keeping the best in-order matching (a weighted longest common subsequence) finds
//! the rewritten pairs while ignoring sentences that merely share a topic.

use std::cell::RefCell;
use std::collections::HashSet;

use rustc_hash::FxHashMap;
use xxhash_rust::xxh3::xxh3_64;

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

/// [`sentence_tokens`] as a sorted list of 64-bit hashes (FNV-1a): counting the tokens sentences
/// share by integers is many times cheaper than intersecting sets of strings. Two distinct tokens
/// of two sentences share a hash with odds of about 2⁻⁶⁴ per pair, so the counts, and the
/// alignments, are the same. Each word's token ([`sentence_token_of_word`]) is given by
/// `token_of`.
fn sorted_tokens_with(sentence: &str, token_of: &mut impl FnMut(&str) -> Option<u64>) -> Vec<u64> {
    let mut tokens = Vec::new();
    storyline_text::for_each_word(sentence, |_, word| tokens.extend(token_of(word)));
    tokens.sort_unstable();
    tokens.dedup();
    tokens
}

/// [`sentence_token_of_word`], kept by the thread.
fn kept_sentence_token(word: &str) -> Option<u64> {
    // A word's token depends on the word alone, and folding, stop words and stemming cost far
    // more than a look-up: each thread keeps the token of each word (as written) it has seen,
    // by a 64-bit hash of the word (no string to compare; two of a thread's words share one
    // with odds of about 2⁻⁶⁴ per pair, as tokens do).
    thread_local! {
        static TOKENS: RefCell<FxHashMap<u64, Option<u64>>> = Default::default();
    }
    TOKENS.with_borrow_mut(|kept| {
        if kept.len() >= TOKENS_KEPT {
            kept.clear();
        }
        *kept.entry(xxh3_64(word.as_bytes())).or_insert_with(|| sentence_token_of_word(word))
    })
}

/// Words whose tokens a thread keeps before it starts over.
const TOKENS_KEPT: usize = 100_000;

/// The token a word of a sentence ([`storyline_text::for_each_word`], as written) contributes
/// to [`sentence_tokens`], hashed: its content term's prefix, if it has a content term.
pub fn sentence_token_of_word(word: &str) -> Option<u64> {
    sentence_token_of_folded(&storyline_text::fold_word(word))
}

/// [`sentence_token_of_word`] of a word already folded ([`storyline_text::fold_word`]): the token
/// depends on the folded word alone.
pub fn sentence_token_of_folded(folded: &str) -> Option<u64> {
    // Made afresh: every caller keeps each word's token.
    let term = storyline_text::content_term(folded, Some("en"))?;
    let prefix = term.char_indices().nth(TOKEN_PREFIX).map_or(term.as_str(), |(end, _)| &term[..end]);
    Some(prefix.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)))
}

/// A text's sentences with their comparable tokens: what alignment reads of a text. Made once
/// per article when it is aligned with several others (splitting and stemming cost more than
/// comparing).
#[derive(Debug, Clone, Default)]
pub struct AlignableText<'a> {
    /// The text, which the sentences' byte ranges point into: borrowed, or owned by one kept
    /// beyond its text's life ([`AlignableText::into_owned`]).
    text: std::borrow::Cow<'a, str>,
    sentences: Vec<(std::ops::Range<usize>, Vec<u64>)>,
    /// Every (token, sentence index), by token: the sentences a token occurs in. Most sentence
    /// pairs of two articles share no token, so the shared tokens are counted from here rather
    /// than by comparing every pair.
    postings: Vec<(u64, u32)>,
}

impl<'a> AlignableText<'a> {
    pub fn new(text: &'a str) -> AlignableText<'a> {
        AlignableText::new_with(text, &mut kept_sentence_token)
    }

    /// [`AlignableText::new`], each word's token ([`sentence_token_of_word`]) given by
    /// `token_of`: by a caller that keeps them.
    fn new_with(text: &'a str, token_of: &mut impl FnMut(&str) -> Option<u64>) -> AlignableText<'a> {
        let sentences = storyline_text::sentences(text)
            .into_iter()
            .map(|s| (s.start..s.start + s.text.len(), sorted_tokens_with(s.text, token_of)))
            .collect();
        AlignableText::of_sentences(text, sentences)
    }

    /// [`AlignableText::new`], from the tokens ([`sentence_token_of_word`]) of the text's words
    /// ([`storyline_text::for_each_word`]) that have one, each with its word's offset, in order:
    /// where the sentences keep their words ([`storyline_text::sentences_keep_their_words`]), the
    /// same sentences and tokens without segmenting and looking up each sentence's words again;
    /// elsewhere made as `new` makes it.
    pub fn from_word_tokens(text: &'a str, word_tokens: &[(usize, u64)]) -> AlignableText<'a> {
        AlignableText::from_word_tokens_or(text, word_tokens, kept_sentence_token)
    }

    /// [`AlignableText::from_word_tokens`], where a text whose sentences must be tokenised
    /// again takes each word's token ([`sentence_token_of_word`]) from `token_of`: from a
    /// caller that keeps every word's token already.
    pub fn from_word_tokens_or(
        text: &'a str,
        word_tokens: &[(usize, u64)],
        mut token_of: impl FnMut(&str) -> Option<u64>,
    ) -> AlignableText<'a> {
        if !storyline_text::sentences_keep_their_words(text) {
            return AlignableText::new_with(text, &mut token_of);
        }
        let mut rest = word_tokens;
        let sentences = storyline_text::sentences(text)
            .into_iter()
            .map(|s| {
                let end = s.start + s.text.len();
                rest = &rest[rest.partition_point(|&(offset, _)| offset < s.start)..];
                let inside = rest.partition_point(|&(offset, _)| offset < end);
                let mut tokens: Vec<u64> = rest[..inside].iter().map(|&(_, token)| token).collect();
                rest = &rest[inside..];
                tokens.sort_unstable();
                tokens.dedup();
                (s.start..end, tokens)
            })
            .collect();
        AlignableText::of_sentences(text, sentences)
    }

    /// The text's sentences (byte range, sorted distinct tokens), those long enough to align kept.
    fn of_sentences(text: &'a str, mut sentences: Vec<(std::ops::Range<usize>, Vec<u64>)>) -> AlignableText<'a> {
        sentences.retain(|(_, tokens)| tokens.len() >= MIN_SENTENCE_TOKENS);
        let mut postings: Vec<(u64, u32)> = sentences
            .iter()
            .enumerate()
            .flat_map(|(i, (_, tokens))| tokens.iter().map(move |&t| (t, i as u32)))
            .collect();
        postings.sort_unstable();
        AlignableText { text: std::borrow::Cow::Borrowed(text), sentences, postings }
    }

    /// The same, owning a copy of its text: for a caller that keeps the sentences of texts it
    /// meets again (a stored article that is a duplicate candidate of many arriving ones).
    pub fn into_owned(self) -> AlignableText<'static> {
        let AlignableText { text, sentences, postings } = self;
        AlignableText { text: std::borrow::Cow::Owned(text.into_owned()), sentences, postings }
    }

    /// Each alignable sentence's sorted distinct tokens, in order.
    pub(crate) fn sentence_token_lists(&self) -> impl Iterator<Item = &[u64]> {
        self.sentences.iter().map(|(_, tokens)| tokens.as_slice())
    }

    /// The text it was made from.
    pub fn text(&self) -> &str {
        &self.text
    }

    fn sentence(&self, index: usize) -> String {
        self.text[self.sentences[index].0.clone()].to_string()
    }

    /// The sentence pairs (left index, right index, Dice similarity of their token sets) of
    /// `self` and `other` whose similarity reaches `threshold`, by left then right index.
    fn similar_pairs(&self, other: &AlignableText, threshold: f32) -> Vec<(usize, usize, f32)> {
        let mut shared = vec![0u32; other.sentences.len()];
        let mut touched: Vec<usize> = Vec::new();
        let mut pairs = Vec::new();
        for (i, (_, a)) in self.sentences.iter().enumerate() {
            for &token in a {
                let from = other.postings.partition_point(|&(t, _)| t < token);
                for &(_, j) in other.postings[from..].iter().take_while(|&&(t, _)| t == token) {
                    if shared[j as usize] == 0 {
                        touched.push(j as usize);
                    }
                    shared[j as usize] += 1;
                }
            }
            touched.sort_unstable();
            for &j in &touched {
                let b = &other.sentences[j].1;
                // Tokens are distinct within a sentence, so the count is the intersection's size.
                let similarity = 2.0 * shared[j] as f32 / (a.len() + b.len()) as f32;
                if similarity >= threshold {
                    pairs.push((i, j, similarity));
                }
                shared[j] = 0;
            }
            touched.clear();
        }
        pairs
    }
}

/// Aligns the sentences of `copy` to those of `original` in order, keeping pairs whose
/// similarity is at least `threshold` and maximising the total similarity.
pub fn align_sentences(original: &str, copy: &str, threshold: f32) -> Alignment {
    align_texts(&AlignableText::new(original), &AlignableText::new(copy), threshold)
}

/// [`align_sentences`] of texts already split and tokenised.
pub fn align_texts(original: &AlignableText, copy: &AlignableText, threshold: f32) -> Alignment {
    align_texts_at_least(original, copy, threshold, |_, _| 0)
}

/// [`align_texts`], except that when fewer than `at_least(original sentences, copy sentences)`
/// pairs could possibly be aligned (fewer sentences of either text have any counterpart), the
/// alignment has no pairs: a caller that needs that many skips the search for the best one.
pub fn align_texts_at_least(
    original: &AlignableText,
    copy: &AlignableText,
    threshold: f32,
    at_least: impl FnOnce(usize, usize) -> usize,
) -> Alignment {
    let (left, right) = (&original.sentences, &copy.sentences);
    let (n, m) = (left.len(), right.len());
    let needed = at_least(n, m);
    let none = || Alignment { original_sentences: n, copy_sentences: m, pairs: Vec::new() };
    if n.min(m) < needed {
        return none();
    }

    // Each aligned pair takes a sentence of either text that has a counterpart.
    let similar = original.similar_pairs(copy, threshold);
    let mut left_matched: Vec<usize> = similar.iter().map(|&(i, _, _)| i).collect();
    let mut right_matched: Vec<usize> = similar.iter().map(|&(_, j, _)| j).collect();
    for matched in [&mut left_matched, &mut right_matched] {
        matched.sort_unstable();
        matched.dedup();
    }
    let alignable = left_matched.len().min(right_matched.len());
    if alignable < needed || alignable == 0 {
        return none();
    }
    // similarity[i * m + j]: of left[i] and right[j], 0 below the threshold.
    let mut similarity = vec![0.0f32; n * m];
    for &(i, j, s) in &similar {
        similarity[i * m + j] = s;
    }

    // best[i * (m + 1) + j]: best total similarity aligning left[i..] with right[j..].
    let width = m + 1;
    let mut best = vec![0.0f32; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let mut value = best[(i + 1) * width + j].max(best[i * width + j + 1]);
            let s = similarity[i * m + j];
            if s >= threshold {
                value = value.max(s + best[(i + 1) * width + j + 1]);
            }
            best[i * width + j] = value;
        }
    }

    let mut pairs = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        let s = similarity[i * m + j];
        if s >= threshold && (best[i * width + j] - (s + best[(i + 1) * width + j + 1])).abs() < 1e-6 {
            pairs.push(AlignedSentence {
                original_index: i,
                copy_index: j,
                original: original.sentence(i),
                copy: copy.sentence(j),
                similarity: s,
            });
            i += 1;
            j += 1;
        } else if best[(i + 1) * width + j] >= best[i * width + j + 1] {
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

    /// The token index finds exactly the pairs, and the similarities, that comparing every
    /// sentence pair does.
    #[test]
    fn indexed_pairs_are_every_similar_pair() {
        let a = AlignableText::new(
            "Turkey and Qatar signed a military deal with Libya on Monday. Ministers met in Tripoli \
             to discuss the training of troops. Rain fell heavily across the northern provinces. \
             The agreement covers new military facilities and advisers.",
        );
        let b = AlignableText::new(
            "Qatar and Turkey signed a military agreement with Libya on Monday. The deal covers \
             military facilities and advisers for the army. Stock markets closed higher on Friday \
             amid strong earnings. Ministers met in Tripoli to discuss troop training.",
        );
        for threshold in [0.1, 0.3, 0.5, 0.7] {
            let mut brute = Vec::new();
            for (i, (_, x)) in a.sentences.iter().enumerate() {
                for (j, (_, y)) in b.sentences.iter().enumerate() {
                    let shared = x.iter().filter(|t| y.contains(t)).count();
                    let similarity = 2.0 * shared as f32 / (x.len() + y.len()) as f32;
                    if similarity >= threshold {
                        brute.push((i, j, similarity));
                    }
                }
            }
            assert_eq!(a.similar_pairs(&b, threshold), brute, "threshold {threshold}");
        }
        let full = align_texts(&a, &b, 0.5);
        assert!(full.pairs.len() >= 2, "{full:?}");
        assert_eq!(align_texts_at_least(&a, &b, 0.5, |_, _| full.pairs.len()), full);
        assert!(align_texts_at_least(&a, &b, 0.5, |n, m| n.min(m) + 1).pairs.is_empty());
    }

    /// The kept tokens of each word are those of the sentence's content terms.
    #[test]
    fn sorted_tokens_are_the_hashed_sentence_tokens() {
        let hash = |token: &str| {
            token.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
        };
        let sentences = [
            "The Ministers' agreements, signed in Tripoli on 3.5.2020, cover 1,200 troops.",
            "Erdoğan’s ministers met Çavuşoğlu: the deal’s terms were not disclosed. Él dijo que sí.",
            "Los ministros firmaron el acuerdo; the defence ministers signed it again",
        ];
        for _ in 0..2 {
            for sentence in sentences {
                let mut expected: Vec<u64> = sentence_tokens(sentence).iter().map(|t| hash(t)).collect();
                expected.sort_unstable();
                assert_eq!(sorted_tokens_with(sentence, &mut kept_sentence_token), expected, "{sentence}");
            }
        }
    }

    /// Made from the text's word tokens, the sentences and their tokens are those `new` makes.
    fn assert_from_word_tokens_is_new(text: &str) {
        let mut word_tokens = Vec::new();
        storyline_text::for_each_word(text, |offset, word| {
            word_tokens.extend(sentence_token_of_word(word).map(|token| (offset, token)));
        });
        let (made, expected) = (AlignableText::from_word_tokens(text, &word_tokens), AlignableText::new(text));
        assert_eq!((&made.sentences, &made.postings), (&expected.sentences, &expected.postings), "{text:?}");
        let made = AlignableText::from_word_tokens_or(text, &word_tokens, sentence_token_of_word);
        assert_eq!((&made.sentences, &made.postings), (&expected.sentences, &expected.postings), "{text:?}");
    }

    #[test]
    fn alignable_text_from_word_tokens_is_new() {
        for text in [
            "Turkey and Qatar signed a military deal with Libya on Monday. Ministers met in Tripoli \
             to discuss the training of troops.\n\nRain fell heavily across the northern provinces!",
            "El ministro dijo: «¿Firmarán el acuerdo?» Los ministros firmaron… U.S. troops left at 3.5 p.m. \
             on Monday.Then they met.’The end’ said Erdoğan’s aide",
            "Les ministres ont signé l’accord à Tripoli. ما هو الاتفاق؟ Le texte n’a pas été publié.",
        ] {
            assert_from_word_tokens_is_new(text);
        }
    }

    proptest::proptest! {
        #[test]
        fn alignable_text_from_word_tokens_is_new_on_any_text(
            text in "([A-Z]?[a-z]{1,7}[ ,;:]{0,2}|[.!?…][’”»)]?[ \n]?|[0-9.,]{1,4} |[éñçß‘’“”«»–—¿¡_'\"()\t\r]|\\PC){0,80}"
        ) {
            assert_from_word_tokens_is_new(&text);
        }
    }

    #[test]
    fn crossing_matches_are_not_both_kept() {
        let a = "Alpha beta gamma delta epsilon zeta. Kappa lambda omicron sigma tau upsilon.";
        let b = "Kappa lambda omicron sigma tau upsilon. Alpha beta gamma delta epsilon zeta.";
        assert_eq!(align_sentences(a, b, 0.5).pairs.len(), 1);
    }
}
