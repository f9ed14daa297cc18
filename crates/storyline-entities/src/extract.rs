//! Mentions in one article: the statistical tagger's names, repaired and completed by rules of
//! news writing, then grouped into the article's entities (in-document coreference).
//!
//! The tagger was trained on 1996 Reuters text. It misses or mislabels what it did not see
//! there (modern names, Arabic names with particles), so its output goes through these repairs:
//! - names split by a particle are joined ("Khalid" "bin" "Mohammad Al Attiyah");
//! - a person's name takes a following "al-Sarraj" the tagger left out;
//! - titles inside a span become the person's role ("Staff Yasar Gular" → "Yasar Gular");
//! - a title before a name makes it a person ("Prime Minister Fayez Al-Sarraj");
//! - country names and adjectives are countries (GPE), whatever the tagger said ("Qatar");
//! - a name followed by "region"/"area" or preceded by "eastern" is a place;
//! - hyphenated adjectives are split ("Tripoli-based" → Tripoli);
//! - a name found once is found everywhere else in the article too;
//! - acronyms are tied to their expansion ("Government of National Accord (GNA)").
//!
//! Mentions are then grouped: the same name, a surname after a full name ("Akar" after "Hulusi
//! Akar", also in a variant spelling: "Kalan" after "Ibrahim Kalin"), an acronym after its
//! expansion, one country under its name and its adjective, and a descriptive name for the
//! article's one government ("the reconciliation government").

use std::collections::{BTreeMap, HashMap, HashSet};

use storyline_model::EntityType;
use storyline_ner::tokenize::{tokenize_sentences, TextToken};
use storyline_ner::EntityKind;

use crate::gazetteer::{Gazetteer, Place};
use crate::normalize::{fold, is_non_latin, name_key, name_words, strip_article, variant};
use crate::{clean, words};
use crate::{DocEntity, DocMention, Extractor};

/// A token of the article with its sentence.
#[derive(Debug, Clone)]
pub(crate) struct Tok {
    pub text: String,
    pub lower: String,
    pub start: usize,
    pub end: usize,
    pub sentence: usize,
}

impl Tok {
    pub fn capitalized(&self) -> bool {
        self.text.chars().next().is_some_and(char::is_uppercase)
    }
}

/// How sure a candidate's type is; stronger evidence wins votes.
const TAGGER: u32 = 1;
const RULE: u32 = 3;
const GAZETTEER: u32 = 5;

/// A candidate mention over tokens `start..end` (global indices), possibly cut to a part of a
/// token (`byte_start..byte_end`).
#[derive(Debug, Clone)]
pub(crate) struct Cand {
    pub start: usize,
    pub end: usize,
    pub byte_start: usize,
    pub byte_end: usize,
    pub kind: EntityType,
    pub weight: u32,
    pub role: Option<String>,
    pub country: Option<String>,
    pub geonameid: Option<i64>,
    /// Index of the candidate this one abbreviates or describes.
    pub refers_to: Option<usize>,
    /// A description rather than a name ("the reconciliation government").
    pub nominal: bool,
}

impl Cand {
    pub(crate) fn new(toks: &[Tok], start: usize, end: usize, kind: EntityType, weight: u32) -> Cand {
        Cand {
            start,
            end,
            byte_start: toks[start].start,
            byte_end: toks[end - 1].end,
            kind,
            weight,
            role: None,
            country: None,
            geonameid: None,
            refers_to: None,
            nominal: false,
        }
    }

    pub(crate) fn text<'a>(&self, text: &'a str) -> &'a str {
        &text[self.byte_start..self.byte_end]
    }

    pub(crate) fn set_span(&mut self, toks: &[Tok], start: usize, end: usize) {
        self.start = start;
        self.end = end;
        self.byte_start = toks[start].start;
        self.byte_end = toks[end - 1].end;
    }
}

fn from_ner(kind: EntityKind) -> EntityType {
    match kind {
        EntityKind::Person => EntityType::Person,
        EntityKind::Organization => EntityType::Org,
        EntityKind::Location => EntityType::Loc,
        EntityKind::Misc => EntityType::Misc,
    }
}

/// Splits `text` into tokens with their sentence index, and gives the number of tokens of each
/// sentence. The tokeniser's strings move into the tokens (one copy of each word, not two).
pub(crate) fn tokens(text: &str) -> (Vec<Tok>, Vec<usize>) {
    let sentences = tokenize_sentences(text);
    let lengths = sentences.iter().map(Vec::len).collect();
    let mut toks = Vec::with_capacity(sentences.iter().map(Vec::len).sum());
    for (i, sentence) in sentences.into_iter().enumerate() {
        for TextToken { text, start, end } in sentence {
            toks.push(Tok { lower: fold(&text), text, start, end, sentence: i });
        }
    }
    (toks, lengths)
}

/// "Khalid bin Mohammad Al Attiyah": a lowercase "bin", "ibn" or "bint" between capitalised
/// words makes a patronymic, a person's name, whatever the tagger called it (it calls such
/// names an organisation or a place from one model to the next). A town of that name ("Qasr
/// bin Ghashir") stays a place.
fn particle_names_are_persons(toks: &[Tok], text: &str, g: &Gazetteer, cands: &mut [Cand]) {
    for c in cands.iter_mut().filter(|c| c.kind != EntityType::Person && c.end - c.start >= 3) {
        let patronymic = (c.start + 1..c.end - 1).any(|i| {
            matches!(toks[i].text.as_str(), "bin" | "ibn" | "bint")
                && toks[i - 1].capitalized()
                && toks[i + 1].capitalized()
        });
        if patronymic && g.city(c.text(text)).is_none() {
            c.kind = EntityType::Person;
        }
    }
}

/// A name of two to four words that opens with a given name ("Bashar al Asad", "Vladimir
/// Putin") is a person's, whatever the tagger called it: taggers read "el régimen de Bashar al
/// Asad" as a place. Organisations keep their type ("George Washington University" is one),
/// and so does a place the gazetteer knows by the whole name.
fn given_names_open_persons(toks: &[Tok], text: &str, g: &Gazetteer, cands: &mut [Cand]) {
    for c in cands.iter_mut() {
        let words = c.end - c.start;
        let misread = matches!(c.kind, EntityType::Loc | EntityType::Misc) && (2..=4).contains(&words);
        if misread
            && g.is_given_name(&toks[c.start].text)
            && toks[c.end - 1].capitalized()
            && g.city(c.text(text)).is_none()
            && g.country(c.text(text)).is_none()
        {
            c.kind = EntityType::Person;
            c.weight = c.weight.max(RULE);
        }
    }
}

fn is_particle_token(lower: &str) -> bool {
    matches!(lower, "bin" | "ibn" | "bint" | "al" | "el" | "abu" | "ben")
}

/// "al-Sarraj", "Al-Attiyah": a name with the Arabic article attached.
fn is_article_name(word: &str) -> bool {
    let lower = fold(word);
    let rest = strip_article(&lower);
    rest != lower && word[word.len() - rest.len()..].chars().next().is_some_and(char::is_uppercase)
}

fn same_sentence(toks: &[Tok], a: usize, b: usize) -> bool {
    a < toks.len() && b < toks.len() && toks[a].sentence == toks[b].sentence
}

impl Extractor {
    /// Finds the mentions and entities of one text (an article's full text) in `language`
    /// (ISO 639-1, which picks the tagger; `None`: the primary one).
    pub(crate) fn mentions(&self, text: &str, toks: &[Tok], sentences: &[usize], language: Option<&str>) -> Grouped {
        let mut offset = 0;
        let words: Vec<Vec<&str>> = sentences
            .iter()
            .map(|&len| {
                offset += len;
                toks[offset - len..offset].iter().map(|t| t.text.as_str()).collect()
            })
            .collect();
        let spans = self.taggers.for_language(language).tag_document(&words);
        let mut offset = 0;
        let mut cands = Vec::new();
        for (&len, spans) in sentences.iter().zip(spans) {
            for span in spans {
                if span.start < span.end && span.end <= len {
                    cands.push(Cand::new(toks, offset + span.start, offset + span.end, from_ner(span.kind), TAGGER));
                }
            }
            offset += len;
        }
        let g = &self.gazetteer;
        let vocabulary = clean::Vocabulary::of(toks, language);
        clean::drop_impossible_spans(toks, text, &mut cands);
        clean::split_at_line_breaks(toks, text, &mut cands);
        join_particles(toks, &mut cands);
        particle_names_are_persons(toks, text, g, &mut cands);
        cands.iter_mut().for_each(|c| strip_titles(toks, text, c));
        cands.retain(|c| c.start < c.end);
        given_names_open_persons(toks, text, g, &mut cands);
        clean::repair(toks, text, g, &vocabulary, &mut cands);
        split_compounds(toks, text, g, &mut cands);
        cands.retain(|c| !is_part_of_role(toks, c));
        for c in cands.iter_mut() {
            find_role(toks, text, g, c);
        }
        join_country_names(toks, text, g, &mut cands);
        type_places(toks, text, g, &mut cands);
        add_gazetteer_names(toks, g, &mut cands);
        propagate(toks, text, &mut cands);
        link_acronyms(toks, text, &mut cands);
        add_descriptions(toks, text, g, &mut cands);
        cands.sort_by_key(|c| (c.byte_start, c.byte_end));
        let (entities, assignment) = group(text, g, &mut cands);
        Grouped { cands, assignment, entities }
    }
}

/// Candidates, the entity each belongs to, and the entities.
pub(crate) struct Grouped {
    pub cands: Vec<Cand>,
    pub assignment: Vec<usize>,
    pub entities: Vec<DocEntity>,
}

impl Grouped {
    /// The article's mentions, in text order.
    pub(crate) fn mentions(&self, text: &str, toks: &[Tok]) -> Vec<DocMention> {
        self.cands
            .iter()
            .zip(&self.assignment)
            .map(|(c, &entity)| DocMention {
                text: c.text(text).to_string(),
                kind: self.entities[entity].kind,
                byte_start: c.byte_start,
                byte_end: c.byte_end,
                sentence: toks[c.start].sentence,
                role: c.role.clone(),
                entity,
            })
            .collect()
    }
}

/// "Khalid" "bin" "Mohammad Al Attiyah" → one person.
fn join_particles(toks: &[Tok], cands: &mut Vec<Cand>) {
    cands.sort_by_key(|c| c.start);
    let mut out: Vec<Cand> = Vec::with_capacity(cands.len());
    for c in cands.drain(..) {
        if let Some(prev) = out.last_mut() {
            let gap = c.start.saturating_sub(prev.end);
            // "Muamar" "el" "Gadafi": a lowercase Arabic article between two names, one of them
            // a person's, joins them ("en Trípoli el Gobierno" has no person).
            let article_between = toks[prev.end].text.as_str() == "el" || toks[prev.end].text.as_str() == "al";
            let joined_by_particle = gap == 1
                && same_sentence(toks, prev.start, c.start)
                && (matches!(toks[prev.end].lower.as_str(), "bin" | "ibn" | "bint" | "abu")
                    || (article_between && (prev.kind == EntityType::Person || c.kind == EntityType::Person)));
            let adjacent_names = gap == 0
                && same_sentence(toks, prev.start, c.start)
                && (prev.kind == EntityType::Person || c.kind == EntityType::Person)
                && is_article_name(&toks[c.start].text);
            if joined_by_particle || adjacent_names {
                let kind = if prev.kind == EntityType::Person || c.kind == EntityType::Person {
                    EntityType::Person
                } else {
                    c.kind
                };
                let end = c.end;
                prev.set_span(toks, prev.start, end);
                prev.kind = kind;
                continue;
            }
        }
        out.push(c);
    }
    // A person's name takes a following "al-Sarraj" or "Al Attiyah" that the tagger left out.
    for c in out.iter_mut().filter(|c| c.kind == EntityType::Person) {
        let mut end = c.end;
        loop {
            if end < toks.len() && same_sentence(toks, c.start, end) {
                let t = &toks[end];
                if is_article_name(&t.text) {
                    end += 1;
                    continue;
                }
                if is_particle_token(&t.lower) && end + 1 < toks.len() && same_sentence(toks, end, end + 1) {
                    let next = &toks[end + 1];
                    if next.capitalized() && next.text.chars().any(char::is_lowercase) {
                        end += 2;
                        continue;
                    }
                }
            }
            break;
        }
        if end != c.end {
            c.set_span(toks, c.start, end);
        }
    }
    *cands = out;
}

/// Titles inside a name span become the role: "Marshal Khalifa Haftar", "General Haftar".
fn strip_titles(toks: &[Tok], text: &str, c: &mut Cand) {
    let mut start = c.start;
    if matches!(c.kind, EntityType::Person | EntityType::Loc | EntityType::Misc) {
        while start + 1 < c.end && words::PERSON_TITLES.contains(&toks[start].lower) {
            start += 1;
        }
    }
    // Trailing function words are no part of a name: "Presidency Council of the".
    let mut end = c.end;
    while end > start + 1 && matches!(toks[end - 1].lower.as_str(), "of" | "the" | "and" | "for" | "in") {
        end -= 1;
    }
    if start != c.start {
        c.role = Some(text[toks[c.start].start..toks[start - 1].end].to_string());
        c.kind = EntityType::Person;
        c.weight = RULE;
    }
    if start != c.start || end != c.end {
        c.set_span(toks, start, end);
    }
    // "Wagner Company", "Anadolu Agency": a name ending in an organisation's head noun.
    if c.end - c.start > 1 && c.kind != EntityType::Org && words::ORG_HEADS.contains(&toks[c.end - 1].lower) {
        c.kind = EntityType::Org;
        c.weight = RULE;
    }
}

/// "Tripoli-based", "UN-backed", "Turkish-backed": the first half is a name of its own.
///
/// Candidates are looked up by their end token and dropped by marking them, not searched and
/// removed from the list for each compound: a long text has as many compounds as candidates.
fn split_compounds(toks: &[Tok], text: &str, g: &Gazetteer, cands: &mut Vec<Cand>) {
    let compounds: Vec<(usize, usize)> = toks
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            let (head, tail) = t.text.rsplit_once('-')?;
            let is_compound = words::COMPOUND_SUFFIXES.contains(&tail.to_lowercase())
                && head.chars().next().is_some_and(char::is_uppercase);
            is_compound.then_some((i, head.len()))
        })
        .collect();
    if compounds.is_empty() {
        return;
    }
    let mut dropped = vec![false; cands.len()];
    // Indices of the candidates ending at each token, in list order.
    let mut ending_at: HashMap<usize, Vec<usize>> = HashMap::new();
    for (k, c) in cands.iter().enumerate() {
        ending_at.entry(c.end).or_default().push(k);
    }
    for (i, head_len) in compounds {
        // The tagger's own reading of the whole hyphenated word gives way.
        for &k in ending_at.get(&(i + 1)).into_iter().flatten() {
            if cands[k].start == i {
                dropped[k] = true;
            }
        }
        let mut c = Cand::new(toks, i, i + 1, EntityType::Loc, RULE);
        c.byte_end = c.byte_start + head_len;
        // "United Nations-recognized": the name began before the hyphenated word.
        let before = ending_at
            .get(&i)
            .and_then(|list| list.iter().copied().find(|&k| !dropped[k] && same_sentence(toks, cands[k].start, i)));
        if let Some(k) = before {
            dropped[k] = true;
            let prev = &cands[k];
            c.start = prev.start;
            c.byte_start = prev.byte_start;
            c.kind = prev.kind;
            c.weight = prev.weight;
        }
        let head = &text[c.byte_start..c.byte_end];
        if let Some(code) = g.country(head).or_else(|| g.adjective(head)) {
            c.kind = EntityType::Gpe;
            c.country = Some(code.to_string());
            c.weight = GAZETTEER;
        } else if head.chars().filter(|ch| ch.is_alphabetic()).all(char::is_uppercase) {
            c.kind = EntityType::Org;
        }
        ending_at.entry(c.end).or_default().push(cands.len());
        dropped.push(false);
        cands.push(c);
    }
    let mut kept = dropped.iter().map(|dropped| !dropped);
    cands.retain(|_| kept.next().unwrap_or(true));
    cands.sort_by_key(|c| c.start);
}

/// "Minister of Foreign Affairs": a name inside a role is no organisation mention.
fn is_part_of_role(toks: &[Tok], c: &Cand) -> bool {
    c.kind != EntityType::Person
        && c.start >= 2
        && toks[c.start - 1].lower == "of"
        && matches!(toks[c.start - 2].lower.as_str(), "minister" | "secretary")
}

/// Reads the role written before a name ("Turkish Defence Minister", "Libya’s Deputy Defence
/// Minister", "his Qatari counterpart") and makes the name a person's when there is one.
fn find_role(toks: &[Tok], text: &str, g: &Gazetteer, c: &mut Cand) {
    if c.country.is_some() || c.kind == EntityType::Gpe || g.country(c.text(text)).is_some() {
        return;
    }
    // "Chairman of the Presidential Council": the name after a title's "of" is the title's
    // organisation, not its holder.
    let before = |k: usize| (c.start >= k).then(|| toks[c.start - k].lower.as_str());
    if before(1) == Some("of") || (before(1) == Some("the") && before(2) == Some("of")) {
        return;
    }
    let mut first = c.start;
    let mut has_title = false;
    while first > 0 && same_sentence(toks, first - 1, c.start) {
        let t = &toks[first - 1];
        let lower = t.lower.as_str();
        let is_title = words::PERSON_TITLES.contains(lower);
        let fits = is_title
            || words::ROLE_WORDS.contains(lower)
            || g.adjective(&t.text).is_some()
            || (t.capitalized() && g.country(&t.text).is_some())
            || (matches!(lower, "'s" | "\u{2019}s") && first >= 2 && g.country(&toks[first - 2].text).is_some());
        if !fits {
            break;
        }
        has_title |= is_title;
        first -= 1;
    }
    // Leading function words belong to the sentence, not the role, and so does a noun that
    // another noun's "of" follows ("forces of Field Marshal").
    while first < c.start {
        let lower = toks[first].lower.as_str();
        let of_follows = first + 1 < c.start && toks[first + 1].lower == "of";
        if matches!(lower, "the" | "of" | "for" | "'s" | "\u{2019}s")
            || (of_follows && !words::PERSON_TITLES.contains(lower))
        {
            first += 1;
        } else {
            break;
        }
    }
    if !has_title || first >= c.start {
        return;
    }
    // Titles stripped from inside the span lie within this range already.
    c.role = Some(text[toks[first].start..toks[c.start - 1].end].to_string());
    if c.kind != EntityType::Person {
        c.kind = EntityType::Person;
        c.weight = RULE;
    }
}

/// "Reino" "Unido", "Stati" "Uniti": names the tagger cut in two that together name a country.
fn join_country_names(toks: &[Tok], text: &str, g: &Gazetteer, cands: &mut Vec<Cand>) {
    cands.sort_by_key(|c| (c.start, c.end));
    let mut out: Vec<Cand> = Vec::with_capacity(cands.len());
    for c in cands.drain(..) {
        if let Some(prev) = out.last_mut() {
            let whole = |c: &Cand| c.byte_start == toks[c.start].start && c.byte_end == toks[c.end - 1].end;
            if prev.end == c.start && same_sentence(toks, prev.start, c.start) && whole(prev) && whole(&c) {
                let joined = &text[prev.byte_start..c.byte_end];
                if g.country(joined).is_some() {
                    let (start, end) = (prev.start, c.end);
                    prev.set_span(toks, start, end);
                    prev.kind = EntityType::Gpe;
                    continue;
                }
            }
        }
        out.push(c);
    }
    *cands = out;
    join_abbreviated_countries(toks, text, g, cands);
}

/// Country abbreviations the tokeniser cut at their dots, of which the tagger kept a part:
/// Spanish "EE. UU.", "EE.UU.", "EE UU" (Estados Unidos) became "EE" and "UU", two
/// organisations, and of "EE.UU" the tagger took "UU". A short capitalised name grows over the capitalised pieces and dots beside
/// it while the whole, without dots and spaces, is a country's name (the dots' sentence breaks
/// notwithstanding).
fn join_abbreviated_countries(toks: &[Tok], text: &str, g: &Gazetteer, cands: &mut Vec<Cand>) {
    let piece = |i: usize| {
        let t = &toks[i].text;
        let letters = t.chars().filter(|c| *c != '.').count();
        letters <= 4 && t.chars().all(|c| c == '.' || c.is_uppercase())
    };
    let compact = |start: usize, end: usize| -> String {
        text[toks[start].start..toks[end - 1].end].chars().filter(|c| *c != '.' && !c.is_whitespace()).collect()
    };
    let mut joined: Vec<(usize, usize)> = Vec::new();
    for c in cands.iter_mut() {
        if c.country.is_some() || !(c.start..c.end).all(piece) || c.end - c.start > 3 {
            continue;
        }
        let mut found = None;
        'grow: for before in (0..=c.start.min(3)).rev() {
            for after in (0..=(toks.len() - c.end).min(3)).rev() {
                let (start, end) = (c.start - before, c.end + after);
                let ends_on_letters = toks[start].text != "." && toks[end - 1].text != ".";
                // Pieces a space apart at most (the sentence splitter may cut at "EE.").
                let close = (start..end - 1).all(|i| toks[i + 1].start - toks[i].end <= 1);
                if !ends_on_letters || !close || !(start..end).all(piece) {
                    continue;
                }
                if let Some(code) = g.country(&compact(start, end)) {
                    found = Some((start, end, code.to_string()));
                    break 'grow;
                }
            }
        }
        if let Some((start, end, code)) = found {
            c.set_span(toks, start, end);
            c.kind = EntityType::Gpe;
            c.country = Some(code);
            c.weight = GAZETTEER;
            joined.push((start, end));
        }
    }
    // The pieces now inside a joined name go.
    cands.retain(|c| {
        !joined.iter().any(|&(start, end)| start <= c.start && c.end <= end && (c.start, c.end) != (start, end))
    });
    cands.dedup_by_key(|c| (c.start, c.end));
}

/// Countries and their adjectives are GPEs; cities get their GeoNames id; context words make
/// places ("the Sirte and Jufrah regions", "eastern Sirte").
fn type_places(toks: &[Tok], text: &str, g: &Gazetteer, cands: &mut [Cand]) {
    // Surnames of full person names: a lone "Jordan" after "Michael Jordan" is no country.
    let surnames: HashSet<String> = cands
        .iter()
        .filter(|c| c.kind == EntityType::Person && c.end - c.start > 1)
        .filter_map(|c| name_words(c.text(text)).last().cloned())
        .collect();
    for i in 0..cands.len() {
        let name = cands[i].text(text).to_string();
        let c = &mut cands[i];
        let single = c.end - c.start == 1;
        if let Some(code) = g.country(&name) {
            if !(c.kind == EntityType::Person && single && surnames.contains(&fold(&name))) {
                c.kind = EntityType::Gpe;
                c.country = Some(code.to_string());
                c.weight = GAZETTEER;
                c.role = None;
                continue;
            }
        }
        let adjective = g.adjective(&name).or_else(|| name.strip_suffix('s').and_then(|n| g.adjective(n)));
        if let Some(code) = adjective.filter(|_| single && !surnames.contains(&fold(&name))) {
            c.kind = EntityType::Gpe;
            c.country = Some(code.to_string());
            c.weight = GAZETTEER;
            continue;
        }
        // "OEA" is an organisation, whatever old name of a city it spells.
        let acronym = name.chars().count() <= 4 && !name.chars().any(char::is_lowercase);
        if let Some(Place::City { geonameid, population, .. }) = g.city(&name).filter(|_| !acronym) {
            // A city's name alone is the city, whatever the tagger said, unless it is the
            // surname of a person the article names in full.
            let person_city = c.kind == EntityType::Person && !surnames.contains(&fold(&name));
            let retype = (matches!(c.kind, EntityType::Org | EntityType::Misc) || person_city)
                && single
                && *population >= 100_000;
            // Nor is a place-tagged surname ("the forces of Asad" after "Bashar al-Asad").
            let surname = name_words(&name).last().is_some_and(|last| surnames.contains(last));
            if (c.kind == EntityType::Loc && !surname) || retype {
                c.kind = EntityType::Loc;
                c.geonameid = Some(*geonameid);
                c.weight = c.weight.max(if retype { RULE } else { TAGGER });
            }
        }
        if c.kind == EntityType::Person {
            continue;
        }
        // "the Sirte and Jufrah regions": look past a coordinated name for the place noun.
        let mut next = c.end;
        while next + 1 < toks.len() && same_sentence(toks, c.start, next) && toks[next].lower == "and" {
            next += 2;
        }
        let place_noun =
            next < toks.len() && same_sentence(toks, c.start, next) && words::PLACE_NOUNS.contains(&toks[next].lower);
        let direction = c.start > 0 && words::DIRECTIONS.contains(&toks[c.start - 1].lower);
        if (place_noun || direction) && c.kind != EntityType::Gpe {
            c.kind = EntityType::Loc;
            c.weight = RULE;
        }
    }
}

/// Country names and adjectives the tagger missed, and places in Arabic or Cyrillic script.
fn add_gazetteer_names(toks: &[Tok], g: &Gazetteer, cands: &mut Vec<Cand>) {
    let mut covered = vec![false; toks.len()];
    for c in cands.iter() {
        covered[c.start..c.end].iter_mut().for_each(|x| *x = true);
    }
    let mut i = 0;
    while i < toks.len() {
        if covered[i] {
            i += 1;
            continue;
        }
        let t = &toks[i];
        // A word in lowercase ("по", Russian "by") names no place, in any script with capitals.
        let lowercase = t.text.chars().next().is_some_and(char::is_lowercase);
        if is_non_latin(&t.text) && !lowercase && g.has_non_latin() {
            // The longest run of up to three words that names a place.
            let mut found = None;
            for n in (1..=3).rev() {
                if i + n > toks.len() || covered[i..i + n].iter().any(|&x| x) || !same_sentence(toks, i, i + n - 1) {
                    continue;
                }
                let name = toks[i..i + n].iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ");
                if let Some(place) = g.non_latin(&name) {
                    found = Some((n, place.clone()));
                    break;
                }
            }
            if let Some((n, place)) = found {
                let mut c = Cand::new(toks, i, i + n, EntityType::Loc, GAZETTEER);
                match place {
                    Place::Country { code } => {
                        c.kind = EntityType::Gpe;
                        c.country = Some(code);
                    }
                    Place::City { geonameid, .. } => c.geonameid = Some(geonameid),
                }
                cands.push(c);
                i += n;
                continue;
            }
        } else if t.capitalized() {
            let mut found = None;
            let longest = if g.starts_country_name(&t.lower) { 4 } else { 1 };
            for n in (1..=longest).rev() {
                if i + n > toks.len() || covered[i..i + n].iter().any(|&x| x) || !same_sentence(toks, i, i + n - 1) {
                    continue;
                }
                let name: String = toks[i..i + n].iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ");
                if let Some(code) = g.country(&name).or_else(|| if n == 1 { g.adjective(&name) } else { None }) {
                    found = Some((n, code.to_string()));
                    break;
                }
            }
            if let Some((n, code)) = found {
                let mut c = Cand::new(toks, i, i + n, EntityType::Gpe, GAZETTEER);
                c.country = Some(code);
                cands.push(c);
                i += n;
                continue;
            }
        }
        i += 1;
    }
    cands.sort_by_key(|c| c.start);
}

/// One sense per article: a name found once is a mention wherever else it stands.
fn propagate(toks: &[Tok], text: &str, cands: &mut Vec<Cand>) {
    let mut covered = vec![false; toks.len()];
    for c in cands.iter() {
        covered[c.start..c.end].iter_mut().for_each(|x| *x = true);
    }
    // Whole-token names only, by their first token.
    let mut by_first: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, c) in cands.iter().enumerate() {
        let whole = c.byte_start == toks[c.start].start && c.byte_end == toks[c.end - 1].end;
        if whole && c.kind != EntityType::Misc && toks[c.start].capitalized() {
            by_first.entry(toks[c.start].text.as_str()).or_default().push(i);
        }
    }
    let mut added = Vec::new();
    for i in 0..toks.len() {
        if covered[i] {
            continue;
        }
        let Some(templates) = by_first.get(toks[i].text.as_str()) else { continue };
        let best = templates
            .iter()
            .map(|&t| &cands[t])
            .filter(|t| {
                let n = t.end - t.start;
                i + n <= toks.len()
                    && same_sentence(toks, i, i + n - 1)
                    && !covered[i..i + n].iter().any(|&x| x)
                    && (0..n).all(|k| toks[i + k].text == toks[t.start + k].text)
            })
            .max_by_key(|t| (t.end - t.start, t.weight));
        if let Some(t) = best {
            let n = t.end - t.start;
            let mut c = Cand::new(toks, i, i + n, t.kind, t.weight.min(RULE));
            c.country = t.country.clone();
            c.geonameid = t.geonameid;
            debug_assert_eq!(c.text(text), t.text(text));
            covered[i..i + n].iter_mut().for_each(|x| *x = true);
            added.push(c);
        }
    }
    cands.extend(added);
    cands.sort_by_key(|c| c.start);
}

/// The initials of a name's capitalised words: "Government of National Accord" → "GNA".
fn initials(name: &str) -> String {
    name.split_whitespace().filter_map(|w| w.chars().next()).filter(|c| c.is_uppercase()).collect()
}

fn is_acronym(word: &str) -> bool {
    let n = word.chars().count();
    (2..=7).contains(&n) && word.chars().all(|c| c.is_ascii_uppercase())
}

/// "Government of National Accord (GNA)": the acronym refers to the name before it.
fn link_acronyms(toks: &[Tok], text: &str, cands: &mut Vec<Cand>) {
    let mut one_token: HashMap<usize, usize> = HashMap::new();
    for (j, c) in cands.iter().enumerate().filter(|(_, c)| c.end == c.start + 1) {
        one_token.entry(c.start).or_insert(j);
    }
    let mut added = Vec::new();
    for i in 0..cands.len() {
        let c = &cands[i];
        if c.kind == EntityType::Person || c.end + 2 >= toks.len() {
            continue;
        }
        let (open, word, close) = (&toks[c.end], &toks[c.end + 1], &toks[c.end + 2]);
        if open.text != "(" || close.text != ")" || !is_acronym(&word.text) {
            continue;
        }
        let name = c.text(text);
        // The acronym may leave out a leading adjective: "Libyan National Army" is LNA.
        let matches = initials(name) == word.text
            || initials(name).ends_with(&word.text) && initials(name).len() <= word.text.len() + 1;
        if !matches {
            continue;
        }
        let at = c.end + 1;
        let kind = if c.kind == EntityType::Misc { EntityType::Org } else { c.kind };
        added.push((one_token.get(&at).copied(), i, kind, at));
    }
    // An acronym the article spells out is that name's, whatever country or city it also
    // spells ("Royal United Services Institute (RUSI)" is not Russia's "Rusi"), here and
    // wherever the article uses it again.
    let defined: HashMap<String, EntityType> =
        added.iter().map(|&(_, _, kind, at)| (toks[at].text.clone(), kind)).collect();
    for c in cands.iter_mut().filter(|c| c.end == c.start + 1) {
        if let Some(&kind) = defined.get(&toks[c.start].text) {
            c.country = None;
            c.geonameid = None;
            c.kind = kind;
        }
    }
    for (existing, target, kind, at) in added {
        let byte_start = cands[target].byte_start;
        match existing {
            Some(j) => {
                cands[j].refers_to = Some(byte_start);
                cands[j].kind = kind;
            }
            None => {
                let mut a = Cand::new(toks, at, at + 1, kind, RULE);
                a.refers_to = Some(byte_start);
                cands.push(a);
            }
        }
        if cands[target].kind == EntityType::Misc {
            cands[target].kind = EntityType::Org;
        }
    }
    cands.sort_by_key(|c| c.start);
}

/// "the reconciliation government", "government of reconciliation": a description of the
/// article's government, whose name is the one named organisation headed "Government".
fn add_descriptions(toks: &[Tok], text: &str, g: &Gazetteer, cands: &mut Vec<Cand>) {
    let governments: Vec<&Cand> = cands
        .iter()
        .filter(|c| c.kind == EntityType::Org && c.text(text).split_whitespace().any(|w| w == "Government"))
        .collect();
    let Some(target) = governments.first() else { return };
    // Only when every named government of the article is the same one.
    let key = org_key(target.text(text));
    if governments.iter().any(|c| org_key(c.text(text)) != key) {
        return;
    }
    let target_start = target.byte_start;
    let mut covered = vec![false; toks.len()];
    for c in cands.iter() {
        covered[c.start..c.end].iter_mut().for_each(|x| *x = true);
    }
    let descriptive = |t: &Tok| {
        t.text.chars().all(|c| c.is_lowercase()) && t.text.len() > 3 && !words::GENERIC_MODIFIERS.contains(&t.lower)
    };
    let mut added = Vec::new();
    for i in 0..toks.len() {
        if toks[i].lower != "government" || covered[i] {
            continue;
        }
        // A definite description: "the reconciliation government", "the Libyan government of
        // reconciliation".
        let definite = |k: usize| {
            let mut k = k;
            while k > 0 && toks[k - 1].capitalized() && g.adjective(&toks[k - 1].text).is_some() {
                k -= 1;
            }
            k > 0 && toks[k - 1].lower == "the"
        };
        let span = if i > 1
            && same_sentence(toks, i - 2, i)
            && descriptive(&toks[i - 1])
            && !covered[i - 1]
            && definite(i - 1)
        {
            Some((i - 1, i + 1))
        } else if i + 2 < toks.len()
            && same_sentence(toks, i, i + 2)
            && toks[i + 1].lower == "of"
            && descriptive(&toks[i + 2])
            && !covered[i + 2]
            && definite(i)
        {
            Some((i, i + 3))
        } else {
            None
        };
        if let Some((s, e)) = span {
            let mut c = Cand::new(toks, s, e, EntityType::Org, TAGGER);
            c.refers_to = Some(target_start);
            c.nominal = true;
            added.push(c);
        }
    }
    cands.extend(added);
    cands.sort_by_key(|c| c.start);
}

/// An organisation's name without the country it belongs to: "Libyan Government of National
/// Accord" and "Government of National Accord of Libya" are "government of national accord".
pub(crate) fn org_key(name: &str) -> String {
    let g = Gazetteer::built_in_shared();
    let mut words: Vec<&str> = name.split_whitespace().collect();
    while words.len() > 1 && (g.adjective(words[0]).is_some() || g.country(words[0]).is_some()) {
        words.remove(0);
    }
    let n = words.len();
    if n > 3 && words[n - 2].eq_ignore_ascii_case("of") && g.country(words[n - 1]).is_some() {
        words.truncate(n - 2);
    }
    name_key(&words.join(" "))
}

/// Union-find over candidates.
struct Groups(Vec<usize>);

impl Groups {
    fn find(&mut self, i: usize) -> usize {
        let mut r = i;
        while self.0[r] != r {
            r = self.0[r];
        }
        let mut i = i;
        while self.0[i] != r {
            let next = self.0[i];
            self.0[i] = r;
            i = next;
        }
        r
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // The earlier mention stays the root.
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi] = lo;
        }
    }
}

/// Groups the candidates into the article's entities (in-document coreference).
fn group(text: &str, g: &Gazetteer, cands: &mut [Cand]) -> (Vec<DocEntity>, Vec<usize>) {
    let n = cands.len();
    let mut groups = Groups((0..n).collect());
    let words: Vec<Vec<String>> = cands.iter().map(|c| name_words(c.text(text))).collect();
    let keys: Vec<String> = cands
        .iter()
        .zip(&words)
        .map(|(c, words)| {
            if let Some(code) = &c.country {
                format!("country:{code}")
            } else if let Some(id) = c.geonameid {
                format!("geo:{id}")
            } else if c.kind == EntityType::Person {
                format!("name:{}", words.join(" "))
            } else {
                format!("name:{}", org_key(c.text(text)))
            }
        })
        .collect();
    let mut first_with_key: HashMap<&str, usize> = HashMap::new();
    for (i, key) in keys.iter().enumerate() {
        match first_with_key.get(key.as_str()) {
            Some(&j) => groups.union(j, i),
            None => {
                first_with_key.insert(key, i);
            }
        }
    }
    // Links recorded as the byte start of the candidate they point to.
    let mut starting_at_byte: HashMap<usize, usize> = HashMap::new();
    let mut linked_by_text: HashMap<&str, usize> = HashMap::new();
    for (j, c) in cands.iter().enumerate() {
        starting_at_byte.entry(c.byte_start).or_insert(j);
        if c.refers_to.is_some() {
            linked_by_text.entry(c.text(text)).or_insert(j);
        }
    }
    for (i, c) in cands.iter().enumerate() {
        if let Some(&j) = c.refers_to.and_then(|target| starting_at_byte.get(&target)) {
            groups.union(j, i);
        }
    }
    // An acronym used again without its expansion: "GNA" further down.
    for (i, c) in cands.iter().enumerate() {
        let word = c.text(text);
        if c.refers_to.is_none() && is_acronym(word) {
            if let Some(&j) = linked_by_text.get(word) {
                groups.union(j, i);
            }
        }
    }
    // Surnames after full names, also in a variant spelling: "Akar", "Al-Sarraj", "Kalan".
    // Full names the tagger mistyped count too ("the forces of Khalifa Haftar" as a place), but
    // only the tagger's persons admit a variant spelling.
    let persons: Vec<(usize, &[String])> = (0..n)
        .filter(|&i| matches!(cands[i].kind, EntityType::Person | EntityType::Loc | EntityType::Misc))
        .filter(|&i| cands[i].country.is_none() && cands[i].geonameid.is_none() && !cands[i].nominal)
        .map(|i| (i, words[i].as_slice()))
        .filter(|(_, w)| w.len() > 1)
        // "Universidad de Bengasi" as a place: a place's name is no surname for "Bengasi", and
        // "Gobierno de Gadafi" no full name of a Gadafi.
        .filter(|(i, w)| {
            let c = &cands[*i];
            let lowercase_inside = c.text(text).split_whitespace().skip(1).any(|word| {
                word.chars().next().is_some_and(char::is_lowercase)
                    && !matches!(fold(word).as_str(), "al" | "el" | "bin" | "ibn" | "bint" | "abu" | "ben")
            });
            c.kind == EntityType::Person
                || (w.last().is_none_or(|last| g.country(last).is_none() && g.city(last).is_none())
                    && !lowercase_inside)
        })
        .collect();
    // The full names by surname, and (worked out once per word) by a surname it is a variant of,
    // each in text order: a long article repeats its surnames thousands of times.
    let mut by_surname: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, words) in &persons {
        if let Some(last) = words.last() {
            by_surname.entry(last.as_str()).or_default().push(*i);
        }
    }
    let mut by_variant: HashMap<&str, Vec<usize>> = HashMap::new();
    // A surname alone is the most prominent bearer of it in the article (the one whose full
    // name is written most often, else the first), not the nearest: "Saif al-Islam Gaddafi,
    // Muammar Gaddafi's son" does not make the next "Gaddafi" the son. One per surname.
    let root_of: Vec<usize> = (0..n).map(|i| groups.find(i)).collect();
    let prominent = |list: &[usize]| -> Option<usize> {
        let mut counts: HashMap<usize, (usize, usize)> = HashMap::new();
        for &j in list {
            counts.entry(root_of[j]).or_insert((0, j)).0 += 1;
        }
        counts.into_values().max_by_key(|&(count, first)| (count, std::cmp::Reverse(first))).map(|(_, first)| first)
    };
    let mut bearer_of: HashMap<&str, Option<usize>> = HashMap::new();
    let mut variant_bearer_of: HashMap<&str, Option<usize>> = HashMap::new();
    for i in 0..n {
        let c = &cands[i];
        if c.country.is_some() || c.nominal || c.refers_to.is_some() {
            continue;
        }
        let [single] = &words[i][..] else { continue };
        let exact = *bearer_of
            .entry(single.as_str())
            .or_insert_with(|| by_surname.get(single.as_str()).and_then(|list| prominent(list)));
        let target = exact.or_else(|| {
            // A place the tagger and the gazetteer agree on is no misspelt surname: "Homs" is not
            // "Omar Homsi" (a nisba, "of Homs") written short.
            if c.kind == EntityType::Gpe || (c.kind == EntityType::Loc && c.geonameid.is_some()) {
                return None;
            }
            *variant_bearer_of.entry(single.as_str()).or_insert_with(|| {
                let variants = by_variant.entry(single.as_str()).or_insert_with(|| {
                    persons
                        .iter()
                        .filter(|(j, words)| {
                            cands[*j].kind == EntityType::Person && words.last().is_some_and(|s| variant(s, single))
                        })
                        .map(|(j, _)| *j)
                        .collect()
                });
                prominent(variants)
            })
        });
        if let Some(j) = target {
            groups.union(j, i);
            if cands[j].kind == EntityType::Person {
                cands[i].kind = EntityType::Person;
            }
        }
    }
    // A one-word organisation that ends a longer one: "Accord forces".
    let mut organisations_by_last_word: HashMap<&str, usize> = HashMap::new();
    for (j, c) in cands.iter().enumerate() {
        if c.kind == EntityType::Org && c.end - c.start > 1 {
            if let Some(last) = c.text(text).split_whitespace().last() {
                organisations_by_last_word.entry(last).or_insert(j);
            }
        }
    }
    for i in 0..n {
        if cands[i].kind != EntityType::Org || cands[i].end - cands[i].start != 1 || is_acronym(cands[i].text(text)) {
            continue;
        }
        if let Some(&j) = organisations_by_last_word.get(cands[i].text(text)) {
            groups.union(j, i);
        }
    }

    // Collect the groups in order of first mention.
    let mut index: HashMap<usize, usize> = HashMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut assignment = vec![0; n];
    for (i, slot) in assignment.iter_mut().enumerate() {
        let root = groups.find(i);
        let e = *index.entry(root).or_insert_with(|| {
            members.push(Vec::new());
            members.len() - 1
        });
        members[e].push(i);
        *slot = e;
    }
    (members.iter().map(|m| doc_entity(text, g, cands, m)).collect(), assignment)
}

/// Names of one word after the Arabic article and nothing fuller ("Al Yazira", "Al Qaeda",
/// "Al-Shabab"): the taggers read them as persons, but alone, without a given name anywhere in
/// the article, they name organisations far more often than persons. A person so named ("Al
/// Asad") is named in full in the same article, and the surname then joins the full name.
fn is_article_opened_name(forms: &[String]) -> bool {
    let opens_with_article = |form: &str| {
        let first = form.split(|c: char| c.is_whitespace() || c == '-').next().unwrap_or_default();
        first.chars().next().is_some_and(char::is_uppercase) && matches!(fold(first).as_str(), "al" | "el")
    };
    forms.iter().any(|f| opens_with_article(f)) && forms.iter().all(|f| name_words(f).len() == 1)
}

/// Sums up one group of candidates as an entity of the article.
fn doc_entity(text: &str, g: &Gazetteer, cands: &[Cand], members: &[usize]) -> DocEntity {
    let mut votes: BTreeMap<EntityType, u32> = BTreeMap::new();
    let mut kind_votes: BTreeMap<EntityType, u32> = BTreeMap::new();
    let mut country = None;
    let mut geonameid = None;
    let mut forms: Vec<String> = Vec::new();
    let mut roles: Vec<String> = Vec::new();
    let mut acronyms = Vec::new();
    let mut descriptions = Vec::new();
    for &i in members {
        let c = &cands[i];
        *votes.entry(c.kind).or_default() += c.weight;
        *kind_votes.entry(c.kind).or_default() += 1;
        country = country.or(c.country.clone());
        geonameid = geonameid.or(c.geonameid);
        let form = c.text(text).trim().to_string();
        if c.nominal {
            if !descriptions.contains(&form) {
                descriptions.push(form);
            }
            continue;
        }
        if c.refers_to.is_some() && is_acronym(&form) && !acronyms.contains(&form) {
            acronyms.push(form.clone());
        }
        if !forms.contains(&form) {
            forms.push(form);
        }
        if let Some(role) = &c.role {
            if !roles.contains(role) {
                roles.push(role.clone());
            }
        }
    }
    let mut kind = if country.is_some() {
        EntityType::Gpe
    } else {
        votes.iter().max_by_key(|(k, v)| (**v, std::cmp::Reverse(**k))).map(|(k, _)| *k).unwrap_or(EntityType::Misc)
    };
    if kind == EntityType::Person && is_article_opened_name(&forms) {
        kind = EntityType::Org;
    }
    let name = canonical_name(kind, &forms, country.as_deref(), g, cands, members, text);
    forms.extend(descriptions);
    DocEntity { kind, name, forms, roles, country, geonameid, acronyms, kind_votes, location: None }
}

fn canonical_name(
    kind: EntityType,
    forms: &[String],
    country: Option<&str>,
    g: &Gazetteer,
    cands: &[Cand],
    members: &[usize],
    text: &str,
) -> String {
    if let Some(name) = country.and_then(|code| g.country_name(code)) {
        return name.to_string();
    }
    let count = |form: &str| members.iter().filter(|&&i| cands[i].text(text).trim() == form).count();
    // A form read as another kind is a poor name for the entity: "Mohammed Douma", a person,
    // for the town of Douma; "Gobierno de Bachar Al Asad", a place, for the president.
    let read_as_kind =
        |form: &str| members.iter().any(|&i| cands[i].kind == kind && cands[i].text(text).trim() == form);
    let typed: Vec<&String> = forms.iter().filter(|f| read_as_kind(f)).collect();
    let forms: Vec<&String> = if typed.is_empty() { forms.iter().collect() } else { typed };
    let best = match kind {
        // The fullest name: "Khalid bin Mohammad Al Attiyah" over "Al-Attiyah"; but not a
        // genealogy ("Muamar Mohamed Abd As-Salam Abú Minyar al Gadafi") while a shorter full
        // name is at hand.
        EntityType::Person => forms
            .iter()
            .copied()
            .filter(|f| !crate::resolve::repeats_a_word(f))
            .filter(|f| {
                name_words(f).len() <= crate::resolve::FULLEST_NAME_WORDS
                    || forms.iter().all(|g| name_words(g).len() > crate::resolve::FULLEST_NAME_WORDS)
            })
            .fold(None::<&String>, |best, f| match best {
                Some(b) if name_words(b).len() >= name_words(f).len() => Some(b),
                _ => Some(f),
            })
            .cloned(),
        // The most used name that is neither an acronym nor qualified by a country.
        _ => forms
            .iter()
            .copied()
            .filter(|f| !is_acronym(f))
            .max_by_key(|f| (org_key(f) == name_key(f), f.contains(' '), count(f), f.len()))
            .cloned(),
    };
    best.or_else(|| forms.first().map(|f| (*f).clone())).unwrap_or_default()
}

impl Gazetteer {
    /// The built-in list, built once per process for helpers that need only countries.
    pub(crate) fn built_in_shared() -> &'static Gazetteer {
        static SHARED: std::sync::OnceLock<Gazetteer> = std::sync::OnceLock::new();
        SHARED.get_or_init(Gazetteer::built_in)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_town_is_not_a_variant_of_a_persons_surname() {
        let text = "L'attivista Omar Homsi vive a Homs. Secondo Homsi, a Homs si muore.";
        let (toks, _) = tokens(text);
        let all = |word: &str| -> Vec<usize> {
            toks.iter().enumerate().filter(|(_, t)| t.text == word).map(|(i, _)| i).collect()
        };
        let person = toks.iter().position(|t| t.text == "Omar").unwrap();
        let mut cands = vec![Cand::new(&toks, person, person + 2, EntityType::Person, TAGGER)];
        cands.extend(all("Homsi").into_iter().skip(1).map(|i| Cand::new(&toks, i, i + 1, EntityType::Person, TAGGER)));
        for i in all("Homs") {
            let mut town = Cand::new(&toks, i, i + 1, EntityType::Loc, TAGGER);
            town.geonameid = Some(169577);
            cands.push(town);
        }
        let (entities, _) = group(text, &Gazetteer::default(), &mut cands);
        let forms = |name: &str| entities.iter().find(|e| e.name == name).map(|e| e.forms.clone()).unwrap_or_default();
        assert_eq!(forms("Omar Homsi"), vec!["Omar Homsi".to_string(), "Homsi".to_string()]);
        assert_eq!(forms("Homs"), vec!["Homs".to_string()]);
    }

    #[test]
    fn a_patronymic_names_a_person() {
        let text = "Khalid bin Mohammad Al Attiyah met the Bin Jawad council.";
        let (toks, _) = tokens(text);
        let mut cands =
            vec![Cand::new(&toks, 0, 5, EntityType::Org, TAGGER), Cand::new(&toks, 7, 9, EntityType::Loc, TAGGER)];
        particle_names_are_persons(&toks, text, &Gazetteer::default(), &mut cands);
        assert_eq!(cands[0].kind, EntityType::Person);
        // A capitalised "Bin" opening a name is no patronymic in between.
        assert_eq!(cands[1].kind, EntityType::Loc);
    }

    #[test]
    fn a_name_opening_with_a_given_name_is_a_person() {
        let text = "El régimen de Bashar al Asad y la George Washington University en San Antonio.";
        let (toks, _) = tokens(text);
        let at = |word: &str| toks.iter().position(|t| t.text == word).unwrap();
        let mut cands = vec![
            Cand::new(&toks, at("Bashar"), at("y"), EntityType::Loc, TAGGER),
            Cand::new(&toks, at("George"), at("en"), EntityType::Org, TAGGER),
            Cand::new(&toks, at("San"), at("."), EntityType::Loc, TAGGER),
        ];
        let mut g = Gazetteer::default();
        g.add_given_names_tsv("# word\tpersons\tothers\nbashar\t3\t0\ngeorge\t509\t18\n");
        given_names_open_persons(&toks, text, &g, &mut cands);
        let kinds: Vec<EntityType> = cands.iter().map(|c| c.kind).collect();
        assert_eq!(kinds, [EntityType::Person, EntityType::Org, EntityType::Loc]);
        // In French transliteration too.
        assert!(g.is_given_name("Bachar") && !g.is_given_name("Basora"));
    }

    #[test]
    fn a_country_abbreviation_cut_at_its_dots_is_joined() {
        let text = "Los EE UU y los EE. UU. lo dicen.";
        let (toks, _) = tokens(text);
        let all =
            |word: &str| toks.iter().enumerate().filter(|(_, t)| t.text == word).map(|(i, _)| i).collect::<Vec<_>>();
        // What the tagger gave: each piece an organisation of its own.
        let mut cands: Vec<Cand> = all("EE")
            .into_iter()
            .chain(all("UU"))
            .map(|i| Cand::new(&toks, i, i + 1, EntityType::Org, TAGGER))
            .collect();
        join_country_names(&toks, text, &Gazetteer::built_in(), &mut cands);
        let names: Vec<(&str, Option<&str>)> = cands.iter().map(|c| (c.text(text), c.country.as_deref())).collect();
        assert_eq!(names, [("EE UU", Some("US")), ("EE. UU", Some("US"))]);
    }

    #[test]
    fn an_acronym_the_article_spells_out_is_no_country() {
        let text = "The Royal United Services Institute (RUSI) said so. RUSI added more.";
        let (toks, _) = tokens(text);
        let at = |word: &str| toks.iter().position(|t| t.text == word).unwrap();
        let (first, again) = (at("RUSI"), toks.iter().rposition(|t| t.text == "RUSI").unwrap());
        let mut cands = vec![Cand::new(&toks, at("Royal"), at("("), EntityType::Org, TAGGER)];
        // Both uses typed as Russia by a gazetteer that knows "Rusi".
        for start in [first, again] {
            let mut c = Cand::new(&toks, start, start + 1, EntityType::Gpe, GAZETTEER);
            c.country = Some("RU".into());
            cands.push(c);
        }
        link_acronyms(&toks, text, &mut cands);
        let acronyms: Vec<&Cand> = cands.iter().filter(|c| c.text(text) == "RUSI").collect();
        assert_eq!(acronyms.len(), 2);
        assert!(acronyms.iter().all(|c| c.country.is_none() && c.kind == EntityType::Org));
        assert!(acronyms.iter().any(|c| c.refers_to.is_some()));
    }
}
