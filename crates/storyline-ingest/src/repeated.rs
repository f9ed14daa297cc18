//! Lines that open or close many files of one run around different articles: a site's promoted
//! headline ("España exigirá una PCR negativa…" atop 47 of one outlet's pages about 2011), its
//! section name, a series' disclaimer; below the article, the site's links, forms and account
//! prompts ("Plan du site", "* Champs obligatoires", "Avec un compte LePoint.fr :" under 97 pages
//! of one magazine). Read alone, such a line looks like the article's headline or its last
//! paragraph; only other files show that it is the site's. Before a run reads its plain-text
//! files, [`RepeatedLines::census`] reads the first and last lines of all of them; then the lines
//! of each file's opening (and closing) that the census found beside at least [`MIN_ARTICLES`]
//! different lines are cut as furniture. The opening ends with the file's [`EDGE_LINES`]th line
//! that does not repeat, the closing likewise from the end.
//!
//! Different articles, not files: copies of one article repeat its headline above the same first
//! line, and that headline stays. A line counts once per distinct line beside it on the
//! article's side.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use rayon::prelude::*;
use storyline_model::{RemovedText, SourceFormat};
use xxhash_rust::xxh3::xxh3_64;

use crate::discover::InputFile;

/// A file's opening (closing): its lines from the start (end) until this many that are not known
/// to repeat have been seen.
pub const EDGE_LINES: usize = 4;
/// How far into a file from either end a block of the site's lines (a list of promoted headlines
/// above every page of one outlet; forms, newsletters and "most read" headlines below) is looked
/// for.
const BLOCK_LINES: usize = 64;
/// A line beside this many different texts is the site's, not an article's.
pub const MIN_ARTICLES: usize = 3;
/// Longer lines are prose, never furniture of this kind.
const MAX_LINE_CHARS: usize = 300;
/// Below an article, a site's notices run longer (Il Fatto Quotidiano's comment rules, 848
/// characters, under 41 pages); such a line still needs the same line beside three different
/// articles' closings.
const MAX_CLOSING_LINE_CHARS: usize = 1_000;
/// What the census reads of each end of a file: enough for a block of the site's lines and the
/// article's line beside it.
const EDGE_BYTES: usize = 16 * 1024;

pub(crate) const REPEATED_OPENING: &str = "repeated-opening";
pub(crate) const REPEATED_CLOSING: &str = "repeated-closing";

/// The opening and closing lines a run's files share beside different texts.
#[derive(Debug, Default, Clone)]
pub struct RepeatedLines {
    openings: HashSet<u64>,
    closings: HashSet<u64>,
}

impl RepeatedLines {
    /// Reads both ends of every plain-text file in `files` (in parallel; unreadable files are
    /// left to the reader, which reports them) and keeps the opening and closing lines found
    /// beside at least [`MIN_ARTICLES`] different lines.
    pub fn census(files: &[InputFile]) -> RepeatedLines {
        let ends: Vec<(Vec<u64>, Vec<u64>)> = files
            .par_iter()
            .filter(|file| file.format == SourceFormat::Text)
            .filter_map(|file| {
                read_ends(file).map(|(head, tail)| {
                    (edge_lines(head.lines(), MAX_LINE_CHARS), edge_lines(tail.lines().rev(), MAX_CLOSING_LINE_CHARS))
                })
            })
            .collect();
        let (heads, tails): (Vec<_>, Vec<_>) = ends.into_iter().unzip();
        RepeatedLines { openings: repeated_at_edge(&heads), closings: repeated_at_edge(&tails) }
    }

    /// How many distinct lines the census found repeated.
    pub fn len(&self) -> usize {
        self.openings.len() + self.closings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.openings.is_empty() && self.closings.is_empty()
    }

    /// `text` without its repeated opening and closing lines, and those lines as removed text;
    /// `None` when it has none.
    pub fn cut(&self, text: &str) -> Option<(String, Vec<RemovedText>)> {
        if self.is_empty() {
            return None;
        }
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut cut = vec![None; lines.len()];
        edge_cuts(lines.iter().enumerate(), &self.openings, MAX_LINE_CHARS, REPEATED_OPENING, &mut cut);
        edge_cuts(lines.iter().enumerate().rev(), &self.closings, MAX_CLOSING_LINE_CHARS, REPEATED_CLOSING, &mut cut);
        if cut.iter().all(Option::is_none) {
            return None;
        }
        let mut removed = Vec::new();
        let mut kept = String::with_capacity(text.len());
        for (line, cut) in lines.iter().zip(cut) {
            match cut {
                None => kept.push_str(line),
                Some(reason) => removed.push(RemovedText { text: line.trim().to_string(), reason: reason.to_string() }),
            }
        }
        Some((kept, removed))
    }
}

/// Marks in `cut`, for `reason`, the lines of one edge of a text (its lines in the order read
/// from that edge) that are in `repeated`, until [`EDGE_LINES`] lines that are not have been read.
fn edge_cuts<'a>(
    lines: impl Iterator<Item = (usize, &'a &'a str)>,
    repeated: &HashSet<u64>,
    max_chars: usize,
    reason: &'static str,
    cut: &mut [Option<&'static str>],
) {
    if repeated.is_empty() {
        return;
    }
    let mut article_lines = 0;
    for (i, line) in lines {
        let trimmed = line.trim();
        if article_lines == EDGE_LINES {
            break;
        }
        if trimmed.is_empty() || cut[i].is_some() {
            continue;
        }
        if line_key(trimmed, max_chars).is_some_and(|key| repeated.contains(&key)) {
            cut[i] = Some(reason);
        } else {
            article_lines += 1;
        }
    }
}

/// The lines of one edge of the files (each file's non-empty lines in the order read from that
/// edge) found beside at least [`MIN_ARTICLES`] different lines, within the edge.
fn repeated_at_edge(edges: &[Vec<u64>]) -> HashSet<u64> {
    // A site's chrome often comes in a run of lines ("Stay in Tune", "Seguimi su Twitter",
    // then the headline; or twenty promoted headlines): each is beside the same line but the
    // last. Once the last is known to repeat, the line beside each other one is the first not
    // known to, so a run is found from the article outwards, one line per round.
    let mut lines = HashSet::new();
    for _ in 0..BLOCK_LINES {
        let mut beside: HashMap<u64, HashSet<u64>> = HashMap::new();
        for edge in edges {
            for (i, &line) in edge.iter().enumerate().take(BLOCK_LINES) {
                if line_is_candidate(line) {
                    let next = edge[i + 1..].iter().copied().find(|next| !lines.contains(next)).unwrap_or(0);
                    let seen = beside.entry(line).or_default();
                    if seen.len() < MIN_ARTICLES {
                        seen.insert(next & !CANDIDATE_BIT);
                    }
                }
            }
        }
        let found: HashSet<u64> =
            beside.into_iter().filter(|(_, seen)| seen.len() >= MIN_ARTICLES).map(|(line, _)| line).collect();
        if found.len() == lines.len() {
            break;
        }
        lines = found;
    }
    // Only lines at the edge count: a short line of prose ("Elle ajoute :") can sit above
    // different lines deep in many articles, and must not be cut from the one it opens.
    let mut at_edge: HashMap<u64, usize> = HashMap::new();
    for edge in edges {
        let mut article_lines = 0;
        for line in edge {
            if article_lines == EDGE_LINES {
                break;
            }
            if lines.contains(line) {
                *at_edge.entry(*line).or_default() += 1;
            } else {
                article_lines += 1;
            }
        }
    }
    lines.retain(|line| at_edge.get(line).is_some_and(|&files| files >= MIN_ARTICLES));
    lines
}

/// The first and the last [`EDGE_BYTES`] of a file as text, each cut at whole lines (the two
/// overlap in a short file).
fn read_ends(file: &InputFile) -> Option<(String, String)> {
    use std::io::{Seek, SeekFrom};
    let mut f = std::fs::File::open(&file.path).ok()?;
    let size = f.metadata().ok()?.len();
    let mut head = Vec::with_capacity(EDGE_BYTES);
    (&mut f).take(EDGE_BYTES as u64).read_to_end(&mut head).ok()?;
    if head.len() == EDGE_BYTES {
        let end = head.iter().rposition(|&b| b == b'\n')?;
        head.truncate(end + 1);
    }
    let tail = if size as usize <= EDGE_BYTES {
        head.clone()
    } else {
        f.seek(SeekFrom::Start(size - EDGE_BYTES as u64)).ok()?;
        let mut tail = Vec::with_capacity(EDGE_BYTES);
        f.take(EDGE_BYTES as u64).read_to_end(&mut tail).ok()?;
        let start = tail.iter().position(|&b| b == b'\n')? + 1;
        tail.drain(..start);
        tail
    };
    let text = |bytes: &[u8]| crate::decode(bytes).ok().map(|decoded| decoded.text);
    Some((text(&head)?, text(&tail)?))
}

/// A file's first (or last) non-empty lines, enough to look past a run of chrome: each its
/// words' hash, with [`CANDIDATE_BIT`] set when the line is short enough to be furniture.
fn edge_lines<'a>(lines: impl Iterator<Item = &'a str>, max_chars: usize) -> Vec<u64> {
    lines
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .take(BLOCK_LINES + EDGE_LINES)
        .map(|line| line_key(line, max_chars).unwrap_or_else(|| words_hash(line) & !CANDIDATE_BIT))
        .collect()
}

/// Marks the hash of a line short enough to be furniture; the key of a line is its hash with the
/// bit set, so a long line never matches one.
const CANDIDATE_BIT: u64 = 1;

fn line_is_candidate(key: u64) -> bool {
    key & CANDIDATE_BIT != 0
}

/// A line's key; `None` for lines too long to be furniture.
fn line_key(trimmed: &str, max_chars: usize) -> Option<u64> {
    (trimmed.chars().count() <= max_chars).then(|| words_hash(trimmed) | CANDIDATE_BIT)
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
        let openings = RepeatedLines::census(&files);
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
        let openings = RepeatedLines::census(&files);
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
        let openings = RepeatedLines::census(&files);
        let (kept, removed) = openings.cut(&texts[2]).unwrap();
        assert_eq!(removed.len(), 20);
        assert_eq!(kept, "Elecciones en Túnez\nTexto de Elecciones en Túnez.\n");
    }

    #[test]
    fn a_short_line_of_prose_repeated_deeper_in_articles_stays_where_it_opens_one() {
        let deep = |i: usize| {
            let end: String = (1..=5).map(|p| format!("Paragraphe {p} de {i}.\n")).collect();
            format!(
                "Titre {i}\nChapeau {i}.\nPremier paragraphe {i}.\nSecond {i}.\nElle ajoute :\nCitation {i}.\n{end}"
            )
        };
        let opening = "Titre court\nElle ajoute :\nCitation.\n".to_string();
        let texts = [deep(1), deep(2), deep(3), opening.clone()];
        let (_dir, files) = files(&texts);
        assert!(RepeatedLines::census(&files).cut(&opening).is_none());
    }

    #[test]
    fn copies_of_one_article_keep_their_headline() {
        let text = page("Mubarak hace caer al Gobierno", "El mismo texto.");
        let other = "Otra noticia\nCon su propio texto.\n";
        let (_dir, files) = files(&[&text, &text, &text, other]);
        assert!(RepeatedLines::census(&files).is_empty(), "three copies are one article");
    }

    #[test]
    fn a_block_of_site_lines_closing_different_articles_is_cut_and_the_last_paragraphs_stay() {
        let block = "Agrandir le texte\nPlan du site\n* Champs obligatoires\nAvec un compte LePoint.fr :\n";
        let texts: Vec<String> = ["Kadhafi fuit", "Tripoli tombe", "Élections en Tunisie"]
            .iter()
            .map(|h| format!("{h}\nPremier paragraphe sur {h}.\nDernier paragraphe sur {h}.\n{block}"))
            .collect();
        let (_dir, files) = files(&texts);
        let census = RepeatedLines::census(&files);
        assert_eq!(census.len(), 4);
        let (kept, removed) = census.cut(&texts[1]).unwrap();
        assert_eq!(
            kept,
            "Tripoli tombe\nPremier paragraphe sur Tripoli tombe.\nDernier paragraphe sur Tripoli tombe.\n"
        );
        assert_eq!(removed.len(), 4);
        assert!(removed.iter().all(|r| r.reason == REPEATED_CLOSING));
        // Copies of one article share their last lines: those are the article's.
        let copy = "Titre\nTexte.\nLa même fin.\n";
        let (_dir, files) = super::tests::files(&[copy, copy, copy]);
        assert!(RepeatedLines::census(&files).is_empty());
    }

    #[test]
    fn only_opening_lines_are_cut() {
        let texts = [page("Uno", "Texto uno."), page("Dos", "Texto dos."), page("Tres", "Texto tres.")];
        let (_dir, files) = files(&texts);
        let openings = RepeatedLines::census(&files);
        // The same line further down an article is the article's own.
        let later = format!("Titular\nUno\nDos\nTres\n{PROMOTED}\n");
        assert!(openings.cut(&later).is_none());
    }
}
