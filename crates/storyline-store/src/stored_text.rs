//! An article's text as the store keeps it. On SQLite it is compressed: a blob in the `text`
//! column (SQLite lets a column of any declared type hold one), a format byte and then the text's
//! UTF-8 bytes as raw DEFLATE. News text takes about half its bytes so, and an article's row,
//! which at 2–3 KB took a 4 KB page alone, shares its page with another. Text written before,
//! and every text on PostgreSQL (a TEXT column, whose long values the server compresses itself),
//! is plain and reads as it is: [`read`] takes both, so no store needs a migration.

use std::io::{Read, Write};

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
    let mut encoder = flate2::write::DeflateEncoder::new(vec![DEFLATE], flate2::Compression::default());
    encoder.write_all(text.as_bytes()).expect("writing into memory does not fail");
    encoder.finish().expect("writing into memory does not fail")
}

/// A stored text, compressed or plain.
pub(crate) fn read(value: ValueRef) -> Result<String> {
    let corrupt = |detail: String| StoreError::Corrupt { what: "article text", detail };
    match value {
        ValueRef::Text(text) => Ok(text.to_string()),
        ValueRef::Blob([DEFLATE, compressed @ ..]) => {
            let mut text = String::with_capacity(compressed.len() * 3);
            flate2::read::DeflateDecoder::new(compressed)
                .read_to_string(&mut text)
                .map_err(|error| corrupt(error.to_string()))?;
            Ok(text)
        }
        other => Err(corrupt(format!("a {} value, neither text nor a known compressed form", other.kind()))),
    }
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
        assert!(read(ValueRef::Integer(3)).is_err());
    }
}
