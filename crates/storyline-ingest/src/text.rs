//! Plain-text articles: whitespace, web clutter, a title line when there is one, paragraphs.
//!
//! Plain-text news files are usually copy-pasted pages, so their shape is loose. The rules, in the
//! order they apply:
//!
//! 1. **Lines and blocks.** Whitespace runs inside a line become one space; blank lines separate
//!    blocks. A block written one paragraph a line (as scrapers save pages) is split into one block
//!    a line (see [`crate::headline`]).
//! 2. **Clutter.** Whole lines matching the [`crate::clutter`] table are cut and reported, wherever
//!    they are ("READ: …" mid-article, "Leave A Reply" at the end, "Site icon Outlet" at the top).
//!    A "Site icon Outlet" line also names the outlet.
//! 3. **Title.** The first block is the title when it is a single short line (at most
//!    [`MAX_TITLE_WORDS`] words) that does not end like a sentence (no final '.', ',', ';' or ':')
//!    and more text follows. A first article sentence ends with a period, a headline does not.
//! 4. **Kicker.** When the first *two* blocks are both title-like and the first is shorter (at most
//!    [`MAX_KICKER_WORDS`] words, fewer than the second), the first is a kicker, a section label
//!    above the headline ("Libya, Turkey and Qatar" above "Turkey and Qatar to rebuild the Libyan
//!    army"; one phrase, without ": " or ". " inside, unless in capitals or of five words or
//!    fewer): the second is the title and the kicker is cut with reason "kicker". Kickers may
//!    stack; a line of more than [`MAX_HEADLINE_AFTER_KICKER_WORDS`] words below a short one is a
//!    standfirst, and the short line above it is the title. Body lines that only repeat the title
//!    are cut ("repeated-title"), and a title said twice in one line is said once.
//! 5. **Byline.** A single "By Name" line ("Por", "Par", "Von" too) right after the title becomes
//!    the author.
//! 6. **Outlet suffix.** " – Outlet", " | Outlet", " - Outlet" at the end of the title becomes the
//!    outlet (see [`crate::clutter::split_outlet_suffix`]).
//! 7. **Paragraphs.** Inside a block, a line break after sentence-ending punctuation starts a new
//!    paragraph; any other line break is a soft wrap and becomes a space ("A German call, and
//!    German⏎Foreign Minister Heiko Maas …" is one sentence). Paragraphs are joined with "\n\n".
//! 8. **Not an article.** An error page, a wall or an index page is an `Err` with the reason (see
//!    [`crate::page_kind`]).

use storyline_model::{Article, RemovedText, SourceFormat};

use crate::language::detect_language;
use crate::limits::{size, Limits};
use crate::{clutter, headline, page_kind};

/// Headlines are short; a first line longer than this is the article's opening sentence.
pub const MAX_TITLE_WORDS: usize = 25;
const MAX_TITLE_CHARS: usize = 250;
/// Kickers are a few words naming a topic or section.
pub const MAX_KICKER_WORDS: usize = 8;
/// A kicker of two phrases ("HOY en MARCA: Portada") is at most this long.
const MAX_TWO_PHRASE_KICKER_WORDS: usize = 5;
/// A title-like line of more words below a short one is a standfirst, not the headline the short
/// line labels ("La Siria, Obama e le armi chimiche" above a 24-word summary is the headline).
pub const MAX_HEADLINE_AFTER_KICKER_WORDS: usize = 16;

pub(crate) const KICKER: &str = "kicker";
pub(crate) const BYLINE: &str = "byline";

/// Parse a plain-text article. `Err` carries the reason it is not an article.
pub fn parse_text(id: &str, text: &str) -> Result<Article, String> {
    parse_text_within(id, text, &Limits::DEFAULT)
}

/// [`parse_text`], refusing a text over the article or line limit before any work on it.
pub(crate) fn parse_text_within(id: &str, text: &str, limits: &Limits) -> Result<Article, String> {
    // The line first: for one giant line it is the more telling reason.
    check_lines(text, limits.max_line_bytes)?;
    limits.check_article(text.len())?;
    let mut removed = Vec::new();
    let mut site_outlet = None;
    let blocks = strip_clutter(headline::lines_as_paragraphs(split_blocks(text)), &mut removed, &mut site_outlet);
    let mut heading = take_heading(blocks, &mut removed);
    if let Some(title) = heading.title.take() {
        heading.title = Some(unglue_heading(title, &mut heading.body, &mut removed));
    }
    if let Some(title) = &heading.title {
        heading.body = headline::drop_repeats(title, std::mem::take(&mut heading.body), &mut removed);
    }

    let body = paragraphs(&heading.body, true).join("\n\n");
    if body.is_empty() {
        return Err(if removed.is_empty() {
            "no article text".to_string()
        } else {
            "no article text (only web clutter)".to_string()
        });
    }

    let mut article = Article::new(id, body, SourceFormat::Text);
    article.author = heading.author;
    article.outlet = site_outlet;
    if let Some(title) = heading.title {
        let title = headline::collapse_doubled(&title).unwrap_or(title);
        let title = apply_outlet_suffix(title, &mut article.outlet, None, &mut removed);
        article.title = Some(title);
    }
    article.language = detect_language(&article.full_text());
    article.removed = removed;
    page_kind::check(&article)?;
    Ok(article)
}

/// The reason a text with a line over `max_line_bytes` is refused. Lines are numbered by '\n', as
/// editors do; the other breaks [`split_blocks`] knows end a line too.
fn check_lines(text: &str, max_line_bytes: usize) -> Result<(), String> {
    let other_breaks = ['\r', '\u{2028}', '\u{2029}', '\u{0b}', '\u{0c}'];
    let too_long = text
        .split('\n')
        .map(|line| line.split(other_breaks).map(str::len).max().unwrap_or(0))
        .enumerate()
        .find(|(_, bytes)| *bytes > max_line_bytes);
    match too_long {
        Some((index, bytes)) => Err(format!(
            "line {} too long for prose ({} > {})",
            index + 1,
            size(bytes as u64),
            size(max_line_bytes as u64)
        )),
        None => Ok(()),
    }
}

/// Cut an outlet suffix from `title`, recording it; the outlet it names wins over a weaker guess
/// already in `outlet` (a "Site icon" line), never over metadata (`known`).
pub(crate) fn apply_outlet_suffix(
    title: String,
    outlet: &mut Option<String>,
    known: Option<&str>,
    removed: &mut Vec<RemovedText>,
) -> String {
    match clutter::split_outlet_suffix(&title, known) {
        Some(split) => {
            removed.push(RemovedText {
                text: split.removed.trim().to_string(),
                reason: clutter::OUTLET_SUFFIX.to_string(),
            });
            if known.is_none() {
                *outlet = Some(split.outlet);
            }
            split.title
        }
        None => title,
    }
}

/// Blocks of normalised, non-empty lines; blank lines separate blocks.
pub(crate) fn split_blocks(text: &str) -> Vec<Vec<String>> {
    let mut text = std::borrow::Cow::Borrowed(text);
    if text.contains("\r\n") {
        text = text.replace("\r\n", "\n").into();
    }
    if text.contains('\u{2029}') {
        text = text.replace('\u{2029}', "\n\n").into();
    }
    let mut blocks = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for line in text.split(['\n', '\r', '\u{2028}', '\u{0b}', '\u{0c}']) {
        let line = normalise_line(line);
        if line.is_empty() {
            if !current.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    blocks
}

/// One space between words, no control characters, no invisible characters that only get in the
/// way of comparing texts (zero-width space, BOM, soft hyphen).
pub(crate) fn normalise_line(line: &str) -> String {
    // Most lines are words with single spaces between them, already normal.
    let bytes = line.as_bytes();
    let kept_as_is = |c: char| {
        if c.is_ascii() {
            c.is_ascii_graphic() || c == ' '
        } else {
            !(c.is_whitespace() || c.is_control() || matches!(c, '\u{200b}' | '\u{feff}' | '\u{ad}'))
        }
    };
    if bytes.first() != Some(&b' ')
        && bytes.last() != Some(&b' ')
        && !line.contains("  ")
        && (bytes.iter().all(|b| b.is_ascii_graphic() || *b == b' ') || line.chars().all(kept_as_is))
    {
        return line.to_string();
    }
    normalise_any_line(line)
}

/// [`normalise_line`] character by character.
fn normalise_any_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut pending_space = false;
    for c in line.chars() {
        if matches!(c, '\u{200b}' | '\u{feff}' | '\u{ad}') {
            continue;
        }
        if c.is_whitespace() || c.is_control() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// Remove clutter lines, recording each; blocks left empty disappear. A run of script comments
/// goes with the code above or below it.
pub(crate) fn strip_clutter(
    blocks: Vec<Vec<String>>,
    removed: &mut Vec<RemovedText>,
    site_outlet: &mut Option<String>,
) -> Vec<Vec<String>> {
    let mut reasons: Vec<Option<&'static str>> =
        blocks.iter().flatten().map(|line| clutter::classify_line(line)).collect();
    let is_comment: Vec<bool> = blocks.iter().flatten().map(|line| clutter::is_code_comment(line)).collect();
    let mut start = 0;
    while start < reasons.len() {
        if !is_comment[start] || reasons[start].is_some() {
            start += 1;
            continue;
        }
        let end = (start..reasons.len()).find(|&i| !is_comment[i] || reasons[i].is_some()).unwrap_or(reasons.len());
        let code = |at: Option<usize>| at.is_some_and(|i| reasons[i] == Some(clutter::CODE));
        if code(start.checked_sub(1)) || code((end < reasons.len()).then_some(end)) {
            reasons[start..end].fill(Some(clutter::CODE));
        }
        start = end;
    }
    let mut reasons = reasons.into_iter();
    blocks
        .into_iter()
        .map(|lines| {
            lines
                .into_iter()
                .filter(|line| match reasons.next().flatten() {
                    Some(reason) => {
                        if site_outlet.is_none() {
                            *site_outlet = clutter::outlet_from_site_icon(line).map(str::to_string);
                        }
                        removed.push(RemovedText { text: line.clone(), reason: reason.to_string() });
                        false
                    }
                    None => true,
                })
                .collect::<Vec<_>>()
        })
        .filter(|lines| !lines.is_empty())
        .collect()
}

/// A headline glued to its kicker or subhead ([`headline::split_glued`]): a kicker of a few
/// words is cut as one; a subhead opens the body.
fn unglue_heading(title: String, body: &mut Vec<Vec<String>>, removed: &mut Vec<RemovedText>) -> String {
    let text: String = body.iter().flatten().map(String::as_str).collect::<Vec<_>>().join("\n");
    let Some((before, after)) = headline::split_glued(&title, &text) else { return title };
    if word_count(&before) <= 3 {
        removed.push(RemovedText { text: before, reason: KICKER.to_string() });
        after
    } else {
        body.insert(0, vec![after]);
        before
    }
}

struct Heading {
    title: Option<String>,
    author: Option<String>,
    body: Vec<Vec<String>>,
}

/// Find title, kicker and byline at the top (rules 3–5 in the module docs).
fn take_heading(mut blocks: Vec<Vec<String>>, removed: &mut Vec<RemovedText>) -> Heading {
    let mut start = 0;
    let mut title = None;
    let heading_at = |blocks: &[Vec<String>], index: usize| {
        // A heading needs text after it, or it is just a short article.
        index + 1 < blocks.len() && single_line(&blocks[index]).is_some_and(is_title_like)
    };
    if heading_at(&blocks, 0) {
        // Section labels may stack ("Boutique le Point" above "Guerra en Siria" above the headline).
        let is_kicker = |index: usize| {
            let line = &blocks[index][0];
            let words = word_count(line);
            // A label is short, in capitals, or one phrase: "Egitto: deputata copta, voto
            // urgente. Inutile boicottaggio" says something, so it is a headline with its
            // standfirst below; "I REGIMI: LA BATTAGLIA DI TRIPOLI" is an overline.
            let capitals = !line.chars().any(char::is_lowercase);
            let one_phrase =
                words <= MAX_TWO_PHRASE_KICKER_WORDS || capitals || (!line.contains(". ") && !line.contains(": "));
            let next_words = blocks.get(index + 1).map_or(0, |next| word_count(&next[0]));
            heading_at(&blocks, index + 1)
                && one_phrase
                && clutter::byline_name(&blocks[index + 1][0]).is_none()
                && words <= MAX_KICKER_WORDS
                && words < next_words
                && next_words <= MAX_HEADLINE_AFTER_KICKER_WORDS
        };
        while is_kicker(start) {
            removed.push(RemovedText { text: blocks[start][0].clone(), reason: KICKER.to_string() });
            start += 1;
        }
        title = Some(std::mem::take(&mut blocks[start][0]));
        start += 1;
    }
    let mut author = None;
    if start + 1 < blocks.len() {
        if let Some(name) = single_line(&blocks[start]).and_then(clutter::byline_name) {
            author = Some(name.to_string());
            removed.push(RemovedText { text: blocks[start][0].clone(), reason: BYLINE.to_string() });
            start += 1;
        }
    }
    Heading { title, author, body: blocks.split_off(start) }
}

fn single_line(block: &[String]) -> Option<&str> {
    match block {
        [line] => Some(line.as_str()),
        _ => None,
    }
}

fn word_count(line: &str) -> usize {
    line.split_whitespace().count()
}

fn is_title_like(line: &str) -> bool {
    let words = word_count(line);
    // Before a credit ("Un rebelde, sobre un retrato de Gadafi. | AP MÁS FOTOS"): a caption.
    let before_credit = line.split(" | ").next().unwrap_or(line).trim_end();
    let ends_like_sentence = before_credit.ends_with(['.', ',', ';', ':'])
        && !before_credit.ends_with("...")
        && !ends_with_initialism(before_credit);
    (1..=MAX_TITLE_WORDS).contains(&words)
        && line.chars().count() <= MAX_TITLE_CHARS
        && !ends_like_sentence
        && !credits_under_licence(line)
}

/// A picture's caption or credit naming its licence ("Imágen por Antonio Ordóñez Forero CC By"):
/// article text, but never the headline.
fn credits_under_licence(line: &str) -> bool {
    let lower = line.to_lowercase();
    ["cc by", "cc-by", "creative commons"].iter().any(|licence| lower.contains(licence))
}

/// Whether the line's last word is an initialism whose own dot ends the line ("… de EE. UU.",
/// "… in the U.S."): headlines end so, sentences rarely.
fn ends_with_initialism(line: &str) -> bool {
    let last = line.split_whitespace().last().unwrap_or_default();
    let letters = last.chars().filter(|c| *c != '.').count();
    last.ends_with('.') && (1..=4).contains(&letters) && last.chars().all(|c| c == '.' || c.is_uppercase())
}

/// Characters that end a sentence (or a lead-in such as "Al-Sarraj comments:").
fn ends_sentence(line: &str) -> bool {
    line.ends_with(['.', '!', '?', ':', ';', '…', '"', '”', '’', '\'', ')', ']', '»'])
}

/// Turn blocks into paragraphs. With `soft_wraps`, line breaks inside a sentence are undone
/// (rule 7); without, every line is a paragraph (HTML, where the markup already said so).
pub(crate) fn paragraphs(blocks: &[Vec<String>], soft_wraps: bool) -> Vec<String> {
    let mut out = Vec::new();
    for block in blocks {
        if !soft_wraps {
            out.extend(block.iter().cloned());
            continue;
        }
        let mut current = String::new();
        for line in block {
            let continues = !current.is_empty()
                && (!ends_sentence(&current) || line.chars().next().is_some_and(char::is_lowercase));
            if continues {
                current.push(' ');
                current.push_str(line);
            } else {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
                current.push_str(line);
            }
        }
        if !current.is_empty() {
            out.push(current);
        }
    }
    out
}

/// Cleaned body text shared by the HTML and JSON Lines readers (no title detection there: the
/// title comes from metadata).
pub(crate) struct CleanBody {
    pub text: String,
    pub removed: Vec<RemovedText>,
    pub site_outlet: Option<String>,
}

pub(crate) fn clean_body(raw: &str, soft_wraps: bool) -> CleanBody {
    let mut removed = Vec::new();
    let mut site_outlet = None;
    let blocks = strip_clutter(split_blocks(raw), &mut removed, &mut site_outlet);
    CleanBody { text: paragraphs(&blocks, soft_wraps).join("\n\n"), removed, site_outlet }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::path::PathBuf;

    fn reasons(article: &Article) -> Vec<(&str, &str)> {
        article.removed.iter().map(|r| (r.text.as_str(), r.reason.as_str())).collect()
    }

    /// The seed articles live in the shared folder beside the checkout; tests skip without them.
    fn seed(name: &str) -> Option<String> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seeds").join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(_) => {
                eprintln!("skipping: seed {} not found", path.display());
                None
            }
        }
    }

    #[test]
    fn seed_000_has_no_title() {
        let Some(text) = seed("000_ea50157a1f620560.txt") else {
            return;
        };
        let article = parse_text("000_ea50157a1f620560", &text).expect("article");
        assert_eq!(article.title, None);
        assert!(article.text.starts_with("Turkey and Qatar have signed a tripartite deal"));
        assert!(article.text.ends_with("deployed by those countries."));
        assert_eq!(article.text.split("\n\n").count(), 7);
        assert!(article.removed.is_empty());
        assert_eq!(article.outlet, None);
        assert_eq!(article.language_code(), Some("en"));
    }

    #[test]
    fn seed_001_title_outlet_and_clutter() {
        let Some(text) = seed("001_39be850b2c363a0b.txt") else {
            return;
        };
        let article = parse_text("001_39be850b2c363a0b", &text).expect("article");
        assert_eq!(
            article.title.as_deref(),
            Some("Turkey, Qatar sign military cooperation agreement with Libyan government")
        );
        assert_eq!(article.outlet.as_deref(), Some("Middle East Monitor"));
        assert_eq!(
            reasons(&article),
            vec![
                ("READ: Turkey DM: Libya belongs to Libyans", "related-link"),
                ("READ: UAE working against Turkey, but for how long?", "related-link"),
                ("Leave A Reply", "comment-prompt"),
                ("– Middle East Monitor", "outlet-suffix"),
            ]
        );
        assert!(article.text.starts_with("Turkey and Qatar signed a tripartite agreement"));
        assert!(article.text.ends_with("deployed by these countries."));
        assert!(!article.text.contains("READ:"));
        assert!(!article.text.contains("Middle East Monitor"));
        assert_eq!(article.text.split("\n\n").count(), 7);
    }

    #[test]
    fn seed_002_kicker_then_title() {
        let Some(text) = seed("002_02428d13abd60254.txt") else {
            return;
        };
        let article = parse_text("002_02428d13abd60254", &text).expect("article");
        assert_eq!(article.title.as_deref(), Some("Turkey and Qatar to rebuild the Libyan army"));
        assert_eq!(reasons(&article), vec![("Libya, Turkey and Qatar", "kicker")]);
        assert_eq!(article.outlet, None);
        // The standfirst ends with a period: it is the first paragraph, not a title.
        assert!(article.text.starts_with("Turkey recalls that the mass graves"));
        // The quoted subheading is content and stays its own paragraph.
        assert!(article.text.contains("\n\n“Turkey is on the right side in the Libyan conflict”\n\n"));
    }

    #[test]
    fn a_credited_picture_is_not_the_headline_and_stays_in_the_text() {
        let text = "Imágen por Antonio Ordóñez Forero CC By\n\nTwitter ha jugado un papel fundamental en las protestas de Egipto.\n\nOtro párrafo.";
        let article = parse_text("gv_22", text).expect("article");
        assert_eq!(article.title, None);
        assert!(article.text.starts_with("Imágen por Antonio Ordóñez Forero CC By"));
    }

    #[test]
    fn script_and_its_comments_are_cut_but_a_footnote_stays() {
        let text = "Egitto: deputata copta, voto urgente\n\n\
            var d = new Date();\n\n\
            // Ghettoize error\n\n\
            if (response.ghettoize) {\n\n\
            * Used to avoid bots retrying the form indefinitely.\n\n\
            * Depends on gv_email_ghetto() php function to serve ghetto\n\n\
            attemptCounter = 0;\n\n\
            });\n\n\
            La deputata Marianne Malak Kamal parla di elezioni e di Costituzione a Roma.\n\n\
            * Dati del ministero dell'Interno, aggiornati a marzo.";
        let article = parse_text("ansamed", text).expect("article");
        assert_eq!(article.title.as_deref(), Some("Egitto: deputata copta, voto urgente"));
        let code: Vec<&str> =
            article.removed.iter().filter(|r| r.reason == clutter::CODE).map(|r| r.text.as_str()).collect();
        assert_eq!(code.len(), 7, "{code:?}");
        assert!(article.text.starts_with("La deputata"), "{}", article.text);
        assert!(article.text.contains("* Dati del ministero"), "{}", article.text);
    }

    #[test]
    fn a_caption_with_its_credit_is_not_the_headline() {
        let text = "Reaparece en un mensaje de audio\n\
                    Gadafi llama a sus fieles a 'liberar Trípoli'\n\
                    Un rebelde, sobre un retrato de Gadafi. | AP MÁS FOTOS\n\
                    AFP | Reuters | Trípoli\n\
                    \"Salid de vuestras casas, liberad Trípoli\". Un día después de que los rebeldes hayan puesto precio a la cabeza de Gadafi, el líder libio ha reaparecido.\n\
                    En un tono más desafiante que el empleado en sus últimos mensajes, Gadafi insta a los libios a \"luchar y destruir\" a los rebeldes en Trípoli.\n\
                    Los rebeldes controlan la mayor parte de la capital tras seis meses de guerra, y buscan casa por casa al coronel y a sus hijos, de los que nada se sabe desde el domingo.\n\
                    La OTAN mantiene sus bombardeos sobre las posiciones leales al régimen en Sirte, la ciudad natal de Gadafi, mientras los rebeldes negocian la rendición de sus defensores.\n";
        let article = parse_text("a", text).unwrap();
        assert_eq!(article.title.as_deref(), Some("Gadafi llama a sus fieles a 'liberar Trípoli'"));
        assert_eq!(article.outlet, None);
    }

    #[test]
    fn a_headline_of_two_phrases_is_not_a_kicker() {
        let text = "Egitto: deputata copta, voto urgente. Inutile boicottaggio\n\n\
            Kamal, andare a urne unica via per stabilita' e modifica Carta\n\n\
            (di Cristiana Missori) (ANSAmed) - ROMA - Boicottare le elezioni non ha senso, dice la deputata.";
        let article = parse_text("ansamed", text).expect("article");
        assert_eq!(article.title.as_deref(), Some("Egitto: deputata copta, voto urgente. Inutile boicottaggio"));
        assert!(article.text.starts_with("Kamal, andare"), "{}", article.text);
        let overline = "I REGIMI: LA BATTAGLIA DI TRIPOLI\n\n\
            In fuga con «la cassa». L'ultima carta dei tiranni\n\n\
            Gheddafi e i suoi figli hanno lasciato Tripoli con le riserve d'oro, dicono i ribelli.";
        let article = parse_text("corriere", overline).expect("article");
        assert_eq!(article.title.as_deref(), Some("In fuga con «la cassa». L'ultima carta dei tiranni"));
    }

    #[test]
    fn seed_003_site_icon_names_outlet() {
        let Some(text) = seed("003_95318f47aea74e28.txt") else {
            return;
        };
        let article = parse_text("003_95318f47aea74e28", &text).expect("article");
        assert_eq!(
            article.title.as_deref(),
            Some("UN-backed Libyan gov’t accepts Turkey’s military, logistical support offer: report")
        );
        assert_eq!(article.outlet.as_deref(), Some("Turkish Minute"));
        assert_eq!(
            reasons(&article),
            vec![("Site icon Turkish Minute", "site-chrome"), ("Exit mobile version", "site-chrome")]
        );
        // The photo caption stays.
        assert!(article.text.starts_with("Chairman of the Presidential Council of Libya"));
        assert!(article.text.contains("(PHOTO: Middle East Monitor)"));
        assert!(article.text.ends_with("backed different sides in the conflict."));
    }

    #[test]
    fn seed_004_keeps_lead_ins_and_joins_soft_wraps() {
        let Some(text) = seed("004_3a28729955fca061.txt") else {
            return;
        };
        let article = parse_text("004_3a28729955fca061", &text).expect("article");
        assert_eq!(article.title, None);
        assert!(article.removed.is_empty());
        assert!(article.text.starts_with("The head of the Libyan government of reconciliation"));
        assert!(article.text.contains("\n\nAl-Sarraj comments:\n\nFayez al-Sarraj, the President"));
        assert!(article
            .text
            .contains("A German call, and German Foreign Minister Heiko Maas also resolved in Tripoli"));
        assert!(article.text.contains("more than a year.\n\nLast June, the Accord forces"));
        assert!(article.text.contains("(Anadolu Agency)"));
    }

    #[test]
    fn byline_becomes_author() {
        let article = parse_text("x", "Libya talks resume\n\nBy Jane Doe\n\nTalks resumed on Monday in Geneva.")
            .expect("article");
        assert_eq!(article.title.as_deref(), Some("Libya talks resume"));
        assert_eq!(article.author.as_deref(), Some("Jane Doe"));
        assert_eq!(article.text, "Talks resumed on Monday in Geneva.");
        assert_eq!(reasons(&article), vec![("By Jane Doe", "byline")]);
    }

    #[test]
    fn normalises_whitespace_and_line_endings() {
        let article = parse_text("x", "  First\u{a0}line   here.\r\n\r\n\r\nSecond\tparagraph\u{200b} here.\r\n")
            .expect("article");
        assert_eq!(article.text, "First line here.\n\nSecond paragraph here.");
        assert_eq!(article.title, None);
    }

    #[test]
    fn a_headline_may_end_with_an_initialism() {
        let text = "Turquía insiste en pronta operación contra kurdosirios tras retirada de EE. UU.\n\n\
                    El ministro de RR. EE. de Turquía insistió en que su Ejército lanzará una operación.";
        let article = parse_text("x", text).expect("article");
        assert_eq!(
            article.title.as_deref(),
            Some("Turquía insiste en pronta operación contra kurdosirios tras retirada de EE. UU.")
        );
        assert!(article.text.starts_with("El ministro"));
        // A sentence's own dot still ends it.
        let text = "The deal was signed in Ankara on Friday.\n\nSecond paragraph here.";
        assert_eq!(parse_text("x", text).expect("article").title, None);
    }

    #[test]
    fn single_line_is_body_not_title() {
        let article = parse_text("x", "Breaking news without a period").expect("article");
        assert_eq!(article.title, None);
        assert_eq!(article.text, "Breaking news without a period");
    }

    #[test]
    fn only_clutter_or_whitespace_is_an_error() {
        assert_eq!(
            parse_text("x", "Leave A Reply\n\nShare this\n"),
            Err("no article text (only web clutter)".to_string())
        );
        assert_eq!(parse_text("x", " \n\t\n"), Err("no article text".to_string()));
    }

    proptest! {
        #[test]
        fn normal_lines_are_kept_as_they_are(line in "[ -~\t\u{a0}\u{200b}\u{feff}\u{ad}\u{85}\u{2028}\u{3000}é’]{0,40}") {
            prop_assert_eq!(normalise_line(&line), normalise_any_line(&line));
        }

        #[test]
        fn decode_then_parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            if let Ok(decoded) = crate::decode(&bytes) {
                let _ = parse_text("x", &decoded.text);
            }
        }

        #[test]
        fn parse_text_never_panics(text in "(?s).{0,600}") {
            if let Ok(article) = parse_text("x", &text) {
                prop_assert!(!article.text.is_empty());
                prop_assert!(!article.text.contains("\n\n\n"));
            }
        }

        #[test]
        fn parse_text_handles_line_soup(lines in proptest::collection::vec("[A-Za-z:. ]{0,30}", 0..20)) {
            let _ = parse_text("x", &lines.join("\n"));
        }
    }
}
