//! The approximate-nearest-neighbour index over event centroids in embedding space.
//!
//! Random-hyperplane LSH (Charikar 2002): each bit of a band key says on which side of a random
//! hyperplane a vector lies, so two vectors at angle θ agree on a bit with probability 1 − θ/π.
//! Events whose centroid shares a band key with an article are its semantic candidates. The
//! keys are plain integers, so the store indexes them in the same transaction as the events
//! themselves, and the index can never disagree with the events it points at — the reason this
//! is written here rather than taken from an in-memory ANN crate.
//!
//! With the defaults (16 bands of 8 bits), a centroid at cosine 0.9 to the article is found
//! with probability 0.996, at 0.8 with 0.94, at 0.5 with 0.47.

/// Random hyperplanes for one vector dimension, grouped into bands.
#[derive(Debug, Clone)]
pub struct HyperplaneLsh {
    dimension: usize,
    bands: usize,
    bits: usize,
    /// `bands × bits` hyperplanes, each `dimension` long, row after row.
    planes: Vec<f32>,
}

impl HyperplaneLsh {
    /// The same `(dimension, bands, bits, seed)` always gives the same hyperplanes, so keys
    /// stored by one run are valid in the next.
    pub fn new(dimension: usize, bands: usize, bits: usize, seed: u64) -> HyperplaneLsh {
        assert!(bits <= 24, "band keys hold at most 24 bits next to the band number");
        let mut state = seed;
        let planes = (0..dimension * bands * bits).map(|_| gaussian(&mut state)).collect();
        HyperplaneLsh { dimension, bands, bits, planes }
    }

    /// The index for vectors of `dimension`: 16 bands of 8 bits.
    pub fn for_dimension(dimension: usize) -> HyperplaneLsh {
        HyperplaneLsh::new(dimension, 16, 8, 0x5eed_0f_e7e7)
    }

    /// One key per band; the band number is part of the key, so bands never collide.
    pub fn band_keys(&self, vector: &[f32]) -> Vec<i64> {
        if vector.len() != self.dimension {
            return Vec::new();
        }
        let mut planes = self.planes.chunks_exact(self.dimension);
        (0..self.bands)
            .map(|band| {
                let mut key = band as i64;
                for _ in 0..self.bits {
                    let plane = planes.next().expect("bands × bits planes");
                    let side = plane.iter().zip(vector).map(|(p, v)| p * v).sum::<f32>() >= 0.0;
                    key = (key << 1) | side as i64;
                }
                key
            })
            .collect()
    }
}

/// splitmix64: a tiny, well-mixed generator, enough for reproducible hyperplanes.
fn next_u64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A standard normal sample (Box–Muller): Gaussian hyperplanes make the bit agreement depend
/// on the angle alone.
fn gaussian(state: &mut u64) -> f32 {
    let uniform = |s: &mut u64| ((next_u64(s) >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let (u, v) = (uniform(state), uniform(state));
    ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
}

/// The running mean of unit vectors after adding one to `members` of them, L2-normalised.
pub fn add_to_dense_centroid(centroid: &[f32], members: usize, vector: &[f32]) -> Vec<f32> {
    let mut sum: Vec<f32> = if centroid.len() == vector.len() {
        centroid.iter().zip(vector).map(|(c, v)| c * members as f32 + v).collect()
    } else {
        vector.to_vec()
    };
    let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        sum.iter_mut().for_each(|x| *x /= norm);
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: Vec<f32>) -> Vec<f32> {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.into_iter().map(|x| x / n).collect()
    }

    #[test]
    fn keys_are_stable_and_near_vectors_share_more_of_them() {
        let lsh = HyperplaneLsh::for_dimension(64);
        let mut state = 7;
        let a = unit((0..64).map(|_| gaussian(&mut state)).collect());
        let noise: Vec<f32> = (0..64).map(|_| gaussian(&mut state)).collect();
        let near = unit(a.iter().zip(&noise).map(|(x, n)| x + 0.05 * n).collect());
        let far = unit(noise);
        assert_eq!(lsh.band_keys(&a), HyperplaneLsh::for_dimension(64).band_keys(&a));
        let shared = |b: &[f32]| lsh.band_keys(&a).iter().zip(lsh.band_keys(b)).filter(|(x, y)| **x == *y).count();
        assert!(shared(&near) > shared(&far), "near {} far {}", shared(&near), shared(&far));
        assert!(shared(&near) >= 3, "cosine 0.93 shares about 6 of 16 bands");
        assert!(lsh.band_keys(&[1.0, 2.0]).is_empty(), "a vector of the wrong length has no keys");
    }

    #[test]
    fn dense_centroid_is_the_normalised_mean() {
        let c = add_to_dense_centroid(&[1.0, 0.0], 1, &[0.0, 1.0]);
        assert!((c[0] - c[1]).abs() < 1e-6 && (c[0] * c[0] + c[1] * c[1] - 1.0).abs() < 1e-6);
        assert_eq!(add_to_dense_centroid(&[], 0, &[0.0, 2.0]), vec![0.0, 1.0]);
    }
}
