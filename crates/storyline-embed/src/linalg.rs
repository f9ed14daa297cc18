//! The few dense operations the encoders need, on row-major `f32` slices.

/// `a` (m × k) times `b` (k × n), row-major.
pub(crate) fn matmul(a: &[f32], m: usize, k: usize, b: &[f32], n: usize) -> Vec<f32> {
    debug_assert_eq!(a.len(), m * k);
    debug_assert_eq!(b.len(), k * n);
    let mut c = vec![0.0f32; m * n];
    gemm(Mat::new(a, m, k, k, 1), Mat::new(b, k, n, n, 1), &mut c, n, 1.0, 0.0);
    c
}

/// A read-only matrix view: `rows` × `cols` values of `data` at `data[r * row_stride + c * col_stride]`.
/// A transposed view of a row-major matrix is the same data with the strides swapped.
#[derive(Clone, Copy)]
pub(crate) struct Mat<'a> {
    pub data: &'a [f32],
    pub rows: usize,
    pub cols: usize,
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a> Mat<'a> {
    pub(crate) fn new(data: &'a [f32], rows: usize, cols: usize, row_stride: usize, col_stride: usize) -> Mat<'a> {
        let mat = Mat { data, rows, cols, row_stride, col_stride };
        assert!(mat.fits(data.len()), "matrix view out of bounds");
        mat
    }

    /// Whether every element lies inside a slice of `len` values.
    fn fits(&self, len: usize) -> bool {
        self.rows == 0 || self.cols == 0 || (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride < len
    }
}

/// `c = alpha · a · b + beta · c`, where `c` is row-major with `c_stride` values per row
/// (a.rows × b.cols of them are written). Checks every bound before handing the pointers to
/// `matrixmultiply`.
pub(crate) fn gemm(a: Mat, b: Mat, c: &mut [f32], c_stride: usize, alpha: f32, beta: f32) {
    assert_eq!(a.cols, b.rows, "inner dimensions differ");
    let (m, k, n) = (a.rows, a.cols, b.cols);
    if m == 0 || n == 0 {
        return;
    }
    assert!(Mat { data: c, rows: m, cols: n, row_stride: c_stride, col_stride: 1 }.fits(c.len()));
    assert!(a.fits(a.data.len()) && b.fits(b.data.len()));
    // SAFETY: the three views were checked to lie inside their slices, and `c` is borrowed
    // mutably, so it overlaps neither input.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            alpha,
            a.data.as_ptr(),
            a.row_stride as isize,
            a.col_stride as isize,
            b.data.as_ptr(),
            b.row_stride as isize,
            b.col_stride as isize,
            beta,
            c.as_mut_ptr(),
            c_stride as isize,
            1,
        );
    }
}

/// Layer normalisation of each row of width `width`, in place.
pub(crate) fn layer_norm(x: &mut [f32], width: usize, gamma: &[f32], beta: &[f32], eps: f32) {
    for row in x.chunks_exact_mut(width) {
        let mean = row.iter().sum::<f32>() / width as f32;
        row.iter_mut().for_each(|v| *v -= mean);
        let var = row.iter().map(|v| v * v).sum::<f32>() / width as f32;
        let inv = 1.0 / (var + eps).sqrt();
        for ((v, g), b) in row.iter_mut().zip(gamma).zip(beta) {
            *v = *v * inv * g + b;
        }
    }
}

pub(crate) fn relu(x: &mut [f32]) {
    x.iter_mut().for_each(|v| *v = v.max(0.0));
}

/// The exact (erf) GELU of BERT, in place. Written without calls into libm so that the loop
/// vectorises: it runs over every hidden unit of every token of every layer.
pub(crate) fn gelu(x: &mut [f32]) {
    x.iter_mut().for_each(|v| *v = 0.5 * *v * (1.0 + erf(*v * std::f32::consts::FRAC_1_SQRT_2)));
}

/// The error function, to about 2e-7 (Abramowitz and Stegun 7.1.26); `f32::erf` is not stable
/// yet.
#[inline(always)]
pub(crate) fn erf(x: f32) -> f32 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t * (0.254_829_6 + t * (-0.284_496_74 + t * (1.421_413_8 + t * (-1.453_152_1 + t * 1.061_405_4))));
    let y = 1.0 - poly * exp_neg(z * z);
    y.copysign(x)
}

/// `e^-x` for `x ≥ 0`, to a relative 3e-7 below `x = 10` and 3e-6 up to 80 (where it stops): `2^-n · 2^-f` with the fraction's
/// power from a degree-6 polynomial. Plain arithmetic, so that loops over it vectorise.
#[inline(always)]
fn exp_neg(x: f32) -> f32 {
    let x = x.min(80.0) * -std::f32::consts::LOG2_E;
    // Round to the nearest integer by the float-addition trick (no rounding instruction needed).
    let n = (x + 12_582_912.0) - 12_582_912.0;
    let f = (x - n) * std::f32::consts::LN_2; // in [-ln2/2, ln2/2]
    let p = 1.0 + f * (1.0 + f * (0.5 + f * (1.0 / 6.0 + f * (1.0 / 24.0 + f * (1.0 / 120.0 + f * (1.0 / 720.0))))));
    // 2^n through the exponent bits; n ≥ -116 since x ≤ 80.
    p * f32::from_bits(((n as i32 + 127) as u32) << 23)
}

/// Tokens stacked into one group for the encoders: every token-wise layer of a group is one
/// matrix product, large enough that packing the weights (once per product) costs little next
/// to the arithmetic, and a batch still splits into groups for every core.
pub(crate) const GROUP_TOKENS: usize = 1024;

/// Consecutive runs of token-id sequences of about [`GROUP_TOKENS`] tokens in all (a longer
/// sequence is a group of its own). No group is empty.
pub(crate) fn token_groups(texts: &[Vec<u32>]) -> Vec<&[Vec<u32>]> {
    let mut groups = Vec::new();
    let (mut start, mut tokens) = (0, 0);
    for (i, ids) in texts.iter().enumerate() {
        if tokens > 0 && tokens + ids.len() > GROUP_TOKENS {
            groups.push(&texts[start..i]);
            (start, tokens) = (i, 0);
        }
        tokens += ids.len();
    }
    if start < texts.len() {
        groups.push(&texts[start..]);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_hold_about_group_tokens() {
        let texts = vec![vec![0; 600], vec![0; 600], vec![0; 2000], vec![0; 10], vec![0; 10]];
        let sizes: Vec<usize> = token_groups(&texts).iter().map(|g| g.len()).collect();
        assert_eq!(sizes, [1, 1, 1, 2]);
        assert!(token_groups(&[]).is_empty());
    }

    #[test]
    fn multiplies() {
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2 × 3
        let b = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0]; // 3 × 2
        assert_eq!(matmul(&a, 2, 3, &b, 2), vec![4.0, 5.0, 10.0, 11.0]);
    }

    #[test]
    fn multiplies_strided_views() {
        // a · bᵀ with b stored row-major (2 × 3), written into every other column of c.
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2 × 3
        let b = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0]; // 2 × 3, used as 3 × 2
        let mut c = [9.0; 8];
        gemm(Mat::new(&a, 2, 3, 3, 1), Mat::new(&b, 3, 2, 1, 3), &mut c, 4, 1.0, 0.0);
        assert_eq!(c, [4.0, 2.0, 9.0, 9.0, 10.0, 5.0, 9.0, 9.0]);
    }

    #[test]
    #[should_panic(expected = "out of bounds")]
    fn refuses_views_past_the_end() {
        Mat::new(&[0.0; 5], 2, 3, 3, 1);
    }

    #[test]
    fn normalises_rows() {
        let mut x = [1.0, 3.0, 10.0, 10.0];
        layer_norm(&mut x, 2, &[1.0, 1.0], &[0.0, 0.5], 1e-6);
        assert!((x[0] + 1.0).abs() < 1e-3 && (x[1] - 1.5).abs() < 1e-3);
        assert_eq!(&x[2..], &[0.0, 0.5]);
    }

    #[test]
    fn erf_and_gelu() {
        for (x, want) in [(0.0, 0.0), (0.5, 0.520_499_9), (1.0, 0.842_700_8), (-2.0, -0.995_322_3), (4.0, 0.999_999_98)]
        {
            assert!((erf(x) - want).abs() < 3e-7, "erf({x}) = {}", erf(x));
        }
        for x in [0.0f32, 0.1, 0.5, 1.0, 3.0, 10.0, 50.0, 80.0] {
            let want = (-x as f64).exp();
            let tolerance = if x < 10.0 { 3e-7 } else { 3e-6 };
            assert!(((exp_neg(x) as f64) - want).abs() <= tolerance * want, "e^-{x}: {}", exp_neg(x));
        }
        let mut v = [1.0, -1.0, 0.0];
        gelu(&mut v);
        assert!((v[0] - 0.841_344_7).abs() < 1e-6 && (v[1] + 0.158_655_3).abs() < 1e-6 && v[2] == 0.0);
    }
}
