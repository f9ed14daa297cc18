//! One function per fuzz target: what each reader of outside input does with arbitrary bytes.
//!
//! The `fuzz_targets/` binaries call these under libFuzzer; the regression test
//! (`crates/storyline/tests/fuzz_regressions.rs`) includes this file and replays every input in
//! `fuzz/regressions/<target>/` through the same function, so a crash once found stays fixed
//! without cargo-fuzz installed. None of them may panic, whatever the input: errors are fine.

use chrono::NaiveDate;
use storyline_ingest::{decode, parse_html, parse_http_response, parse_jsonl_line, parse_text, WarcReader};

/// A target's name (as `cargo fuzz run NAME` and `fuzz/regressions/NAME/` know it) and body.
pub type Target = (&'static str, fn(&[u8]));

pub const TARGETS: &[Target] =
    &[("plain_text", plain_text), ("html", html), ("jsonl", jsonl), ("warc", warc), ("feed", feed), ("dates", dates)];

/// A plain-text file: encoding detection, then title, clutter and body.
pub fn plain_text(data: &[u8]) {
    if let Ok(decoded) = decode(data) {
        let _ = parse_text("fuzz", &decoded.text);
    }
}

/// An HTML page: encoding detection, then main-content extraction and metadata.
pub fn html(data: &[u8]) {
    if let Ok(decoded) = decode(data) {
        let _ = parse_html("fuzz", &decoded.text, Some("https://news.example/a"));
    }
}

/// A JSON Lines file, line by line as ingest reads it.
pub fn jsonl(data: &[u8]) {
    for line in String::from_utf8_lossy(data).lines() {
        let _ = parse_jsonl_line(line);
    }
}

/// An uncompressed WARC stream: records, the HTTP responses they hold, and the pages in those.
/// (Compressed archives are left out: inflating is flate2's job, and gzip bombs are an input
/// limit, not a parsing bug.)
pub fn warc(data: &[u8]) {
    let mut reader = WarcReader::new(data);
    while let Ok(Some(record)) = reader.next_record() {
        let Some(block) = &record.block else { continue };
        if let Ok(response) = parse_http_response(block) {
            let url = record.header("WARC-Target-URI");
            let _ = parse_html("fuzz", &String::from_utf8_lossy(&response.body), url);
        }
    }
}

/// An RSS or Atom document, and the articles its items' own content makes.
pub fn feed(data: &[u8]) {
    if let Ok(feed) = storyline_feeds::parse_feed(data, "https://news.example/feed.xml") {
        for item in &feed.items {
            let _ = storyline_feeds::article_from_item(item);
        }
    }
}

/// Date expressions: the first byte picks the language (and whether there is an anchor date),
/// the rest is the text.
pub fn dates(data: &[u8]) {
    let Some((&choice, text)) = data.split_first() else { return };
    let language = [None, Some("en"), Some("es"), Some("fr"), Some("it")][usize::from(choice) % 5];
    let anchor = (choice & 0x80 == 0).then(|| NaiveDate::from_ymd_opt(2019, 12, 2)).flatten();
    let text = String::from_utf8_lossy(text);
    let mentions = storyline_dates::resolve(&text, anchor, language);
    let _ = storyline_dates::infer_publication_date_from(&text, &mentions);
}
