//! Finding input files under the paths a user names.
//!
//! Arrival order matters downstream (with no publication dates, the article that arrived first is
//! the original), so the walk is deterministic: paths in the order given, each folder sorted by
//! file name.
//!
//! Symbolic links inside a folder are followed only while they stay inside it: a link in an
//! ingested or watched folder (`serve --watch` takes files from others) must not make storyline
//! read `/etc/hostname` and store it as an article. [`Discovery::follow_symlinks`] lifts that.

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

/// How [`discover_with`] treats symbolic links.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// Follow symbolic links wherever they lead, out of the folder too.
    pub follow_symlinks: bool,
    /// The folder the paths were found in (a watched folder, whose changed files are named one
    /// by one): their links must stay inside it as well. Without it, a path named directly is
    /// followed wherever it leads (the user named it), and each folder bounds its own links.
    pub within: Option<PathBuf>,
}

/// Walk files and folders recursively, skipping hidden entries inside folders. Files with an
/// extension we do not read, missing paths, unreadable entries and symbolic links leading out
/// of their folder come back as [`Skipped`].
///
/// A file named twice (directly and through its folder, say) is listed once.
pub fn discover(paths: &[PathBuf]) -> (Vec<InputFile>, Vec<Skipped>) {
    discover_with(paths, &Discovery::default())
}

/// [`discover`], with a choice about symbolic links.
pub fn discover_with(paths: &[PathBuf], discovery: &Discovery) -> (Vec<InputFile>, Vec<Skipped>) {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut seen = HashSet::new();
    for root in paths {
        if !root.exists() {
            skipped.push(skip(root, "no such file or directory"));
            continue;
        }
        let bound = match discovery.follow_symlinks {
            true => None,
            false => discovery.within.as_deref().unwrap_or(root).canonicalize().ok(),
        };
        let mut links_out = Vec::new();
        // Only entries found inside a folder are checked for being hidden: a file the user names
        // explicitly is wanted, and the root may well be ".". Walkdir reports link cycles as
        // errors, so following links cannot loop.
        let walk = WalkDir::new(root).follow_links(true).sort_by_file_name().into_iter().filter_entry(|entry| {
            if entry.depth() > 0 && is_hidden(entry.file_name()) {
                return false;
            }
            // An entry that is not itself a link lies where its folder does: inside the bound. A
            // path found in a watched folder may lie under a link to elsewhere, so it is checked.
            let found_in_folder = entry.depth() == 0 && discovery.within.is_some();
            let Some(bound) = bound.as_ref().filter(|_| entry.path_is_symlink() || found_in_folder) else {
                return true;
            };
            match entry.path().canonicalize() {
                Ok(target) if !target.starts_with(bound) => {
                    let reason =
                        format!("symbolic link to {} leads out of {}: not followed", target.display(), bound.display());
                    links_out.push(skip(entry.path(), &reason));
                    false
                }
                // Inside, or broken (the walk reports that).
                _ => true,
            }
        });
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
        skipped.append(&mut links_out);
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

    #[cfg(unix)]
    #[test]
    fn symlinks_stay_inside_the_folder() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().expect("temp dir");
        let outside = tempfile::tempdir().expect("temp dir");
        let secret = outside.path().join("secret.txt");
        fs::write(&secret, "not for storyline").expect("write");
        let root = dir.path().join("in");
        fs::create_dir_all(root.join("sub")).expect("mkdir");
        fs::write(root.join("sub/real.txt"), "inside").expect("write");
        symlink(root.join("sub/real.txt"), root.join("a_link.txt")).expect("symlink");
        symlink(root.join("sub"), root.join("b_linked_dir")).expect("symlink");
        symlink(&secret, root.join("c_out.txt")).expect("symlink");
        symlink(outside.path(), root.join("d_out_dir")).expect("symlink");
        symlink(&root, root.join("sub/e_loop")).expect("symlink");

        let (files, skipped) = discover(std::slice::from_ref(&root));
        assert_eq!(names(&files, &root), ["a_link.txt", "b_linked_dir/real.txt", "sub/real.txt"]);
        let reasons: Vec<(String, &str)> = skipped
            .iter()
            .map(|s| {
                (Path::new(&s.origin).strip_prefix(&root).unwrap_or(Path::new("?")).display().to_string(), &*s.reason)
            })
            .collect();
        let outside_real = outside.path().canonicalize().expect("canonical");
        let bound = root.canonicalize().expect("canonical");
        assert!(reasons.iter().any(|(path, reason)| path == "sub/e_loop" && reason.contains("loop")), "{reasons:?}");
        assert!(reasons.contains(&(
            "c_out.txt".to_string(),
            &*format!(
                "symbolic link to {} leads out of {}: not followed",
                outside_real.join("secret.txt").display(),
                bound.display()
            )
        )));
        assert!(reasons.iter().any(|(path, reason)| path == "d_out_dir" && reason.contains("leads out of")));
        assert_eq!(skipped.len(), 4, "two cycles (through sub and through b_linked_dir), two links out: {reasons:?}");

        // Asked to, links are followed anywhere.
        let follow = Discovery { follow_symlinks: true, within: None };
        let (files, _) = discover_with(std::slice::from_ref(&root), &follow);
        assert!(names(&files, &root).contains(&"c_out.txt".to_string()));
        assert!(names(&files, &root).contains(&"d_out_dir/secret.txt".to_string()));

        // A link named directly is wanted, unless it was found in a folder it leads out of.
        let link = root.join("c_out.txt");
        assert_eq!(discover(std::slice::from_ref(&link)).0.len(), 1);
        let watched = Discovery { follow_symlinks: false, within: Some(root.clone()) };
        let under_link = root.join("d_out_dir/secret.txt");
        let (files, skipped) = discover_with(&[link.clone(), root.join("a_link.txt"), under_link], &watched);
        assert_eq!(names(&files, &root), ["a_link.txt"]);
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert!(skipped.iter().all(|skip| skip.reason.contains("leads out of")), "{skipped:?}");
    }

    #[test]
    fn sniffs_first_character() {
        assert_eq!(sniff_bytes(b""), SourceFormat::Text);
        assert_eq!(sniff_bytes(b"\n\t<!doctype html>"), SourceFormat::Html);
        assert_eq!(sniff_bytes(b"{\"text\":1}"), SourceFormat::Jsonl);
        assert_eq!(sniff_bytes(b"Title\n\nBody"), SourceFormat::Text);
    }
}
