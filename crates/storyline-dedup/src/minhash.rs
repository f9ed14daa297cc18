//! MinHash signatures over word shingles, and their LSH band keys.
//!
//! Written here rather than taken from a crate because the signatures are persisted: the hash
//! family must stay fixed across versions and platforms, and the banding lives in the store's
//! index, not in an in-memory structure.

use xxhash_rust::xxh3::xxh3_64;

/// A fixed family of hash functions `h_i(x) = a_i · x + b_i (mod 2^64)` applied to a 64-bit
/// shingle hash, keeping the high 32 bits. The coefficients come from a fixed-seed generator so
/// every run and every machine computes the same signatures.
pub struct MinHasher {
    /// The `a_i` and the `b_i` in groups of [`LANES`] (the last group padded with unused
    /// functions), for a loop the compiler turns into vector instructions.
    multipliers: Vec<[u64; LANES]>,
    offsets: Vec<[u64; LANES]>,
    num_hashes: usize,
}

/// Hash functions computed side by side.
const LANES: usize = 8;

impl MinHasher {
    pub fn new(num_hashes: usize) -> Self {
        let mut state = 0x5f0d_a11e_c0de_2020_u64;
        let mut next = move || {
            // splitmix64: a tiny, well-distributed, fixed generator.
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let groups = num_hashes.div_ceil(LANES);
        let (mut multipliers, mut offsets) = (vec![[1u64; LANES]; groups], vec![[0u64; LANES]; groups]);
        for i in 0..num_hashes {
            multipliers[i / LANES][i % LANES] = next() | 1;
            offsets[i / LANES][i % LANES] = next();
        }
        MinHasher { multipliers, offsets, num_hashes }
    }

    /// The signature of the word `shingle_size`-shingles of `words`. A text shorter than one
    /// shingle is a single shingle of all its words; an empty text has an all-max signature.
    pub fn signature<S: AsRef<str>>(&self, words: &[S], shingle_size: usize) -> Vec<u32> {
        let mut joined = String::with_capacity(words.iter().map(|word| word.as_ref().len() + 1).sum());
        let mut word_starts = Vec::with_capacity(words.len());
        for word in words {
            if !word_starts.is_empty() {
                joined.push(' ');
            }
            word_starts.push(joined.len());
            joined.push_str(word.as_ref());
        }
        self.signature_of_joined(&joined, &word_starts, shingle_size)
    }

    /// [`Self::signature`] of the words of `joined`, which holds them separated by single
    /// spaces, the `i`-th starting at `word_starts[i]`. A shingle's hash is that of its words so
    /// joined, which is a slice of `joined`: nothing is copied.
    pub fn signature_of_joined(&self, joined: &str, word_starts: &[usize], shingle_size: usize) -> Vec<u32> {
        let words = word_starts.len();
        let window = shingle_size.max(1).min(words.max(1));
        // Word `i` ends one byte (the space) before the next one starts.
        let word_end = |i: usize| word_starts.get(i + 1).map_or(joined.len(), |&next| next - 1);
        let shingles: Vec<u64> = (0..(words + 1).saturating_sub(window))
            .map(|first| xxh3_64(&joined.as_bytes()[word_starts[first]..word_end(first + window - 1)]))
            .collect();
        self.minima_of_shingles(&shingles)
    }

    /// Each hash function's least value over the shingle hashes, by the fastest instructions
    /// the processor has.
    fn minima_of_shingles(&self, shingles: &[u64]) -> Vec<u32> {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512dq") {
                // SAFETY: the processor has AVX-512 F and DQ, as just checked.
                return unsafe { self.minima_avx512(shingles) };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the processor has AVX2, as just checked.
                return unsafe { self.minima_avx2(shingles) };
            }
        }
        self.minima(shingles)
    }

    /// [`Self::minima`] compiled for AVX-512: the same integer arithmetic, eight 64-bit lanes
    /// at a time with a native 64-bit multiply (AVX2 builds it from three 32-bit ones).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512dq")]
    unsafe fn minima_avx512(&self, shingles: &[u64]) -> Vec<u32> {
        self.minima(shingles)
    }

    /// [`Self::minima`] compiled for AVX2: the same integer arithmetic, four 64-bit lanes at a time.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn minima_avx2(&self, shingles: &[u64]) -> Vec<u32> {
        self.minima(shingles)
    }

    /// Each hash function's least value over the shingle hashes.
    #[inline(always)]
    fn minima(&self, shingles: &[u64]) -> Vec<u32> {
        let mut signature = Vec::with_capacity(self.multipliers.len() * LANES);
        for (a, b) in self.multipliers.iter().zip(&self.offsets) {
            let mut least = [u32::MAX; LANES];
            for &hash in shingles {
                for lane in 0..LANES {
                    let value = (a[lane].wrapping_mul(hash).wrapping_add(b[lane]) >> 32) as u32;
                    least[lane] = least[lane].min(value);
                }
            }
            signature.extend_from_slice(&least);
        }
        signature.truncate(self.num_hashes);
        signature
    }
}

/// The share of positions where two signatures agree: an unbiased estimate of the Jaccard
/// similarity of the two shingle sets.
pub fn estimated_jaccard(a: &[u32], b: &[u32]) -> f32 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f32 / a.len() as f32
}

/// One key per band of `rows` consecutive signature values; the band index is part of the key so
/// that equal values in different bands do not collide.
pub fn band_keys(signature: &[u32], rows: usize) -> Vec<u64> {
    signature
        .chunks(rows.max(1))
        .enumerate()
        .map(|(band, values)| {
            let mut bytes = Vec::with_capacity(4 + values.len() * 4);
            bytes.extend_from_slice(&(band as u32).to_le_bytes());
            values.iter().for_each(|v| bytes.extend_from_slice(&v.to_le_bytes()));
            // SQLite integers are signed 64-bit; keep keys in its positive range.
            xxh3_64(&bytes) >> 1
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn signatures_are_deterministic_and_estimate_jaccard() {
        let hasher = MinHasher::new(256);
        let a = words("one two three four five six seven eight nine ten eleven twelve");
        let b = words("one two three four five six seven eight nine ten eleven thirteen");
        assert_eq!(hasher.signature(&a, 3), MinHasher::new(256).signature(&a, 3));
        // 10 shared 3-shingles of 11 distinct in the union: true Jaccard 9/11 ≈ 0.82.
        let estimate = estimated_jaccard(&hasher.signature(&a, 3), &hasher.signature(&b, 3));
        assert!((estimate - 9.0 / 11.0).abs() < 0.12, "estimate {estimate}");
    }

    /// The store keeps signatures and band keys: they must not change from one version to the
    /// next (these values were computed by the first implementation).
    #[test]
    fn signatures_and_band_keys_stay_the_same() {
        let text = "Turkey and Qatar have signed a tripartite deal with the Libyan government for \
                    military cooperation, the deputy defence minister announced on Monday in Tripoli";
        let signature = MinHasher::new(100).signature(&words(&text.to_lowercase()), 5);
        let bytes: Vec<u8> = signature.iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(xxh3_64(&bytes), 12640105251150250749);
        assert_eq!(band_keys(&signature, 5)[..3], [7591556744393379015, 1974024589920385469, 2147024247493743507]);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn vector_instructions_compute_the_same_minima() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let hasher = MinHasher::new(100);
        let shingles: Vec<u64> = (0..500u64).map(|i| xxh3_64(&i.to_le_bytes())).collect();
        // SAFETY: the processor has AVX2, as checked above.
        assert_eq!(unsafe { hasher.minima_avx2(&shingles) }, hasher.minima(&shingles));
        if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512dq") {
            // SAFETY: the processor has AVX-512 F and DQ, as just checked.
            assert_eq!(unsafe { hasher.minima_avx512(&shingles) }, hasher.minima(&shingles));
        }
    }

    /// The shingles of joined words are the words' shingles, whatever the words hold (spaces
    /// and empty words included).
    #[test]
    fn joined_words_give_the_words_signature() {
        let hasher = MinHasher::new(100);
        let texts = ["", "one", "one two", "a b c d e", "a b c d e f g h i j k", "x  y z", " lead and trail "];
        for text in texts {
            let words: Vec<&str> = text.split(' ').collect();
            for shingle_size in [1, 3, 5] {
                let window = shingle_size.min(words.len().max(1));
                let expected: Vec<u64> = words.windows(window).map(|w| xxh3_64(w.join(" ").as_bytes())).collect();
                assert_eq!(hasher.signature(&words, shingle_size), hasher.minima(&expected), "{text:?}");
            }
        }
        assert_eq!(hasher.signature::<&str>(&[], 5), vec![u32::MAX; 100]);
    }

    #[test]
    fn identical_signatures_share_every_band() {
        let hasher = MinHasher::new(100);
        let s = hasher.signature(&words("a b c d e f g"), 5);
        assert_eq!(band_keys(&s, 5), band_keys(&s, 5));
        assert_eq!(band_keys(&s, 5).len(), 20);
    }

    #[test]
    fn short_and_empty_texts_do_not_panic() {
        let hasher = MinHasher::new(10);
        assert_eq!(hasher.signature::<String>(&[], 5), vec![u32::MAX; 10]);
        assert_ne!(hasher.signature(&words("two words"), 5), vec![u32::MAX; 10]);
    }
}
