//! Dense vectors in three quarters of [`crate::Int8Vector`]'s bytes: six bits per dimension (a
//! multiple of the scale from −31 to 31, four to three bytes) and one f32 scale per vector (the
//! largest magnitude / 31). Each component comes back within half a step (`scale / 2`), so a
//! cosine between two read-back vectors of a few hundred dimensions moves by a few thousandths
//! (four times [`crate::Int8Vector`]'s, a quarter of [`crate::Int4Vector`]'s).

use crate::int8::quantise_symmetric;

/// The largest multiple used: ±31, so that 0 stays exact and the range is symmetric.
const LEVELS: f32 = 31.0;

/// A vector in the six-bit stored form.
#[derive(Debug, Clone, PartialEq)]
pub struct Int6Vector {
    pub scale: f32,
    /// Each component's multiple of the scale, in −31..=31.
    pub values: Vec<i8>,
}

impl Int6Vector {
    /// The nearest stored form of `vector`: each component rounded to a multiple of the scale.
    /// An all-zero (or non-finite) vector is stored as zeros.
    pub fn quantise(vector: &[f32]) -> Int6Vector {
        let (scale, values) = quantise_symmetric(vector, LEVELS);
        Int6Vector { scale, values }
    }

    pub fn to_f32(&self) -> Vec<f32> {
        self.values.iter().map(|&v| f32::from(v) * self.scale).collect()
    }

    /// Appends the little-endian scale, then the values four to three bytes (as two's complement,
    /// the first in the lowest six bits of a little-endian 24-bit group; a short last group is
    /// padded with zeros and takes only the bytes its values reach). The length is the caller's to
    /// keep.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.scale.to_le_bytes());
        for group in self.values.chunks(4) {
            let bits =
                group.iter().enumerate().fold(0u32, |bits, (i, &v)| bits | (((v as u8) & 0x3f) as u32) << (6 * i));
            out.extend_from_slice(&bits.to_le_bytes()[..(6 * group.len()).div_ceil(8)]);
        }
    }

    /// Reads what [`Int6Vector::write`] wrote for `dimensions` components; `None` when `bytes`
    /// is shorter than that.
    pub fn read(bytes: &[u8], dimensions: usize) -> Option<Int6Vector> {
        let scale = f32::from_le_bytes(bytes.get(..4)?.try_into().ok()?);
        let packed = bytes.get(4..Self::stored_len(dimensions))?;
        let mut values = Vec::with_capacity(dimensions);
        for group in packed.chunks(3) {
            let mut word = [0u8; 4];
            word[..group.len()].copy_from_slice(group);
            let bits = u32::from_le_bytes(word);
            // Shifting the six bits to the top and back extends their sign.
            values.extend((0..4).map(|i| (((bits >> (6 * i)) as u8) << 2) as i8 >> 2));
        }
        values.truncate(dimensions);
        Some(Int6Vector { scale, values })
    }

    /// Bytes [`Int6Vector::write`] takes for `dimensions` components.
    pub fn stored_len(dimensions: usize) -> usize {
        4 + (6 * dimensions).div_ceil(8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::int8::tests::{assert_within_half_a_step, pseudo_random, worst_cosine_change};

    #[test]
    fn components_come_back_within_half_a_step() {
        assert_within_half_a_step(31.0, |v| {
            let stored = Int6Vector::quantise(v);
            (stored.scale, stored.to_f32())
        });
    }

    #[test]
    fn cosines_move_by_a_few_thousandths() {
        let worst = worst_cosine_change(|v| Int6Vector::quantise(v).to_f32());
        assert!(worst < 5e-3, "largest cosine change {worst}");
    }

    #[test]
    fn extremes_and_zeros_are_exact() {
        let stored = Int6Vector::quantise(&[0.31, -0.31, 0.0, 0.02, -0.01]);
        assert_eq!(stored.values, vec![31, -31, 0, 2, -1]);
        assert_eq!(Int6Vector::quantise(&[0.0, 0.0]).to_f32(), vec![0.0, 0.0]);
        assert_eq!(Int6Vector::quantise(&[]).to_f32(), Vec::<f32>::new());
    }

    #[test]
    fn bytes_read_back_for_every_length_of_a_last_group() {
        for dimensions in [0, 1, 2, 3, 4, 5, 8, 9, 511, 512] {
            let stored = Int6Vector::quantise(&pseudo_random(7, dimensions));
            let mut bytes = Vec::new();
            stored.write(&mut bytes);
            assert_eq!(bytes.len(), Int6Vector::stored_len(dimensions));
            assert_eq!(Int6Vector::read(&bytes, dimensions), Some(stored));
            if dimensions > 0 {
                assert_eq!(Int6Vector::read(&bytes[..bytes.len() - 1], dimensions), None);
            }
        }
    }
}
