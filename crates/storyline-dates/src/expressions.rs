//! Finding date expressions and resolving them against an anchor date.
//!
//! Each kind of expression is one regular expression over all four languages at once (news in
//! one language quotes the others' place names, not their month names, so collisions are rare and
//! handled where they are known: English "may", Italian "mai"-like words need a day or a year).
//! Matches may overlap ("16 de febrero de 2011" also holds "febrero de 2011"); the longest,
//! earliest one wins.

use std::sync::OnceLock;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use regex::{Captures, Regex};

use crate::{DateMention, DateValue};

/// Month names and abbreviations, lowercase, with their month number.
const MONTHS: &[(&str, u32)] = &[
    // English
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("october", 10),
    ("november", 11),
    ("december", 12),
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("sept", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
    // Spanish
    ("enero", 1),
    ("febrero", 2),
    ("marzo", 3),
    ("abril", 4),
    ("mayo", 5),
    ("junio", 6),
    ("julio", 7),
    ("agosto", 8),
    ("septiembre", 9),
    ("setiembre", 9),
    ("octubre", 10),
    ("noviembre", 11),
    ("diciembre", 12),
    // French
    ("janvier", 1),
    ("février", 2),
    ("fevrier", 2),
    ("mars", 3),
    ("avril", 4),
    ("mai", 5),
    ("juin", 6),
    ("juillet", 7),
    ("août", 8),
    ("aout", 8),
    ("septembre", 9),
    ("octobre", 10),
    ("novembre", 11),
    ("décembre", 12),
    ("decembre", 12),
    // Italian
    ("gennaio", 1),
    ("febbraio", 2),
    ("aprile", 4),
    ("maggio", 5),
    ("giugno", 6),
    ("luglio", 7),
    ("settembre", 9),
    ("ottobre", 10),
    ("dicembre", 12),
];

/// Month words that are also common ordinary words; bare (without day or year) they are taken
/// as months only in English after a preposition and capitalised ("in May").
const AMBIGUOUS_MONTHS: &[&str] = &["may", "march", "mar", "mai", "jan", "dec", "sep", "oct", "nov", "jun", "jul"];

const WEEKDAYS: &[(&str, Weekday)] = &[
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
    ("lunes", Weekday::Mon),
    ("martes", Weekday::Tue),
    ("miércoles", Weekday::Wed),
    ("miercoles", Weekday::Wed),
    ("jueves", Weekday::Thu),
    ("viernes", Weekday::Fri),
    ("sábado", Weekday::Sat),
    ("sabado", Weekday::Sat),
    ("domingo", Weekday::Sun),
    ("lundi", Weekday::Mon),
    ("mardi", Weekday::Tue),
    ("mercredi", Weekday::Wed),
    ("jeudi", Weekday::Thu),
    ("vendredi", Weekday::Fri),
    ("samedi", Weekday::Sat),
    ("dimanche", Weekday::Sun),
    ("lunedì", Weekday::Mon),
    ("lunedi", Weekday::Mon),
    ("martedì", Weekday::Tue),
    ("martedi", Weekday::Tue),
    ("mercoledì", Weekday::Wed),
    ("mercoledi", Weekday::Wed),
    ("giovedì", Weekday::Thu),
    ("giovedi", Weekday::Thu),
    ("venerdì", Weekday::Fri),
    ("venerdi", Weekday::Fri),
    ("sabato", Weekday::Sat),
    ("domenica", Weekday::Sun),
];

/// Day words and their offset from the anchor in days. Longer phrases come first so that the
/// alternation prefers them.
const DAY_WORDS: &[(&str, i64)] = &[
    ("the day before yesterday", -2),
    ("the day after tomorrow", 2),
    ("pasado mañana", 2),
    ("l'altro ieri", -2),
    ("ieri l'altro", -2),
    ("avant-hier", -2),
    ("après-demain", 2),
    ("aujourd'hui", 0),
    ("aujourd’hui", 0),
    ("dopodomani", 2),
    ("yesterday", -1),
    ("anteayer", -2),
    ("tomorrow", 1),
    ("today", 0),
    ("tonight", 0),
    ("mañana", 1),
    ("demain", 1),
    ("domani", 1),
    ("ayer", -1),
    ("anoche", -1),
    ("hoy", 0),
    ("hier", -1),
    ("ieri", -1),
    ("oggi", 0),
    ("stanotte", 0),
];

/// Which way a relative unit expression points.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Past,
    This,
    Next,
}

fn direction(word: &str) -> Option<Direction> {
    Some(match word {
        "last" | "past" | "previous" | "pasado" | "pasada" | "anterior" | "dernier" | "dernière" | "derniere"
        | "passé" | "passée" | "scorso" | "scorsa" | "passato" | "passata" => Direction::Past,
        "next" | "coming" | "próximo" | "próxima" | "proximo" | "proxima" | "prochain" | "prochaine" | "prossimo"
        | "prossima" | "que viene" => Direction::Next,
        "this" | "este" | "esta" | "ce" | "cette" | "questo" | "questa" | "quest'" => Direction::This,
        _ => return None,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Day,
    Week,
    Month,
    Year,
}

fn unit(word: &str) -> Option<Unit> {
    Some(match word {
        "day" | "days" | "día" | "días" | "dia" | "dias" | "jour" | "jours" | "giorno" | "giorni" => Unit::Day,
        "week" | "weeks" | "semana" | "semanas" | "semaine" | "semaines" | "settimana" | "settimane" => Unit::Week,
        "month" | "months" | "mes" | "meses" | "mois" | "mese" | "mesi" => Unit::Month,
        "year" | "years" | "año" | "años" | "an" | "ans" | "année" | "années" | "anno" | "anni" => Unit::Year,
        _ => return None,
    })
}

fn number_word(word: &str) -> Option<i64> {
    if let Ok(n) = word.parse::<i64>() {
        return (0..=1000).contains(&n).then_some(n);
    }
    Some(match word {
        "a" | "an" | "one" | "un" | "una" | "uno" | "une" => 1,
        "two" | "dos" | "deux" | "due" => 2,
        "three" | "tres" | "trois" | "tre" => 3,
        "four" | "cuatro" | "quatre" | "quattro" => 4,
        "five" | "cinco" | "cinq" | "cinque" => 5,
        "six" | "seis" | "sei" => 6,
        "seven" | "siete" | "sept" | "sette" => 7,
        "ten" | "diez" | "dix" | "dieci" => 10,
        _ => return None,
    })
}

fn alternation<'a>(words: impl Iterator<Item = &'a str>) -> String {
    let mut words: Vec<&str> = words.collect();
    // Longest first, so that "sept" is tried before "sep" and "september" before both.
    words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    words.iter().map(|w| regex::escape(w)).collect::<Vec<_>>().join("|")
}

/// A pattern that matches only whole words, as `\b(?:…)\b` would.
///
/// Written out because a Unicode `\b` sends the regex crate to its slowest engine (the PikeVM)
/// on any non-ASCII text, which made date finding a third of ingest time on Spanish news. The
/// regex asks only for an ASCII boundary at the start, which its DFA handles; both ends are
/// then checked against Unicode word characters here, and a rejected match is retried one
/// character further on.
struct WordPattern(Regex);

impl WordPattern {
    fn new(pattern: &str) -> WordPattern {
        WordPattern(Regex::new(&format!("(?i)(?-u:\\b)(?:{pattern})")).expect("date pattern compiles"))
    }

    fn captures_iter<'t>(&'t self, text: &'t str) -> impl Iterator<Item = Captures<'t>> + 't {
        let mut at = 0;
        std::iter::from_fn(move || {
            while at <= text.len() {
                let c = self.0.captures_at(text, at)?;
                let whole = c.get(0)?;
                if !whole.is_empty() && is_word_boundary(text, whole.start()) && is_word_boundary(text, whole.end()) {
                    at = whole.end();
                    return Some(c);
                }
                at = next_char(text, whole.start());
            }
            None
        })
    }
}

/// Whether a Unicode `\b` holds at byte `i`: the characters on either side differ in being word
/// characters (letters, marks, digits, connectors).
fn is_word_boundary(text: &str, i: usize) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || is_combining_mark(c);
    let before = text[..i].chars().next_back().is_some_and(is_word);
    let after = text[i..].chars().next().is_some_and(is_word);
    before != after
}

/// Combining marks count as word characters for `\b`; the ones news text carries are the
/// combining diacritics block.
fn is_combining_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

/// The byte index of the character after the one starting at `i`.
fn next_char(text: &str, i: usize) -> usize {
    i + text[i..].chars().next().map_or(1, char::len_utf8)
}

struct Patterns {
    iso: WordPattern,
    numeric: WordPattern,
    month_day: WordPattern,
    day_month: WordPattern,
    month_year: WordPattern,
    bare_month: WordPattern,
    year: WordPattern,
    day_word: WordPattern,
    weekday: WordPattern,
    relative_unit: WordPattern,
    ago: WordPattern,
}

fn patterns() -> &'static Patterns {
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let month = format!("(?P<month>{})", alternation(MONTHS.iter().map(|(w, _)| *w)));
        let weekday = format!("(?P<weekday>{})", alternation(WEEKDAYS.iter().map(|(w, _)| *w)));
        let day_words = alternation(DAY_WORDS.iter().map(|(w, _)| *w));
        let dir = "last|past|previous|next|coming|this";
        let dir_after = "pasad[oa]|anterior|próxim[oa]|proxim[oa]|que viene|dernière|derniere|dernier|prochaine|prochain|passée|passé|scors[oa]|passat[oa]|prossim[oa]";
        let dir_before = "pasad[oa]|próxim[oa]|proxim[oa]|este|esta|cette|ce|questo|questa|quest'|prossim[oa]";
        let units = "weeks?|months?|years?|semanas?|mes(?:es)?|años?|semaines?|mois|années?|ans?|settimanas?|settimane|mesi|mese|anno|anni";
        let article = "(?:the|la|el|le|il|lo|l'|l’)";
        let b = WordPattern::new;
        Patterns {
            iso: b(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"),
            numeric: b(r"(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<y>\d{4})"),
            month_day: b(&format!(r"{month}\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y>\d{{4}}))?")),
            day_month: b(&format!(
                r"(?P<d>\d{{1,2}})(?:st|nd|rd|th|er|º|°)?\s+(?:de\s+|of\s+)?{month}\.?(?:,?\s+(?:de\s+|del\s+)?(?P<y>\d{{4}}))?"
            )),
            month_year: b(&format!(r"{month}\.?,?\s+(?:de\s+|del\s+)?(?P<y>\d{{4}})")),
            bare_month: b(&format!(
                r"(?P<prep>in|since|until|by|last|next|this|early|late|mid|en|desde|hasta|a|ad|nel|dal|fin|début|inizio|fine|depuis|jusqu'en|de)\s+(?:(?:el\s+)?mes\s+de\s+|le\s+mois\s+de\s+|mese\s+di\s+)?{month}(?:\s+(?P<after>pasado|dernier|scorso))?"
            )),
            year: b(r"(?:in|since|until|by|of|en|desde|hasta|del|de|depuis|jusqu'en|nel|dal|fino al|año|anno|l'an|l'année)\s+(?P<y>(?:19|20)\d{2})"),
            day_word: b(&day_words),
            weekday: b(&format!(
                r"(?:(?P<dir>last|next|this|pasado|próximo|proximo|este)\s+)?(?:(?:on|el|le|il|lo)\s+)?{weekday}(?:\s+(?P<dir2>pasado|próximo|proximo|dernier|prochain|scorso|prossimo))?"
            )),
            relative_unit: b(&format!(
                r"(?:(?P<dir>{dir})\s+(?P<u1>{units})|{article}?\s*(?P<u2>{units})\s+(?P<dir2>{dir_after})|(?:{article}\s+)?(?P<dir3>{dir_before})\s+(?P<u3>{units}))"
            )),
            ago: b(&format!(
                r"(?:(?P<n1>\d+|an?|one|two|three|four|five|six|seven|ten)\s+(?P<u1>days?|{units})\s+ago|hace\s+(?P<n2>\d+|una?|dos|tres|cuatro|cinco|seis|siete|diez)\s+(?P<u2>días?|dias?|{units})|il\s+y\s+a\s+(?P<n3>\d+|une?|deux|trois|quatre|cinq|six|sept|dix)\s+(?P<u3>jours?|{units})|(?P<n4>\d+|una?|due|tre|quattro|cinque|sei|sette|dieci)\s+(?P<u4>giorni|giorno|{units})\s+fa)"
            )),
        }
    })
}

/// A candidate before overlaps are settled.
struct Candidate {
    start: usize,
    end: usize,
    value: Option<DateValue>,
    relative: bool,
}

/// Finds the date expressions in `text` and resolves them against `anchor` (the article's
/// publication date, when known). `language` (ISO 639-1) only decides how ambiguous numeric
/// dates such as 03/04/2011 are read: month first in English, day first elsewhere.
///
/// Expressions come back in text order and never overlap. This function never panics, whatever
/// the text.
pub fn resolve(text: &str, anchor: Option<NaiveDate>, language: Option<&str>) -> Vec<DateMention> {
    let p = patterns();
    let mut found: Vec<Candidate> = Vec::new();
    let month_first = language == Some("en");

    for c in p.iso.captures_iter(text) {
        let date = ymd(num(&c, "y"), num(&c, "m"), num(&c, "d"));
        push(&mut found, &c, date.map(DateValue::day), false, date.is_some());
    }
    for c in p.numeric.captures_iter(text) {
        let (a, b, y) = (num(&c, "a"), num(&c, "b"), num(&c, "y"));
        let (m, d) = if a > 12 || (!month_first && b <= 12) { (b, a) } else { (a, b) };
        let date = ymd(y, m, d);
        push(&mut found, &c, date.map(DateValue::day), false, date.is_some());
    }
    for re in [&p.month_day, &p.day_month] {
        for c in re.captures_iter(text) {
            let Some(m) = month_number(&c) else { continue };
            let day = num(&c, "d");
            let explicit_year = c.name("y").is_some();
            // "may 5" in lowercase is more likely a verb and a number than a date.
            if !explicit_year && is_ambiguous_lowercase(&c) {
                continue;
            }
            let value = if explicit_year {
                ymd(num(&c, "y"), m, day).map(DateValue::day)
            } else {
                anchor.and_then(|a| ymd(year_near(a, m).max(0) as u32, m, day)).map(DateValue::day)
            };
            if explicit_year || (1..=31).contains(&day) {
                push(&mut found, &c, value, !explicit_year, true);
            }
        }
    }
    for c in p.month_year.captures_iter(text) {
        let Some(m) = month_number(&c) else { continue };
        push(&mut found, &c, DateValue::month(num(&c, "y") as i32, m), false, true);
    }
    for c in p.bare_month.captures_iter(text) {
        let Some(m) = month_number(&c) else { continue };
        let word = c.name("month").map_or("", |x| x.as_str());
        let prep = c.name("prep").map_or("", |x| x.as_str()).to_lowercase();
        if AMBIGUOUS_MONTHS.contains(&word.to_lowercase().as_str()) && !starts_uppercase(word) {
            continue;
        }
        // Spanish/French/Italian "de"/"a" before a month name is only a date in "mes de …" forms or
        // when a known month follows; it is the commonest preposition, so require the full name.
        if (prep == "de" || prep == "a") && word.chars().count() < 4 {
            continue;
        }
        let after = c.name("after").map(|x| x.as_str().to_lowercase());
        let value = anchor.and_then(|a| {
            let year = if prep == "last" || after.is_some() {
                if m < a.month() {
                    a.year()
                } else {
                    a.year() - 1
                }
            } else if prep == "next" {
                if m > a.month() {
                    a.year()
                } else {
                    a.year() + 1
                }
            } else {
                year_near(a, m)
            };
            DateValue::month(year, m)
        });
        push(&mut found, &c, value, true, true);
    }
    for c in p.year.captures_iter(text) {
        let Some(y) = c.name("y") else { continue };
        let year = num(&c, "y") as i32;
        push_span(&mut found, y.start(), y.end(), DateValue::year(year), false);
    }
    for c in p.day_word.captures_iter(text) {
        let Some(whole) = c.get(0) else { continue };
        let word = whole.as_str().to_lowercase();
        // "la mañana" / "esta mañana" is the morning, not tomorrow.
        if word == "mañana" && preceded_by(text, whole.start(), &["la", "esta", "de", "por", "cada", "una"]) {
            continue;
        }
        let Some(offset) = DAY_WORDS.iter().find(|(w, _)| *w == word).map(|(_, o)| *o) else { continue };
        let value = anchor.map(|a| DateValue::day(a + Duration::days(offset)));
        push(&mut found, &c, value, true, true);
    }
    for c in p.weekday.captures_iter(text) {
        let Some(w) = c.name("weekday") else { continue };
        let name = w.as_str().to_lowercase();
        // English weekday names are capitalised; lowercase "sunday" in running text is rare, but
        // Italian "sabato"/"domenica" are lowercase and fine.
        if WEEKDAYS[..7].iter().any(|(n, _)| *n == name) && !starts_uppercase(w.as_str()) {
            continue;
        }
        let Some(weekday) = WEEKDAYS.iter().find(|(n, _)| *n == name).map(|(_, d)| *d) else { continue };
        let dir = c.name("dir").or(c.name("dir2")).and_then(|d| direction(&d.as_str().to_lowercase()));
        let value = anchor.map(|a| DateValue::day(weekday_near(a, weekday, dir)));
        push(&mut found, &c, value, true, true);
    }
    for c in p.relative_unit.captures_iter(text) {
        let dir_word = ["dir", "dir2", "dir3"].iter().find_map(|n| c.name(n)).map(|m| m.as_str().to_lowercase());
        let unit_word = ["u1", "u2", "u3"].iter().find_map(|n| c.name(n)).map(|m| m.as_str().to_lowercase());
        let (Some(dir), Some(u)) = (dir_word.as_deref().and_then(direction), unit_word.as_deref().and_then(unit))
        else {
            continue;
        };
        let step = match dir {
            Direction::Past => -1,
            Direction::This => 0,
            Direction::Next => 1,
        };
        let value = anchor.and_then(|a| shift(a, u, step));
        push(&mut found, &c, value, true, true);
    }
    for c in p.ago.captures_iter(text) {
        let n = ["n1", "n2", "n3", "n4"]
            .iter()
            .find_map(|k| c.name(k))
            .and_then(|m| number_word(&m.as_str().to_lowercase()));
        let u = ["u1", "u2", "u3", "u4"].iter().find_map(|k| c.name(k)).and_then(|m| unit(&m.as_str().to_lowercase()));
        let (Some(n), Some(u)) = (n, u) else { continue };
        let value = anchor.and_then(|a| shift(a, u, -n));
        push(&mut found, &c, value, true, true);
    }

    // Longest first at each start; then keep those that overlap nothing kept before.
    found.sort_by(|a, b| (b.end - b.start).cmp(&(a.end - a.start)).then(a.start.cmp(&b.start)));
    let mut kept: Vec<Candidate> = Vec::new();
    for c in found {
        if kept.iter().all(|k| c.end <= k.start || c.start >= k.end) {
            kept.push(c);
        }
    }
    kept.sort_by_key(|c| c.start);
    absorb_weekdays(text, &mut kept);
    kept.into_iter()
        .map(|c| DateMention {
            text: text[c.start..c.end].to_string(),
            start: c.start,
            end: c.end,
            value: c.value,
            relative: c.relative,
        })
        .collect()
}

/// "Wednesday, Nov. 27, 2019" and "Miércoles 16/02/2011" are one date: a weekday right before an
/// explicit date becomes part of it.
fn absorb_weekdays(text: &str, kept: &mut Vec<Candidate>) {
    let mut i = 0;
    while i + 1 < kept.len() {
        let gap = &text[kept[i].end..kept[i + 1].start];
        let is_weekday = WEEKDAYS.iter().any(|(w, _)| text[kept[i].start..kept[i].end].to_lowercase().ends_with(w));
        if is_weekday && !kept[i + 1].relative && gap.len() <= 3 && gap.chars().all(|c| c == ',' || c.is_whitespace()) {
            kept[i + 1].start = kept[i].start;
            kept.remove(i);
        } else {
            i += 1;
        }
    }
}

fn push(found: &mut Vec<Candidate>, c: &Captures, value: Option<DateValue>, relative: bool, valid: bool) {
    if let (Some(m), true) = (c.get(0), valid) {
        push_span(found, m.start(), m.end(), value, relative);
    }
}

fn push_span(found: &mut Vec<Candidate>, start: usize, end: usize, value: Option<DateValue>, relative: bool) {
    found.push(Candidate { start, end, value, relative });
}

fn num(c: &Captures, name: &str) -> u32 {
    c.name(name).and_then(|m| m.as_str().parse().ok()).unwrap_or(0)
}

fn ymd(y: u32, m: u32, d: u32) -> Option<NaiveDate> {
    if !(1000..=2999).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

fn month_number(c: &Captures) -> Option<u32> {
    let word = c.name("month")?.as_str().to_lowercase();
    MONTHS.iter().find(|(w, _)| *w == word).map(|(_, m)| *m)
}

fn is_ambiguous_lowercase(c: &Captures) -> bool {
    c.name("month").is_some_and(|m| {
        AMBIGUOUS_MONTHS.contains(&m.as_str().to_lowercase().as_str()) && !starts_uppercase(m.as_str())
    })
}

fn starts_uppercase(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

fn preceded_by(text: &str, start: usize, words: &[&str]) -> bool {
    let before = text[..start].trim_end();
    let last = before.rsplit(|c: char| !c.is_alphanumeric()).next().unwrap_or("").to_lowercase();
    words.contains(&last.as_str())
}

/// The year that puts `month` nearest the anchor, looking further back than ahead: news mostly
/// reports the past, so "in April" in a February article is last April unless it is within
/// the next three months.
fn year_near(anchor: NaiveDate, month: u32) -> i32 {
    if month > anchor.month() + 3 {
        anchor.year() - 1
    } else {
        anchor.year()
    }
}

/// The given weekday near the anchor: the latest one on or before it by default ("on Monday"
/// in past-tense news), strictly before for "last", strictly after for "next"/"this coming".
fn weekday_near(anchor: NaiveDate, weekday: Weekday, dir: Option<Direction>) -> NaiveDate {
    let back = (anchor.weekday().num_days_from_monday() as i64 - weekday.num_days_from_monday() as i64).rem_euclid(7);
    match dir {
        Some(Direction::Next) => {
            let ahead = (7 - back) % 7;
            anchor + Duration::days(if ahead == 0 { 7 } else { ahead })
        }
        Some(Direction::Past) => anchor - Duration::days(if back == 0 { 7 } else { back }),
        _ => anchor - Duration::days(back),
    }
}

/// The day, week, month or year `steps` units away from the anchor's.
fn shift(anchor: NaiveDate, unit: Unit, steps: i64) -> Option<DateValue> {
    match unit {
        Unit::Day => Some(DateValue::day(anchor + Duration::days(steps))),
        Unit::Week => Some(DateValue::week_of(anchor + Duration::days(7 * steps))),
        Unit::Month => {
            let index = anchor.year() as i64 * 12 + anchor.month0() as i64 + steps;
            DateValue::month(index.div_euclid(12) as i32, index.rem_euclid(12) as u32 + 1)
        }
        Unit::Year => DateValue::year(anchor.year() + steps as i32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn words_are_whole_next_to_accented_letters() {
        let anchor = Some(d(2020, 6, 10));
        // Italian weekdays end in an accented letter; a month inside an accented word is no month.
        let found = resolve("Il vertice di lunedì è finito. Llegó Maríañana, no Marzoé 2011.", anchor, Some("it"));
        let texts: Vec<&str> = found.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["lunedì"], "{found:?}");
        let found = resolve("Hace 3 días, el 5 de marzo de 2011 en Túnez.", anchor, Some("es"));
        let texts: Vec<&str> = found.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["Hace 3 días", "5 de marzo de 2011"]);
    }

    fn one(text: &str, anchor: Option<NaiveDate>, lang: &str) -> DateMention {
        let found = resolve(text, anchor, Some(lang));
        assert_eq!(found.len(), 1, "{text:?} gave {found:#?}");
        found.into_iter().next().unwrap()
    }

    fn label(text: &str, anchor: NaiveDate, lang: &str) -> String {
        one(text, Some(anchor), lang).value.map(|v| v.label()).unwrap_or_default()
    }

    #[test]
    fn explicit_dates_in_every_form() {
        let a = d(2020, 1, 5);
        assert_eq!(label("on Nov. 27, 2019 the", a, "en"), "2019-11-27");
        assert_eq!(label("on 27 November 2019 the", a, "en"), "2019-11-27");
        assert_eq!(label("filed 2019-11-27.", a, "en"), "2019-11-27");
        assert_eq!(label("el 16 de febrero de 2011", a, "es"), "2011-02-16");
        assert_eq!(label("le 1er mars 2011", a, "fr"), "2011-03-01");
        assert_eq!(label("il 16 febbraio 2011", a, "it"), "2011-02-16");
        assert_eq!(label("Miércoles 16/02/2011.", a, "es"), "2011-02-16");
        let m = one("in April 2019", None, "en");
        assert!(!m.relative);
        assert_eq!(m.value.unwrap().label(), "2019-04");
        assert_eq!(one("in 2011 the", None, "en").value.unwrap().label(), "2011");
    }

    #[test]
    fn spans_point_at_the_expression() {
        let text = "Akar arrived yesterday and met Sarraj on Monday.";
        for m in resolve(text, None, Some("en")) {
            assert_eq!(&text[m.start..m.end], m.text);
        }
        let found = resolve(text, None, Some("en"));
        assert_eq!(found.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), ["yesterday", "on Monday"]);
        assert!(found.iter().all(|m| m.relative && m.value.is_none()));
    }

    #[test]
    fn relative_days_cross_month_and_year_boundaries() {
        assert_eq!(label("announced yesterday", d(2020, 1, 1), "en"), "2019-12-31");
        assert_eq!(label("ayer", d(2020, 3, 1), "es"), "2020-02-29");
        assert_eq!(label("hier", d(2011, 3, 1), "fr"), "2011-02-28");
        assert_eq!(label("ieri", d(2011, 2, 16), "it"), "2011-02-15");
        assert_eq!(label("today", d(2011, 2, 16), "en"), "2011-02-16");
        assert_eq!(label("mañana", d(2011, 2, 16), "es"), "2011-02-17");
        assert_eq!(label("Wednesday, Nov. 27, 2019", d(2020, 1, 1), "en"), "2019-11-27");
    }

    #[test]
    fn morning_is_not_tomorrow() {
        let found = resolve("esta mañana llegó", Some(d(2011, 2, 16)), Some("es"));
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn weekdays_point_back_unless_told_otherwise() {
        // 2020-08-19 is a Wednesday.
        let wed = d(2020, 8, 19);
        assert_eq!(label("on Monday", wed, "en"), "2020-08-17");
        assert_eq!(label("on Wednesday", wed, "en"), "2020-08-19");
        assert_eq!(label("next Monday", wed, "en"), "2020-08-24");
        assert_eq!(label("last Wednesday", wed, "en"), "2020-08-12");
        assert_eq!(label("el lunes", wed, "es"), "2020-08-17");
        assert_eq!(label("lunedì", wed, "it"), "2020-08-17");
        // Across a year boundary: Friday before Wednesday 2020-01-01.
        assert_eq!(label("on Friday", d(2020, 1, 1), "en"), "2019-12-27");
    }

    #[test]
    fn months_and_units_relative_to_the_anchor() {
        let a = d(2020, 1, 10);
        assert_eq!(label("last month", a, "en"), "2019-12");
        assert_eq!(label("next month", d(2019, 12, 20), "en"), "2020-01");
        assert_eq!(label("el mes pasado", a, "es"), "2019-12");
        assert_eq!(label("le mois dernier", a, "fr"), "2019-12");
        assert_eq!(label("il mese scorso", a, "it"), "2019-12");
        assert_eq!(label("l'année dernière", a, "fr"), "2019");
        assert_eq!(label("last week", d(2020, 1, 1), "en"), "2019-12-23/2019-12-29");
        assert_eq!(label("in April", d(2019, 12, 10), "en"), "2019-04");
        assert_eq!(label("in December", a, "en"), "2019-12");
        assert_eq!(label("in April", d(2020, 6, 1), "en"), "2020-04");
        assert_eq!(label("en abril", d(2020, 6, 1), "es"), "2020-04");
        assert_eq!(label("last June", d(2020, 8, 1), "en"), "2020-06");
        assert_eq!(label("last June", d(2020, 5, 1), "en"), "2019-06");
        assert_eq!(label("three days ago", d(2020, 3, 2), "en"), "2020-02-28");
        assert_eq!(label("hace dos meses", d(2020, 1, 2), "es"), "2019-11");
    }

    #[test]
    fn month_without_year_takes_the_anchor_year() {
        let m = one("on Nov. 27 the", Some(d(2019, 12, 3)), "en");
        assert!(m.relative);
        assert_eq!(m.value.unwrap().label(), "2019-11-27");
        assert!(one("on Nov. 27 the", None, "en").value.is_none());
    }

    #[test]
    fn ordinary_words_are_not_months() {
        assert!(resolve("Ankara may send troops", Some(d(2020, 1, 1)), Some("en")).is_empty());
        assert!(resolve("we march on", Some(d(2020, 1, 1)), Some("en")).is_empty());
        assert!(resolve("non è mai stato", Some(d(2020, 1, 1)), Some("it")).is_empty());
    }

    proptest! {
        #[test]
        fn resolution_never_panics_and_spans_are_exact(text in "\\PC{0,300}", day in 0i64..40000) {
            let anchor = NaiveDate::from_ymd_opt(1950, 1, 1).map(|a| a + Duration::days(day));
            for m in resolve(&text, anchor, Some("en")) {
                prop_assert_eq!(&text[m.start..m.end], m.text.as_str());
            }
        }

        #[test]
        fn date_like_noise_never_panics(text in "([0-9]{1,5}[ /.-]){1,4}(de |of )?(may|febrero|mars|ieri|Monday|last|month|ago|hace|2011)? ?[0-9]{0,4}") {
            let _ = resolve(&text, NaiveDate::from_ymd_opt(2000, 2, 29), Some("es"));
            let _ = resolve(&text, None, None);
        }
    }
}
