//! An article's text as the store keeps it. On SQLite it is compressed: a blob in the `text`
//! column (SQLite lets a column of any declared type hold one), a format byte and then the text's
//! UTF-8 bytes as raw DEFLATE. News text takes about half its bytes so, and an article's row,
//! which at 2–3 KB took a 4 KB page alone, shares its page with another. Text written before,
//! and every text on PostgreSQL (a TEXT column, whose long values the server compresses itself),
//! is plain and reads as it is: [`read`] takes both, so no store needs a migration.

use crate::db::{Backend, Value, ValueRef};
use crate::{Result, StoreError};

/// The format byte of a compressed text: raw DEFLATE follows.
const DEFLATE: u8 = 1;

/// What goes into the `text` column of `backend` for `text`.
pub(crate) fn value(text: &str, backend: Backend) -> Value {
    match backend {
        Backend::Sqlite => Value::Blob(compress(text)),
        Backend::Postgres => Value::Text(text.to_string()),
    }
}

fn compress(text: &str) -> Vec<u8> {
    deflate(DEFLATE, text.as_bytes())
}

/// `format` and then `bytes` as raw DEFLATE, by this thread's one compressor: a new one
/// allocates and clears a few hundred KB, and the writer compresses each article's text and each
/// changed event centroid.
pub(crate) fn deflate(format: u8, bytes: &[u8]) -> Vec<u8> {
    thread_local! {
        static COMPRESS: std::cell::RefCell<flate2::Compress> =
            std::cell::RefCell::new(flate2::Compress::new(flate2::Compression::default(), false));
    }
    COMPRESS.with_borrow_mut(|compress| {
        compress.reset();
        let mut out = Vec::with_capacity(bytes.len() / 2 + 64);
        out.push(format);
        loop {
            let read = compress.total_in() as usize;
            let status = compress
                .compress_vec(&bytes[read..], &mut out, flate2::FlushCompress::Finish)
                .expect("compressing into memory does not fail");
            if status == flate2::Status::StreamEnd {
                return out;
            }
            out.reserve(out.capacity().max(256));
        }
    })
}

/// A stored text, compressed or plain.
pub(crate) fn read(value: ValueRef) -> Result<String> {
    let corrupt = |detail: String| StoreError::Corrupt { what: "article text", detail };
    match value {
        ValueRef::Text(text) => Ok(text.to_string()),
        ValueRef::Blob([DEFLATE, compressed @ ..]) => {
            let bytes = inflate(compressed).map_err(corrupt)?;
            String::from_utf8(bytes).map_err(|error| corrupt(error.to_string()))
        }
        other => Err(corrupt(format!("a {} value, neither text nor a known compressed form", other.kind()))),
    }
}

/// Raw DEFLATE `compressed`, inflated by this thread's one decompressor: each new one allocates
/// and clears its state (tens of KB), which was most of reading a short text, and duplicate
/// judging reads the texts of up to 40 candidates for each arriving article.
pub(crate) fn inflate(compressed: &[u8]) -> std::result::Result<Vec<u8>, String> {
    thread_local! {
        static DECOMPRESS: std::cell::RefCell<flate2::Decompress> = std::cell::RefCell::new(flate2::Decompress::new(false));
    }
    DECOMPRESS.with_borrow_mut(|decompress| {
        decompress.reset(false);
        let mut out = Vec::with_capacity(compressed.len() * 3);
        loop {
            let (read, written) = (decompress.total_in(), decompress.total_out());
            let status = decompress
                .decompress_vec(&compressed[read as usize..], &mut out, flate2::FlushDecompress::None)
                .map_err(|error| error.to_string())?;
            match status {
                flate2::Status::StreamEnd => return Ok(out),
                _ if out.len() == out.capacity() => out.reserve(out.capacity().max(256)),
                // Room to write and nothing read or written: the stream is cut short.
                _ if (decompress.total_in(), decompress.total_out()) == (read, written) => {
                    return Err("the compressed text ends early".to_string())
                }
                _ => {}
            }
        }
    })
}

/// The first `chars` characters of a stored text (the listings' excerpts and fallback titles).
pub(crate) fn read_opening(value: ValueRef, chars: usize) -> Result<String> {
    let mut text = read(value)?;
    if let Some((end, _)) = text.char_indices().nth(chars) {
        text.truncate(end);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_come_back_whole_from_either_form() {
        let text = "El presidente habló ayer en Madrid. ".repeat(40) + "Последняя строка.";
        let compressed = value(&text, Backend::Sqlite);
        let Value::Blob(bytes) = &compressed else { panic!("SQLite keeps a blob") };
        assert!(bytes.len() * 4 < text.len(), "{} bytes for {}", bytes.len(), text.len());
        assert_eq!(read(compressed.as_ref()).unwrap(), text);
        assert_eq!(read(value(&text, Backend::Postgres).as_ref()).unwrap(), text);
        assert_eq!(read(ValueRef::Text("plain, as written before")).unwrap(), "plain, as written before");
        assert_eq!(read(value("", Backend::Sqlite).as_ref()).unwrap(), "");
        assert_eq!(read_opening(compressed.as_ref(), 4).unwrap(), "El p");
        assert_eq!(read_opening(ValueRef::Text("Корот"), 3).unwrap(), "Кор");
        assert!(read(ValueRef::Blob(&[9, 1, 2])).is_err());
        let Value::Blob(long) = value(&"Una frase más. ".repeat(2000), Backend::Sqlite) else { panic!() };
        assert!(read(ValueRef::Blob(&long[..long.len() / 2])).is_err(), "a cut stream is corrupt");
        assert_eq!(read(ValueRef::Blob(&long)).unwrap(), "Una frase más. ".repeat(2000), "and the next read whole");
        assert!(read(ValueRef::Integer(3)).is_err());
    }
}
