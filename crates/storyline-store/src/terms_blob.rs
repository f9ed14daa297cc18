//! A term vector as a blob: for each term, its length (LEB128), its UTF-8 bytes and its weight
//! (little-endian f32), in the vector's order.
//!
//! Event centroids are read for every candidate event of every arriving article; as JSON their
//! parsing was the writer's largest part. The weights are the same f32 values JSON kept (serde
//! writes the shortest text that reads back exactly), so decisions do not change, and the blob is
//! about half the size.
//!
//! Since 2026-12-05 the blob is compressed: a zero byte, then the same bytes as raw DEFLATE. A
//! centroid of 200 terms took about 3.4 KB, so a row took a 4 KB page alone and left a sixth of
//! it empty; compressed it is about half that and shares its page. A blob written before begins
//! with its first term's length, never zero (terms are not empty), and reads as it is.

use crate::{Result, StoreError};

/// The first byte of a compressed blob: raw DEFLATE follows.
const DEFLATE: u8 = 0;

pub(crate) fn encode(terms: &[(String, f32)]) -> Vec<u8> {
    if terms.is_empty() {
        return Vec::new();
    }
    crate::stored_text::deflate(DEFLATE, &encode_plain(terms))
}

fn encode_plain(terms: &[(String, f32)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(terms.iter().map(|(t, _)| t.len() + 6).sum());
    for (term, weight) in terms {
        let mut len = term.len();
        loop {
            let byte = (len & 0x7f) as u8;
            len >>= 7;
            if len == 0 {
                out.push(byte);
                break;
            }
            out.push(byte | 0x80);
        }
        out.extend_from_slice(term.as_bytes());
        out.extend_from_slice(&weight.to_le_bytes());
    }
    out
}

pub(crate) fn decode(bytes: &[u8]) -> Result<Vec<(String, f32)>> {
    let corrupt = |detail: &str| StoreError::Corrupt { what: "term vector", detail: detail.to_string() };
    if let [DEFLATE, compressed @ ..] = bytes {
        let plain = crate::stored_text::inflate(compressed).map_err(|e| corrupt(&e))?;
        return decode_plain(&plain);
    }
    decode_plain(bytes)
}

fn decode_plain(bytes: &[u8]) -> Result<Vec<(String, f32)>> {
    let corrupt = |detail: &str| StoreError::Corrupt { what: "term vector", detail: detail.to_string() };
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let (mut len, mut shift) = (0usize, 0);
        loop {
            let byte = *bytes.get(at).ok_or_else(|| corrupt("truncated length"))?;
            at += 1;
            len |= ((byte & 0x7f) as usize) << shift;
            if byte & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 28 {
                return Err(corrupt("length too long"));
            }
        }
        let term = bytes.get(at..at + len).ok_or_else(|| corrupt("truncated term"))?;
        let term = std::str::from_utf8(term).map_err(|_| corrupt("term not UTF-8"))?;
        at += len;
        let weight = bytes.get(at..at + 4).ok_or_else(|| corrupt("truncated weight"))?;
        out.push((term.to_string(), f32::from_le_bytes([weight[0], weight[1], weight[2], weight[3]])));
        at += 4;
    }
    Ok(out)
}

/// A stored centroid: a blob, or JSON from a store written before version 4.
pub(crate) fn read(value: crate::db::ValueRef) -> Result<Vec<(String, f32)>> {
    match value {
        crate::db::ValueRef::Blob(bytes) => decode(bytes),
        crate::db::ValueRef::Text(text) => crate::from_json("event centroid", text),
        _ => Err(StoreError::Corrupt { what: "event centroid", detail: "neither a blob nor JSON".to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_read_back_exactly_in_order() {
        let long = "x".repeat(300);
        let terms = vec![("protesta".to_string(), 0.123_456_79), ("é".to_string(), 1e-7), (long, 3.0)];
        assert_eq!(decode(&encode(&terms)).unwrap(), terms);
        assert!(decode(&encode(&[])).unwrap().is_empty());
        assert!(decode(&encode(&terms)[..5]).is_err());
    }

    /// Blobs written before compression read as they are; a centroid's worth of terms takes
    /// well under its plain size.
    #[test]
    fn plain_blobs_read_and_compressed_ones_are_smaller() {
        let terms: Vec<(String, f32)> = (0..200)
            .map(|i| (format!("{}ción{i}", ["protest", "gobiern", "elect"][i % 3]), 1.0 / (i + 1) as f32))
            .collect();
        assert_eq!(decode(&encode_plain(&terms)).unwrap(), terms);
        let (plain, compressed) = (encode_plain(&terms).len(), encode(&terms).len());
        assert!(compressed * 3 < plain * 2, "{compressed} bytes for {plain}");
        assert!(decode(&[DEFLATE, 1, 2, 3]).is_err());
    }

    #[test]
    fn json_centroids_of_older_stores_are_read() {
        let json = r#"[["flood",0.5],["rain",0.25]]"#;
        let read = read(crate::db::ValueRef::Text(json)).unwrap();
        assert_eq!(read, vec![("flood".to_string(), 0.5), ("rain".to_string(), 0.25)]);
    }
}
