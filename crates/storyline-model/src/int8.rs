//! Dense vectors as the store keeps most of them: one signed byte per dimension and one f32
//! scale per vector (symmetric: `value ≈ byte × scale`, the scale being the largest magnitude /
//! 127).
//!
//! A quarter of f32's bytes. Each component comes back within half a step (`scale / 2`) of what
//! was stored, so a cosine between two read-back vectors of a few hundred dimensions moves by
//! about a thousandth: far less than the gaps the event-join decisions turn on.

/// The largest byte magnitude used: ±127, so that 0 stays exact and the range is symmetric.
const LEVELS: f32 = 127.0;

/// A vector in the stored form.
#[derive(Debug, Clone, PartialEq)]
pub struct Int8Vector {
    pub scale: f32,
    pub values: Vec<i8>,
}

impl Int8Vector {
    /// The nearest stored form of `vector`: each component rounded to a multiple of the scale.
    /// An all-zero (or non-finite) vector is stored as zeros.
    pub fn quantise(vector: &[f32]) -> Int8Vector {
        let (scale, values) = quantise_symmetric(vector, LEVELS);
        Int8Vector { scale, values }
    }

    pub fn to_f32(&self) -> Vec<f32> {
        self.values.iter().map(|&v| f32::from(v) * self.scale).collect()
    }

    /// Appends the little-endian scale, then the bytes (the length is the caller's to keep).
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.scale.to_le_bytes());
        out.extend(self.values.iter().map(|&v| v as u8));
    }

    /// Reads what [`Int8Vector::write`] wrote for `dimensions` components; `None` when `bytes`
    /// is shorter than that.
    pub fn read(bytes: &[u8], dimensions: usize) -> Option<Int8Vector> {
        let scale = f32::from_le_bytes(bytes.get(..4)?.try_into().ok()?);
        let values = bytes.get(4..4 + dimensions)?.iter().map(|&b| b as i8).collect();
        Some(Int8Vector { scale, values })
    }

    /// Bytes [`Int8Vector::write`] takes for `dimensions` components.
    pub fn stored_len(dimensions: usize) -> usize {
        4 + dimensions
    }
}

/// Each component of `vector` as the nearest multiple of a scale, the largest magnitude taking
/// `levels` (±`levels` in all, 0 exact): the scale and the multiples. An all-zero (or
/// non-finite) vector gives a zero scale and zeros.
pub(crate) fn quantise_symmetric(vector: &[f32], levels: f32) -> (f32, Vec<i8>) {
    let largest = vector.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    if largest == 0.0 || !largest.is_finite() {
        return (0.0, vec![0; vector.len()]);
    }
    let scale = largest / levels;
    (scale, vector.iter().map(|x| (x / scale).round().clamp(-levels, levels) as i8).collect())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A deterministic vector with components spread over about [-1, 1].
    pub(crate) fn pseudo_random(seed: u64, dimensions: usize) -> Vec<f32> {
        let mut state = seed;
        (0..dimensions)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    pub(crate) fn cosine(a: &[f32], b: &[f32]) -> f32 {
        let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
        dot / (norm(a) * norm(b))
    }

    /// Each component of 20 vectors comes back within half a step, the step being the largest
    /// component over `levels`: the check every quantiser shares. `quantise` gives the step and
    /// the vector read back.
    pub(crate) fn assert_within_half_a_step(levels: f32, quantise: impl Fn(&[f32]) -> (f32, Vec<f32>)) {
        for seed in 0..20 {
            let vector: Vec<f32> = pseudo_random(seed, 512).iter().map(|x| x * 0.07).collect();
            let (scale, read) = quantise(&vector);
            let largest = vector.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert!((scale - largest / levels).abs() <= f32::EPSILON * largest);
            for (x, y) in vector.iter().zip(read) {
                assert!((x - y).abs() <= scale / 2.0 * 1.0001, "{x} came back as {y}");
            }
        }
    }

    /// The largest change of cosine, over 50 pairs, when both vectors are quantised and read back.
    pub(crate) fn worst_cosine_change(round_trip: impl Fn(&[f32]) -> Vec<f32>) -> f32 {
        let mut worst = 0.0f32;
        for seed in 0..50 {
            let a = pseudo_random(2 * seed, 512);
            // A partner at a realistic cosine (about 0.5), not an unrelated vector.
            let b: Vec<f32> = a.iter().zip(pseudo_random(2 * seed + 1, 512)).map(|(x, y)| x + y).collect();
            worst = worst.max((cosine(&a, &b) - cosine(&round_trip(&a), &round_trip(&b))).abs());
        }
        worst
    }

    #[test]
    fn components_come_back_within_half_a_step() {
        assert_within_half_a_step(127.0, |v| {
            let stored = Int8Vector::quantise(v);
            (stored.scale, stored.to_f32())
        });
    }

    #[test]
    fn cosines_move_by_about_a_thousandth() {
        let worst = worst_cosine_change(|v| Int8Vector::quantise(v).to_f32());
        assert!(worst < 2e-3, "largest cosine change {worst}");
    }

    #[test]
    fn extremes_and_zeros_are_exact() {
        let stored = Int8Vector::quantise(&[0.5, -0.5, 0.0, 0.25]);
        assert_eq!(stored.values, vec![127, -127, 0, 64]);
        assert_eq!(Int8Vector::quantise(&[0.0, 0.0]).to_f32(), vec![0.0, 0.0]);
        assert_eq!(Int8Vector::quantise(&[]).to_f32(), Vec::<f32>::new());
    }

    #[test]
    fn bytes_read_back() {
        let stored = Int8Vector::quantise(&pseudo_random(7, 9));
        let mut bytes = Vec::new();
        stored.write(&mut bytes);
        assert_eq!(bytes.len(), Int8Vector::stored_len(9));
        assert_eq!(Int8Vector::read(&bytes, 9), Some(stored));
        assert_eq!(Int8Vector::read(&bytes[..10], 9), None);
    }
}
