//! Web archives: WARC/1.0 and WARC/1.1 files, uncompressed or gzipped (one gzip member per
//! record, as crawlers write them, or the whole file in one member).
//!
//! Every `response` record that holds a successful HTML page becomes an article: its id and URL
//! come from `WARC-Target-URI`, and `WARC-Date` (when the page was fetched) stands in for the
//! publication date when the page itself gives none. Records that are not pages are counted and
//! reported once per file, not one by one: a crawl holds thousands of images and scripts.
//!
//! The record reader is our own rather than the `warc` crate's: that reader silently ends at a
//! record whose header is cut off, reads every body into memory however large, and opens files
//! for writing (creating missing ones); archives copied from crawlers are often cut short, and
//! we want every record before the cut kept and the cut reported. The format is simple enough
//! (a header block, `Content-Length` bytes, two CRLFs) that a careful reader is short.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use chrono::{DateTime, Utc};
use flate2::bufread::{GzDecoder, MultiGzDecoder, ZlibDecoder};
use rayon::prelude::*;
use storyline_model::{Article, DateSource, Skipped, SourceFormat};

use crate::html::parse_html_within;
use crate::limits::{size, Limits};
use crate::{decode_http, parse_date, stable_id};

/// A header block longer than this is not a WARC header (and no header line is longer).
const MAX_HEADER_BYTES: usize = 256 * 1024;
/// HTML records are parsed in parallel, this many at a time (or fewer, holding at most
/// [`PARSE_CHUNK_BYTES`]), so memory stays bounded on big files.
const PARSE_CHUNK: usize = 64;
const PARSE_CHUNK_BYTES: usize = 64 * 1024 * 1024;

/// One WARC record: its named fields (names lower-cased) and its block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarcRecord {
    pub version: String,
    pub headers: Vec<(String, String)>,
    /// `None` when the block was larger than [`Limits::max_record_bytes`] and was skipped.
    pub block: Option<Vec<u8>>,
}

impl WarcRecord {
    /// The first value of a named field (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
}

/// Why reading a WARC stream stopped early.
#[derive(Debug, thiserror::Error)]
pub enum WarcError {
    #[error("truncated {what} in record {record}")]
    Truncated { record: usize, what: &'static str },
    #[error("record {record} is not a WARC record (it starts with {start:?})")]
    NotWarc { record: usize, start: String },
    #[error("record {record} has no valid Content-Length")]
    NoLength { record: usize },
    #[error("record {record} has a header block over {MAX_HEADER_BYTES} bytes")]
    HeaderTooLong { record: usize },
    #[error("record {record} is past the archive's limit of {limit} decompressed (a gzip bomb?)")]
    Expanded { record: usize, limit: String },
    #[error("cannot read record {record}: {source}")]
    Io { record: usize, source: io::Error },
}

impl WarcError {
    /// The number (from 1) of the record where reading stopped.
    pub fn record(&self) -> usize {
        match self {
            WarcError::Truncated { record, .. }
            | WarcError::NotWarc { record, .. }
            | WarcError::NoLength { record }
            | WarcError::HeaderTooLong { record }
            | WarcError::Expanded { record, .. }
            | WarcError::Io { record, .. } => *record,
        }
    }
}

/// Reads records one at a time from a decompressed WARC stream.
pub struct WarcReader<R> {
    input: R,
    /// How many records were started (1-based number of the next one, less one).
    records: usize,
    failed: bool,
    max_record_bytes: u64,
}

impl<R: BufRead> WarcReader<R> {
    pub fn new(input: R) -> Self {
        Self::with_limits(input, &Limits::DEFAULT)
    }

    /// A reader that skips records over `limits.max_record_bytes` unread.
    pub fn with_limits(input: R, limits: &Limits) -> Self {
        WarcReader { input, records: 0, failed: false, max_record_bytes: limits.max_record_bytes }
    }

    /// The next record, `Ok(None)` at a clean end of the stream. After an error the stream is
    /// not resumed: records do not carry a marker we could reliably resynchronise on.
    pub fn next_record(&mut self) -> Result<Option<WarcRecord>, WarcError> {
        if self.failed {
            return Ok(None);
        }
        let result = self.read_record();
        if result.is_err() {
            self.failed = true;
        }
        result
    }

    fn read_record(&mut self) -> Result<Option<WarcRecord>, WarcError> {
        let record = self.records + 1;
        let io = |source: io::Error| match source.kind() {
            // A gzip member cut short surfaces as an unexpected end of file from the decoder.
            io::ErrorKind::UnexpectedEof => WarcError::Truncated { record, what: "compressed data" },
            io::ErrorKind::FileTooLarge => WarcError::Expanded { record, limit: source.to_string() },
            _ => WarcError::Io { record, source },
        };
        // Records are separated by two CRLFs; tolerate extra blank lines between them. Lines are
        // read with a bound: a stream without line breaks is no WARC and must not fill memory.
        let mut line = Vec::new();
        loop {
            line.clear();
            if self.read_line(&mut line).map_err(io)? == 0 {
                return Ok(None);
            }
            if !line.iter().all(u8::is_ascii_whitespace) {
                break;
            }
        }
        self.records = record;
        let version = String::from_utf8_lossy(&line).trim().to_string();
        if !version.starts_with("WARC/") {
            let start: String = version.chars().take(20).collect();
            return Err(WarcError::NotWarc { record, start });
        }

        let mut headers: Vec<(String, String)> = Vec::new();
        let mut header_bytes = 0;
        loop {
            line.clear();
            let read = self.read_line(&mut line).map_err(io)?;
            header_bytes += read;
            if header_bytes > MAX_HEADER_BYTES {
                return Err(WarcError::HeaderTooLong { record });
            }
            if read == 0 || !line.ends_with(b"\n") {
                return Err(WarcError::Truncated { record, what: "header" });
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end_matches(['\r', '\n']);
            if text.is_empty() {
                break;
            }
            // A line starting with white space continues the previous field (RFC 822 folding).
            if text.starts_with([' ', '\t']) {
                if let Some((_, value)) = headers.last_mut() {
                    if !value.is_empty() {
                        value.push(' ');
                    }
                    value.push_str(text.trim());
                }
                continue;
            }
            if let Some((name, value)) = text.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
        }

        let length: u64 = header(&headers, "content-length")
            .and_then(|value| value.parse().ok())
            .ok_or(WarcError::NoLength { record })?;
        let block = if length > self.max_record_bytes {
            let skipped = io::copy(&mut (&mut self.input).take(length), &mut io::sink()).map_err(io)?;
            if skipped < length {
                return Err(WarcError::Truncated { record, what: "block" });
            }
            None
        } else {
            let mut block = Vec::with_capacity(length as usize);
            (&mut self.input).take(length).read_to_end(&mut block).map_err(io)?;
            if (block.len() as u64) < length {
                return Err(WarcError::Truncated { record, what: "block" });
            }
            Some(block)
        };
        self.skip_record_end().map_err(io)?;
        Ok(Some(WarcRecord { version, headers, block }))
    }

    /// Reads up to a line feed, or [`MAX_HEADER_BYTES`] bytes without one.
    fn read_line(&mut self, line: &mut Vec<u8>) -> io::Result<usize> {
        (&mut self.input).take(MAX_HEADER_BYTES as u64 + 1).read_until(b'\n', line)
    }

    /// Consumes the CRLF CRLF after a block (leniently: any run of CR and LF).
    fn skip_record_end(&mut self) -> io::Result<()> {
        loop {
            let buffer = self.input.fill_buf()?;
            let newlines = buffer.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
            let exhausted = newlines == buffer.len() && newlines > 0;
            self.input.consume(newlines);
            if !exhausted {
                return Ok(());
            }
        }
    }
}

/// Opens a WARC file, decompressing it when it starts with the gzip magic bytes. One decoder
/// reads both layouts: a multi-member decoder continues across the per-record members.
pub fn open_warc(path: &Path) -> io::Result<WarcReader<Box<dyn BufRead + Send>>> {
    open_warc_with(path, &Limits::DEFAULT)
}

fn open_warc_with(path: &Path, limits: &Limits) -> io::Result<WarcReader<Box<dyn BufRead + Send>>> {
    let file = File::open(path)?;
    let on_disk = file.metadata()?.len();
    let mut file = BufReader::with_capacity(256 * 1024, file);
    let gzipped = file.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let input: Box<dyn BufRead + Send> = if gzipped {
        let budget = on_disk.max(1).saturating_mul(limits.max_archive_expansion);
        let decompressed = Bounded { inner: MultiGzDecoder::new(file), left: budget, budget };
        Box::new(BufReader::with_capacity(256 * 1024, decompressed))
    } else {
        Box::new(file)
    };
    Ok(WarcReader::with_limits(input, limits))
}

/// A reader that fails with `FileTooLarge` once it has given `budget` bytes, where
/// [`Read::take`] would end silently and the archive would look complete.
struct Bounded<R> {
    inner: R,
    left: u64,
    budget: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // Over the budget only if there is more to give.
            return match self.inner.read(&mut [0u8; 1])? {
                0 => Ok(0),
                _ => Err(io::Error::new(io::ErrorKind::FileTooLarge, size(self.budget))),
            };
        }
        let wanted = buffer.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let read = self.inner.read(&mut buffer[..wanted])?;
        self.left -= read as u64;
        Ok(read)
    }
}

/// An HTTP response as a crawler recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body with transfer and content encodings undone.
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// Parses a recorded HTTP response: status line, headers, and a body that may be chunked and
/// gzip- or deflate-encoded. Crawlers record bytes as they came over the wire, so both are common.
pub fn parse_http_response(bytes: &[u8]) -> Result<HttpResponse, String> {
    parse_http_response_within(bytes, &Limits::DEFAULT)
}

/// [`parse_http_response`], undoing a content encoding only up to `limits.max_page_bytes`.
fn parse_http_response_within(bytes: &[u8], limits: &Limits) -> Result<HttpResponse, String> {
    let head_end = find(bytes, b"\r\n\r\n")
        .map(|at| (at, at + 4))
        .or_else(|| find(bytes, b"\n\n").map(|at| (at, at + 2)))
        .ok_or("no end of HTTP headers")?;
    let head = String::from_utf8_lossy(&bytes[..head_end.0]);
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.split_whitespace();
    if !parts.next().is_some_and(|protocol| protocol.starts_with("HTTP/")) {
        return Err(format!("not an HTTP response ({:?})", status_line.chars().take(30).collect::<String>()));
    }
    let status = parts.next().and_then(|code| code.parse().ok()).ok_or("no HTTP status code")?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    let mut body = bytes[head_end.1..].to_vec();
    let chunked =
        header(&headers, "transfer-encoding").is_some_and(|value| value.to_ascii_lowercase().contains("chunked"));
    if chunked {
        // Some crawlers record the de-chunked body but keep the header; keep the bytes as they are
        // when they do not parse as chunks.
        if let Some(joined) = dechunk(&body) {
            body = joined;
        }
    }
    if let Some(encoding) = header(&headers, "content-encoding") {
        let limit = limits.max_page_bytes;
        body = match encoding.trim().to_ascii_lowercase().as_str() {
            "" | "identity" => body,
            "gzip" | "x-gzip" => decode_body(GzDecoder::new(&body[..]), "gzip", limit)?,
            "deflate" => decode_body(ZlibDecoder::new(&body[..]), "deflate", limit)?,
            other => return Err(format!("unsupported content encoding {other}")),
        };
    }
    Ok(HttpResponse { status, headers, body })
}

/// A body with its content encoding undone, read one byte past `limit` to tell a body at the
/// limit from one over it: a few kilobytes of gzip can expand to gigabytes.
fn decode_body(reader: impl Read, encoding: &str, limit: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    reader.take(limit as u64 + 1).read_to_end(&mut out).map_err(|e| format!("bad {encoding} body: {e}"))?;
    if out.len() > limit {
        return Err(format!("{encoding} body decompresses to over {}", size(limit as u64)));
    }
    Ok(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// Joins a chunked body; `None` when it is not well-formed chunks.
fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    loop {
        let line_end = find(body, b"\r\n")?;
        let size_text = std::str::from_utf8(&body[..line_end]).ok()?;
        // Chunk extensions follow a ';'.
        let size_text = size_text.split(';').next()?.trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(body.get(..size)?);
        body = body.get(size..)?;
        body = body.strip_prefix(b"\r\n").unwrap_or(body);
    }
}

/// What became of the records of one WARC file.
#[derive(Debug, Default)]
struct Tally {
    /// Response records that were not HTML, by media type.
    not_html: BTreeMap<String, usize>,
    /// HTML responses with a status other than 2xx, by status.
    not_ok: BTreeMap<u16, usize>,
}

/// An HTML response waiting to be parsed.
struct Page {
    number: usize,
    url: String,
    fetched: Option<DateTime<Utc>>,
    content_type: Option<String>,
    body: Vec<u8>,
}

/// Reads every HTML page in a WARC file. Articles take their id from the target URI
/// ([`stable_id`]) and `path#N` (the record number) as their source.
pub fn read_warc(path: &Path) -> Vec<Result<Article, Skipped>> {
    read_warc_with(path, &Limits::DEFAULT)
}

/// [`read_warc`] within other limits than the defaults.
pub fn read_warc_with(path: &Path, limits: &Limits) -> Vec<Result<Article, Skipped>> {
    let origin = path.display().to_string();
    let mut reader = match open_warc_with(path, limits) {
        Ok(reader) => reader,
        Err(error) => return vec![Err(Skipped { origin, reason: format!("cannot read file: {error}") })],
    };
    let mut results = Vec::new();
    let mut tally = Tally::default();
    let mut pages = Vec::new();
    let mut stopped = None;
    loop {
        let record = match reader.next_record() {
            Ok(Some(record)) => record,
            Ok(None) => break,
            Err(error) => {
                stopped = Some(error);
                break;
            }
        };
        let number = reader.records;
        match page_of(record, number, &mut tally, limits) {
            Ok(Some(page)) => pages.push(page),
            Ok(None) => {}
            Err(reason) => results.push(Err(Skipped { origin: format!("{origin}#{number}"), reason })),
        }
        if pages.len() >= PARSE_CHUNK || pages.iter().map(|page| page.body.len()).sum::<usize>() >= PARSE_CHUNK_BYTES {
            results.extend(parse_pages(std::mem::take(&mut pages), &origin, limits));
        }
    }
    results.extend(parse_pages(pages, &origin, limits));
    if !tally.not_html.is_empty() {
        let total: usize = tally.not_html.values().sum();
        let kinds: Vec<String> = tally.not_html.iter().map(|(kind, n)| format!("{kind}: {n}")).collect();
        let reason = format!("{total} non-HTML records skipped ({})", kinds.join(", "));
        results.push(Err(Skipped { origin: origin.clone(), reason }));
    }
    if !tally.not_ok.is_empty() {
        let total: usize = tally.not_ok.values().sum();
        let kinds: Vec<String> = tally.not_ok.iter().map(|(status, n)| format!("{status}: {n}")).collect();
        let reason = format!("{total} HTML responses without success status skipped ({})", kinds.join(", "));
        results.push(Err(Skipped { origin: origin.clone(), reason }));
    }
    if let Some(error) = stopped {
        let kept = error.record().saturating_sub(1);
        let reason = format!("{error}; the {kept} records before it were read");
        results.push(Err(Skipped { origin, reason }));
    }
    results
}

/// The HTML page in a record, `Ok(None)` for records that are not pages (requests, metadata,
/// images: counted in `tally` where worth reporting).
fn page_of(record: WarcRecord, number: usize, tally: &mut Tally, limits: &Limits) -> Result<Option<Page>, String> {
    if !record.header("warc-type").is_some_and(|kind| kind.eq_ignore_ascii_case("response")) {
        return Ok(None);
    }
    let url = record
        .header("warc-target-uri")
        // WARC/1.0 writers sometimes wrap the URI in angle brackets.
        .map(|uri| uri.trim_matches(['<', '>']).to_string())
        .filter(|uri| !uri.is_empty())
        .ok_or("response record without WARC-Target-URI")?;
    let Some(block) = record.block.as_deref() else {
        return Err(format!("record too large (over {})", size(limits.max_record_bytes)));
    };
    // Only HTTP responses hold web pages (DNS and FTP records are responses too).
    let is_http =
        record.header("content-type").is_none_or(|kind| kind.to_ascii_lowercase().starts_with("application/http"))
            && block.starts_with(b"HTTP/");
    if !is_http {
        *tally.not_html.entry(media_type(record.header("content-type"))).or_default() += 1;
        return Ok(None);
    }
    let response = parse_http_response_within(block, limits)?;
    let content_type = response.header("content-type").map(str::to_string);
    let kind = media_type(content_type.as_deref());
    let html = match content_type {
        Some(_) => kind.contains("html"),
        None => response.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<'),
    };
    if !html {
        *tally.not_html.entry(kind).or_default() += 1;
        return Ok(None);
    }
    if !(200..300).contains(&response.status) {
        *tally.not_ok.entry(response.status).or_default() += 1;
        return Ok(None);
    }
    // Refused here rather than when parsed, so that big pages are not held waiting.
    limits.check_page(response.body.len())?;
    let fetched = record.header("warc-date").and_then(parse_date);
    Ok(Some(Page { number, url, fetched, content_type, body: response.body }))
}

fn media_type(content_type: Option<&str>) -> String {
    content_type
        .and_then(|kind| kind.split(';').next())
        .map(|kind| kind.trim().to_ascii_lowercase())
        .filter(|kind| !kind.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

fn parse_pages(pages: Vec<Page>, origin: &str, limits: &Limits) -> Vec<Result<Article, Skipped>> {
    pages
        .into_par_iter()
        .map(|page| {
            let source = format!("{origin}#{}", page.number);
            let skipped = |reason: String| Skipped { origin: source.clone(), reason };
            let decoded = decode_http(&page.body, page.content_type.as_deref()).map_err(|e| skipped(e.to_string()))?;
            let id = stable_id(Some(&page.url), "");
            let mut article = parse_html_within(&id, &decoded.text, Some(&page.url), limits).map_err(skipped)?;
            // The archive knows where the page was fetched from; a canonical URL in the page may
            // differ, but the target URI is what names this capture.
            article.url = Some(page.url);
            crate::date_from_url(&mut article);
            if let (None, Some(fetched)) = (article.published, page.fetched) {
                article.set_published(fetched.fixed_offset(), DateSource::Archive);
            }
            article.source.path = Some(source);
            article.source.format = SourceFormat::Warc;
            Ok(article)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    const PAGE: &str = "<html><head><title>Turkey and Qatar sign a deal with Libya</title></head><body>\
        <article><p>Turkey and Qatar signed a tripartite military deal with the Libyan government on \
        Monday, officials in Tripoli said.</p><p>The agreement covers training and advice for the \
        armed forces of the Government of National Accord.</p></article></body></html>";

    fn http(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {status}\r\n").into_bytes();
        for (name, value) in headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(body);
        out
    }

    fn record(version: &str, kind: &str, uri: &str, content_type: &str, block: &[u8]) -> Vec<u8> {
        let mut out = format!(
            "WARC/{version}\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\n\
             WARC-Date: 2020-01-15T08:30:00Z\r\nWARC-Record-ID: <urn:uuid:{}>\r\n\
             Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            uri.len(),
            block.len()
        )
        .into_bytes();
        out.extend_from_slice(block);
        out.extend_from_slice(b"\r\n\r\n");
        out
    }

    fn response(uri: &str, http_bytes: &[u8]) -> Vec<u8> {
        record("1.0", "response", uri, "application/http; msgtype=response", http_bytes)
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).expect("gzip");
        encoder.finish().expect("gzip")
    }

    fn chunked(body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in body.chunks(100) {
            out.extend_from_slice(format!("{:x};ext=1\r\n", chunk.len()).as_bytes());
            out.extend_from_slice(chunk);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\n\r\n");
        out
    }

    /// An archive with a plain page, a chunked gzip-encoded page, an image, a request, a redirect.
    fn records() -> Vec<Vec<u8>> {
        let html = [("Content-Type", "text/html; charset=utf-8")];
        let encoded = chunked(&gzip(PAGE.replace("Monday", "Tuesday").as_bytes()));
        vec![
            record("1.1", "warcinfo", "", "application/warc-fields", b"software: test\r\n"),
            record(
                "1.1",
                "request",
                "https://news.example/a",
                "application/http; msgtype=request",
                b"GET /a HTTP/1.1\r\n\r\n",
            ),
            response("https://news.example/a", &http("200 OK", &html, PAGE.as_bytes())),
            response(
                "https://news.example/b",
                &http(
                    "200 OK",
                    &[("Content-Type", "text/html"), ("Transfer-Encoding", "chunked"), ("Content-Encoding", "gzip")],
                    &encoded,
                ),
            ),
            response(
                "https://news.example/logo.jpg",
                &http("200 OK", &[("Content-Type", "image/jpeg")], b"\xff\xd8\xff"),
            ),
            response("https://news.example/c", &http("301 Moved Permanently", &html, b"<a href=x>moved</a>")),
        ]
    }

    fn read(bytes: &[u8], name: &str) -> (Vec<Article>, Vec<Skipped>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let (mut articles, mut skipped) = (Vec::new(), Vec::new());
        for result in read_warc(&path) {
            match result {
                Ok(article) => articles.push(article),
                Err(skip) => skipped.push(skip),
            }
        }
        (articles, skipped)
    }

    fn read_with(bytes: &[u8], name: &str, limits: &Limits) -> (Vec<Article>, Vec<Skipped>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let (mut articles, mut skipped) = (Vec::new(), Vec::new());
        for result in read_warc_with(&path, limits) {
            match result {
                Ok(article) => articles.push(article),
                Err(skip) => skipped.push(skip),
            }
        }
        (articles, skipped)
    }

    /// A response record declaring `length` bytes of zeros, and holding them.
    fn zeros_record(length: usize) -> Vec<u8> {
        let mut bytes = format!(
            "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://news.example/z\r\nContent-Length: {length}\r\n\r\n"
        )
        .into_bytes();
        bytes.resize(bytes.len() + length, 0);
        bytes
    }

    #[test]
    fn records_over_the_limit_are_skipped_unread() {
        let limits = Limits { max_record_bytes: 4096, ..Limits::DEFAULT };
        let mut bytes = records().concat();
        bytes.extend_from_slice(&zeros_record(5000));
        bytes.extend_from_slice(&response("https://news.example/after", &http("200 OK", &[], PAGE.as_bytes())));
        let (articles, skipped) = read_with(&bytes, "big.warc", &limits);
        assert_eq!(articles.len(), 3, "the records after the big one are read: {skipped:#?}");
        assert!(skipped
            .iter()
            .any(|skip| skip.origin.ends_with("#7") && skip.reason == "record too large (over 4 KiB)"));
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_archive_limit_and_keeps_the_records_before() {
        // A megabyte of zeros compresses a thousand times; the rest of the archive far less.
        let mut bytes: Vec<u8> = records().iter().flat_map(|record| gzip(record)).collect();
        bytes.extend_from_slice(&gzip(&zeros_record(1 << 20)));
        let (articles, skipped) = read(&bytes, "bomb.warc.gz");
        assert_eq!(articles.len(), 2);
        let reason = &skipped.last().expect("the bomb is reported").reason;
        assert!(reason.starts_with("record 7 is past the archive's limit of "), "{reason}");
        assert!(reason.ends_with("decompressed (a gzip bomb?); the 6 records before it were read"), "{reason}");
        // With room for it, the same archive reads to its end.
        let roomy = Limits { max_archive_expansion: 10_000, ..Limits::DEFAULT };
        let (_, skipped) = read_with(&bytes, "bomb.warc.gz", &roomy);
        assert!(skipped.iter().all(|skip| !skip.reason.contains("gzip bomb")), "{skipped:#?}");
    }

    #[test]
    fn encoded_bodies_are_decoded_only_up_to_the_page_limit() {
        let limits = Limits { max_page_bytes: 2048, ..Limits::DEFAULT };
        let bomb = http("200 OK", &[("Content-Encoding", "gzip")], &gzip(&[b' '; 100_000]));
        let bytes = response("https://news.example/bomb", &bomb);
        let (articles, skipped) = read_with(&bytes, "body.warc", &limits);
        assert!(articles.is_empty());
        assert_eq!(skipped[0].reason, "gzip body decompresses to over 2 KiB");
        // Within the limit the body is decoded as before.
        let page = http("200 OK", &[("Content-Encoding", "gzip")], &gzip(PAGE.as_bytes()));
        let (articles, _) = read_with(&response("https://news.example/page", &page), "page.warc", &limits);
        assert_eq!(articles.len(), 1);
    }

    #[test]
    fn lines_are_read_with_a_bound() {
        // A stream without line breaks is refused after one header's worth of bytes.
        let zeros = vec![0u8; 4 * MAX_HEADER_BYTES];
        let mut reader = WarcReader::new(&zeros[..]);
        assert!(matches!(reader.next_record(), Err(WarcError::NotWarc { record: 1, .. })));
        let mut header = b"WARC/1.0\r\nWARC-Type: response\r\nX-Long: ".to_vec();
        header.resize(header.len() + 2 * MAX_HEADER_BYTES, b'a');
        let mut reader = WarcReader::new(&header[..]);
        assert!(matches!(reader.next_record(), Err(WarcError::HeaderTooLong { record: 1 })));
    }

    fn check_full_archive(articles: &[Article], skipped: &[Skipped]) {
        assert_eq!(articles.len(), 2, "{skipped:#?}");
        let first = &articles[0];
        assert_eq!(first.id, stable_id(Some("https://news.example/a"), ""));
        assert_eq!(first.url.as_deref(), Some("https://news.example/a"));
        assert_eq!(first.title.as_deref(), Some("Turkey and Qatar sign a deal with Libya"));
        assert!(first.text.contains("signed a tripartite military deal"), "{}", first.text);
        assert_eq!(first.source.format, SourceFormat::Warc);
        assert!(first.source.path.as_deref().is_some_and(|p| p.ends_with("#3")), "{:?}", first.source.path);
        // The page has no date of its own, so the capture date stands in.
        assert_eq!(first.published, parse_date("2020-01-15T08:30:00Z"));
        assert_eq!(first.date_source, Some(storyline_model::DateSource::Archive));
        assert!(articles[1].text.contains("on Tuesday"), "{}", articles[1].text);
        let reasons: Vec<&str> = skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(
            reasons,
            ["1 non-HTML records skipped (image/jpeg: 1)", "1 HTML responses without success status skipped (301: 1)"]
        );
    }

    #[test]
    fn reads_uncompressed_archive() {
        let (articles, skipped) = read(&records().concat(), "crawl.warc");
        check_full_archive(&articles, &skipped);
    }

    #[test]
    fn reads_gzip_per_record() {
        let bytes: Vec<u8> = records().iter().flat_map(|record| gzip(record)).collect();
        let (articles, skipped) = read(&bytes, "crawl.warc.gz");
        check_full_archive(&articles, &skipped);
    }

    #[test]
    fn reads_whole_file_gzip() {
        let (articles, skipped) = read(&gzip(&records().concat()), "crawl.warc.gz");
        check_full_archive(&articles, &skipped);
    }

    #[test]
    fn page_date_wins_over_capture_date() {
        let page = PAGE
            .replace("<title>", "<meta property=\"article:published_time\" content=\"2019-12-31T10:00:00Z\"><title>");
        let bytes = response("https://news.example/d", &http("200 OK", &[], page.as_bytes()));
        let (articles, _) = read(&bytes, "one.warc");
        assert_eq!(articles[0].published, parse_date("2019-12-31T10:00:00Z"));
    }

    #[test]
    fn truncated_last_record_keeps_the_rest() {
        let all = records();
        let mut bytes: Vec<u8> = all.iter().flat_map(|record| gzip(record)).collect();
        let last = gzip(&response("https://news.example/e", &http("200 OK", &[], PAGE.as_bytes())));
        bytes.extend_from_slice(&last[..last.len() / 2]);
        let (articles, skipped) = read(&bytes, "cut.warc.gz");
        assert_eq!(articles.len(), 2);
        // Depending on where the member is cut, the decoder reports a short stream or simply ends.
        let cut = &skipped.last().expect("truncation reported").reason;
        assert!(cut.starts_with("truncated "), "{cut}");
        assert!(cut.ends_with(" in record 7; the 6 records before it were read"), "{cut}");

        // Uncompressed, cut inside the block and inside the header.
        let plain = records().concat();
        let extra = response("https://news.example/e", &http("200 OK", &[], PAGE.as_bytes()));
        for (cut_at, what) in [(extra.len() - 50, "block"), (30, "header")] {
            let bytes = [&plain[..], &extra[..cut_at]].concat();
            let (articles, skipped) = read(&bytes, "cut.warc");
            assert_eq!(articles.len(), 2);
            let reason = &skipped.last().expect("truncation reported").reason;
            assert_eq!(reason, &format!("truncated {what} in record 7; the 6 records before it were read"));
        }
    }

    #[test]
    fn garbage_is_reported_not_fatal() {
        let (articles, skipped) = read(b"this is not an archive\n", "junk.warc");
        assert!(articles.is_empty());
        assert_eq!(skipped.len(), 1);
        assert!(skipped[0].reason.starts_with("record 1 is not a WARC record"), "{}", skipped[0].reason);
        let (articles, skipped) = read(b"", "empty.warc");
        assert!(articles.is_empty() && skipped.is_empty());
    }

    #[test]
    fn http_responses_parse() {
        let response = parse_http_response(&http("404 Not Found", &[("X-Test", "a")], b"gone")).expect("parses");
        assert_eq!(response.status, 404);
        assert_eq!(response.header("x-test"), Some("a"));
        assert_eq!(response.body, b"gone");
        // Bare LF line ends, as some tools write them.
        let response = parse_http_response(b"HTTP/1.0 200 OK\nContent-Type: text/html\n\n<p>x</p>").expect("parses");
        assert_eq!(response.body, b"<p>x</p>");
        assert_eq!(dechunk(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").as_deref(), Some(&b"abcde"[..]));
        assert_eq!(dechunk(b"not chunks"), None);
        assert!(parse_http_response(b"GET / HTTP/1.1\r\n\r\n").is_err());
        let bad_gzip = http("200 OK", &[("Content-Encoding", "gzip")], b"not gzip");
        assert!(parse_http_response(&bad_gzip).expect_err("bad body").starts_with("bad gzip body"));
    }

    proptest::proptest! {
        #[test]
        fn reading_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..1024)) {
            let mut input = b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 40\r\n\r\n".to_vec();
            input.extend_from_slice(&bytes);
            for input in [&bytes[..], &input[..]] {
                let mut reader = WarcReader::new(input);
                while let Ok(Some(_)) = reader.next_record() {}
                let _ = parse_http_response(input);
            }
        }
    }

    #[test]
    fn header_folding_and_blank_lines_between_records() {
        let block = http("200 OK", &[], PAGE.as_bytes());
        let mut bytes = format!(
            "\r\n\r\nWARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI:\r\n https://news.example/f\r\n\
             Content-Length: {}\r\n\r\n",
            block.len()
        )
        .into_bytes();
        bytes.extend_from_slice(&block);
        bytes.extend_from_slice(b"\r\n\r\n\r\n");
        let mut reader = WarcReader::new(&bytes[..]);
        let record = reader.next_record().expect("reads").expect("a record");
        assert_eq!(record.version, "WARC/1.1");
        assert_eq!(record.header("WARC-Target-URI"), Some("https://news.example/f"));
        assert!(reader.next_record().expect("clean end").is_none());
    }
}
