//! The model file: a small little-endian binary layout.
//!
//! ```text
//! magic    8 bytes  "SLNERMDL"
//! version  u32      FORMAT_VERSION
//! schema   u32      feature template version the weights belong to
//! labels   u32      number of labels (17)
//! about    u32 byte length, UTF-8 bytes: what the model was trained on and under which terms
//!          (version 2 on; version 1 files, which lack it, still load)
//! stems    u32 byte length, UTF-8 bytes: the language whose stems are features, "" for none
//!          (version 3 on)
//! trans    f32 * (labels + 1) * labels
//! names    u32 count, then per name: u32 byte length, UTF-8 bytes, u8 kind mask
//! features u32 count, then per feature: u64 hash, u8 n, n * (u8 label, f32 weight)
//! check    u64      xxh3 of everything before it
//! ```
//! Feature rows are stored sparsely because most features carry weight for only a few labels.

use crate::entity::NUM_LABELS;
use crate::error::{NerError, Result};
use crate::features::{stem_algorithm, FEATURE_SCHEMA};
use crate::gazetteer::Gazetteer;
use crate::tagger::{FeatureRows, Tagger, TRANSITION_LEN};
use std::collections::HashMap;
use std::path::Path;
use xxhash_rust::xxh3::xxh3_64;

const MAGIC: &[u8; 8] = b"SLNERMDL";
const FORMAT_VERSION: u32 = 3;
/// The oldest version this build still reads.
const OLDEST_VERSION: u32 = 1;

impl Tagger {
    /// Serialises the model to bytes (see the layout above). Same model, same bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.rows.len() * 24);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&FEATURE_SCHEMA.to_le_bytes());
        out.extend_from_slice(&(NUM_LABELS as u32).to_le_bytes());
        out.extend_from_slice(&(self.about.len() as u32).to_le_bytes());
        out.extend_from_slice(self.about.as_bytes());
        let stems = self.stems.as_deref().unwrap_or("");
        out.extend_from_slice(&(stems.len() as u32).to_le_bytes());
        out.extend_from_slice(stems.as_bytes());
        for w in &self.trans {
            out.extend_from_slice(&w.to_le_bytes());
        }
        let names = self.gazetteer.sorted_entries();
        out.extend_from_slice(&(names.len() as u32).to_le_bytes());
        for (name, mask) in names {
            out.extend_from_slice(&(name.len() as u32).to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.push(mask);
        }
        let mut features: Vec<(u64, u32)> = self.rows.iter().map(|(&h, &r)| (h, r)).collect();
        features.sort_unstable();
        out.extend_from_slice(&(features.len() as u32).to_le_bytes());
        for (h, r) in features {
            out.extend_from_slice(&h.to_le_bytes());
            let w = &self.emit[r as usize * NUM_LABELS..(r as usize + 1) * NUM_LABELS];
            let nonzero = w.iter().filter(|&&x| x != 0.0).count();
            out.push(nonzero as u8);
            for (label, &x) in w.iter().enumerate() {
                if x != 0.0 {
                    out.push(label as u8);
                    out.extend_from_slice(&x.to_le_bytes());
                }
            }
        }
        let check = xxh3_64(&out);
        out.extend_from_slice(&check.to_le_bytes());
        out
    }

    /// Reads a model from bytes produced by [`Tagger::to_bytes`]; `origin` names the source in
    /// errors.
    pub fn from_bytes(bytes: &[u8], origin: &Path) -> Result<Tagger> {
        let bad = |reason: String| NerError::BadModel { path: origin.to_path_buf(), reason };
        let (mut r, version) = verify(bytes, origin)?;
        let body = r.bytes;
        let about = if version >= 2 {
            let len = r.u32().map_err(&bad)? as usize;
            let raw = r.take(len).map_err(&bad)?;
            std::str::from_utf8(raw).map_err(|_| bad("the model's description is not UTF-8".into()))?.to_string()
        } else {
            String::new()
        };
        let stems = if version >= 3 {
            let len = r.u32().map_err(&bad)? as usize;
            let raw = r.take(len).map_err(&bad)?;
            let lang = std::str::from_utf8(raw).map_err(|_| bad("the stems' language is not UTF-8".into()))?;
            if !lang.is_empty() && stem_algorithm(lang).is_none() {
                return Err(bad(format!("no stemmer for {lang:?}, whose stems the model takes")));
            }
            (!lang.is_empty()).then(|| lang.to_string())
        } else {
            None
        };
        let mut trans = Vec::with_capacity(TRANSITION_LEN);
        for _ in 0..TRANSITION_LEN {
            trans.push(r.f32().map_err(&bad)?);
        }
        let mut gazetteer = Gazetteer::default();
        let names = r.u32().map_err(&bad)?;
        for _ in 0..names {
            let len = r.u32().map_err(&bad)? as usize;
            let raw = r.take(len).map_err(&bad)?;
            let name = std::str::from_utf8(raw).map_err(|_| bad("a listed name is not UTF-8".into()))?;
            let mask = r.u8().map_err(&bad)?;
            gazetteer.insert_raw(name.to_string(), mask);
        }
        let count = r.u32().map_err(&bad)? as usize;
        let mut rows: FeatureRows = HashMap::default();
        rows.reserve(count.min(body.len() / 9));
        let mut emit = Vec::with_capacity(count.min(body.len() / 9) * NUM_LABELS);
        for _ in 0..count {
            let h = r.u64().map_err(&bad)?;
            let n = r.u8().map_err(&bad)?;
            let row = rows.len();
            emit.resize((row + 1) * NUM_LABELS, 0.0);
            for _ in 0..n {
                let label = r.u8().map_err(&bad)? as usize;
                let w = r.f32().map_err(&bad)?;
                if label >= NUM_LABELS {
                    return Err(bad(format!("label {label} out of range")));
                }
                emit[row * NUM_LABELS + label] = w;
            }
            if rows.insert(h, row as u32).is_some() {
                return Err(bad("a feature is listed twice".into()));
            }
        }
        if r.pos != body.len() {
            return Err(bad(format!("{} unexpected bytes after the features", body.len() - r.pos)));
        }
        Ok(Tagger::new(rows, emit, trans, gazetteer).with_about(about).with_stems(stems))
    }

    /// Writes the model to `path`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.to_bytes()).map_err(|source| NerError::Io { path: path.to_path_buf(), source })
    }

    /// Loads a model written by [`Tagger::save`].
    pub fn load(path: impl AsRef<Path>) -> Result<Tagger> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| NerError::Io { path: path.to_path_buf(), source })?;
        Tagger::from_bytes(&bytes, path)
    }
}

/// Checks a model's header and checksum, and that this build extracts the features it was
/// trained with, without reading its weights: the reader positioned after the label count, and
/// the format version.
fn verify<'a>(bytes: &'a [u8], origin: &Path) -> Result<(Reader<'a>, u32)> {
    let bad = |reason: String| NerError::BadModel { path: origin.to_path_buf(), reason };
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(bad("missing the SLNERMDL header".into()));
    }
    if bytes.len() < MAGIC.len() + 8 + 8 {
        return Err(bad("file is truncated".into()));
    }
    let (body, check) = bytes.split_at(bytes.len() - 8);
    let mut r = Reader { bytes: body, pos: MAGIC.len() };
    let version = r.u32().map_err(&bad)?;
    if !(OLDEST_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(bad(format!("format version {version}, this build reads {OLDEST_VERSION} to {FORMAT_VERSION}")));
    }
    let stored = u64::from_le_bytes(check.try_into().map_err(|_| bad("file is truncated".into()))?);
    if stored != xxh3_64(body) {
        return Err(bad("checksum mismatch: the file is truncated or corrupted".into()));
    }
    let schema = r.u32().map_err(&bad)?;
    if schema != FEATURE_SCHEMA {
        return Err(bad(format!(
            "trained with feature schema {schema}, this build extracts schema {FEATURE_SCHEMA}; retrain the model"
        )));
    }
    let labels = r.u32().map_err(&bad)? as usize;
    if labels != NUM_LABELS {
        return Err(bad(format!("{labels} labels, expected {NUM_LABELS}")));
    }
    Ok((r, version))
}

/// Checks that the model file at `path` is whole and was trained with this build's features,
/// without building the tagger (what [`Tagger::load`] would refuse, it refuses).
pub fn verify_file(path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| NerError::Io { path: path.to_path_buf(), source })?;
    verify(&bytes, path).map(|_| ())
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(format!("file is truncated at byte {}", self.pos));
        };
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> std::result::Result<[u8; N], String> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn u8(&mut self) -> std::result::Result<u8, String> {
        Ok(self.array::<1>()?[0])
    }
    fn u32(&mut self) -> std::result::Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> std::result::Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    fn f32(&mut self) -> std::result::Result<f32, String> {
        Ok(f32::from_le_bytes(self.array()?))
    }
}
