//! A stored article's screen: a few bytes that rule most duplicate candidates out without
//! reading, inflating, signing and aligning their text.
//!
//! On a large store most candidates that share strongest terms with an arriving article are
//! older reports of other stories, and each was read and judged only to be rejected. The screen
//! keeps what bounds [`judge_with`](crate::judge_with)'s two tests from above:
//!
//! - the lowest bit of each MinHash value: two signatures agree in at least as many bits as
//!   values, so fewer agreeing bits than the near-duplicate threshold asks rules that out;
//! - a 64-bit mask of each alignable sentence's tokens (one bit per token): an arriving
//!   sentence shares with a stored one at most as many tokens as it has tokens whose bit is set
//!   in the stored mask, and the stored sentence has at least as many tokens as bits set. So the
//!   Dice similarity computed from those bounds is at least the true one, and the in-order
//!   pairs that reach the threshold by it are at least those alignment keeps.
//!
//! Both bounds are exact (never below the true value, in the same f32 arithmetic), so a
//! candidate the screen rules out is one [`judge_with`](crate::judge_with) would reject: the
//! same decisions.

use crate::align::AlignableText;
use crate::{republication_needs, DedupConfig, Fingerprint};

/// The first byte of a screen.
const FORMAT: u8 = 0x53;

fn bit_bytes(values: usize) -> usize {
    values.div_ceil(8)
}

/// Where the sentence masks start: after the format byte, the MinHash bits and, when a screen
/// would otherwise have a length that a stored signature (4 bytes a value) can have, one byte
/// of padding, so that the two are told apart by their length.
fn masks_start(values: usize) -> usize {
    let head = 1 + bit_bytes(values);
    if head % 4 == 0 {
        head + 1
    } else {
        head
    }
}

/// A sentence token's bit in a mask.
fn token_bit(token: u64) -> u64 {
    // Tokens are FNV-1a hashes; the top bits of a multiplication mix all of them.
    1 << (token.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58)
}

/// The screen of an article with this fingerprint and text: 1 + 13 + 8 bytes a sentence with
/// the default configuration.
pub fn screen_bytes(fingerprint: &Fingerprint, text: &AlignableText) -> Vec<u8> {
    let values = fingerprint.minhash.len();
    let start = masks_start(values);
    let mut bytes = vec![0u8; start];
    bytes[0] = FORMAT;
    for (i, value) in fingerprint.minhash.iter().enumerate() {
        bytes[1 + i / 8] |= ((value & 1) as u8) << (i % 8);
    }
    for tokens in text.sentence_token_lists() {
        let mask = tokens.iter().fold(0u64, |mask, &token| mask | token_bit(token));
        bytes.extend_from_slice(&mask.to_le_bytes());
    }
    bytes
}

/// Whether `bytes` are a screen ([`screen_bytes`]) under `config`, rather than a stored MinHash
/// signature (as rows kept before screens were) or nothing.
pub fn is_screen(bytes: &[u8], config: &DedupConfig) -> bool {
    let values = config.bands * config.rows_per_band;
    let start = masks_start(values);
    bytes.first() == Some(&FORMAT)
        && bytes.len() >= start
        && (bytes.len() - start) % 8 == 0
        && bytes.len() != 4 * values
}

/// Whether a stored article whose screen is `screen`, and whose text hash differs from the
/// arriving article's, is certainly no duplicate of the arriving article (`incoming`, with its
/// text `incoming_text`): [`judge_with`](crate::judge_with) would find neither a near-duplicate
/// nor a republication. False when `screen` is no screen, or when it cannot tell.
pub fn rules_out(screen: &[u8], incoming: &Fingerprint, incoming_text: &AlignableText, config: &DedupConfig) -> bool {
    let values = config.bands * config.rows_per_band;
    if !is_screen(screen, config) || incoming.minhash.len() != values || values == 0 {
        return false;
    }
    // Near-duplicate: at most as many equal values as equal lowest bits.
    let agreeing = incoming
        .minhash
        .iter()
        .enumerate()
        .filter(|&(i, value)| (screen[1 + i / 8] >> (i % 8)) & 1 == (value & 1) as u8)
        .count();
    if agreeing as f32 / values as f32 >= config.near_duplicate_jaccard {
        return false;
    }

    // Republication: as many in-order sentence pairs as the judgement needs.
    let masks: Vec<u64> = screen[masks_start(values)..]
        .chunks_exact(8)
        .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect();
    let arriving: Vec<&[u64]> = incoming_text.sentence_token_lists().collect();
    let (n, m) = (masks.len(), arriving.len());
    // The alignment's counts are the same either way round, and so is what it needs.
    let needed = republication_needs(config, n, m);
    if n.min(m) < needed {
        return true;
    }
    // best[j]: the longest in-order chain of possible pairs over the stored sentences so far and
    // the arriving sentences before j (a longest common subsequence, one row at a time).
    let mut best = vec![0usize; m + 1];
    for &mask in &masks {
        let stored_tokens = mask.count_ones() as usize;
        let mut diagonal = 0;
        for (j, tokens) in arriving.iter().enumerate() {
            let hits = tokens.iter().filter(|&&token| mask & token_bit(token) != 0).count();
            let possible = 2.0 * hits as f32 / (tokens.len() + stored_tokens) as f32 >= config.sentence_similarity;
            let above = best[j + 1];
            best[j + 1] = if possible { diagonal + 1 } else { above.max(best[j]) };
            diagonal = above;
        }
    }
    best[m] < needed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::ORIGINAL;
    use crate::{fingerprint, judge, Candidate};
    use storyline_model::{Article, SourceFormat};

    fn screened(stored: &str, incoming: &str) -> (bool, bool) {
        let config = DedupConfig::default();
        let (a, b) = (Article::new("a", stored, SourceFormat::Text), Article::new("b", incoming, SourceFormat::Text));
        let (fa, fb) = (fingerprint(&a, &config), fingerprint(&b, &config));
        let screen = screen_bytes(&fa, &AlignableText::new(stored));
        assert!(is_screen(&screen, &config));
        let judged =
            judge(&Candidate { article: &a, fingerprint: &fa }, &Candidate { article: &b, fingerprint: &fb }, &config);
        (rules_out(&screen, &fb, &AlignableText::new(incoming), &config), judged.is_some())
    }

    #[test]
    fn duplicates_pass_and_unrelated_texts_are_ruled_out() {
        let republished = "Turkey and Qatar signed a tripartite agreement with the Libyan government for military cooperation.\n\n\
            The deal, announced yesterday by Libyan Deputy Defense Minister Salam Al-Namroush, will establish military facilities.\n\n\
            The deal was reached after meetings between Turkish Defense Minister Hulusi Akar and his Qatari counterpart.\n\n\
            German Foreign Minister Heiko Maas also visited Tripoli on the same day, unexpectedly.";
        assert_eq!(screened(ORIGINAL, republished), (false, true));
        assert_eq!(screened(ORIGINAL, &ORIGINAL.replace("without announcement", "without notice")), (false, true));
        let other = "Stock markets closed higher on Friday amid strong earnings from the largest banks.\n\n\
            Oil prices fell for a third day as stockpiles in the United States grew more than expected.\n\n\
            The central bank left its interest rates unchanged and said inflation would ease next year.";
        assert_eq!(screened(ORIGINAL, other), (true, false));
    }

    #[test]
    fn a_stored_signature_is_no_screen() {
        let config = DedupConfig::default();
        let values = config.bands * config.rows_per_band;
        let mut signature = vec![0u8; 4 * values];
        signature[0] = FORMAT;
        assert!(!is_screen(&signature, &config));
        assert!(!is_screen(&[], &config));
        for sentences in 0..60 {
            assert_ne!(masks_start(values) + 8 * sentences, 4 * values);
        }
    }

    proptest::proptest! {
        /// Whatever two texts of shared words are, a pair the screen rules out is no duplicate.
        #[test]
        fn what_is_ruled_out_is_no_duplicate(
            a in proptest::collection::vec(0usize..24, 20..120),
            b in proptest::collection::vec(0usize..24, 20..120),
        ) {
            const WORDS: [&str; 24] = [
                "turkey", "qatar", "signed", "deal", "libya", "minister", "defence", "military", "tripoli",
                "meeting", "agreement", "troops", "training", "government", "announced", "facilities",
                "counterpart", "visited", "yesterday", "foreign", "cooperation", "advisers", "army", "talks",
            ];
            let text = |words: &[usize]| {
                words
                    .chunks(7)
                    .map(|sentence| {
                        let words: Vec<&str> = sentence.iter().map(|&w| WORDS[w]).collect();
                        format!("{}.", words.join(" "))
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let (stored, incoming) = (text(&a), text(&b));
            for (s, i) in [(&stored, &incoming), (&stored, &stored), (&incoming, &stored)] {
                let (ruled_out, duplicate) = screened(s, i);
                proptest::prop_assert!(!(ruled_out && duplicate), "{s:?} / {i:?}");
            }
        }
    }
}
