//! Direct quotes and their speakers.
//!
//! Quotes are found by their marks (“…”, "…", «…», „…“); a quote left open at the end of a
//! paragraph ends there, as news does with quotes running over paragraphs. The speaker is read
//! from the patterns news uses, nearest first:
//! - after the quote: `"…," Akar said`, `"…," he added`, `"…," said the Turkish minister`,
//!   `"…," he was cited as saying`;
//! - before it: `Akar stated that, "…"`, `Al-Sarraj said: "…"`, `Maas said that … the "deceptive
//!   calm"` (a quoted phrase inside reported speech), `The German foreign minister warned of a
//!   "…"`;
//! - a pronoun ("he") is the person named earlier in the same sentence, else the last speaker;
//! - a description ("the Turkish minister") is the person of the article whose role fits it
//!   best ("Turkish Defence Minister Hulusi Akar").

use std::collections::HashMap;

use crate::extract::{Grouped, Tok};
use crate::gazetteer::Gazetteer;
use crate::normalize::{fold, variant};
use crate::words;
use crate::DocQuote;
use storyline_model::EntityType;

/// A quote by its marks: the byte range inside them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QuoteSpan {
    pub open: usize,
    pub start: usize,
    pub end: usize,
    pub close: usize,
}

/// Finds quoted passages in `text`.
pub(crate) fn quote_spans(text: &str) -> Vec<QuoteSpan> {
    let mut spans = Vec::new();
    let mut open: Option<(usize, char)> = None;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        let next = chars.get(k + 1).map(|&(_, c)| c);
        let prev = if k > 0 { Some(chars[k - 1].1) } else { None };
        if c == '\n' {
            // A quote still open at the end of its paragraph ends there.
            if let Some((at, mark)) = open.take() {
                let start = at + mark.len_utf8();
                if text[start..i].trim().len() > 1 {
                    spans.push(QuoteSpan { open: at, start, end: i, close: i });
                }
            }
            continue;
        }
        match open {
            None => {
                let opens = match c {
                    '\u{201C}' | '\u{00AB}' | '\u{201E}' => true,
                    // A straight quote opens before a word, not after one.
                    '"' => next.is_some_and(|n| !n.is_whitespace()) && prev.is_none_or(|p| !p.is_alphanumeric()),
                    _ => false,
                };
                if opens {
                    open = Some((i, c));
                }
            }
            Some((at, mark)) => {
                let closes = match mark {
                    '\u{201C}' => c == '\u{201D}',
                    '\u{00AB}' => c == '\u{00BB}',
                    '\u{201E}' => c == '\u{201C}' || c == '\u{201D}',
                    _ => c == '"',
                };
                if closes {
                    spans.push(QuoteSpan { open: at, start: at + mark.len_utf8(), end: i, close: i + c.len_utf8() });
                    open = None;
                }
            }
        }
    }
    if let Some((at, mark)) = open {
        let start = at + mark.len_utf8();
        if text[start..].trim().len() > 1 {
            spans.push(QuoteSpan { open: at, start, end: text.len(), close: text.len() });
        }
    }
    spans
}

/// How many tokens before a quote its speech verb may stand ("Akar told reporters on Monday
/// after the meeting in Ankara with his counterpart that …" is 15). A bound, so that a sentence
/// of many quotes is not searched back to its start for each of them.
const MAX_VERB_DISTANCE: usize = 100;

/// Someone who speaks: an entity of the article, and how the text names them there.
#[derive(Debug, Clone)]
struct Speaker {
    entity: usize,
    text: String,
}

struct Context<'a> {
    text: &'a str,
    toks: &'a [Tok],
    grouped: &'a Grouped,
    gazetteer: &'a Gazetteer,
    quotes: &'a [QuoteSpan],
    /// Who spoke where, in text order: (byte offset, entity).
    events: Vec<(usize, usize)>,
    /// The first mention (not a description) that starts, and that ends, at each token: looked
    /// up for every speech verb and quote, so a long article must not scan all mentions each time.
    starting_at: HashMap<usize, usize>,
    ending_at: HashMap<usize, usize>,
    /// See [`Context::people_before`].
    person_before: Vec<Option<usize>>,
}

fn is_punctuation(t: &Tok) -> bool {
    t.text.chars().all(|c| !c.is_alphanumeric())
}

impl Context<'_> {
    /// Quotes are in text order and do not overlap, so the one that may hold `byte` is the last
    /// that starts at or before it.
    fn inside_quote(&self, byte: usize) -> bool {
        let before = self.quotes.partition_point(|q| q.start <= byte);
        before > 0 && byte < self.quotes[before - 1].end
    }

    /// The first token starting at or after `byte`.
    fn token_at(&self, byte: usize) -> usize {
        self.toks.partition_point(|t| t.start < byte)
    }

    fn entity_of(&self, cand: usize) -> usize {
        self.grouped.assignment[cand]
    }

    /// A mention ending with token `p`, of a kind that can speak.
    fn mention_ending_at(&self, p: usize) -> Option<Speaker> {
        let i = *self.ending_at.get(&(p + 1))?;
        let entity = self.entity_of(i);
        (self.grouped.entities[entity].kind != EntityType::Misc).then(|| Speaker {
            entity,
            text: self.text[self.grouped.cands[i].byte_start..self.grouped.cands[i].byte_end].to_string(),
        })
    }

    fn mention_starting_at(&self, p: usize) -> Option<Speaker> {
        let i = *self.starting_at.get(&p)?;
        let entity = self.entity_of(i);
        (self.grouped.entities[entity].kind != EntityType::Misc).then(|| Speaker {
            entity,
            text: self.text[self.grouped.cands[i].byte_start..self.grouped.cands[i].byte_end].to_string(),
        })
    }

    /// "he" at token `p`: a person named earlier in the sentence (outside quotes), else the
    /// last speaker, else the last person named.
    fn pronoun(&self, p: usize) -> Option<Speaker> {
        let t = &self.toks[p];
        let cands = &self.grouped.cands;
        let is_person = |i: &usize| {
            let c = &cands[*i];
            c.byte_end <= t.start
                && !c.nominal
                && !self.inside_quote(c.byte_start)
                && self.grouped.entities[self.entity_of(*i)].kind == EntityType::Person
        };
        // Mentions are in text order, so the last person before the pronoun is either in its
        // sentence or the last person named at all.
        let last_person = (0..cands.partition_point(|c| c.byte_start < t.start)).rev().find(is_person);
        let in_sentence = last_person.filter(|&i| self.toks[cands[i].start].sentence == t.sentence);
        let last_speaker = || {
            let before = self.events.partition_point(|(at, _)| *at < t.start);
            before.checked_sub(1).map(|k| self.events[k].1)
        };
        let entity = match in_sentence {
            Some(i) => Some(self.entity_of(i)),
            None => last_speaker().or_else(|| last_person.map(|i| self.entity_of(i))),
        };
        entity.map(|entity| Speaker { entity, text: t.text.clone() })
    }

    /// "the Turkish minister" ending at token `p`: the person whose roles fit it best.
    fn description_ending_at(&self, p: usize) -> Option<Speaker> {
        let mut first = p + 1;
        while first > 0 {
            let t = &self.toks[first - 1];
            let fits = !matches!(t.lower.as_str(), "the" | "a")
                && (words::PERSON_TITLES.contains(&t.lower)
                    || words::ROLE_WORDS.contains(&t.lower)
                    || self.gazetteer.adjective(&t.text).is_some());
            if !fits || (first <= p && self.toks[first - 1].sentence != self.toks[p].sentence) {
                break;
            }
            first -= 1;
        }
        if first > p || !words::PERSON_TITLES.contains(&self.toks[p].lower) {
            return None;
        }
        let determiner = first > 0 && matches!(self.toks[first - 1].lower.as_str(), "the" | "a");
        if !determiner {
            return None;
        }
        let words: Vec<&str> = self.toks[first..=p].iter().map(|t| t.lower.as_str()).collect();
        let entity = self.best_role_match(&words, self.toks[p].start)?;
        Some(Speaker { entity, text: self.text[self.toks[first - 1].start..self.toks[p].end].to_string() })
    }

    /// The person whose role shares most words with `words` (its title word included, no
    /// other country), the one named last before `before` on ties.
    fn best_role_match(&self, words: &[&str], before: usize) -> Option<usize> {
        let head = *words.last()?;
        let adjectives: Vec<&str> = words.iter().copied().filter_map(|w| self.gazetteer.adjective(w)).collect();
        let mut best: Option<(usize, usize, usize)> = None; // (score, last mention, entity)
        for (e, entity) in self.grouped.entities.iter().enumerate() {
            if entity.kind != EntityType::Person || entity.roles.is_empty() {
                continue;
            }
            let role_words: Vec<String> =
                entity.roles.iter().flat_map(|r| r.split_whitespace().map(fold).collect::<Vec<_>>()).collect();
            if !role_words.iter().any(|w| w == head) {
                continue;
            }
            let role_countries: Vec<&str> = role_words.iter().filter_map(|w| self.gazetteer.adjective(w)).collect();
            if adjectives.iter().any(|a| !role_countries.is_empty() && !role_countries.contains(a)) {
                continue;
            }
            let score = words.iter().filter(|w| role_words.iter().any(|r| variant(r, w))).count();
            let last = self
                .grouped
                .cands
                .iter()
                .zip(&self.grouped.assignment)
                .filter(|(c, &a)| a == e && c.byte_start < before)
                .map(|(c, _)| c.byte_start + 1)
                .max()
                .unwrap_or(0);
            if best.is_none_or(|(s, l, _)| (score, last) > (s, l)) {
                best = Some((score, last, e));
            }
        }
        best.map(|(_, _, e)| e)
    }

    /// Who speaks in "X said" for the speech verb at token `v`.
    fn subject_before(&self, v: usize) -> Option<Speaker> {
        let mut p = v;
        // "was cited as saying", "has also said".
        while p > 0 {
            let lower = self.toks[p - 1].lower.as_str();
            if matches!(
                lower,
                "was"
                    | "is"
                    | "has"
                    | "had"
                    | "have"
                    | "also"
                    | "then"
                    | "later"
                    | "further"
                    | "cited"
                    | "as"
                    | "quoted"
                    | "reportedly"
            ) && self.toks[p - 1].sentence == self.toks[v].sentence
            {
                p -= 1;
            } else {
                break;
            }
        }
        if p == 0 || self.toks[p - 1].sentence != self.toks[v].sentence {
            return None;
        }
        let s = p - 1;
        if words::PRONOUNS.contains(&self.toks[s].lower) {
            return self.pronoun(s);
        }
        self.mention_ending_at(s).or_else(|| self.description_ending_at(s))
    }

    /// Who speaks in "said X" after the speech verb at token `v`.
    fn subject_after(&self, v: usize) -> Option<Speaker> {
        let p = v + 1;
        if p >= self.toks.len() || self.toks[p].sentence != self.toks[v].sentence {
            return None;
        }
        if words::PRONOUNS.contains(&self.toks[p].lower) {
            return self.pronoun(p);
        }
        if let Some(s) = self.mention_starting_at(p) {
            return Some(s);
        }
        // "said the Turkish minister after the meeting": the description ends at its last title.
        let mut end = p + 1;
        let mut last_title = None;
        while end < self.toks.len() && self.toks[end].sentence == self.toks[v].sentence {
            let t = &self.toks[end];
            if words::PERSON_TITLES.contains(&t.lower) {
                last_title = Some(end);
            } else if !(words::ROLE_WORDS.contains(&t.lower) || self.gazetteer.adjective(&t.text).is_some()) {
                break;
            }
            end += 1;
        }
        last_title.and_then(|e| self.description_ending_at(e))
    }

    /// The nearest person or pronoun before token `v` in its sentence, outside quotes.
    fn nearest_person_before(&self, v: usize) -> Option<Speaker> {
        let p = self.person_before[v]?;
        if words::PRONOUNS.contains(&self.toks[p].lower) {
            return self.pronoun(p);
        }
        self.mention_ending_at(p)
    }

    /// A pronoun, or the end of a person's name, outside quotes.
    fn names_a_person(&self, p: usize) -> bool {
        !self.inside_quote(self.toks[p].start)
            && (words::PRONOUNS.contains(&self.toks[p].lower)
                || self
                    .mention_ending_at(p)
                    .is_some_and(|s| self.grouped.entities[s.entity].kind == EntityType::Person))
    }

    /// For each token, the nearest token before it in its sentence that [`Self::names_a_person`]:
    /// worked out once, as a sentence may be long and hold many quotes.
    fn people_before(&self) -> Vec<Option<usize>> {
        let mut nearest = None;
        (0..self.toks.len())
            .map(|p| {
                if p > 0 && self.toks[p].sentence != self.toks[p - 1].sentence {
                    nearest = None;
                }
                let before = nearest;
                if self.names_a_person(p) {
                    nearest = Some(p);
                }
                before
            })
            .collect()
    }

    fn is_speech_verb(&self, p: usize) -> bool {
        words::SPEECH_VERBS.contains(&self.toks[p].lower)
    }

    /// The speaker of `q`, with the verb that names them.
    fn speaker(&self, q: &QuoteSpan) -> Option<(Speaker, String)> {
        // After the quote: skip its closing punctuation.
        let mut t = self.token_at(q.close);
        while t < self.toks.len() && is_punctuation(&self.toks[t]) && t - self.token_at(q.close) < 3 {
            t += 1;
        }
        let close_sentence = self.toks.get(self.token_at(q.close).saturating_sub(1)).map(|t| t.sentence);
        if t < self.toks.len() && Some(self.toks[t].sentence) == close_sentence.or(Some(self.toks[t].sentence)) {
            if self.is_speech_verb(t) {
                if let Some(s) = self.subject_after(t) {
                    return Some((s, self.toks[t].text.clone()));
                }
            }
            // "Akar said", "he added", "he was cited as saying": a verb within a few words.
            for v in t + 1..(t + 5).min(self.toks.len()) {
                if self.toks[v].sentence != self.toks[t].sentence || self.inside_quote(self.toks[v].start) {
                    break;
                }
                if self.is_speech_verb(v) {
                    if let Some(s) = self.subject_before(v) {
                        return Some((s, self.toks[v].text.clone()));
                    }
                    break;
                }
            }
        }
        // Before the quote, in its sentence: the nearest speech verb outside quotes.
        let open = self.token_at(q.open);
        if open >= self.toks.len() {
            return None;
        }
        let sentence = self.toks[open].sentence;
        let mut v = open;
        while v > 0 && self.toks[v - 1].sentence == sentence && open - v < MAX_VERB_DISTANCE {
            v -= 1;
            if self.inside_quote(self.toks[v].start) || !self.is_speech_verb(v) {
                continue;
            }
            let verb = self.toks[v].text.clone();
            if let Some(s) = self.subject_before(v).or_else(|| self.nearest_person_before(v)) {
                return Some((s, verb));
            }
        }
        None
    }
}

/// The quotes of an article with their speakers, as entities of the article.
pub(crate) fn find_quotes(text: &str, toks: &[Tok], grouped: &Grouped, gazetteer: &Gazetteer) -> Vec<DocQuote> {
    let spans: Vec<QuoteSpan> =
        quote_spans(text).into_iter().filter(|q| text[q.start..q.end].split_whitespace().count() >= 2).collect();
    let mut starting_at = HashMap::new();
    let mut ending_at = HashMap::new();
    for (i, c) in grouped.cands.iter().enumerate().filter(|(_, c)| !c.nominal) {
        starting_at.entry(c.start).or_insert(i);
        ending_at.entry(c.end).or_insert(i);
    }
    let mut cx = Context {
        text,
        toks,
        grouped,
        gazetteer,
        quotes: &spans,
        events: Vec::new(),
        starting_at,
        ending_at,
        person_before: Vec::new(),
    };
    cx.person_before = cx.people_before();
    // Everyone who speaks outside quotes, in order, so that "he added" finds the last speaker.
    for v in 0..toks.len() {
        if cx.is_speech_verb(v) && !cx.inside_quote(toks[v].start) {
            if let Some(s) = cx.subject_before(v) {
                cx.events.push((toks[v].start, s.entity));
            }
        }
    }
    let mut quotes = Vec::new();
    for q in &spans {
        let found = cx.speaker(q);
        if let Some((s, _)) = &found {
            // A quote's speaker is the last speaker for what follows it.
            let at = q.close;
            let pos = cx.events.partition_point(|(b, _)| *b <= at);
            cx.events.insert(pos, (at, s.entity));
        }
        let inner = &text[q.start..q.end];
        let lead = inner.len() - inner.trim_start().len();
        let trimmed = inner.trim();
        let sentence = toks.get(cx.token_at(q.start).min(toks.len().saturating_sub(1))).map_or(0, |t| t.sentence);
        quotes.push(DocQuote {
            text: trimmed.to_string(),
            byte_start: q.start + lead,
            byte_end: q.start + lead + trimmed.len(),
            sentence,
            speaker: found.as_ref().map(|(s, _)| s.entity),
            speaker_text: found.as_ref().map(|(s, _)| s.text.clone()),
            cue: found.map(|(_, verb)| verb),
        });
    }
    quotes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_quotes_of_every_style() {
        let text = "He said “one two” and \"three four\" and «cinq six» and „sieben acht“.";
        let found: Vec<&str> = quote_spans(text).iter().map(|q| &text[q.start..q.end]).collect();
        assert_eq!(found, ["one two", "three four", "cinq six", "sieben acht"]);
    }

    #[test]
    fn an_open_quote_ends_with_its_paragraph() {
        let text = "“First part of it.\n“Second part,” he said.";
        let found: Vec<&str> = quote_spans(text).iter().map(|q| &text[q.start..q.end]).collect();
        assert_eq!(found, ["First part of it.", "Second part,"]);
    }
}
