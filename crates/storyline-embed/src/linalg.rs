//! The few dense operations the encoders need, on row-major `f32` slices.

/// `a` (m × k) times `b` (k × n), row-major.
pub(crate) fn matmul(a: &[f32], m: usize, k: usize, b: &[f32], n: usize) -> Vec<f32> {
    debug_assert_eq!(a.len(), m * k);
    debug_assert_eq!(b.len(), k * n);
    let mut c = vec![0.0f32; m * n];
    if m == 0 || n == 0 {
        return c;
    }
    // SAFETY: the slices hold m×k, k×n and m×n values laid out with the strides given.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            k as isize,
            1,
            b.as_ptr(),
            n as isize,
            1,
            0.0,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
    c
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiplies() {
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2 × 3
        let b = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0]; // 3 × 2
        assert_eq!(matmul(&a, 2, 3, &b, 2), vec![4.0, 5.0, 10.0, 11.0]);
    }

    #[test]
    fn normalises_rows() {
        let mut x = [1.0, 3.0, 10.0, 10.0];
        layer_norm(&mut x, 2, &[1.0, 1.0], &[0.0, 0.5], 1e-6);
        assert!((x[0] + 1.0).abs() < 1e-3 && (x[1] - 1.5).abs() < 1e-3);
        assert_eq!(&x[2..], &[0.0, 0.5]);
    }
}
