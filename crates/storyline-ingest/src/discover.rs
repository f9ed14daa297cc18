//! Finding input files under the paths a user names.
//!
//! Arrival order matters downstream (with no publication dates, the article that arrived first is
//! the original), so the walk is deterministic: paths in the order given, each folder sorted by
//! file name.

use std::collections::HashSet;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use storyline_model::{Skipped, SourceFormat};
use walkdir::WalkDir;

/// One input file found under the given paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub path: PathBuf,
    /// By extension, or by sniffing the first bytes for files without one.
    pub format: SourceFormat,
    /// Size in bytes when discovered.
    pub size: u64,
}

/// Walk files and folders recursively, skipping hidden entries inside folders. Files with an
/// extension we do not read, missing paths and unreadable entries come back as [`Skipped`].
///
/// A file named twice (directly and through its folder, say) is listed once.
pub fn discover(paths: &[PathBuf]) -> (Vec<InputFile>, Vec<Skipped>) {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut seen = HashSet::new();
    for root in paths {
        if !root.exists() {
            skipped.push(skip(root, "no such file or directory"));
            continue;
        }
        // Only entries found inside a folder are checked for being hidden: a file the user names
        // explicitly is wanted, and the root may well be ".".
        let walk = WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| entry.depth() == 0 || !is_hidden(entry.file_name()));
        for entry in walk {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    let origin = error.path().unwrap_or(root);
                    skipped.push(skip(origin, &error.to_string()));
                    continue;
                }
            };
            if !entry.file_type().is_file() || !seen.insert(entry.path().to_path_buf()) {
                continue;
            }
            let size = entry.metadata().map(|metadata| metadata.len()).unwrap_or(0);
            match classify(entry.path()) {
                Ok(format) => files.push(InputFile { path: entry.path().to_path_buf(), format, size }),
                Err(reason) => skipped.push(skip(entry.path(), &reason)),
            }
        }
    }
    (files, skipped)
}

fn skip(path: &Path, reason: &str) -> Skipped {
    Skipped { origin: path.display().to_string(), reason: reason.to_string() }
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with('.')
}

/// The format of a file, from its extension or (without one) its first bytes.
pub fn classify(path: &Path) -> Result<SourceFormat, String> {
    let Some(extension) = path.extension() else {
        return sniff(path);
    };
    let extension = extension.to_string_lossy().to_lowercase();
    let name = path.file_name().map(|name| name.to_string_lossy().to_lowercase()).unwrap_or_default();
    if name.ends_with(".warc.gz") {
        return Ok(SourceFormat::Warc);
    }
    match extension.as_str() {
        "txt" | "text" => Ok(SourceFormat::Text),
        "html" | "htm" | "xhtml" => Ok(SourceFormat::Html),
        "jsonl" | "ndjson" => Ok(SourceFormat::Jsonl),
        "warc" => Ok(SourceFormat::Warc),
        _ => Err(format!("unsupported file type .{extension}")),
    }
}

/// Sniffing only needs the first non-blank character; a small read keeps it cheap.
const SNIFF_BYTES: u64 = 1024;

fn sniff(path: &Path) -> Result<SourceFormat, String> {
    let mut head = Vec::new();
    File::open(path)
        .and_then(|file| file.take(SNIFF_BYTES).read_to_end(&mut head))
        .map_err(|error| format!("cannot read file: {error}"))?;
    Ok(sniff_bytes(&head))
}

/// A WARC version line → web archive; else '<' → HTML, '{' → JSON Lines, anything else → text
/// (after a UTF-8 BOM and whitespace).
pub(crate) fn sniff_bytes(head: &[u8]) -> SourceFormat {
    if head.starts_with(b"WARC/1.") {
        return SourceFormat::Warc;
    }
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    match head.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => SourceFormat::Html,
        Some(b'{') => SourceFormat::Jsonl,
        _ => SourceFormat::Text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn names(files: &[InputFile], root: &Path) -> Vec<String> {
        files.iter().map(|file| file.path.strip_prefix(root).unwrap_or(&file.path).display().to_string()).collect()
    }

    #[test]
    fn walks_sorted_and_classifies() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        fs::create_dir_all(root.join("b/nested")).expect("mkdir");
        fs::create_dir_all(root.join(".git")).expect("mkdir");
        for (name, content) in [
            ("b/nested/z.htm", "<p>x</p>"),
            ("b/a.ndjson", "{}"),
            ("c.TXT", "x"),
            ("a.html", "<p>x</p>"),
            ("EXPECTED.md", "# x"),
            (".hidden.txt", "x"),
            (".git/config", "x"),
            ("no_extension_html", "  <html>"),
            ("no_extension_json", "\u{feff}{\"text\":\"x\"}"),
            ("no_extension_text", "Plain words"),
            ("crawl.warc.gz", "\u{1f}"),
            ("crawl.WARC", "WARC/1.1"),
            ("no_extension_warc", "WARC/1.0\r\n"),
            ("logs.gz", "\u{1f}"),
        ] {
            fs::write(root.join(name), content).expect("write");
        }
        let (files, skipped) = discover(&[root.to_path_buf()]);
        assert_eq!(
            names(&files, root),
            vec![
                "a.html",
                "b/a.ndjson",
                "b/nested/z.htm",
                "c.TXT",
                "crawl.WARC",
                "crawl.warc.gz",
                "no_extension_html",
                "no_extension_json",
                "no_extension_text",
                "no_extension_warc"
            ]
        );
        let formats: Vec<SourceFormat> = files.iter().map(|file| file.format).collect();
        use SourceFormat::*;
        assert_eq!(formats, vec![Html, Jsonl, Html, Text, Warc, Warc, Html, Jsonl, Text, Warc]);
        assert_eq!(files[0].size, 8);
        assert_eq!(skipped.len(), 2);
        assert!(skipped[0].origin.ends_with("EXPECTED.md"));
        assert_eq!(skipped[0].reason, "unsupported file type .md");
        assert_eq!(skipped[1].reason, "unsupported file type .gz");
    }

    #[test]
    fn explicit_files_and_missing_paths() {
        let dir = tempfile::tempdir().expect("temp dir");
        let hidden = dir.path().join(".named.txt");
        fs::write(&hidden, "x").expect("write");
        let missing = dir.path().join("missing.txt");
        let (files, skipped) = discover(&[hidden.clone(), missing.clone(), hidden.clone()]);
        assert_eq!(files.len(), 1, "an explicitly named hidden file is read, once");
        assert_eq!(files[0].path, hidden);
        assert_eq!(
            skipped,
            vec![Skipped { origin: missing.display().to_string(), reason: "no such file or directory".to_string() }]
        );
    }

    #[test]
    fn sniffs_first_character() {
        assert_eq!(sniff_bytes(b""), SourceFormat::Text);
        assert_eq!(sniff_bytes(b"\n\t<!doctype html>"), SourceFormat::Html);
        assert_eq!(sniff_bytes(b"{\"text\":1}"), SourceFormat::Jsonl);
        assert_eq!(sniff_bytes(b"Title\n\nBody"), SourceFormat::Text);
    }
}
