//! Turns news files into clean [`Article`]s: the first stage of storyline's pipeline.
//!
//! Ingest finds files ([`discover`]), decodes their bytes whatever the encoding ([`decode`]),
//! parses plain text, HTML pages, JSON Lines records and web archives ([`parse_text`],
//! [`parse_html`], [`parse_jsonl_line`], [`read_warc`]), strips web clutter (reporting every cut
//! in [`Article::removed`]) and detects the language ([`detect_language`]). Input that cannot
//! become an article comes back as a
//! [`Skipped`] with a reason; nothing here panics on bad input or touches a database.
//!
//! ```
//! use storyline_ingest::parse_text;
//!
//! let text = "Turkey, Qatar sign deal with Libya – Middle East Monitor\n\n\
//!             Turkey and Qatar signed a tripartite deal with the Libyan government.\n\n\
//!             READ: Turkey DM: Libya belongs to Libyans\n\n\
//!             Leave A Reply";
//! let article = parse_text("001", text).expect("an article");
//! assert_eq!(article.title.as_deref(), Some("Turkey, Qatar sign deal with Libya"));
//! assert_eq!(article.outlet.as_deref(), Some("Middle East Monitor"));
//! assert_eq!(article.text, "Turkey and Qatar signed a tripartite deal with the Libyan government.");
//! let reasons: Vec<&str> = article.removed.iter().map(|cut| cut.reason.as_str()).collect();
//! assert_eq!(reasons, ["related-link", "comment-prompt", "outlet-suffix"]);
//! ```
//!
//! Reading a folder, in a deterministic order:
//!
//! ```no_run
//! let ingested = storyline_ingest::ingest(&["articles/".into()]);
//! for skipped in &ingested.skipped {
//!     eprintln!("skipped {}: {}", skipped.origin, skipped.reason);
//! }
//! println!("{} articles", ingested.articles.len());
//! ```

mod clutter;
mod date;
mod decode;
mod depth;
mod discover;
mod headline;
mod html;
mod jsonl;
mod language;
mod limits;
mod page_kind;
mod repeated;
mod text;
mod warc;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rayon::prelude::*;
use storyline_model::{Article, DateSource, Skipped, SourceFormat};
use xxhash_rust::xxh3::xxh3_64;

pub use clutter::{classify_line, split_outlet_suffix, SplitTitle};
pub use date::{date_in_folder, date_in_url, parse_date, parse_stated_date};
pub use decode::{decode, decode_http, DecodeError, Decoded};
pub use discover::{classify, discover, discover_with, Discovery, InputFile};
pub use html::parse_html;
pub use jsonl::parse_jsonl_line;
pub use language::{detect_language, iso639_1};
pub use limits::Limits;
pub use page_kind::PageKind;
pub use repeated::RepeatedLines;
pub use text::parse_text;
pub use warc::{
    open_warc, parse_http_response, read_warc, read_warc_with, HttpResponse, WarcError, WarcReader, WarcRecord,
};

use limits::size;

/// Read and parse one file: one article for text and HTML, one per line for JSON Lines, one per
/// HTML page for web archives (see [`read_warc`]).
///
/// Text and HTML articles take the file stem as id. Every article's `source.path` is the file
/// (`path:LINE` for JSON Lines); every failure is a [`Skipped`] with the same origin.
pub fn read_file(file: &InputFile) -> Vec<Result<Article, Skipped>> {
    read_file_with(file, &Limits::DEFAULT)
}

/// [`read_file`] within other limits than the defaults.
pub fn read_file_with(file: &InputFile, limits: &Limits) -> Vec<Result<Article, Skipped>> {
    read_file_among(file, limits, &RepeatedLines::default())
}

/// [`read_file_with`] for a file read among others: a plain-text file's opening and closing
/// lines that `repeated` (the census of the run's files) found beside different articles are cut
/// as the site's furniture before the headline is looked for.
pub fn read_file_among(file: &InputFile, limits: &Limits, repeated: &RepeatedLines) -> Vec<Result<Article, Skipped>> {
    // Archives are streamed record by record, so the file size limit does not apply to them.
    if file.format == SourceFormat::Warc {
        return read_warc_with(&file.path, limits);
    }
    let origin = file.path.display().to_string();
    let skipped = |reason: String| vec![Err(Skipped { origin: origin.clone(), reason })];
    if file.size > limits.max_file_bytes {
        return skipped(too_large(file.size, limits));
    }
    let bytes = match read_limited(&file.path, limits.max_file_bytes) {
        Ok(bytes) => bytes,
        Err(error) => return skipped(format!("cannot read file: {error}")),
    };
    // The file may have grown since it was discovered.
    if bytes.len() as u64 > limits.max_file_bytes {
        return skipped(too_large(bytes.len() as u64, limits));
    }
    let decoded = match decode(&bytes) {
        Ok(decoded) => decoded,
        Err(error) => return skipped(error.to_string()),
    };
    let id = file_id(&file.path);
    let located = |result: Result<Article, String>, origin: &str| {
        result
            .map(|mut article| {
                article.source.path = Some(origin.to_string());
                date_from_folder(&mut article, &file.path);
                article
            })
            .map_err(|reason| Skipped { origin: origin.to_string(), reason })
    };
    match file.format {
        SourceFormat::Text => {
            let parsed = match repeated.cut(&decoded.text) {
                Some((kept, repeated)) => text::parse_text_within(&id, &kept, limits).map(|mut article| {
                    article.removed.splice(0..0, repeated);
                    article
                }),
                None => text::parse_text_within(&id, &decoded.text, limits),
            };
            vec![located(parsed, &origin)]
        }
        SourceFormat::Html => vec![located(html::parse_html_within(&id, &decoded.text, None, limits), &origin)],
        SourceFormat::Jsonl => {
            // Blank lines separate nothing in JSON Lines; they are not records.
            let lines: Vec<(usize, &str)> =
                decoded.text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()).collect();
            // A dump is often one large file: its records are parsed (and cleaned) in parallel,
            // in line order all the same.
            lines
                .into_par_iter()
                .map(|(index, line)| {
                    located(jsonl::parse_jsonl_line_within(line, limits), &format!("{origin}:{}", index + 1))
                })
                .collect()
        }
        SourceFormat::Warc => unreachable!("handled above"),
    }
}

/// Dates an undated article by the date in its URL's path (`/2019/11/18/`).
pub(crate) fn date_from_url(article: &mut Article) {
    if article.published.is_none() {
        if let Some(day) = article.url.as_deref().and_then(date_in_url) {
            article.set_published(start_of(day), DateSource::Url);
        }
    }
}

/// Dates an undated article by the folder it was filed in (`2011-03-19/`), the last resort.
fn date_from_folder(article: &mut Article, path: &Path) {
    if article.published.is_none() {
        if let Some(day) = date_in_folder(path) {
            article.set_published(start_of(day), DateSource::Folder);
        }
    }
}

/// A day as a moment: its first second, with no offset, so its day stays the day given.
fn start_of(day: NaiveDate) -> chrono::DateTime<chrono::FixedOffset> {
    day.and_time(chrono::NaiveTime::MIN).and_utc().fixed_offset()
}

/// Read many files in parallel; results keep the order of `files` (and of lines within a file).
pub fn read_files(files: &[InputFile]) -> Vec<Result<Article, Skipped>> {
    files.par_iter().map(read_file).collect::<Vec<_>>().into_iter().flatten().collect()
}

/// Everything ingest made of some paths.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ingested {
    /// In arrival order: paths as given, folders sorted by name, JSON Lines in line order.
    pub articles: Vec<Article>,
    pub skipped: Vec<Skipped>,
}

/// Discover and read everything under `paths`.
pub fn ingest(paths: &[PathBuf]) -> Ingested {
    let (files, mut skipped) = discover(paths);
    let mut articles = Vec::new();
    for result in read_files(&files) {
        match result {
            Ok(article) => articles.push(article),
            Err(skip) => skipped.push(skip),
        }
    }
    Ingested { articles, skipped }
}

/// A stable id for an article without one: `u` + xxh3 of the URL when there is one (the same page
/// keeps its id when its text is re-scraped), else `c` + xxh3 of the text, lower-cased with
/// whitespace collapsed (the same text keeps its id across reformatting).
pub fn stable_id(url: Option<&str>, text: &str) -> String {
    match url.map(str::trim).filter(|url| !url.is_empty()) {
        Some(url) => format!("u{:016x}", xxh3_64(url.as_bytes())),
        None => {
            let normalised = text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
            format!("c{:016x}", xxh3_64(normalised.as_bytes()))
        }
    }
}

fn file_id(path: &Path) -> String {
    path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// Read at most one byte past the limit, so an oversized file is detected without loading it.
fn read_limited(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    File::open(path)?.take(limit + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn too_large(bytes: u64, limits: &Limits) -> String {
    format!("file too large ({} > {})", size(bytes), size(limits.max_file_bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn input(path: PathBuf, format: SourceFormat) -> InputFile {
        let size = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        InputFile { path, format, size }
    }

    #[test]
    fn a_file_filed_under_a_day_is_dated_by_its_folder() {
        let dir = tempfile::tempdir().expect("temp dir");
        let day = dir.path().join("libya").join("2011-03-19");
        fs::create_dir_all(&day).expect("folder");
        fs::write(day.join("a.txt"), "Title line\n\nThe council voted on Thursday.").expect("write");
        let read = read_file(&input(day.join("a.txt"), SourceFormat::Text));
        let article = read[0].as_ref().expect("an article");
        assert_eq!(article.publication_day(), NaiveDate::from_ymd_opt(2011, 3, 19));
        assert_eq!(article.date_source, Some(DateSource::Folder));
        fs::write(dir.path().join("b.txt"), "Title line\n\nThe council voted on Thursday.").expect("write");
        let read = read_file(&input(dir.path().join("b.txt"), SourceFormat::Text));
        assert_eq!(read[0].as_ref().expect("an article").published, None);
    }

    #[test]
    fn stable_ids() {
        let by_url = stable_id(Some("https://x.example/a"), "text");
        assert_eq!(by_url.len(), 17);
        assert!(by_url.starts_with('u'));
        assert_eq!(by_url, stable_id(Some(" https://x.example/a "), "other text"));
        let by_text = stable_id(None, "Some  Text\n here");
        assert!(by_text.starts_with('c'));
        assert_eq!(by_text.len(), 17);
        assert_eq!(by_text, stable_id(Some(""), "some text here"));
        assert_ne!(by_text, stable_id(None, "some other text"));
    }

    #[test]
    fn reads_text_file_with_stem_as_id() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("000_ea50157a1f620560.txt");
        fs::write(&path, "Turkey and Qatar have signed a deal.\n\nIt was announced yesterday.\n").expect("write");
        let results = read_file(&input(path.clone(), SourceFormat::Text));
        let article = results.into_iter().next().expect("one result").expect("article");
        assert_eq!(article.id, "000_ea50157a1f620560");
        assert_eq!(article.source.path, Some(path.display().to_string()));
        assert_eq!(article.source.format, SourceFormat::Text);
    }

    #[test]
    fn reads_latin1_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("latin1.txt");
        fs::write(&path, b"Caf\xe9 \xe0 M\xe1laga").expect("write");
        let article = read_file(&input(path, SourceFormat::Text)).remove(0).expect("article");
        assert_eq!(article.text, "Café à Málaga");
    }

    #[test]
    fn empty_binary_and_missing_files_are_skipped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cases = [
            ("empty.txt", &b""[..], "empty file"),
            ("blank.txt", b" \n\n\t ", "empty file"),
            ("image.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0", "binary file"),
        ];
        for (name, bytes, reason) in cases {
            let path = dir.path().join(name);
            fs::write(&path, bytes).expect("write");
            let results = read_file(&input(path.clone(), SourceFormat::Text));
            assert_eq!(results, vec![Err(Skipped { origin: path.display().to_string(), reason: reason.to_string() })]);
        }
        let missing = read_file(&InputFile { path: dir.path().join("gone.txt"), format: SourceFormat::Text, size: 0 });
        assert!(matches!(&missing[..], [Err(skip)] if skip.reason.starts_with("cannot read file")));
    }

    /// The reason a file is skipped within `limits`, or its article.
    fn read_within(name: &str, contents: &str, format: SourceFormat, limits: &Limits) -> Result<Article, String> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(name);
        fs::write(&path, contents).expect("write");
        read_file_with(&input(path, format), limits).remove(0).map_err(|skip| skip.reason)
    }

    const SMALL: Limits = Limits {
        max_file_bytes: 4096,
        max_line_bytes: 100,
        max_html_depth: 20,
        max_html_elements: 100,
        max_html_work: 1000,
        max_page_bytes: 2048,
        max_record_bytes: 4096,
        max_archive_expansion: 100,
        max_article_bytes: 300,
    };

    #[test]
    fn each_text_limit_is_a_skip_with_its_reason() {
        let sentence = "Rain closed mountain roads in Piedmont on Sunday. ";
        let within = sentence.repeat(2);
        assert!(read_within("ok.txt", &within, SourceFormat::Text, &SMALL).is_ok());
        // A line over the limit, in a text short enough otherwise.
        let reason = read_within("line.txt", &sentence.repeat(3), SourceFormat::Text, &SMALL).unwrap_err();
        assert_eq!(reason, "line 1 too long for prose (150 bytes > 100 bytes)");
        let reason = read_within("line.txt", &format!("Title\r\n{}", sentence.repeat(3)), SourceFormat::Text, &SMALL)
            .unwrap_err();
        assert!(reason.starts_with("line 2 too long"), "{reason}");
        // Short lines, too many of them.
        let long = format!("{sentence}\n").repeat(7);
        let reason = read_within("long.txt", &long, SourceFormat::Text, &SMALL).unwrap_err();
        assert_eq!(reason, "text too long for an article (357 bytes > 300 bytes)");
        let record = format!(r#"{{"id":"a","text":"{}"}}"#, sentence.repeat(7));
        let reason = read_within("feed.jsonl", &record, SourceFormat::Jsonl, &SMALL).unwrap_err();
        assert_eq!(reason, "text too long for an article (350 bytes > 300 bytes)");
        let reason = read_within("big.txt", &"x\n".repeat(3000), SourceFormat::Text, &SMALL).unwrap_err();
        assert_eq!(reason, "file too large (5.9 KiB > 4 KiB)");
    }

    #[test]
    fn each_html_limit_is_a_skip_with_its_reason() {
        let page = |depth: usize, text: &str| {
            format!("<html><body>{}<p>{text}</p>{}</body></html>", "<div>".repeat(depth), "</div>".repeat(depth))
        };
        let text = "Rain closed mountain roads in Piedmont on Sunday.";
        assert!(read_within("ok.html", &page(15, text), SourceFormat::Html, &SMALL).is_ok());
        let reason = read_within("deep.html", &page(25, text), SourceFormat::Html, &SMALL).unwrap_err();
        assert_eq!(reason, "HTML nested deeper than 20 elements");
        let reason = read_within("big.html", &page(1, &text.repeat(50)), SourceFormat::Html, &SMALL).unwrap_err();
        assert!(reason.starts_with("HTML page too large"), "{reason}");
        let crowded = format!("<html><body>{}</body></html>", "<p>x</p>".repeat(150));
        let reason = read_within("crowded.html", &crowded, SourceFormat::Html, &SMALL).unwrap_err();
        assert_eq!(reason, "HTML page of more than 100 elements");
        let heavy = format!("<html><body>{}{}</body></html>", "<div>".repeat(15), "<p>x".repeat(60));
        let reason = read_within("heavy.html", &heavy, SourceFormat::Html, &SMALL).unwrap_err();
        assert_eq!(reason, "HTML page too costly to parse (its elements' depths add up to over 1000)");
        // Markup does not count towards the article's length, its text does.
        let reason = read_within("long.html", &page(1, &text.repeat(7)), SourceFormat::Html, &SMALL).unwrap_err();
        assert!(reason.starts_with("text too long for an article"), "{reason}");
    }

    #[test]
    fn a_hundred_thousand_nested_divs_are_refused_before_parsing() {
        let html =
            format!("<html><body>{}<p>Deep.</p>{}</body></html>", "<div>".repeat(100_000), "</div>".repeat(100_000));
        assert_eq!(parse_html("deep", &html, None).unwrap_err(), "HTML nested deeper than 512 elements");
        // Just within the limit, the page parses (on the parser's own stack).
        let html =
            format!("<html><body>{}<p>Deep enough.</p>{}</body></html>", "<div>".repeat(500), "</div>".repeat(500));
        assert_eq!(parse_html("deep", &html, None).expect("article").text, "Deep enough.");
    }

    #[test]
    fn oversized_files_are_skipped_unread() {
        let file = InputFile {
            path: PathBuf::from("/nonexistent/huge.txt"),
            format: SourceFormat::Text,
            size: Limits::DEFAULT.max_file_bytes + 300 * 1024,
        };
        let results = read_file(&file);
        assert_eq!(results[0].as_ref().expect_err("too large").reason, "file too large (50.3 MiB > 50 MiB)");
    }

    #[test]
    fn jsonl_bad_line_does_not_stop_the_rest() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("feed.jsonl");
        let lines = [
            r#"{"id":"a","text":"First article text."}"#,
            r#"{"id":"b","text":"#,
            "",
            r#"{"id":"c","title":"no text"}"#,
            r#"{"id":"d","text":"Fourth article text."}"#,
        ];
        fs::write(&path, lines.join("\r\n")).expect("write");
        let results = read_file(&input(path.clone(), SourceFormat::Jsonl));
        let origin = path.display().to_string();
        assert_eq!(results.len(), 4);
        let first = results[0].as_ref().expect("line 1");
        assert_eq!(first.id, "a");
        assert_eq!(first.source.path, Some(format!("{origin}:1")));
        let bad = results[1].as_ref().expect_err("line 2");
        assert_eq!(bad.origin, format!("{origin}:2"));
        assert!(bad.reason.starts_with("invalid JSON"), "{}", bad.reason);
        let missing = results[2].as_ref().expect_err("line 4");
        assert_eq!(missing.origin, format!("{origin}:4"));
        assert_eq!(missing.reason, "missing `text` field");
        let last = results[3].as_ref().expect("line 5");
        assert_eq!(last.id, "d");
        assert_eq!(last.source.path, Some(format!("{origin}:5")));
    }

    #[test]
    fn reads_latin1_html_with_meta_charset() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("latin1.html");
        fs::write(&path, &b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"></head><body><p>Caf\xe9 \xe0 M\xe1laga</p></body></html>"[..]).expect("write");
        let article = read_file(&input(path, SourceFormat::Html)).remove(0).expect("article");
        assert_eq!(article.text, "Café à Málaga");
    }

    #[test]
    fn reads_html_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("page.html");
        fs::write(&path, "<html><head><title>Deal signed in Tripoli today</title></head><body><p>Turkey and Qatar signed a deal.</p></body></html>").expect("write");
        let article = read_file(&input(path, SourceFormat::Html)).remove(0).expect("article");
        assert_eq!(article.id, "page");
        assert_eq!(article.title.as_deref(), Some("Deal signed in Tripoli today"));
        assert_eq!(article.text, "Turkey and Qatar signed a deal.");
    }

    #[test]
    fn ingests_the_seed_folder() {
        let seeds = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seeds");
        if !seeds.exists() {
            eprintln!("skipping: {} not found", seeds.display());
            return;
        }
        let ingested = ingest(&[seeds]);
        let ids: Vec<&str> = ingested.articles.iter().map(|article| article.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "000_ea50157a1f620560",
                "001_39be850b2c363a0b",
                "002_02428d13abd60254",
                "003_95318f47aea74e28",
                "004_3a28729955fca061"
            ]
        );
        assert_eq!(ingested.skipped.len(), 1);
        assert_eq!(ingested.skipped[0].reason, "unsupported file type .md");
        assert!(ingested.articles.iter().all(|a| a.language.as_ref().is_some_and(|l| l.code == "en")));
    }
}
