//! A small BERT encoder in plain Rust, shared by the models that are BERT underneath:
//! all-MiniLM-L6-v2 (`minilm.rs`) and multilingual-e5-small (`e5.rs`). Post-layer-norm
//! transformer layers (self-attention, then an erf-GELU feed-forward network), absolute position
//! embeddings, token type 0 throughout; the sentence vector is the mean of the last layer's token
//! vectors (every token of the text, markers included, as with an all-ones attention mask), L2
//! normalised.
//!
//! Why not candle's BERT: both models are small encoders (6 and 12 layers of width 384), so
//! the work is a handful of matrix products per layer, which `matrixmultiply` (already used by
//! USE-m3) does as fast as a CPU build of candle would, without candle's dozens of crates in
//! every cold CI build. Texts are not padded: the tokens of many texts are stacked into one
//! matrix for the token-wise products, and attention runs per text.

use rayon::prelude::*;

use crate::linalg::{gelu, gemm, layer_norm, token_groups, Mat};

/// A token-wise product is split into equal row blocks, one per thread but none under this many
/// rows, so that one group (one long text, or a batch of a few short ones) uses every core.
const MIN_BLOCK_ROWS: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BertConfig {
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub intermediate: usize,
    /// Rows of the position table: the longest input, markers included.
    pub max_positions: usize,
    pub eps: f32,
}

impl BertConfig {
    /// Why these sizes cannot be run, if they cannot.
    pub(crate) fn check(&self) -> Result<(), String> {
        let BertConfig { hidden, layers, heads, intermediate, max_positions, .. } = *self;
        let sane = |v: usize, max: usize| v > 0 && v <= max;
        if !(sane(hidden, 8192) && sane(layers, 128) && sane(heads, 256) && sane(intermediate, 65536)) {
            return Err(format!("implausible model sizes {self:?}"));
        }
        if hidden % heads != 0 {
            return Err(format!("hidden size {hidden} is not a multiple of {heads} heads"));
        }
        if !sane(max_positions, 1 << 16) {
            return Err(format!("implausible number of positions {max_positions}"));
        }
        Ok(())
    }
}

/// The word-embedding table: plain, or kept in a compact form and expanded row by row.
pub(crate) enum WordTable {
    F32 { rows: usize, values: Vec<f32> },
    Packed(Box<dyn PackedRows>),
}

/// A table kept packed in memory (e.g. 4-bit), expanded one row at a time.
pub(crate) trait PackedRows: Send + Sync {
    fn rows(&self) -> usize;
    /// Writes row `row` (which is < `rows()`) into `out`.
    fn row_into(&self, row: usize, out: &mut [f32]);
}

impl WordTable {
    pub(crate) fn rows(&self) -> usize {
        match self {
            WordTable::F32 { rows, .. } => *rows,
            WordTable::Packed(table) => table.rows(),
        }
    }

    fn row_into(&self, row: usize, out: &mut [f32]) {
        match self {
            WordTable::F32 { values, .. } => out.copy_from_slice(&values[row * out.len()..(row + 1) * out.len()]),
            WordTable::Packed(table) => table.row_into(row, out),
        }
    }
}

/// `y = x · w + b`, with `w` kept as `inputs` rows of `outputs` values so that the matrix
/// product reads it row by row (the files store it transposed, as PyTorch does).
pub(crate) struct Linear {
    w: Vec<f32>,
    b: Vec<f32>,
    pub inputs: usize,
    pub outputs: usize,
}

impl Linear {
    /// From PyTorch's layout: `outputs` rows of `inputs` weights.
    pub(crate) fn new(w: Vec<f32>, b: Vec<f32>, inputs: usize, outputs: usize) -> Result<Linear, String> {
        if w.len() != inputs * outputs || b.len() != outputs {
            return Err(format!("a {outputs} × {inputs} layer got {} weights and {} biases", w.len(), b.len()));
        }
        let mut t = vec![0.0f32; w.len()];
        for (o, row) in w.chunks_exact(inputs).enumerate() {
            for (i, &v) in row.iter().enumerate() {
                t[i * outputs + o] = v;
            }
        }
        Ok(Linear { w: t, b, inputs, outputs })
    }

    /// Several layers reading the same input as one, their outputs side by side (Q, K and V).
    pub(crate) fn concat(parts: Vec<Linear>) -> Linear {
        let inputs = parts[0].inputs;
        assert!(parts.iter().all(|p| p.inputs == inputs));
        let outputs = parts.iter().map(|p| p.outputs).sum();
        let mut w = Vec::with_capacity(inputs * outputs);
        for i in 0..inputs {
            for p in &parts {
                w.extend_from_slice(&p.w[i * p.outputs..(i + 1) * p.outputs]);
            }
        }
        let b = parts.iter().flat_map(|p| p.b.iter().copied()).collect();
        Linear { w, b, inputs, outputs }
    }

    fn apply(&self, x: &[f32], rows: usize) -> Vec<f32> {
        let mut y = vec![0.0f32; rows * self.outputs];
        let block = |(x, y): (&[f32], &mut [f32])| {
            let n = x.len() / self.inputs;
            for row in y.chunks_exact_mut(self.outputs) {
                row.copy_from_slice(&self.b);
            }
            let w = Mat::new(&self.w, self.inputs, self.outputs, self.outputs, 1);
            gemm(Mat::new(x, n, self.inputs, self.inputs, 1), w, y, self.outputs, 1.0, 1.0);
        };
        let blocks = rayon::current_num_threads().min(rows / MIN_BLOCK_ROWS);
        if blocks > 1 {
            let per = rows.div_ceil(blocks);
            x.par_chunks(per * self.inputs).zip(y.par_chunks_mut(per * self.outputs)).for_each(block);
        } else {
            block((x, &mut y));
        }
        y
    }
}

pub(crate) struct Norm {
    pub gamma: Vec<f32>,
    pub beta: Vec<f32>,
}

pub(crate) struct Layer {
    /// Query, key and value projections side by side: `3 × hidden` outputs.
    pub qkv: Linear,
    pub attention_out: Linear,
    pub attention_norm: Norm,
    pub up: Linear,
    pub down: Linear,
    pub output_norm: Norm,
}

/// What one checkpoint calls the parts of an encoder layer: tensor-name stems that
/// [`Layer::read_all`] puts after the layer's own prefix.
pub(crate) struct LayerNames {
    pub query: &'static str,
    pub key: &'static str,
    pub value: &'static str,
    pub attention_out: &'static str,
    pub attention_norm: &'static str,
    pub up: &'static str,
    pub down: &'static str,
    pub output_norm: &'static str,
}

impl Layer {
    /// Reads the encoder's layers, in parallel. `prefix(l)` is layer `l`'s tensor-name prefix;
    /// `linear(name, inputs, outputs)` and `norm(name)` read one part in the checkpoint's format.
    pub(crate) fn read_all<L, N>(
        config: &BertConfig,
        names: &LayerNames,
        prefix: impl Fn(usize) -> String + Sync,
        linear: L,
        norm: N,
    ) -> Result<Vec<Layer>, String>
    where
        L: Fn(&str, usize, usize) -> Result<Linear, String> + Sync,
        N: Fn(&str) -> Result<Norm, String> + Sync,
    {
        let (h, ff) = (config.hidden, config.intermediate);
        (0..config.layers)
            .into_par_iter()
            .map(|l| {
                let p = |part: &str| format!("{}{part}", prefix(l));
                Ok(Layer {
                    qkv: Linear::concat(vec![
                        linear(&p(names.query), h, h)?,
                        linear(&p(names.key), h, h)?,
                        linear(&p(names.value), h, h)?,
                    ]),
                    attention_out: linear(&p(names.attention_out), h, h)?,
                    attention_norm: norm(&p(names.attention_norm))?,
                    up: linear(&p(names.up), h, ff)?,
                    down: linear(&p(names.down), ff, h)?,
                    output_norm: norm(&p(names.output_norm))?,
                })
            })
            .collect()
    }
}

pub(crate) struct Bert {
    pub config: BertConfig,
    pub words: WordTable,
    /// `max_positions` rows of `hidden` values.
    pub positions: Vec<f32>,
    /// The token-type-0 row, added to every token.
    pub token_type: Vec<f32>,
    pub embedding_norm: Norm,
    pub layers: Vec<Layer>,
}

impl Bert {
    /// Checks that every part has the sizes the configuration says.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let c = &self.config;
        c.check()?;
        let h = c.hidden;
        if self.positions.len() != c.max_positions * h || self.token_type.len() != h {
            return Err("position or token-type table of the wrong size".into());
        }
        let norm_ok = |n: &Norm| n.gamma.len() == h && n.beta.len() == h;
        if !norm_ok(&self.embedding_norm) || self.layers.len() != c.layers {
            return Err("wrong embedding norm or number of layers".into());
        }
        for (i, l) in self.layers.iter().enumerate() {
            let shapes = [
                (&l.qkv, h, 3 * h),
                (&l.attention_out, h, h),
                (&l.up, h, c.intermediate),
                (&l.down, c.intermediate, h),
            ];
            if shapes.iter().any(|(lin, i, o)| lin.inputs != *i || lin.outputs != *o)
                || !norm_ok(&l.attention_norm)
                || !norm_ok(&l.output_norm)
            {
                return Err(format!("layer {i} has parts of the wrong size"));
            }
        }
        Ok(())
    }

    /// The longest input it takes, markers included.
    pub(crate) fn window(&self) -> usize {
        self.config.max_positions
    }

    /// One mean-pooled, L2-normalised vector per token-id sequence. Ids past the vocabulary
    /// read its last row; sequences longer than [`Bert::window`] are cut (callers cut them
    /// first, keeping their end marker).
    pub(crate) fn embed_ids(&self, texts: &[Vec<u32>]) -> Vec<Vec<f32>> {
        let parts: Vec<Vec<Vec<f32>>> = token_groups(texts).par_iter().map(|g| self.encode_group(g)).collect();
        parts.into_iter().flatten().collect()
    }

    fn encode_group(&self, group: &[Vec<u32>]) -> Vec<Vec<f32>> {
        let h = self.config.hidden;
        let window = self.window();
        let mut spans = Vec::with_capacity(group.len());
        let mut total = 0;
        for ids in group {
            let n = ids.len().min(window);
            spans.push((total, n));
            total += n;
        }
        let mut x = vec![0.0f32; total * h];
        let last = self.words.rows().saturating_sub(1);
        for (ids, &(start, n)) in group.iter().zip(&spans) {
            for (p, &id) in ids.iter().take(n).enumerate() {
                let row = &mut x[(start + p) * h..(start + p + 1) * h];
                self.words.row_into((id as usize).min(last), row);
                let pos = &self.positions[p * h..(p + 1) * h];
                for ((v, a), b) in row.iter_mut().zip(pos).zip(&self.token_type) {
                    *v += a + b;
                }
            }
        }
        let eps = self.config.eps;
        layer_norm(&mut x, h, &self.embedding_norm.gamma, &self.embedding_norm.beta, eps);
        for layer in &self.layers {
            let qkv = layer.qkv.apply(&x, total);
            let context = self.attention(&qkv, &spans, total);
            let mut y = layer.attention_out.apply(&context, total);
            y.iter_mut().zip(&x).for_each(|(a, b)| *a += b);
            layer_norm(&mut y, h, &layer.attention_norm.gamma, &layer.attention_norm.beta, eps);
            x = y;
            let mut up = layer.up.apply(&x, total);
            gelu(&mut up);
            let mut y = layer.down.apply(&up, total);
            y.iter_mut().zip(&x).for_each(|(a, b)| *a += b);
            layer_norm(&mut y, h, &layer.output_norm.gamma, &layer.output_norm.beta, eps);
            x = y;
        }
        spans
            .iter()
            .map(|&(start, n)| {
                let mut mean = vec![0.0f32; h];
                for row in x[start * h..(start + n) * h].chunks_exact(h) {
                    mean.iter_mut().zip(row).for_each(|(m, v)| *m += v);
                }
                let norm = mean.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
                mean.iter_mut().for_each(|v| *v /= norm);
                mean
            })
            .collect()
    }

    /// Scaled dot-product attention of every head, each text attending to its own tokens only.
    /// `qkv` holds each token's query, key and value side by side; the result is `total` rows of
    /// `hidden` values, the heads side by side.
    fn attention(&self, qkv: &[f32], spans: &[(usize, usize)], total: usize) -> Vec<f32> {
        let h = self.config.hidden;
        let heads = self.config.heads;
        let d = h / heads;
        let scale = 1.0 / (d as f32).sqrt();
        let stride = 3 * h;
        // One (text, head) at a time, each writing its own d-wide column block of its rows.
        let one = |&(start, n): &(usize, usize), head: usize, out: &mut [f32]| {
            if n == 0 {
                return;
            }
            let at = |part: usize| &qkv[start * stride + part * h + head * d..];
            let q = Mat::new(at(0), n, d, stride, 1);
            let kt = Mat::new(at(1), d, n, 1, stride);
            let v = Mat::new(at(2), n, d, stride, 1);
            let mut scores = vec![0.0f32; n * n];
            gemm(q, kt, &mut scores, n, scale, 0.0);
            for row in scores.chunks_exact_mut(n) {
                let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let mut sum = 0.0;
                row.iter_mut().for_each(|s| {
                    *s = (*s - max).exp();
                    sum += *s;
                });
                row.iter_mut().for_each(|s| *s /= sum);
            }
            gemm(Mat::new(&scores, n, n, n, 1), v, out, d, 1.0, 0.0);
        };
        let mut context = vec![0.0f32; total * h];
        let jobs: Vec<(usize, usize)> = (0..spans.len()).flat_map(|s| (0..heads).map(move |hd| (s, hd))).collect();
        let run = |&(s, head): &(usize, usize)| {
            let (_, n) = spans[s];
            let mut out = vec![0.0f32; n * d];
            one(&spans[s], head, &mut out);
            out
        };
        // A large group (a long text, or many short ones) spreads its (text, head) pairs too.
        let results: Vec<Vec<f32>> =
            if total > MIN_BLOCK_ROWS { jobs.par_iter().map(run).collect() } else { jobs.iter().map(run).collect() };
        for (&(s, head), out) in jobs.iter().zip(results) {
            let (start, n) = spans[s];
            for t in 0..n {
                context[(start + t) * h + head * d..(start + t) * h + (head + 1) * d]
                    .copy_from_slice(&out[t * d..(t + 1) * d]);
            }
        }
        context
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-layer model of width 4 with 2 heads, whose weights are small deterministic numbers.
    fn tiny() -> Bert {
        let config = BertConfig { hidden: 4, layers: 1, heads: 2, intermediate: 8, max_positions: 6, eps: 1e-12 };
        let values = |n: usize, seed: usize| -> Vec<f32> {
            (0..n).map(|i| (((i * 7 + seed * 13) % 11) as f32 - 5.0) / 10.0).collect()
        };
        let linear = |i, o, seed| Linear::new(values(i * o, seed), values(o, seed + 1), i, o).unwrap();
        let norm = || Norm { gamma: vec![1.0; 4], beta: vec![0.0; 4] };
        Bert {
            config,
            words: WordTable::F32 { rows: 10, values: values(40, 1) },
            positions: values(24, 2),
            token_type: values(4, 3),
            embedding_norm: norm(),
            layers: vec![Layer {
                qkv: Linear::concat(vec![linear(4, 4, 4), linear(4, 4, 5), linear(4, 4, 6)]),
                attention_out: linear(4, 4, 7),
                attention_norm: norm(),
                up: linear(4, 8, 8),
                down: linear(8, 4, 9),
                output_norm: norm(),
            }],
        }
    }

    #[test]
    fn a_text_gets_the_same_vector_alone_or_in_a_batch() {
        let model = tiny();
        model.validate().unwrap();
        let texts = vec![vec![1, 2, 3], vec![4, 5], vec![6, 7, 8, 9, 1]];
        let batch = model.embed_ids(&texts);
        for (ids, v) in texts.iter().zip(&batch) {
            let alone = &model.embed_ids(std::slice::from_ref(ids))[0];
            assert!(v.iter().zip(alone).all(|(a, b)| (a - b).abs() < 1e-6));
            assert!((v.iter().map(|x| x * x).sum::<f32>() - 1.0).abs() < 1e-5);
        }
        assert_ne!(batch[0], batch[1]);
    }

    #[test]
    fn long_inputs_are_cut_and_unknown_ids_clamped() {
        let model = tiny();
        let long = model.embed_ids(&[vec![1; 20]]);
        let cut = model.embed_ids(&[vec![1; 6]]);
        assert_eq!(long, cut);
        assert_eq!(model.embed_ids(&[vec![99]]), model.embed_ids(&[vec![9]]));
        assert_eq!(model.embed_ids(&[vec![], vec![1]])[0], vec![0.0; 4]);
        assert!(model.embed_ids(&[]).is_empty());
    }

    #[test]
    fn rejects_parts_of_the_wrong_size() {
        let mut model = tiny();
        model.positions.pop();
        assert!(model.validate().is_err());
        assert!(Linear::new(vec![0.0; 5], vec![0.0; 2], 3, 2).is_err());
        let odd = BertConfig { hidden: 6, layers: 1, heads: 4, intermediate: 8, max_positions: 4, eps: 1e-12 };
        assert!(odd.check().is_err());
    }
}
