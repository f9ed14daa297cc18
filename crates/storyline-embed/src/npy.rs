//! Reading NumPy `.npz` archives (a zip of `.npy` arrays), the format the USE weights ship in.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::{EmbedError, Result};

/// One array: its shape and its values, widened to what the forward pass needs.
#[derive(Debug, Clone)]
pub(crate) struct Array {
    pub shape: Vec<usize>,
    pub data: ArrayData,
}

#[derive(Debug, Clone)]
pub(crate) enum ArrayData {
    F32(Vec<f32>),
    F64(Vec<f64>),
    U8(Vec<u8>),
}

/// Every array of an `.npz` file, by name (without the `.npy` suffix).
pub(crate) fn read_npz(path: &Path) -> Result<HashMap<String, Array>> {
    let bad = |why: String| EmbedError::BadModelFile { path: path.to_path_buf(), why };
    let file = File::open(path).map_err(|e| EmbedError::io(path, e))?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| bad(e.to_string()))?;
    let mut arrays = HashMap::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| bad(e.to_string()))?;
        let name = entry.name().trim_end_matches(".npy").to_string();
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut bytes).map_err(|e| EmbedError::io(path, e))?;
        let array = parse_npy(&bytes).map_err(|why| bad(format!("{name}: {why}")))?;
        arrays.insert(name, array);
    }
    Ok(arrays)
}

/// Parses one `.npy` file (format versions 1–3, C order, little-endian).
pub(crate) fn parse_npy(bytes: &[u8]) -> std::result::Result<Array, String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not an .npy array".into());
    }
    let (header_len, header_start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let data_start = header_start + header_len;
    let header = bytes.get(header_start..data_start).ok_or("truncated header")?;
    let header = std::str::from_utf8(header).map_err(|_| "header is not text")?;
    if header.contains("'fortran_order': True") {
        return Err("Fortran-order arrays are not supported".into());
    }
    let descr = dict_value(header, "descr").ok_or("no descr")?;
    let descr = descr.trim_matches(|c| c == '\'' || c == '"');
    let shape_text = dict_value(header, "shape").ok_or("no shape")?;
    let shape = shape_text
        .trim_matches(|c| c == '(' || c == ')')
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|_| format!("bad shape {shape_text}")))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let count: usize = shape.iter().product();
    let raw = &bytes[data_start..];
    let take = |width: usize| -> std::result::Result<&[u8], String> {
        raw.get(..count * width).ok_or_else(|| format!("expected {count} values, file is too short"))
    };
    let data = match descr {
        "<f4" => {
            ArrayData::F32(take(4)?.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
        }
        "<f8" => ArrayData::F64(
            take(8)?
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect(),
        ),
        "|u1" => ArrayData::U8(take(1)?.to_vec()),
        // Small integer flags (e.g. the quantisation bit width) are read as bytes.
        "|i1" => ArrayData::U8(take(1)?.to_vec()),
        other => return Err(format!("unsupported dtype {other}")),
    };
    Ok(Array { shape, data })
}

/// The text of one value in the header's Python dict literal, e.g. `(512, 256)` for `shape`.
fn dict_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let start = header.find(&format!("'{key}':"))? + key.len() + 3;
    let rest = header[start..].trim_start();
    let end = if rest.starts_with('(') { rest.find(')')? + 1 } else { rest.find(',')? };
    Some(rest[..end].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(header: &str, payload: &[u8]) -> Vec<u8> {
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(payload);
        out
    }

    #[test]
    fn reads_a_float_matrix() {
        let payload: Vec<u8> = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let array = parse_npy(&npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", &payload)).unwrap();
        assert_eq!(array.shape, vec![2, 3]);
        assert!(matches!(array.data, ArrayData::F32(ref v) if v[5] == 6.0));
    }

    #[test]
    fn reads_a_scalar_and_rejects_short_data() {
        let array = parse_npy(&npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", &1.5f64.to_le_bytes()));
        assert!(matches!(array.unwrap().data, ArrayData::F64(ref v) if v == &[1.5]));
        assert!(parse_npy(&npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", &[0; 8])).is_err());
        assert!(parse_npy(b"garbage").is_err());
    }
}
