//! Bytes to text: byte-order marks, UTF-8, and a guessed legacy encoding for everything else.
//!
//! News archives are full of Windows-1252 and Latin-1 files saved by old tools, so refusing
//! non-UTF-8 input would lose articles. Decoding never aborts on malformed bytes: they become
//! U+FFFD, because a few broken characters are better than a lost article. Text that was
//! already decoded wrongly once ("rÃ©gimen" for "régimen") is repaired.

use encoding_rs::{Encoding, UTF_8};
use thiserror::Error;

/// Text decoded from a file, with the name of the encoding it was read in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// The WHATWG name of the encoding, e.g. "UTF-8" or "windows-1252".
    pub encoding: &'static str,
}

/// Why bytes could not become text. The messages are the reasons reported in `Skipped`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("empty file")]
    Empty,
    #[error("binary file")]
    Binary,
}

/// How much of the input the binary sniffing and the `<meta charset>` scan look at.
const SNIFF_BYTES: usize = 8 * 1024;
const META_SCAN_BYTES: usize = 2 * 1024;

/// Share of control bytes above which a file is taken for binary; real text has next to none.
const MAX_CONTROL_SHARE: f64 = 0.1;

/// Decode file bytes to text.
///
/// Order of evidence: a byte-order mark, then valid UTF-8, then an HTML `<meta charset>`
/// declaration, then chardetng's guess.
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    // A BOM is the strongest evidence there is, and UTF-16 text is full of NUL bytes that the
    // binary check below would otherwise reject.
    if let Some((encoding, bom_length)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_length..]);
        return finish(text.into_owned(), encoding);
    }
    if looks_binary(bytes) {
        return Err(DecodeError::Binary);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return finish(text.to_string(), UTF_8);
    }
    let encoding = meta_charset(bytes).unwrap_or_else(|| guess_encoding(bytes));
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    finish(text.into_owned(), encoding)
}

/// Decode an HTTP body, taking the `charset` of its `Content-Type` header (when there is one)
/// over the page's own `<meta>` declaration, as browsers do. A BOM and valid UTF-8 still win:
/// servers often send a default charset that the page does not use.
pub fn decode_http(bytes: &[u8], content_type: Option<&str>) -> Result<Decoded, DecodeError> {
    let declared = content_type.and_then(http_charset);
    match declared {
        Some(encoding)
            if Encoding::for_bom(bytes).is_none() && std::str::from_utf8(bytes).is_err() && !looks_binary(bytes) =>
        {
            let (text, _) = encoding.decode_without_bom_handling(bytes);
            finish(text.into_owned(), encoding)
        }
        _ => decode(bytes),
    }
}

/// The encoding named by a `Content-Type` header's `charset` parameter, unless it names UTF-8
/// (which [`decode`] already tries first) or an unknown label.
fn http_charset(content_type: &str) -> Option<&'static Encoding> {
    let lower = content_type.to_ascii_lowercase();
    let label = lower.split(';').filter_map(|param| param.trim().strip_prefix("charset=")).next()?;
    let encoding = Encoding::for_label(label.trim_matches(['"', '\'', ' ']).as_bytes())?;
    (encoding.output_encoding() != UTF_8).then_some(encoding)
}

fn finish(text: String, encoding: &'static Encoding) -> Result<Decoded, DecodeError> {
    if text.trim().is_empty() {
        return Err(DecodeError::Empty);
    }
    Ok(Decoded { text: repair_mojibake(text), encoding: encoding.name() })
}

/// Undo UTF-8 that was read as Windows-1252 (or Latin-1) and saved as UTF-8 again, as old
/// scrapers left 20 of ML-Crisis's 1,687 files ("rÃ©gimen", "cittÃ ", "â€™"). plsfix, a port
/// of ftfy, decides line by line by its badness heuristics whether a line is such text; only
/// that repair is asked of it (no quote, width or normalisation changes). The scan before it
/// keeps it off the texts without a single suspicious pair of characters, nearly all of them.
fn repair_mojibake(text: String) -> String {
    if !has_mojibake_pair(&text) {
        return text;
    }
    let only_encoding = plsfix::TextFixerConfig {
        unescape_html: Some(false),
        remove_terminal_escapes: false,
        fix_encoding: true,
        restore_byte_a0: true,
        replace_lossy_sequences: false,
        decode_inconsistent_utf8: true,
        fix_c1_controls: false,
        fix_latin_ligatures: false,
        fix_character_width: false,
        uncurl_quotes: false,
        fix_line_breaks: false,
        remove_control_chars: false,
        normalization: None,
        max_decode_length: 1_000_000,
    };
    plsfix::fix_text(&text, Some(&only_encoding))
}

/// Whether the text holds a UTF-8 lead byte read as Windows-1252 (Â to ô) followed by a
/// continuation byte read so (U+0080–U+00BF, or one of Windows-1252's own characters for 0x80–0x9F,
/// or the space a no-break space became after "Ã").
fn has_mojibake_pair(text: &str) -> bool {
    const WINDOWS_1252_HIGH: &str = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ";
    let mut previous = '\0';
    for next in text.chars() {
        if ('Â'..='ô').contains(&previous)
            && (('\u{80}'..='\u{BF}').contains(&next)
                || (next > 'ÿ' && WINDOWS_1252_HIGH.contains(next))
                || (previous == 'Ã' && next == ' '))
        {
            return true;
        }
        previous = next;
    }
    false
}

/// NUL bytes never occur in text without a BOM; other control bytes only rarely (form feeds, ESC).
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    if head.is_empty() {
        return false;
    }
    if head.contains(&0) {
        return true;
    }
    let control = head
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0x1b)) || b == 0x7f)
        .count();
    control as f64 / head.len() as f64 > MAX_CONTROL_SHARE
}

/// The encoding an HTML page declares in `<meta charset=…>` or `<meta http-equiv … content="…;
/// charset=…">`. A declared UTF-8 or UTF-16 is ignored: the bytes are not valid UTF-8 (or we would
/// not be here), so the declaration is wrong and a guess does better.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(META_SCAN_BYTES)];
    let lower: Vec<u8> = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(offset) = find(&lower[from..], b"charset=") {
        let start = from + offset + b"charset=".len();
        from = start;
        // Only trust declarations inside a <meta> tag, not the word in running text.
        let Some(tag_start) = lower[..start].iter().rposition(|&b| b == b'<') else {
            continue;
        };
        if !lower[tag_start..].starts_with(b"<meta") {
            continue;
        }
        let label: Vec<u8> = lower[start..]
            .iter()
            .copied()
            .skip_while(|&b| b == b'"' || b == b'\'' || b == b' ')
            .take_while(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'))
            .collect();
        let encoding = Encoding::for_label(&label)?;
        if encoding == UTF_8 || encoding.output_encoding() == UTF_8 {
            return None;
        }
        return Some(encoding);
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

fn guess_encoding(bytes: &[u8]) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    detector.guess(None, chardetng::Utf8Detection::Allow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn utf8_passes_through() {
        let decoded = decode("Café à Málaga".as_bytes()).expect("text");
        assert_eq!(decoded.text, "Café à Málaga");
        assert_eq!(decoded.encoding, "UTF-8");
    }

    #[test]
    fn latin1_is_detected() {
        // "Café à Málaga" in ISO-8859-1 / Windows-1252.
        let bytes = b"Caf\xe9 \xe0 M\xe1laga";
        let decoded = decode(bytes).expect("text");
        assert_eq!(decoded.text, "Café à Málaga");
        assert_eq!(decoded.encoding, "windows-1252");
    }

    #[test]
    fn text_decoded_twice_is_repaired() {
        let twice = "El régimen de Gadafi empezó a quebrarse el miércoles. La città è calma. It’s here.";
        let bytes: Vec<u8> = twice.chars().flat_map(|c| c.to_string().into_bytes()).collect();
        let (as_windows_1252, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
        assert!(as_windows_1252.contains("rÃ©gimen"));
        let decoded = decode(as_windows_1252.as_bytes()).expect("text");
        assert_eq!(decoded.text, twice);
    }

    #[test]
    fn text_that_only_looks_odd_is_kept() {
        for text in [
            "SÃO PAULO e a Ação: a irmã",
            "«Acción», dijo. “Ya” – naïve façade ¿Qué? ¡Sí!",
            "Größe 3×4 ± 0,5 µm · 20 °C",
            "Ô Canada; Âme; ôté",
        ] {
            assert_eq!(decode(text.as_bytes()).expect("text").text, text);
        }
    }

    #[test]
    fn boms_are_honoured_and_stripped() {
        let decoded = decode(b"\xef\xbb\xbfHello").expect("text");
        assert_eq!(decoded.text, "Hello");
        let utf16le: Vec<u8> = [0xff, 0xfe].into_iter().chain("Hé".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        let decoded = decode(&utf16le).expect("text");
        assert_eq!(decoded.text, "Hé");
        assert_eq!(decoded.encoding, "UTF-16LE");
        let utf16be: Vec<u8> = [0xfe, 0xff].into_iter().chain("Hé".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(decode(&utf16be).expect("text").text, "Hé");
    }

    #[test]
    fn meta_charset_is_a_hint() {
        // 0xC0 in windows-1251 is the Cyrillic capital A.
        let bytes = b"<html><head><meta charset=\"windows-1251\"></head><body>\xc0</body></html>";
        let decoded = decode(bytes).expect("text");
        assert_eq!(decoded.encoding, "windows-1251");
        assert!(decoded.text.contains('А'));
    }

    #[test]
    fn empty_and_whitespace_are_empty() {
        assert_eq!(decode(b""), Err(DecodeError::Empty));
        assert_eq!(decode(b"  \n\t\r\n "), Err(DecodeError::Empty));
        assert_eq!(decode(b"\xef\xbb\xbf\n"), Err(DecodeError::Empty));
        assert_eq!(DecodeError::Empty.to_string(), "empty file");
    }

    #[test]
    fn binary_is_rejected() {
        assert_eq!(decode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Err(DecodeError::Binary));
        let noise: Vec<u8> = (1u8..32).cycle().take(400).collect();
        assert_eq!(decode(&noise), Err(DecodeError::Binary));
        assert_eq!(DecodeError::Binary.to_string(), "binary file");
    }

    #[test]
    fn malformed_bytes_are_replaced_not_fatal() {
        let decoded = decode(b"Good text then \xff\xfe\xfd broken").expect("text");
        assert!(decoded.text.starts_with("Good text"));
    }

    #[test]
    fn http_charset_beats_guessing_but_not_utf8() {
        // 0xC0 in windows-1251 is the Cyrillic capital A; the guess alone would say otherwise.
        let decoded = decode_http(b"\xc0", Some("text/html; charset=windows-1251")).expect("text");
        assert_eq!(decoded.encoding, "windows-1251");
        let decoded = decode_http("Café".as_bytes(), Some("text/html; charset=iso-8859-1")).expect("text");
        assert_eq!(decoded.text, "Café");
        assert_eq!(decode_http(b"plain", None).expect("text").encoding, "UTF-8");
    }

    proptest! {
        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = decode(&bytes);
        }
    }
}
