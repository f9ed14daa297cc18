//! Lines that open many files of one run above different articles: a site's promoted headline
//! ("España exigirá una PCR negativa…" atop 47 of one outlet's pages about 2011), its section
//! name, a series' disclaimer. Read alone, such a line looks like the article's headline; only
//! other files show that it is the site's. Before a run reads its plain-text files,
//! [`RepeatedOpenings::census`] reads the first lines of all of them; then the lines of each
//! file's opening that the census found above [`MIN_ARTICLES`] different lines are cut as
//! furniture. The opening ends with the file's [`OPENING_LINES`]th line that does not repeat.
//!
//! Different articles, not files: copies of one article repeat its headline above the same first
//! line, and that headline stays. A line counts once per distinct line below it.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use rayon::prelude::*;
use storyline_model::{RemovedText, SourceFormat};
use xxhash_rust::xxh3::xxh3_64;

use crate::discover::InputFile;

/// A file's opening: its lines until this many that are not known to repeat have been seen.
pub const OPENING_LINES: usize = 4;
/// How far down a file a block of the site's lines (a list of promoted headlines above every
/// page of one outlet) is looked for.
const BLOCK_LINES: usize = 32;
/// A line above this many different texts is the site's, not an article's.
pub const MIN_ARTICLES: usize = 3;
/// Longer lines are prose, never furniture of this kind.
const MAX_LINE_CHARS: usize = 300;
/// What the census reads of each file: enough for the opening lines and the one below.
const HEAD_BYTES: usize = 8 * 1024;

pub(crate) const REPEATED_OPENING: &str = "repeated-opening";

/// The opening lines a run's files share above different texts.
#[derive(Debug, Default, Clone)]
pub struct RepeatedOpenings {
    lines: HashSet<u64>,
}

impl RepeatedOpenings {
    /// Reads the head of every plain-text file in `files` (in parallel; unreadable files are left
    /// to the reader, which reports them) and keeps the opening lines found above at least
    /// [`MIN_ARTICLES`] different lines.
    pub fn census(files: &[InputFile]) -> RepeatedOpenings {
        let heads: Vec<Vec<u64>> = files
            .par_iter()
            .filter(|file| file.format == SourceFormat::Text)
            .filter_map(|file| read_head(file).map(|head| head_lines(&head)))
            .collect();
        // A site's chrome often comes in a run of lines ("Stay in Tune", "Seguimi su Twitter",
        // then the headline; or twenty promoted headlines): each is above the same line but the
        // last. Once the last is known to repeat, the line below each other one is the first not
        // known to, so a run is found from the bottom up, one line per round.
        let mut lines = HashSet::new();
        for _ in 0..BLOCK_LINES {
            let mut below: HashMap<u64, HashSet<u64>> = HashMap::new();
            for head in &heads {
                for (i, &line) in head.iter().enumerate().take(BLOCK_LINES) {
                    if line_is_candidate(line) {
                        let next = head[i + 1..].iter().copied().find(|next| !lines.contains(next)).unwrap_or(0);
                        let seen = below.entry(line).or_default();
                        if seen.len() < MIN_ARTICLES {
                            seen.insert(next & !CANDIDATE_BIT);
                        }
                    }
                }
            }
            let found: HashSet<u64> =
                below.into_iter().filter(|(_, seen)| seen.len() >= MIN_ARTICLES).map(|(line, _)| line).collect();
            if found.len() == lines.len() {
                break;
            }
            lines = found;
        }
        // Only lines that open files count: a short line of prose ("Elle ajoute :") can sit above
        // different lines deep in many articles, and must not be cut from the one it opens.
        let mut in_openings: HashMap<u64, usize> = HashMap::new();
        for head in &heads {
            let mut article_lines = 0;
            for line in head {
                if article_lines == OPENING_LINES {
                    break;
                }
                if lines.contains(line) {
                    *in_openings.entry(*line).or_default() += 1;
                } else {
                    article_lines += 1;
                }
            }
        }
        lines.retain(|line| in_openings.get(line).is_some_and(|&files| files >= MIN_ARTICLES));
        RepeatedOpenings { lines }
    }

    /// How many distinct lines the census found repeated.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Whether `line`, when in a file's opening, is cut.
    fn is_repeated(&self, line: &str) -> bool {
        line_key(line.trim()).is_some_and(|key| self.lines.contains(&key))
    }

    /// `text` without its repeated opening lines, and those lines as removed text; `None` when
    /// it opens with none.
    pub fn cut(&self, text: &str) -> Option<(String, Vec<RemovedText>)> {
        if self.lines.is_empty() {
            return None;
        }
        let mut removed = Vec::new();
        let mut kept = String::with_capacity(text.len());
        let mut article_lines = 0;
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim();
            if article_lines < OPENING_LINES && !trimmed.is_empty() {
                if self.is_repeated(trimmed) {
                    removed.push(RemovedText { text: trimmed.to_string(), reason: REPEATED_OPENING.to_string() });
                    continue;
                }
                article_lines += 1;
            }
            kept.push_str(line);
        }
        (!removed.is_empty()).then_some((kept, removed))
    }
}

/// The first [`HEAD_BYTES`] of a file as text, cut at its last whole line.
fn read_head(file: &InputFile) -> Option<String> {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    std::fs::File::open(&file.path).ok()?.take(HEAD_BYTES as u64).read_to_end(&mut head).ok()?;
    if head.len() == HEAD_BYTES {
        let end = head.iter().rposition(|&b| b == b'\n')?;
        head.truncate(end + 1);
    }
    crate::decode(&head).ok().map(|decoded| decoded.text)
}

/// The first non-empty lines of a text, enough to look past a run of chrome: each its words'
/// hash, with [`CANDIDATE_BIT`] set when the line is short enough to be furniture.
fn head_lines(text: &str) -> Vec<u64> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .take(BLOCK_LINES + OPENING_LINES)
        .map(|line| line_key(line).unwrap_or_else(|| words_hash(line) & !CANDIDATE_BIT))
        .collect()
}

/// Marks the hash of a line short enough to be furniture; the key of a line is its hash with the
/// bit set, so a long line never matches one.
const CANDIDATE_BIT: u64 = 1;

fn line_is_candidate(key: u64) -> bool {
    key & CANDIDATE_BIT != 0
}

/// A line's key; `None` for lines too long to be furniture.
fn line_key(trimmed: &str) -> Option<u64> {
    (trimmed.chars().count() <= MAX_LINE_CHARS).then(|| words_hash(trimmed) | CANDIDATE_BIT)
}

/// A line's words joined by single spaces, hashed.
fn words_hash(line: &str) -> u64 {
    let words: Vec<&str> = line.split_whitespace().collect();
    xxh3_64(words.join(" ").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(texts: &[impl AsRef<str>]) -> (tempfile::TempDir, Vec<InputFile>) {
        let dir = tempfile::tempdir().unwrap();
        let files = texts
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let text = text.as_ref();
                let path = dir.path().join(format!("{i}.txt"));
                std::fs::write(&path, text).unwrap();
                InputFile { path, format: SourceFormat::Text, size: text.len() as u64 }
            })
            .collect();
        (dir, files)
    }

    const PROMOTED: &str = "España exigirá una PCR negativa en origen a todos los viajeros";

    fn page(headline: &str, body: &str) -> String {
        format!("{PROMOTED}\n{headline}\n\n{body}\n")
    }

    #[test]
    fn a_line_above_three_different_articles_is_cut_and_their_headlines_stay() {
        let texts = [
            page("Mubarak hace caer al Gobierno", "Texto uno sobre El Cairo."),
            page("Mubarak nombra vicepresidente a Suleiman", "Texto dos sobre Suleiman."),
            page("El petróleo supera los 100 dólares", "Texto tres sobre el crudo."),
        ];
        let (_dir, files) = files(&texts);
        let openings = RepeatedOpenings::census(&files);
        assert_eq!(openings.len(), 1, "only the promoted line repeats above different texts");
        let (kept, removed) = openings.cut(&texts[0]).unwrap();
        assert!(kept.starts_with("Mubarak hace caer al Gobierno\n"));
        assert_eq!(removed, [RemovedText { text: PROMOTED.to_string(), reason: REPEATED_OPENING.to_string() }]);
    }

    #[test]
    fn a_run_of_chrome_lines_is_cut_from_the_bottom_up() {
        let chrome = "Sei un appassionato di sicurezza?\nStay in Tune\nSeguimi su Twitter\n";
        let texts: Vec<String> = ["Servizi segreti", "Elezioni in Egitto", "Il Cairo in piazza"]
            .iter()
            .map(|h| format!("{chrome}{h}\nTesto di {h}.\n"))
            .collect();
        let (_dir, files) = files(&texts);
        let openings = RepeatedOpenings::census(&files);
        assert_eq!(openings.len(), 3);
        let (kept, removed) = openings.cut(&texts[1]).unwrap();
        assert_eq!(removed.len(), 3);
        assert!(kept.starts_with("Elezioni in Egitto\n"));
    }

    #[test]
    fn a_block_of_promoted_headlines_is_cut_whole() {
        let block: String = (1..=20).map(|i| format!("Titular promocionado número {i}\n")).collect();
        let texts: Vec<String> = ["Kadhafi huye", "Cae Trípoli", "Elecciones en Túnez"]
            .iter()
            .map(|h| format!("{block}{h}\nTexto de {h}.\n"))
            .collect();
        let (_dir, files) = files(&texts);
        let openings = RepeatedOpenings::census(&files);
        let (kept, removed) = openings.cut(&texts[2]).unwrap();
        assert_eq!(removed.len(), 20);
        assert_eq!(kept, "Elecciones en Túnez\nTexto de Elecciones en Túnez.\n");
    }

    #[test]
    fn a_short_line_of_prose_repeated_deeper_in_articles_stays_where_it_opens_one() {
        let deep = |i: usize| {
            format!("Titre {i}\nChapeau {i}.\nPremier paragraphe {i}.\nSecond {i}.\nElle ajoute :\nCitation {i}.\n")
        };
        let opening = "Titre court\nElle ajoute :\nCitation.\n".to_string();
        let texts = [deep(1), deep(2), deep(3), opening.clone()];
        let (_dir, files) = files(&texts);
        assert!(RepeatedOpenings::census(&files).cut(&opening).is_none());
    }

    #[test]
    fn copies_of_one_article_keep_their_headline() {
        let text = page("Mubarak hace caer al Gobierno", "El mismo texto.");
        let other = "Otra noticia\nCon su propio texto.\n";
        let (_dir, files) = files(&[&text, &text, &text, other]);
        assert!(RepeatedOpenings::census(&files).is_empty(), "three copies are one article");
    }

    #[test]
    fn only_opening_lines_are_cut() {
        let texts = [page("Uno", "Texto uno."), page("Dos", "Texto dos."), page("Tres", "Texto tres.")];
        let (_dir, files) = files(&texts);
        let openings = RepeatedOpenings::census(&files);
        // The same line further down an article is the article's own.
        let later = format!("Titular\nUno\nDos\nTres\n{PROMOTED}\n");
        assert!(openings.cut(&later).is_none());
    }
}
