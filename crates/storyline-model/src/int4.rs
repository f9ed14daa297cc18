//! Dense vectors in half of [`crate::Int8Vector`]'s bytes: four bits per dimension (a multiple
//! of the scale from −7 to 7, two to a byte) and one f32 scale per vector (the largest magnitude
//! / 7). Each component comes back within half a step (`scale / 2`), so a cosine between two
//! read-back vectors of a few hundred dimensions moves by about a hundredth (ten times
//! [`crate::Int8Vector`]'s): for the many vectors whose cosines are only compared among
//! themselves and averaged (an article's sentences).

use crate::int8::quantise_symmetric;

/// The largest multiple used: ±7, so that 0 stays exact and the range is symmetric.
const LEVELS: f32 = 7.0;

/// A vector in the four-bit stored form.
#[derive(Debug, Clone, PartialEq)]
pub struct Int4Vector {
    pub scale: f32,
    /// Each component's multiple of the scale, in −7..=7.
    pub values: Vec<i8>,
}

impl Int4Vector {
    /// The nearest stored form of `vector`: each component rounded to a multiple of the scale.
    /// An all-zero (or non-finite) vector is stored as zeros.
    pub fn quantise(vector: &[f32]) -> Int4Vector {
        let (scale, values) = quantise_symmetric(vector, LEVELS);
        Int4Vector { scale, values }
    }

    pub fn to_f32(&self) -> Vec<f32> {
        self.values.iter().map(|&v| f32::from(v) * self.scale).collect()
    }

    /// Appends the little-endian scale, then the values two to a byte (the first in the low
    /// nibble, as two's complement; an odd last value leaves the high nibble 0). The length is
    /// the caller's to keep.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.scale.to_le_bytes());
        let nibble = |v: &i8| (*v as u8) & 0x0f;
        out.extend(self.values.chunks(2).map(|pair| nibble(&pair[0]) | pair.get(1).map_or(0, nibble) << 4));
    }

    /// Reads what [`Int4Vector::write`] wrote for `dimensions` components; `None` when `bytes`
    /// is shorter than that.
    pub fn read(bytes: &[u8], dimensions: usize) -> Option<Int4Vector> {
        let scale = f32::from_le_bytes(bytes.get(..4)?.try_into().ok()?);
        // Shifting the nibble to the top and back extends its sign.
        let signed = |nibble: u8| ((nibble << 4) as i8) >> 4;
        let packed = bytes.get(4..4 + dimensions.div_ceil(2))?;
        let values = packed.iter().flat_map(|&b| [signed(b & 0x0f), signed(b >> 4)]).take(dimensions).collect();
        Some(Int4Vector { scale, values })
    }

    /// Bytes [`Int4Vector::write`] takes for `dimensions` components.
    pub fn stored_len(dimensions: usize) -> usize {
        4 + dimensions.div_ceil(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::int8::tests::{assert_within_half_a_step, pseudo_random, worst_cosine_change};

    #[test]
    fn components_come_back_within_half_a_step() {
        assert_within_half_a_step(7.0, |v| {
            let stored = Int4Vector::quantise(v);
            (stored.scale, stored.to_f32())
        });
    }

    #[test]
    fn cosines_move_by_about_a_hundredth() {
        let worst = worst_cosine_change(|v| Int4Vector::quantise(v).to_f32());
        assert!(worst < 1.5e-2, "largest cosine change {worst}");
    }

    #[test]
    fn extremes_and_zeros_are_exact() {
        let stored = Int4Vector::quantise(&[0.7, -0.7, 0.0, 0.2]);
        assert_eq!(stored.values, vec![7, -7, 0, 2]);
        assert_eq!(Int4Vector::quantise(&[0.0, 0.0]).to_f32(), vec![0.0, 0.0]);
        assert_eq!(Int4Vector::quantise(&[]).to_f32(), Vec::<f32>::new());
    }

    #[test]
    fn bytes_read_back_for_odd_and_even_lengths() {
        for dimensions in [0, 1, 8, 9, 512] {
            let stored = Int4Vector::quantise(&pseudo_random(7, dimensions));
            let mut bytes = Vec::new();
            stored.write(&mut bytes);
            assert_eq!(bytes.len(), Int4Vector::stored_len(dimensions));
            assert_eq!(Int4Vector::read(&bytes, dimensions), Some(stored));
            assert_eq!(Int4Vector::read(&bytes[..bytes.len() - 1], dimensions), None);
        }
    }
}
