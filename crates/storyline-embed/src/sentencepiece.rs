//! A SentencePiece unigram tokenizer read from a `.model` file, in plain Rust.
//!
//! It reproduces the reference library for the models storyline ships: the `nmt_nfkc`
//! normalisation from the model's precompiled character map (a darts-clone double-array trie),
//! whitespace escaping to U+2581 with a dummy prefix, and Viterbi segmentation over the pieces'
//! log-probabilities. Byte fallback and user-defined symbols are not needed by those models and
//! are not implemented.

use std::collections::HashMap;
use std::path::Path;

use crate::{EmbedError, Result};

const UNK_ID: u32 = 0;
const SPACE: &str = "\u{2581}";

pub struct SentencePiece {
    unigram: Unigram,
    normalizer: Normalizer,
}

/// Unigram segmentation: the pieces, their log-probabilities and the best-scoring split of a
/// normalised text. Shared by the `.model` reader here and by models that ship their vocabulary
/// in a format of their own (`e5.rs`).
pub(crate) struct Unigram {
    /// Every piece and every prefix of one: piece id + 1, or 0 for a prefix that is no piece.
    prefixes: HashMap<String, u32>,
    scores: Vec<f32>,
    unk_score: f32,
    unk_id: u32,
    /// The longest piece, in characters.
    max_chars: usize,
}

impl SentencePiece {
    pub fn open(path: &Path) -> Result<SentencePiece> {
        let data = std::fs::read(path).map_err(|e| EmbedError::io(path, e))?;
        Self::from_bytes(&data).map_err(|why| EmbedError::BadModelFile { path: path.to_path_buf(), why })
    }

    pub fn from_bytes(data: &[u8]) -> std::result::Result<SentencePiece, String> {
        let mut pieces = Vec::new();
        let mut scores = Vec::new();
        let mut charsmap: &[u8] = &[];
        for field in fields(data)? {
            match field {
                // ModelProto.pieces: SentencePiece { piece = 1, score = 2 }
                (1, Value::Bytes(piece)) => {
                    let mut text = None;
                    let mut score = 0.0;
                    for f in fields(piece)? {
                        match f {
                            (1, Value::Bytes(b)) => text = Some(String::from_utf8_lossy(b).into_owned()),
                            (2, Value::Fixed32(bits)) => score = f32::from_bits(bits),
                            _ => {}
                        }
                    }
                    if let Some(text) = text {
                        pieces.push(text);
                        scores.push(score);
                    }
                }
                // ModelProto.normalizer_spec: { precompiled_charsmap = 2 }
                (3, Value::Bytes(spec)) => {
                    for f in fields(spec)? {
                        if let (2, Value::Bytes(b)) = f {
                            charsmap = b;
                        }
                    }
                }
                _ => {}
            }
        }
        if pieces.is_empty() {
            return Err("no pieces in the SentencePiece model".into());
        }
        let unigram = Unigram::new(&pieces, scores, UNK_ID, &[]);
        Ok(SentencePiece { unigram, normalizer: Normalizer::new(charsmap)? })
    }

    pub fn vocab_size(&self) -> usize {
        self.unigram.vocab_size()
    }

    /// Piece ids of `text`, without begin/end markers; `[unk]` for text that normalises to nothing.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let normalized = self.normalizer.normalize(text);
        if normalized.is_empty() {
            return vec![UNK_ID];
        }
        self.unigram.segment(&normalized)
    }
}

impl Unigram {
    /// `pieces[id]` scored `scores[id]`; `unk_id` stands for a character no piece covers, and
    /// the pieces in `unmatched` (e.g. the unknown piece itself) never match text.
    pub(crate) fn new(pieces: &[String], scores: Vec<f32>, unk_id: u32, unmatched: &[u32]) -> Unigram {
        let mut prefixes: HashMap<String, u32> = HashMap::with_capacity(pieces.len() * 3);
        let mut max_chars = 0;
        for (id, piece) in pieces.iter().enumerate() {
            if piece.is_empty() || unmatched.contains(&(id as u32)) {
                continue;
            }
            let boundaries: Vec<usize> = piece.char_indices().map(|(i, _)| i).skip(1).collect();
            max_chars = max_chars.max(boundaries.len() + 1);
            for &end in &boundaries {
                prefixes.entry(piece[..end].to_string()).or_insert(0);
            }
            prefixes.insert(piece.clone(), id as u32 + 1);
        }
        let unk_score = scores.iter().copied().fold(f32::INFINITY, f32::min) - 10.0;
        Unigram { prefixes, scores, unk_score, unk_id, max_chars }
    }

    pub(crate) fn vocab_size(&self) -> usize {
        self.scores.len()
    }

    /// The best segmentation. Every node that starts at a position shares one best predecessor
    /// (the node ending there with the highest score, earliest on ties, as the reference breaks
    /// them), so a left-to-right pass over positions is the same as building the whole lattice.
    pub(crate) fn segment(&self, text: &str) -> Vec<u32> {
        let mut bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        let len = bounds.len();
        bounds.push(text.len());
        let mut best = vec![f32::NEG_INFINITY; len + 1];
        best[0] = 0.0;
        let mut start_of = vec![0usize; len + 1];
        let mut piece_of = vec![self.unk_id; len + 1];
        for i in 0..len {
            let base = best[i];
            let stop = (i + self.max_chars).min(len);
            let mut has_single = false;
            for j in i + 1..=stop {
                let Some(&v) = self.prefixes.get(&text[bounds[i]..bounds[j]]) else { break };
                if v == 0 {
                    continue;
                }
                let score = base + self.scores[v as usize - 1];
                if score > best[j] {
                    best[j] = score;
                    start_of[j] = i;
                    piece_of[j] = v - 1;
                }
                if j == i + 1 {
                    has_single = true;
                }
            }
            if !has_single {
                let score = base + self.unk_score;
                if score > best[i + 1] {
                    best[i + 1] = score;
                    start_of[i + 1] = i;
                    piece_of[i + 1] = self.unk_id;
                }
            }
        }
        let mut ids = Vec::new();
        let mut p = len;
        while p > 0 {
            ids.push(piece_of[p]);
            p = start_of[p];
        }
        ids.reverse();
        if ids.is_empty() {
            ids.push(self.unk_id);
        }
        ids
    }
}

/// `nmt_nfkc`-style normalisation from a precompiled charsmap, plus SentencePiece's whitespace
/// rules (dummy prefix, escaping, collapsing and trimming spaces).
struct Normalizer {
    units: Vec<u32>,
    replacements: Vec<u8>,
}

impl Normalizer {
    fn new(charsmap: &[u8]) -> std::result::Result<Normalizer, String> {
        if charsmap.is_empty() {
            return Ok(Normalizer { units: Vec::new(), replacements: Vec::new() });
        }
        let size = charsmap.get(..4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
        let trie = size.and_then(|s| charsmap.get(4..4 + s)).ok_or("truncated charsmap")?;
        let units = trie.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        Ok(Normalizer { units, replacements: charsmap[4 + trie.len()..].to_vec() })
    }

    fn offset(unit: u32) -> usize {
        ((unit >> 10) << ((unit & 0x200) >> 6)) as usize
    }

    /// The normalised form of the longest charsmap key at the start of `data`, and its length in
    /// bytes; the first character unchanged when no key matches.
    fn normalize_prefix<'a>(&'a self, data: &'a [u8]) -> (&'a [u8], usize) {
        let mut best_len = 0;
        let mut best_value = 0usize;
        if let Some(&root) = self.units.first() {
            let mut node = Self::offset(root);
            for (i, &c) in data.iter().enumerate() {
                node ^= c as usize;
                let Some(&unit) = self.units.get(node) else { break };
                if (unit & 0x8000_00FF) != c as u32 {
                    break;
                }
                node ^= Self::offset(unit);
                if unit & 0x100 != 0 {
                    best_len = i + 1;
                    best_value = (self.units.get(node).copied().unwrap_or(0) & 0x7FFF_FFFF) as usize;
                }
            }
        }
        if best_len == 0 || best_value >= self.replacements.len() {
            let first = data[0];
            let width = match first {
                b if b < 0x80 => 1,
                b if b >> 5 == 0x6 => 2,
                b if b >> 4 == 0xE => 3,
                b if b >> 3 == 0x1E => 4,
                _ => 1,
            };
            let width = if data.len() >= width && data[1..width].iter().all(|&b| b & 0xC0 == 0x80) { width } else { 1 };
            return (&data[..width], width);
        }
        let rest = &self.replacements[best_value..];
        let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        (&rest[..end], best_len)
    }

    fn normalize(&self, text: &str) -> String {
        let raw = text.as_bytes();
        let mut pos = 0;
        // Leading whitespace goes.
        while pos < raw.len() {
            let (piece, advance) = self.normalize_prefix(&raw[pos..]);
            if piece != b" " {
                break;
            }
            pos += advance;
        }
        if pos >= raw.len() {
            return String::new();
        }
        let mut out: Vec<u8> = SPACE.as_bytes().to_vec();
        let mut prev_space = true;
        while pos < raw.len() {
            let (mut piece, advance) = self.normalize_prefix(&raw[pos..]);
            pos += advance;
            if prev_space {
                while let Some(rest) = piece.strip_prefix(b" ") {
                    piece = rest;
                }
            }
            if piece.is_empty() {
                continue;
            }
            if piece.contains(&b' ') {
                for &b in piece {
                    if b == b' ' {
                        out.extend_from_slice(SPACE.as_bytes());
                    } else {
                        out.push(b);
                    }
                }
                prev_space = piece.last() == Some(&b' ');
            } else {
                out.extend_from_slice(piece);
                prev_space = false;
            }
        }
        while out.ends_with(SPACE.as_bytes()) {
            out.truncate(out.len() - SPACE.len());
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

enum Value<'a> {
    Varint,
    Fixed64,
    Bytes(&'a [u8]),
    Fixed32(u32),
}

/// The top-level fields of one protobuf message, in order.
fn fields(data: &[u8]) -> std::result::Result<Vec<(u64, Value<'_>)>, String> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let tag = varint(data, &mut pos)?;
        let value = match tag & 7 {
            0 => {
                varint(data, &mut pos)?;
                Value::Varint
            }
            1 => {
                pos += 8;
                Value::Fixed64
            }
            2 => {
                let len = varint(data, &mut pos)? as usize;
                let bytes = data.get(pos..pos + len).ok_or("truncated protobuf field")?;
                pos += len;
                Value::Bytes(bytes)
            }
            5 => {
                let b = data.get(pos..pos + 4).ok_or("truncated protobuf field")?;
                pos += 4;
                Value::Fixed32(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            }
            wire => return Err(format!("unsupported protobuf wire type {wire}")),
        };
        out.push((tag >> 3, value));
    }
    Ok(out)
}

fn varint(data: &[u8], pos: &mut usize) -> std::result::Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *data.get(*pos).ok_or("truncated protobuf varint")?;
        *pos += 1;
        value |= u64::from(byte & 0x7F) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("protobuf varint too long".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model with pieces and no charsmap, written as protobuf by hand.
    fn tiny_model(pieces: &[(&str, f32)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (piece, score) in pieces {
            let mut inner = vec![0x0A, piece.len() as u8];
            inner.extend_from_slice(piece.as_bytes());
            inner.push(0x15);
            inner.extend_from_slice(&score.to_le_bytes());
            out.push(0x0A);
            out.push(inner.len() as u8);
            out.extend_from_slice(&inner);
        }
        out
    }

    #[test]
    fn segments_by_best_score_and_falls_back_to_unknown() {
        let model = tiny_model(&[
            ("<unk>", 0.0),
            ("<s>", 0.0),
            ("</s>", 0.0),
            ("\u{2581}ab", -1.0),
            ("\u{2581}a", -2.0),
            ("b", -2.0),
            ("c", -3.0),
            ("\u{2581}", -1.0),
        ]);
        let sp = SentencePiece::from_bytes(&model).unwrap();
        assert_eq!(sp.vocab_size(), 8);
        assert_eq!(sp.encode("ab"), vec![3]);
        assert_eq!(sp.encode("  ab   c "), vec![3, 7, 6]);
        assert_eq!(sp.encode("abz"), vec![3, 0]);
        assert_eq!(sp.encode("   "), vec![0]);
    }

    #[test]
    fn rejects_garbage() {
        assert!(SentencePiece::from_bytes(&[0xFF]).is_err());
        assert!(SentencePiece::from_bytes(&[]).is_err());
    }
}
