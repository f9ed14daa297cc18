//! Repairs of the tagger's name spans that hold in any language: a name never crosses a line
//! break, never begins or ends with a function word ("La OTAN", "Pero Gadafi", "Presidency
//! Council of the"), is never a function word alone ("La", "Para", "En"), nor a common noun the
//! article itself writes in lowercase ("Noticias", "Gobierno"). Inside a person's span:
//! - a title ends what comes before it ("Tierras del Sr. Gadafi" → Gadafi, role "Tierras del Sr.");
//! - "Hijo de Gadafi", "Gobierno de Gadafi": a common noun and "de" before a name are no part of it;
//! - "Hospital Central de Trípoli": a common noun, "de" and a place make an organisation;
//! - "Idris I de Libia": a name, "de" and a place are the person and the place apart;
//! - "Gadafi cerca de Misrata", "Trípoli En Trípoli": two names glued by a word of the sentence
//!   are split there, and "Libia Gadafi": a leading place name is a place of its own.
//!
//! Function words come from the article's language's stop-word list (`stop-words` crate, by way
//! of `storyline-text`), less the words that are also names or name particles ("Ali", "Said",
//! "Ben", "bin", "van"). "Common nouns" are the words the article writes in lowercase, so that
//! no list of nouns per language is needed.

use rustc_hash::FxHashSet;
use storyline_model::EntityType;

use crate::extract::{Cand, Tok};
use crate::gazetteer::Gazetteer;
use crate::words;

/// Words of stop-word lists that are names, or particles inside names, as often as function
/// words: they never count as function words here.
const NAMES_IN_STOP_LISTS: &[&str] = &[
    "ali", "said", "will", "may", "mark", "ben", "bin", "van", "von", "der", "don", "man", "grande", "general", "can",
    "sr", "us", "i", "bill", "sal", "dos", "tal", "mio", "usa", "elf", "abu", "page", "best", "hell", "ring", "miss",
    "home", "fire", "rose", "gott", "mann", "lang", "kurz", "hoch", "ohne", "vita", "sara", "ella", "nome", "gran",
];

/// Particles that begin names ("al-", "El Sisi", "Abu Bakr", "bin Laden", "De Gaulle", "Le Pen",
/// "Van Rompuy", "Di Maio"): kept at the start of a span when a name follows them.
const LEADING_PARTICLES: &[&str] =
    &["al", "el", "abu", "bin", "ibn", "bint", "ben", "de", "da", "di", "du", "van", "von", "le", "la", "del", "dos"];

/// Particles that stand inside names ("Muamar el Gadafi", "Khalid bin Mohammad", "Charles de
/// Gaulle", "Ursula von der Leyen").
const INNER_PARTICLES: &[&str] = &[
    "al", "el", "abu", "bin", "ibn", "bint", "ben", "de", "da", "di", "du", "des", "del", "della", "dos", "das", "do",
    "van", "von", "der", "den", "ter", "la", "le", "y", "of",
];

/// "X de Y": the particles that make Y the place or holder X belongs to.
const CONNECTORS: &[&str] = &["de", "del", "della", "di", "du", "des", "da", "do", "of", "von", "d'"];

/// What an article's text says about its words: the function words of its language and the
/// words it writes in lowercase.
pub(crate) struct Vocabulary<'t> {
    function: &'static FxHashSet<String>,
    /// Borrowed from the article's tokens: no copy of each word.
    common: FxHashSet<&'t str>,
}

impl<'t> Vocabulary<'t> {
    /// The vocabulary of an article in `language` (ISO 639-1; English when unknown).
    pub(crate) fn of(toks: &'t [Tok], language: Option<&str>) -> Vocabulary<'t> {
        let function = storyline_text::stop_words(Some(language.unwrap_or("en")));
        let common = toks
            .iter()
            .filter(|t| is_lowercase_word(t) && t.text.chars().count() > 2)
            .map(|t| t.lower.as_str())
            .collect();
        Vocabulary { function, common }
    }

    /// A function word of the article's language ("la", "pero", "the"); folded input. The
    /// stop-word lists hold nouns too ("gobierno", "microsoft", "bill"): a word of more than
    /// three letters counts only when the article also writes it in lowercase.
    pub(crate) fn is_function(&self, lower: &str) -> bool {
        let lower = lower.trim_end_matches('.');
        self.function.contains(lower)
            && !NAMES_IN_STOP_LISTS.contains(&lower)
            && (lower.chars().count() <= 4 || self.common.contains(lower))
    }

    /// A word the article writes in lowercase elsewhere: a common noun or adjective.
    pub(crate) fn is_common(&self, lower: &str) -> bool {
        self.common.contains(lower)
    }
}

/// A word written in lowercase, which no name is; "al-Sarraj", "el-Sisi", "d'Estaing" are.
fn is_lowercase_word(t: &Tok) -> bool {
    let attached_name = t
        .text
        .split_once(['-', '\'', '\u{2019}'])
        .is_some_and(|(_, rest)| rest.chars().next().is_some_and(char::is_uppercase));
    t.text.chars().next().is_some_and(char::is_lowercase) && !attached_name
}

fn is_all_caps(t: &Tok) -> bool {
    t.text.chars().any(char::is_alphabetic) && !t.text.chars().any(char::is_lowercase)
}

fn has_letters(t: &Tok) -> bool {
    t.text.chars().any(char::is_alphanumeric)
}

/// A Roman numeral or initial ("Idris I", "George W."): no function word, whatever the lists say.
fn is_initial(t: &Tok) -> bool {
    let letters: Vec<char> = t.text.chars().filter(|c| c.is_alphabetic()).collect();
    !letters.is_empty() && letters.iter().all(|c| c.is_uppercase()) && letters.len() <= 3 && {
        let roman = letters.iter().all(|c| matches!(c, 'I' | 'V' | 'X'));
        roman || letters.len() == 1
    }
}

/// A place the gazetteer knows by this word (or words).
fn is_place(g: &Gazetteer, name: &str) -> bool {
    g.country(name).is_some() || g.city(name).is_some() || g.adjective(name).is_some()
}

/// A country or a city of a million: only such a name opening a person's span is taken for a
/// place ("Libia Gadafi", "Trípoli de Gadafi"); smaller cities share their names with people
/// ("Vladimir Putin", "Salam Al-Namroush").
fn is_major_place(g: &Gazetteer, name: &str) -> bool {
    g.country(name).is_some()
        || matches!(g.city(name), Some(crate::gazetteer::Place::City { population, .. }) if *population >= 1_000_000)
}

/// A title before a name, also a German compound one ("Außenminister", "Staatschef").
pub(crate) fn is_title(lower: &str) -> bool {
    const COMPOUND_HEADS: &[&str] =
        &["minister", "ministerin", "prasident", "prasidentin", "chef", "sprecher", "kanzler", "machthaber"];
    words::PERSON_TITLES.contains(lower)
        || (lower.chars().count() > 8 && COMPOUND_HEADS.iter().any(|head| lower.ends_with(head)))
}

/// Context of the repairs.
struct Ctx<'a> {
    toks: &'a [Tok],
    text: &'a str,
    g: &'a Gazetteer,
    v: &'a Vocabulary<'a>,
}

impl Ctx<'_> {
    /// A capitalised word that is really a word of the sentence: a function word, or a noun the
    /// article writes in lowercase (and no place the gazetteer knows).
    fn is_sentence_word(&self, i: usize) -> bool {
        let t = &self.toks[i];
        if is_initial(t) {
            return false;
        }
        if is_all_caps(t) && t.text.chars().count() <= 2 {
            return false;
        }
        self.v.is_function(&t.lower) || (self.v.is_common(&t.lower) && !is_place(self.g, &t.text))
    }

    /// Whether a name starts at token `i` (within `..end`): capitalised, not all capitals, not
    /// a word of the sentence, not a place.
    fn name_starts(&self, i: usize, end: usize) -> bool {
        i < end && {
            let t = &self.toks[i];
            t.capitalized() && !is_all_caps(t) && !self.is_sentence_word(i) && !is_place(self.g, &t.text)
        }
    }

    /// Whether the token at `i` may open the span `i..end`.
    fn may_open(&self, i: usize, end: usize) -> bool {
        let t = &self.toks[i];
        if !has_letters(t) {
            return false;
        }
        // "Los Angeles", "La Paz", "El Paso": a place's name may open with an article.
        if i + 1 < end && is_place(self.g, &self.text[t.start..self.toks[i + 1].end]) {
            return true;
        }
        // "Al Attiyah", "De Gaulle", "Le Pen" open names; a lowercase "de" before a name is the
        // sentence's ("hijo de Gadafi"), except for the Arabic article and patronymics.
        let particle = LEADING_PARTICLES.contains(&t.lower.as_str());
        let arabic = matches!(t.lower.as_str(), "al" | "el" | "abu" | "bin" | "ibn" | "bint" | "ben");
        if particle && (arabic || !is_lowercase_word(t)) {
            return self.name_starts(i + 1, end);
        }
        if is_lowercase_word(t) {
            return false;
        }
        // "LA OTAN": a headline's article; a lone "LA" may be Los Angeles.
        if is_all_caps(t) && t.text.chars().count() <= 2 {
            return !(self.v.is_function(&t.lower) && i + 1 < end);
        }
        !(self.v.is_function(&t.lower) && !is_initial(t))
    }

    /// Whether the token at `i` may close a span.
    fn may_close(&self, i: usize) -> bool {
        let t = &self.toks[i];
        if !has_letters(t) || is_lowercase_word(t) {
            return false;
        }
        !(self.v.is_function(&t.lower) && !is_initial(t) && !(is_all_caps(t) && t.text.chars().count() <= 2))
    }
}

/// Splits spans at line breaks: a headline, a menu entry or a caption ends a name.
/// Drops the tagger's spans that cannot be names here: every word in lowercase (in a script
/// with capitals: "года", "по", years and prepositions the Russian tagger took for places), or a
/// span in another script inside a Latin-script article (an Arabic tweet quoted in a Spanish
/// post, read by the Spanish tagger: "ان", "that", was a place of 192 mentions).
pub(crate) fn drop_impossible_spans(toks: &[Tok], text: &str, cands: &mut Vec<Cand>) {
    let (mut latin, mut other) = (0usize, 0usize);
    for c in text.chars().filter(|c| c.is_alphabetic()).take(4000) {
        if crate::normalize::is_non_latin_letter(c) {
            other += 1;
        } else {
            latin += 1;
        }
    }
    let latin_article = latin > other;
    cands.retain(|c| {
        let span = &toks[c.start..c.end];
        let all_lowercase = span.iter().filter(|t| has_letters(t)).all(is_lowercase_word);
        let foreign_script = latin_article && crate::normalize::is_non_latin(&text[c.byte_start..c.byte_end]);
        !all_lowercase && !foreign_script
    });
}

pub(crate) fn split_at_line_breaks(toks: &[Tok], text: &str, cands: &mut Vec<Cand>) {
    let mut out = Vec::with_capacity(cands.len());
    for c in cands.drain(..) {
        let mut start = c.start;
        for i in c.start + 1..c.end {
            if text[toks[i - 1].end..toks[i].start].contains('\n') {
                let mut piece = c.clone();
                piece.set_span(toks, start, i);
                out.push(piece);
                start = i;
            }
        }
        if start == c.start {
            out.push(c);
        } else {
            let mut piece = c;
            let (s, e) = (start, piece.end);
            piece.set_span(toks, s, e);
            out.push(piece);
        }
    }
    *cands = out;
}

/// Trims function words and sentence words from the spans' edges, splits persons' spans where
/// the header of this module says, and drops what is no name at all.
pub(crate) fn repair(toks: &[Tok], text: &str, g: &Gazetteer, v: &Vocabulary<'_>, cands: &mut Vec<Cand>) {
    let ctx = Ctx { toks, text, g, v };
    let mut out = Vec::with_capacity(cands.len());
    for c in cands.drain(..) {
        repair_one(&ctx, c, &mut out, 0);
    }
    // "ONU-", "Trípoli-": a dash left by a word broken at a line's end or a compound cut short is
    // no part of the name (else it becomes a spelling of its own, and sometimes the shown one).
    for c in &mut out {
        let kept = text[c.byte_start..c.byte_end].trim_end_matches(['-', '\u{2013}', '\u{2014}']);
        c.byte_end = c.byte_start + kept.len();
    }
    out.retain(|c| c.byte_end > c.byte_start);
    out.sort_by_key(|c| (c.start, c.end));
    *cands = out;
}

fn repair_one(ctx: &Ctx, mut c: Cand, out: &mut Vec<Cand>, depth: usize) {
    let split = depth > 0;
    let toks = ctx.toks;
    // "d'Emmanuel Macron", "L'Otan", "pro-Kadhafi", "anti-Gheddafi": an elided article or
    // preposition, or a prefix, glued to the name's first word.
    if c.byte_start == toks[c.start].start {
        let first = &toks[c.start].text;
        let glued = first
            .char_indices()
            .find(|&(_, ch)| ch == '\'' || ch == '\u{2019}' || ch == '-')
            .map(|(at, ch)| (at, at + ch.len_utf8()))
            .filter(|&(at, after)| {
                let head = crate::normalize::fold(&first[..at]);
                let elision = matches!(first[at..].chars().next(), Some('\'' | '\u{2019}'))
                    && matches!(
                        head.as_str(),
                        "d" | "l" | "dell" | "all" | "dall" | "nell" | "sull" | "qu" | "j" | "s"
                    );
                let prefix =
                    first[at..].starts_with('-') && matches!(head.as_str(), "pro" | "anti" | "post" | "pre" | "ex");
                (elision || prefix) && first[after..].chars().next().is_some_and(char::is_uppercase)
            });
        if let Some((_, after)) = glued {
            c.byte_start = toks[c.start].start + after;
            if c.byte_start >= c.byte_end {
                return;
            }
        }
    }
    // "Gadafi.La": a full stop with no space after it glued two sentences together.
    if c.byte_start == toks[c.start].start && c.byte_end == toks[c.end - 1].end {
        let last = &toks[c.end - 1];
        if let Some((head, tail)) = last.text.split_once('.') {
            let tail = tail.trim_start_matches(|ch: char| !ch.is_alphanumeric());
            if head.chars().count() >= 2 && tail.chars().next().is_some_and(char::is_uppercase) {
                if c.end - c.start == 1 {
                    // The name is whichever half is no function word.
                    let tail_lower = crate::normalize::fold(tail);
                    if ctx.v.is_function(&tail_lower) {
                        c.byte_end = last.start + head.len();
                    } else {
                        c.byte_start = last.start + (last.text.len() - tail.len());
                    }
                } else {
                    c.byte_end = last.start + head.len();
                }
            }
        }
    }
    let whole = c.byte_start == toks[c.start].start && c.byte_end == toks[c.end - 1].end;
    if !whole {
        let piece = &ctx.text[c.byte_start..c.byte_end];
        let lower = crate::normalize::fold(piece);
        if !ctx.v.is_function(&lower) && piece.chars().any(char::is_alphabetic) {
            out.push(c);
        }
        return;
    }
    let (mut start, mut end) = (c.start, c.end);
    while start < end && !ctx.may_open(start, end) {
        start += 1;
    }
    while end > start && !ctx.may_close(end - 1) {
        end -= 1;
    }
    if start >= end {
        return;
    }
    if end - start == 1 {
        let t = &toks[start];
        // "Noticias", "Internacional": a word the article also writes in lowercase.
        let common = ctx.v.is_common(&t.lower) && !is_place(ctx.g, &t.text) && !is_all_caps(t);
        let shouted_function =
            is_all_caps(t) && t.text.chars().count() > 2 && ctx.v.is_function(&t.lower) && !is_place(ctx.g, &t.text);
        // "Presidente", "Colonel": a title alone names no one.
        let title = is_title(&t.lower) && !is_all_caps(t);
        if common || shouted_function || title {
            return;
        }
    }
    if (start, end) != (c.start, c.end) {
        c.set_span(toks, start, end);
    }
    // "Il Colonnello Gheddafi" tagged as an organisation: a leading title makes a person.
    if end - start >= 2 && is_title(&toks[start].lower) && ctx.name_starts(start + 1, end) {
        let mut k = start;
        while k + 1 < end && is_title(&toks[k].lower) {
            k += 1;
        }
        let role = ctx.text[toks[start].start..toks[k - 1].end].to_string();
        c.set_span(toks, k, end);
        c.role = Some(role);
        c.kind = EntityType::Person;
        return repair_one(ctx, c, out, depth + 1);
    }
    // "Fundación Gadafi", "Liga Árabe": an organisation's head noun first; alone ("Gobierno",
    // "Conseil") it names no one in particular.
    if words::ORG_FIRST_HEADS.contains(&toks[start].lower) && !is_all_caps(&toks[start]) {
        if end - start >= 2 {
            c.kind = EntityType::Org;
            out.push(c);
        }
        return;
    }
    // A place split off a person's span ("Gadafi cerca de Misrata") is a place.
    if split && c.kind == EntityType::Person && end - start == 1 && is_place(ctx.g, &toks[start].text) {
        c.kind = EntityType::Loc;
        c.role = None;
    }
    if c.kind != EntityType::Person || end - start < 2 || depth > 4 {
        out.push(c);
        return;
    }
    // A title inside the span ends what came before it: "Tierras del Sr. Gadafi".
    if let Some(k) = (start..end - 1).rev().find(|&k| is_title(&toks[k].lower)) {
        let original = c.byte_start;
        c.set_span(toks, k + 1, end);
        c.role = Some(ctx.text[original..toks[k].end].to_string());
        return repair_one(ctx, c, out, depth + 1);
    }
    // "Libia Gadafi", "Trípoli Bengasi": a place name opening a person's span is a place.
    if is_major_place(ctx.g, &toks[start].text) && toks[start + 1].capitalized() && !is_particle(&toks[start + 1]) {
        let mut place = c.clone();
        place.set_span(toks, start, start + 1);
        place.kind = EntityType::Loc;
        place.role = None;
        out.push(place);
        c.set_span(toks, start + 1, end);
        return repair_one(ctx, c, out, depth + 1);
    }
    // "Bombardeó Trípoli": a headline's capitalised verb or noun before a name.
    let has_connector = (start + 1..end - 1).any(|i| CONNECTORS.contains(&toks[i].lower.as_str()));
    if !has_connector && ctx.is_sentence_word(start) && !LEADING_PARTICLES.contains(&toks[start].lower.as_str()) {
        c.set_span(toks, start + 1, end);
        return repair_one(ctx, c, out, depth + 1);
    }
    for i in start + 1..end - 1 {
        let t = &toks[i];
        let lower = t.lower.as_str();
        if CONNECTORS.contains(&lower) && is_lowercase_word(t) {
            // "X de [la] Y".
            let mut right = i + 1;
            while right < end
                && is_lowercase_word(&toks[right])
                && INNER_PARTICLES.contains(&toks[right].lower.as_str())
            {
                right += 1;
            }
            if right >= end {
                break;
            }
            let right_text = &ctx.text[toks[right].start..toks[end - 1].end];
            let right_is_place =
                is_place(ctx.g, right_text) || (right + 1 == end && is_place(ctx.g, &toks[right].text));
            let left_is_noun = ctx.is_sentence_word(start);
            if right_is_place {
                if left_is_noun {
                    // "Hospital Central de Trípoli", "Universidad de Bengasi".
                    c.kind = EntityType::Org;
                    out.push(c);
                } else {
                    // "Idris I de Libia": the person and the place.
                    let mut place = c.clone();
                    place.set_span(toks, right, end);
                    place.kind = EntityType::Loc;
                    place.role = None;
                    out.push(place);
                    c.set_span(toks, start, i);
                    repair_one(ctx, c, out, depth + 1);
                }
                return;
            }
            if left_is_noun {
                // "Hijo de Gadafi", "Gobierno de Gadafi".
                c.set_span(toks, right, end);
                return repair_one(ctx, c, out, depth + 1);
            }
            if i == start + 1 && is_major_place(ctx.g, &toks[start].text) {
                // "Libia de Kaddafi", "Trípoli de Gadafi": the place and the person.
                let mut place = c.clone();
                place.set_span(toks, start, start + 1);
                place.kind = EntityType::Loc;
                place.role = None;
                out.push(place);
                c.set_span(toks, right, end);
                return repair_one(ctx, c, out, depth + 1);
            }
            continue;
        }
        let glue = (is_lowercase_word(t) && !INNER_PARTICLES.contains(&lower))
            || (t.capitalized() && ctx.v.is_function(lower) && !is_particle(t) && !is_initial(t))
            || !has_letters(t);
        if glue {
            // "Gadafi cerca de Misrata", "Trípoli En Trípoli": two names and the sentence between.
            let mut left = c.clone();
            left.set_span(toks, start, i);
            let mut right = c;
            right.set_span(toks, i + 1, end);
            right.role = None;
            for piece in [left, right] {
                repair_one(ctx, piece, out, depth + 1);
            }
            return;
        }
    }
    out.push(c);
}

fn is_particle(t: &Tok) -> bool {
    INNER_PARTICLES.contains(&t.lower.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::tokens;

    fn repaired(text: &str, language: &str, spans: &[(&str, EntityType)]) -> Vec<(String, EntityType)> {
        let (toks, _) = tokens(text);
        let g = Gazetteer::built_in();
        let mut g = g;
        g.add_tsv(
            "city\t2210247\tLY\t1302947\tTripoli\tTrípoli\n\
             city\t2214846\tLY\t355657\tMisratah\tMisrata\n\
             city\t88319\tLY\t650629\tBenghazi\tBengasi\n\
             country\tLY\tLY\t0\tLibya\tLibia\n",
        );
        let v = Vocabulary::of(&toks, Some(language));
        let mut cands: Vec<Cand> = spans
            .iter()
            .map(|(span, kind)| {
                let at = text.find(span).expect("span in text");
                let start = toks.iter().position(|t| t.start == at).expect("token start");
                let end = toks.iter().position(|t| t.end == at + span.len()).expect("token end") + 1;
                Cand::new(&toks, start, end, *kind, 1)
            })
            .collect();
        drop_impossible_spans(&toks, text, &mut cands);
        split_at_line_breaks(&toks, text, &mut cands);
        repair(&toks, text, &g, &v, &mut cands);
        cands.iter().map(|c| (c.text(text).to_string(), c.kind)).collect()
    }

    #[test]
    fn lowercase_spans_and_foreign_scripts_are_no_names() {
        let text = "Un tuit de Alaa dice: قال ان الشرطة. En Trípoli, el 5 de mayo de 2020 года.";
        let got = repaired(text, "es", &[("Alaa", Person), ("ان", Loc), ("Trípoli", Loc), ("года", Loc)]);
        assert_eq!(got, vec![("Alaa".to_string(), Person), ("Trípoli".to_string(), Loc)]);
        // In a text in another script its own names stay; a lowercase word there is none.
        let text = "В Триполи 5 мая 2020 года прошли протесты.";
        let got = repaired(text, "ru", &[("Триполи", Loc), ("года", Loc)]);
        assert_eq!(got, vec![("Триполи".to_string(), Loc)]);
    }

    use EntityType::{Loc, Misc, Org, Person};

    #[test]
    fn function_words_leave_the_edges_and_are_never_names() {
        let text = "La OTAN bombardea. Pero Gadafi resiste, pero no para siempre. La ciudad. Para la paz.";
        let got = repaired(text, "es", &[("La OTAN", Org), ("Pero Gadafi", Person), ("La", Org), ("Para", Loc)]);
        assert_eq!(got, vec![("OTAN".to_string(), Org), ("Gadafi".to_string(), Person)]);
    }

    #[test]
    fn a_dash_after_a_name_is_not_part_of_it() {
        let text = "Según la ONU- los combates siguen en Trípoli– dijo.";
        let got = repaired(text, "es", &[("ONU-", Org), ("Trípoli–", Loc)]);
        assert_eq!(got, vec![("ONU".to_string(), Org), ("Trípoli".to_string(), Loc)]);
    }

    #[test]
    fn a_name_does_not_cross_a_line_break() {
        let text = "¿Es un usuario nuevo? Regístrese\nUn hijo de Gadafi estudia en Madrid.";
        let got = repaired(text, "es", &[("Regístrese\nUn hijo de Gadafi", Person)]);
        assert!(got.contains(&("Gadafi".to_string(), Person)), "{got:?}");
        assert!(!got.iter().any(|(n, _)| n.contains("Un") || n.contains('\n')), "{got:?}");
    }

    #[test]
    fn persons_spans_are_split_at_titles_connectors_and_places() {
        let text = "Las Tierras del Sr. Gadafi. El Hospital Central de Trípoli abrió. Idris I de Libia reinó. \
                    Gadafi cerca de Misrata. Libia Gadafi. El hijo de Gadafi y el hospital y las tierras.";
        let got = repaired(
            text,
            "es",
            &[
                ("Tierras del Sr. Gadafi", Person),
                ("Hospital Central de Trípoli", Person),
                ("Idris I de Libia", Person),
                ("Gadafi cerca de Misrata", Person),
                ("Libia Gadafi", Person),
            ],
        );
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            vec!["Gadafi", "Hospital Central de Trípoli", "Idris I", "Libia", "Gadafi", "Misrata", "Libia", "Gadafi"],
            "{got:?}"
        );
        assert_eq!(got[1].1, Org);
        assert_eq!(got[3].1, Loc);
    }

    #[test]
    fn glued_articles_prefixes_and_sentences_come_off() {
        let text = "La visite d'Emmanuel Macron. Les pro-Kadhafi résistent. Alain Juppé.\"L'Otan frappe. Le Presidente arrive.";
        let got = repaired(
            text,
            "fr",
            &[
                ("d'Emmanuel Macron", Person),
                ("pro-Kadhafi", Misc),
                ("Alain Juppé.\"L'Otan", Person),
                ("Presidente", Org),
            ],
        );
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["Emmanuel Macron", "Kadhafi", "Alain Juppé"]);
    }

    #[test]
    fn particles_that_begin_names_stay() {
        let text = "Charles de Gaulle y Muamar el Gadafi. Al Attiyah habló.";
        let got = repaired(
            text,
            "es",
            &[("Charles de Gaulle", Person), ("Muamar el Gadafi", Person), ("Al Attiyah", Person)],
        );
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["Charles de Gaulle", "Muamar el Gadafi", "Al Attiyah"]);
    }
}
