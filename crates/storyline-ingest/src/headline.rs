//! Headlines of plain-text articles saved one paragraph a line, as scrapers write them: the
//! headline is a line of its own, never glued to the first paragraph, never repeated in the body,
//! never said twice ("Rusia reconoce al CNT … Rusia reconoce al CNT …").

use storyline_model::RemovedText;

/// A line this long is a paragraph, not a hard-wrapped piece of one: text wrapped by hand or by a
/// mail client breaks lines at 72–80 characters.
const PARAGRAPH_LINE_CHARS: usize = 150;
/// A block needs this many paragraph-long lines before its line breaks count as paragraph breaks;
/// one long line beside a short one may be a soft wrap ("A German call, and German⏎Foreign …").
const MIN_PARAGRAPH_LINES: usize = 2;
/// … and at least this many lines.
const MIN_BLOCK_LINES: usize = 4;

pub(crate) const REPEATED_TITLE: &str = "repeated-title";

/// Split blocks written one paragraph a line into one block a line, so the headline and section
/// labels at the top stand alone and are not read as soft-wrapped parts of the first paragraph.
pub(crate) fn lines_as_paragraphs(blocks: Vec<Vec<String>>) -> Vec<Vec<String>> {
    blocks
        .into_iter()
        .flat_map(|lines| {
            let long = lines.iter().filter(|line| line.chars().count() > PARAGRAPH_LINE_CHARS).count();
            if lines.len() >= MIN_BLOCK_LINES && long >= MIN_PARAGRAPH_LINES {
                lines.into_iter().map(|line| vec![line]).collect()
            } else {
                vec![lines]
            }
        })
        .collect()
}

/// "X X" → "X": a headline scraped twice into one line. Three words at least on each side, so a
/// refrain ("New York, New York") stays.
pub(crate) fn collapse_doubled(title: &str) -> Option<String> {
    let words: Vec<&str> = title.split_whitespace().collect();
    let half = words.len() / 2;
    (words.len() >= 6 && words.len().is_multiple_of(2) && words[..half] == words[half..])
        .then(|| words[..half].join(" "))
}

/// A headline run together with its kicker or subhead by a scraper that dropped the space
/// between them: "Guerra SiriaLos dos grandes ejes…", "…sulla LibiaGheddafi minaccia…",
/// "…"pronto o no tan pronto"Rusia afirma…". Returns the two parts, split where a lowercase
/// letter (or a quote) meets a capital inside a word that the body never writes: names written
/// so ("WhatsApp", "McCain", "ElBaradei") recur in the text of their article.
pub(crate) fn split_glued(title: &str, body: &str) -> Option<(String, String)> {
    let mut quotes_before = 0;
    let chars: Vec<(usize, char)> = title.char_indices().collect();
    for i in 1..chars.len() {
        let (left, right) = (chars[i - 1].1, chars[i].1);
        if left == '"' {
            quotes_before += 1;
        }
        let next_is_capital = || chars.get(i + 1).is_some_and(|&(_, c)| c.is_uppercase());
        // The glue falls between the letters, after a closing quote, or before an opening one.
        let closing = matches!(left, '”' | '»') || (left == '"' && quotes_before % 2 == 0);
        let opening = matches!(right, '“' | '«') || (right == '"' && quotes_before % 2 == 0);
        let glued = (left.is_lowercase() && right.is_uppercase())
            || (closing && right.is_uppercase())
            || (left.is_lowercase() && opening && next_is_capital());
        if !glued {
            continue;
        }
        let split = chars[i].0;
        let word_start = title[..split].rfind(char::is_whitespace).map_or(0, |at| at + 1);
        let word_end = title[split..].find(char::is_whitespace).map_or(title.len(), |at| split + at);
        let (before, after) = (title[..split].trim(), title[split..].trim());
        let letters = |part: &str| part.chars().filter(|c| c.is_alphabetic()).count();
        if letters(&title[word_start..split]) >= 2
            && letters(&title[split..word_end]) >= 2
            && !body.contains(&title[word_start..word_end])
            && before.split_whitespace().count() >= 2
            && after.split_whitespace().count() >= 2
        {
            return Some((before.to_string(), after.to_string()));
        }
    }
    None
}

/// Cut body lines that only repeat the headline, recording each; blocks left empty disappear.
pub(crate) fn drop_repeats(title: &str, body: Vec<Vec<String>>, removed: &mut Vec<RemovedText>) -> Vec<Vec<String>> {
    let key = comparable(title);
    body.into_iter()
        .map(|lines| {
            lines
                .into_iter()
                .filter(|line| {
                    let repeat = comparable(line) == key;
                    if repeat {
                        removed.push(RemovedText { text: line.clone(), reason: REPEATED_TITLE.to_string() });
                    }
                    !repeat
                })
                .collect::<Vec<_>>()
        })
        .filter(|lines| !lines.is_empty())
        .collect()
}

/// Lower-case letters and digits only, so "Title." and "TITLE" are the same line.
fn comparable(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|text| text.to_string()).collect()
    }

    #[test]
    fn long_lines_are_paragraphs() {
        let paragraph = "word ".repeat(40);
        let block = lines(&["Headline", "Standfirst", &paragraph, &paragraph]);
        assert_eq!(lines_as_paragraphs(vec![block]).len(), 4);
    }

    #[test]
    fn a_soft_wrap_beside_one_long_line_stays() {
        let paragraph = "word ".repeat(40);
        let block = lines(&["A German call, and German", &paragraph]);
        assert_eq!(lines_as_paragraphs(vec![block.clone()]), vec![block]);
    }

    #[test]
    fn doubled_titles_collapse() {
        assert_eq!(
            collapse_doubled("Rusia reconoce al CNT Rusia reconoce al CNT").as_deref(),
            Some("Rusia reconoce al CNT")
        );
        assert_eq!(collapse_doubled("Yes we can yes we can"), None);
        assert_eq!(collapse_doubled("New York New York"), None);
        assert_eq!(collapse_doubled("Libya talks resume"), None);
    }

    #[test]
    fn glued_headlines_come_apart() {
        let split = |title: &str| split_glued(title, "El cuerpo habla de WhatsApp, de John McCain y de ElBaradei.");
        let pair = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
        assert_eq!(
            split("Guerra SiriaLos dos grandes ejes mundiales miden fuerzas"),
            pair("Guerra Siria", "Los dos grandes ejes mundiales miden fuerzas")
        );
        assert_eq!(
            split("Trump dice que el ataque será \"pronto o no tan pronto\"Rusia afirma que mantiene contacto"),
            pair("Trump dice que el ataque será \"pronto o no tan pronto\"", "Rusia afirma que mantiene contacto")
        );
        assert_eq!(
            split("Siria, le registrazioni dei servizi israeliani\"Ufficiali di Assad dietro il lancio\""),
            pair("Siria, le registrazioni dei servizi israeliani", "\"Ufficiali di Assad dietro il lancio\"")
        );
        assert_eq!(split("Nueva función de WhatsApp para grupos"), None);
        assert_eq!(split("Los salafistas retirarán su apoyo si ElBaradei es primer ministro"), None);
        assert_eq!(split("Libia, Cnt: \"Ucciso Gheddafi\" e la festa"), None);
    }

    #[test]
    fn repeats_of_the_title_are_cut() {
        let mut removed = Vec::new();
        let body = vec![lines(&["Rusia reconoce al CNT"]), lines(&["Rusia reconoce al CNT como Gobierno."])];
        let body = drop_repeats("Rusia reconoce al CNT", body, &mut removed);
        assert_eq!(body, vec![lines(&["Rusia reconoce al CNT como Gobierno."])]);
        assert_eq!(removed[0].reason, REPEATED_TITLE);
    }
}
