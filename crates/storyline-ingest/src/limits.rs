//! How much work one input may cost.
//!
//! Ingest runs unattended over folders and crawls that nobody has looked at, so every input is
//! bounded before the expensive part starts: a file, a line, an archive's decompressed bytes, a
//! page's nesting, an article's text. What is over a limit is skipped with a reason saying which
//! limit, never truncated: a cut text would be stored, compared and clustered as if it were the
//! whole article, and nothing this big is a news article anyway.

/// The limits, with defaults far above any real news article and far below what hurts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest text, HTML or JSON Lines file read (bytes on disk). Bigger files are skipped
    /// unread: reading a stray database dump or video into memory would only slow the run down.
    /// Web archives are streamed record by record, so this does not apply to them.
    pub max_file_bytes: u64,
    /// Longest line of a plain-text file (bytes). A line this long is data (minified code,
    /// base64, a dump), not prose, and sentence-level stages cost more than linear in it.
    pub max_line_bytes: usize,
    /// Deepest element nesting of an HTML page. HTML parsing (html5ever's scope checks) costs
    /// time in proportion to the depth for every tag, and Readability recurses once per level:
    /// 100,000 nested `<div>`s overflowed the stack. Browsers stop nesting at 512 (Blink).
    pub max_html_depth: usize,
    /// Most elements in an HTML page. Parsing costs their number times the depth, and each one
    /// hundreds of bytes; news pages hold a few thousand.
    pub max_html_elements: usize,
    /// Most work parsing an HTML page may cost: the depths of its elements added up. The tree
    /// builder walks the open elements for every tag, and Readability matches descendants from
    /// every ancestor; 199,000 paragraphs 500 levels deep took half a minute.
    pub max_html_work: usize,
    /// Largest HTML page parsed (bytes, after any Content-Encoding is undone).
    pub max_page_bytes: usize,
    /// Largest WARC record (decompressed bytes); bigger records are skipped unread.
    pub max_record_bytes: u64,
    /// How many times its size on disk a gzipped WARC file may decompress to. Crawls compress
    /// 4–10 times; a gzip bomb a thousand times. The records before the limit are kept.
    pub max_archive_expansion: u64,
    /// Longest article text (bytes, after cleaning for HTML). The longest live blogs run to a
    /// few hundred kilobytes.
    pub max_article_bytes: usize,
}

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;

impl Limits {
    pub const DEFAULT: Limits = Limits {
        max_file_bytes: 50 * MIB as u64,
        max_line_bytes: 256 * KIB,
        max_html_depth: 512,
        max_html_elements: 200_000,
        max_html_work: 5_000_000,
        max_page_bytes: 16 * MIB,
        max_record_bytes: 50 * MIB as u64,
        max_archive_expansion: 100,
        max_article_bytes: MIB,
    };

    /// The reason an article text of `bytes` is refused, if it is.
    pub(crate) fn check_article(&self, bytes: usize) -> Result<(), String> {
        if bytes > self.max_article_bytes {
            return Err(format!(
                "text too long for an article ({} > {})",
                size(bytes as u64),
                size(self.max_article_bytes as u64)
            ));
        }
        Ok(())
    }

    /// The reason an HTML page of `bytes` is refused, if it is.
    pub(crate) fn check_page(&self, bytes: usize) -> Result<(), String> {
        if bytes > self.max_page_bytes {
            return Err(format!("HTML page too large ({} > {})", size(bytes as u64), size(self.max_page_bytes as u64)));
        }
        Ok(())
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// A byte count as people read it: "50 MiB", "256 KiB", "1.5 MiB", "900 bytes".
pub(crate) fn size(bytes: u64) -> String {
    let (unit, name) = match bytes {
        b if b >= MIB as u64 => (MIB as u64, "MiB"),
        b if b >= KIB as u64 => (KIB as u64, "KiB"),
        _ => return format!("{bytes} bytes"),
    };
    // Units are powers of two: a whole number of them has no bits below the unit's.
    if bytes & (unit - 1) == 0 {
        format!("{} {name}", bytes / unit)
    } else {
        format!("{:.1} {name}", bytes as f64 / unit as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(size(900), "900 bytes");
        assert_eq!(size(256 * 1024), "256 KiB");
        assert_eq!(size(3 * 1024 * 1024 / 2), "1.5 MiB");
        assert_eq!(size(50 * 1024 * 1024), "50 MiB");
    }

    #[test]
    fn article_and_page_limits_name_both_sizes() {
        let limits = Limits { max_article_bytes: 1024, max_page_bytes: 2048, ..Limits::DEFAULT };
        assert!(limits.check_article(1024).is_ok());
        assert_eq!(limits.check_article(1536).unwrap_err(), "text too long for an article (1.5 KiB > 1 KiB)");
        assert!(limits.check_page(2048).is_ok());
        assert_eq!(limits.check_page(4096).unwrap_err(), "HTML page too large (4 KiB > 2 KiB)");
    }
}
