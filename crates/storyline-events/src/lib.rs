//! Who did what to whom: actor – action – target events coded to the PLOVER ontology.
//!
//! PLOVER (the successor of CAMEO) sorts political events into sixteen types, from AGREE and
//! CONSULT to COERCE and ASSAULT. [`Coder`] reads a sentence, finds trigger words from a
//! lexicon written from PLOVER's definitions (`lexicon.txt`), and takes the actors before the
//! trigger as the source and those after it as the target ("backed by" and other passive
//! triggers swap the two). Actors come from an [`ActorFinder`]: a country table and capitalised
//! names, or storyline's NER tagger, or (later) resolved entities. Each event keeps its article,
//! sentence, location and date so that it can always be checked against its source.
//!
//! ```
//! use storyline_events::{Coder, PloverType};
//!
//! let coder = Coder::gazetteer();
//! let events = coder.code_sentence("Turkey and Qatar have signed a deal with the Libyan government for military cooperation.");
//! assert_eq!(events[0].event_type, PloverType::Agree);
//! assert_eq!(events[0].actors[0].code.as_deref(), Some("TUR"));
//! assert_eq!(events[0].targets[0].text, "Libyan government");
//! ```
//!
//! Where is what: `lexicon` matches triggers; `actors` finds and codes actors; `gold` reads the
//! PLOVER gold-standard records and measures the coder; `classifier` is a trained alternative
//! for the event type, measured by cross-validation.

pub mod actors;
pub mod cameo;
pub mod classifier;
pub mod gold;
mod lexicon;

pub use actors::{
    actors_from_names, code_of_phrase, country_of, ActorFinder, ActorSpan, FoundName, GazetteerActors, NerActors,
};
pub use classifier::Classifier;
pub use lexicon::{class_in_context, triggers, triggers_in, Trigger, LANGUAGES};

use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use storyline_dates::DateValue;
use storyline_model::Article;

/// The PLOVER event types (2021 manual). Older gold data's DEMAND, DISAPPROVE, INVESTIGATE and
/// FIGHT parse as REQUEST, ACCUSE, ACCUSE and ASSAULT, the types they were merged into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PloverType {
    Agree,
    Consult,
    Support,
    Cooperate,
    Aid,
    Concede,
    Retreat,
    Request,
    Accuse,
    Reject,
    Threaten,
    Protest,
    Mobilize,
    Sanction,
    Coerce,
    Assault,
}

impl PloverType {
    pub const ALL: [PloverType; 16] = [
        PloverType::Agree,
        PloverType::Consult,
        PloverType::Support,
        PloverType::Cooperate,
        PloverType::Aid,
        PloverType::Concede,
        PloverType::Retreat,
        PloverType::Request,
        PloverType::Accuse,
        PloverType::Reject,
        PloverType::Threaten,
        PloverType::Protest,
        PloverType::Mobilize,
        PloverType::Sanction,
        PloverType::Coerce,
        PloverType::Assault,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PloverType::Agree => "AGREE",
            PloverType::Consult => "CONSULT",
            PloverType::Support => "SUPPORT",
            PloverType::Cooperate => "COOPERATE",
            PloverType::Aid => "AID",
            PloverType::Concede => "CONCEDE",
            PloverType::Retreat => "RETREAT",
            PloverType::Request => "REQUEST",
            PloverType::Accuse => "ACCUSE",
            PloverType::Reject => "REJECT",
            PloverType::Threaten => "THREATEN",
            PloverType::Protest => "PROTEST",
            PloverType::Mobilize => "MOBILIZE",
            PloverType::Sanction => "SANCTION",
            PloverType::Coerce => "COERCE",
            PloverType::Assault => "ASSAULT",
        }
    }

    /// Parses a type name, case-insensitively, mapping the pre-2021 names onto their successors.
    pub fn parse(name: &str) -> Option<Self> {
        let upper = name.trim().to_uppercase();
        let name = match upper.as_str() {
            "DEMAND" => "REQUEST",
            "DISAPPROVE" | "INVESTIGATE" => "ACCUSE",
            "FIGHT" => "ASSAULT",
            other => other,
        };
        PloverType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// Parses a label of the 2018 PLOVER draft that the UniversalPetrarch Spanish protest
    /// records (`plover=`) use. Besides the renamings of [`PloverType::parse`]: that draft's
    /// MOBILIZE is mass mobilisation (its records' event words are "se manifestaron", "huelga",
    /// "marcha", "bloqueaban": CAMEO 14x), which today's PLOVER codes PROTEST (today's MOBILIZE
    /// is troops and police, CAMEO 15x); SACTION (sic) is SANCTION; CRIME (looting, arson,
    /// killings, bombings) is ASSAULT, where today's manual puts violent crime.
    pub fn parse_draft(name: &str) -> Option<Self> {
        match name.trim().to_uppercase().as_str() {
            "MOBILIZE" => Some(PloverType::Protest),
            "SACTION" => Some(PloverType::Sanction),
            "CRIME" => Some(PloverType::Assault),
            other => PloverType::parse(other),
        }
    }
}

/// A participant of an event as the sentence names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub text: String,
    /// ISO 3166 alpha-3 (or `IGO`), when the actor's country can be told.
    pub code: Option<String>,
}

/// An event coded from one sentence, before it is tied to an article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentenceEvent {
    pub event_type: PloverType,
    /// The trigger words as written, and their byte range in the sentence.
    pub trigger: String,
    pub trigger_start: usize,
    pub actors: Vec<Actor>,
    pub targets: Vec<Actor>,
    pub location: Option<Actor>,
}

/// An event coded from an article's sentence, with everything needed to find it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodedEvent {
    pub article: String,
    /// Index of the sentence in the article's body (as `storyline_text::sentences` cuts it).
    pub sentence_index: usize,
    /// Byte offset of the sentence in the article's body.
    pub sentence_start: usize,
    pub sentence: String,
    #[serde(flatten)]
    pub event: SentenceEvent,
    /// The date the sentence gives the event (resolved against the publication date), if any.
    pub date: Option<DateValue>,
    /// The date expression it came from ("yesterday"), even when it could not be resolved.
    pub date_text: Option<String>,
}

/// Codes sentences into PLOVER events.
pub struct Coder {
    actors: Box<dyn ActorFinder>,
    /// Decides the type of a trigger sentence when given; else the lexicon's class in context.
    classifier: Option<Classifier>,
}

/// How many words after a trigger its target may be.
const TARGET_WINDOW_WORDS: usize = 9;

impl Coder {
    pub fn new(actors: Box<dyn ActorFinder>) -> Self {
        Coder { actors, classifier: None }
    }

    /// This coder with a trained classifier deciding each event's type (the lexicon still
    /// finds the triggers, and is one of the classifier's features).
    pub fn with_classifier(mut self, classifier: Classifier) -> Self {
        self.classifier = Some(classifier);
        self
    }

    /// Whether a trained classifier decides the types.
    pub fn has_classifier(&self) -> bool {
        self.classifier.is_some()
    }

    /// A coder that finds actors with the country table and capitalised names only.
    pub fn gazetteer() -> Self {
        Coder::new(Box::new(GazetteerActors))
    }

    /// A coder using the NER model at `path`.
    pub fn with_ner_model(path: &Path) -> Result<Self, storyline_ner::NerError> {
        let tagger = storyline_ner::Tagger::load(path)?;
        Ok(Coder::new(Box::new(NerActors { tagger })))
    }

    /// Codes every trigger of the sentence that has an actor or a target. One sentence may
    /// hold several events ("X met Y and signed a deal").
    pub fn code_sentence(&self, sentence: &str) -> Vec<SentenceEvent> {
        self.code_sentence_with(sentence, "en", None)
    }

    /// [`Coder::code_sentence`] for a sentence in `language` (ISO 639-1); languages without a
    /// trigger lexicon ([`LANGUAGES`]) give no events.
    pub fn code_sentence_in(&self, sentence: &str, language: &str) -> Vec<SentenceEvent> {
        self.code_sentence_with(sentence, language, None)
    }

    /// The actors of a sentence: from the names given (offsets into the sentence), else found
    /// by the coder's [`ActorFinder`].
    fn actors_of(&self, sentence: &str, names: Option<&[FoundName]>) -> Vec<ActorSpan> {
        match names {
            Some(names) => actors_from_names(sentence, names),
            None => self.actors.find(sentence),
        }
    }

    fn code_sentence_with(&self, sentence: &str, language: &str, names: Option<&[FoundName]>) -> Vec<SentenceEvent> {
        // The sentence split into words once, for its triggers, their classes and its actors.
        let ws = actors::words(sentence);
        // Finding actors may run the tagger: only worth it where a trigger word is.
        let triggers = lexicon::triggers_in_words(&ws, language);
        if triggers.is_empty() {
            return Vec::new();
        }
        let spans = match names {
            Some(names) => actors::actors_from_names_in(sentence, &ws, names),
            None => self.actors.find(sentence),
        };
        let mut out: Vec<SentenceEvent> = Vec::new();
        let mut covered_to = 0;
        for trigger in triggers {
            // Skip triggers inside a longer one already taken, and inside actor names
            // ("Government of National Accord").
            if trigger.start < covered_to || spans.iter().any(|s| s.start <= trigger.start && trigger.end <= s.end) {
                continue;
            }
            covered_to = trigger.end;
            // Each trigger's event is classified with that trigger as the sentence's main one.
            let decided = self.classifier.as_ref().map(|c| c.predict_at(sentence, language, trigger.start));
            let decided = decided.unwrap_or_else(|| lexicon::class_in_context_of(&ws, &trigger));
            let event = self.assign(sentence, &spans, &trigger, Some(decided));
            if event.actors.is_empty() && event.targets.is_empty() {
                continue;
            }
            if out
                .iter()
                .any(|e| e.event_type == event.event_type && e.actors == event.actors && e.targets == event.targets)
            {
                continue;
            }
            out.push(event);
        }
        out
    }

    /// The single most likely event of a sentence (the earliest, most specific trigger), as the
    /// gold standard codes one event per sentence. `None` when no trigger matches.
    pub fn code_main_event(&self, sentence: &str) -> Option<SentenceEvent> {
        self.code_main_event_with(sentence, None)
    }

    /// [`Coder::code_main_event_with`] for a sentence in `language`. With a classifier, its
    /// type is the classifier's for the whole sentence.
    pub fn code_main_event_in(
        &self,
        sentence: &str,
        language: &str,
        names: Option<&[FoundName]>,
    ) -> Option<SentenceEvent> {
        let triggers = triggers_in(sentence, language);
        if triggers.is_empty() {
            return None;
        }
        let spans = self.actors_of(sentence, names);
        let trigger = triggers.into_iter().find(|t| !spans.iter().any(|s| s.start <= t.start && t.end <= s.end))?;
        let decided = self.classifier.as_ref().map(|c| c.predict_at(sentence, language, trigger.start));
        Some(self.assign(sentence, &spans, &trigger, decided))
    }

    /// [`Coder::code_main_event`] with the sentence's names already found (offsets into it),
    /// as [`Coder::code_article_with_names`] codes the sentences of an article.
    pub fn code_main_event_with(&self, sentence: &str, names: Option<&[FoundName]>) -> Option<SentenceEvent> {
        self.code_main_event_in(sentence, "en", names)
    }

    /// The event of one trigger. Its type is `decided` when given, else the classifier's when
    /// there is one and this is the sentence's first trigger, else the lexicon's in context.
    fn assign(
        &self,
        sentence: &str,
        spans: &[ActorSpan],
        trigger: &Trigger,
        decided: Option<PloverType>,
    ) -> SentenceEvent {
        let event_type = decided.unwrap_or_else(|| lexicon::class_in_context(sentence, trigger));
        let (mut before, mut after) =
            (side_before(sentence, spans, trigger.start), side_after(sentence, spans, trigger.head_end));
        if before.is_empty() && after.len() >= 2 && !trigger.passive {
            // "meetings between A, B and C": the first named act, the last is acted with.
            before = after[..after.len() - 1].to_vec();
            after = after[after.len() - 1..].to_vec();
        }
        let (actors, targets) = if trigger.passive { (after, before) } else { (before, after) };
        let location = location(sentence, spans).or_else(|| {
            targets
                .iter()
                .find(|t| country_of(&t.text).is_some_and(|(_, k)| k == actors::CountryWord::Capital))
                .cloned()
        });
        SentenceEvent {
            event_type,
            trigger: sentence[trigger.start..trigger.end].to_string(),
            trigger_start: trigger.start,
            actors,
            targets,
            location,
        }
    }

    /// Codes every sentence of an article in its language; dates are resolved against its
    /// publication date.
    pub fn code_article(&self, article: &Article) -> Vec<CodedEvent> {
        let anchor = article.publication_day();
        let language = article.language_code();
        self.code_article_with_dates(article, &storyline_dates::resolve(&article.text, anchor, language))
    }

    /// [`Coder::code_article`] with the article's date expressions already resolved (against
    /// its publication date): each event takes the first resolved one in its sentence.
    pub fn code_article_with_dates(
        &self,
        article: &Article,
        dates: &[storyline_dates::DateMention],
    ) -> Vec<CodedEvent> {
        self.code_article_using(article, dates, None)
    }

    /// [`Coder::code_article_with_dates`] with the article's names already found (byte offsets
    /// into its text), e.g. by entity extraction: trigger sentences take their actors from
    /// those names instead of being tagged again.
    pub fn code_article_with_names(
        &self,
        article: &Article,
        dates: &[storyline_dates::DateMention],
        names: &[FoundName],
    ) -> Vec<CodedEvent> {
        self.code_article_using(article, dates, Some(names))
    }

    fn code_article_using(
        &self,
        article: &Article,
        dates: &[storyline_dates::DateMention],
        names: Option<&[FoundName]>,
    ) -> Vec<CodedEvent> {
        let language = article.language_code().unwrap_or("en");
        if !LANGUAGES.contains(&language) {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut in_sentence_names = Vec::new();
        for (index, sentence) in storyline_text::sentences(&article.text).into_iter().enumerate() {
            let end = sentence.start + sentence.text.len();
            let sentence_names =
                names.map(|names| {
                    in_sentence_names.clear();
                    in_sentence_names.extend(names.iter().filter(|n| n.start >= sentence.start && n.end <= end).map(
                        |n| FoundName { start: n.start - sentence.start, end: n.end - sentence.start, misc: n.misc },
                    ));
                    &in_sentence_names[..]
                });
            let events = self.code_sentence_with(sentence.text, language, sentence_names);
            if events.is_empty() {
                continue;
            }
            let in_sentence: Vec<&storyline_dates::DateMention> =
                dates.iter().filter(|m| m.start >= sentence.start && m.end <= end).collect();
            let date_mention = in_sentence.iter().find(|m| m.value.is_some()).or(in_sentence.first()).copied();
            for event in events {
                out.push(CodedEvent {
                    article: article.id.clone(),
                    sentence_index: index,
                    sentence_start: sentence.start,
                    sentence: sentence.text.to_string(),
                    event,
                    date: date_mention.and_then(|m| m.value),
                    date_text: date_mention.map(|m| m.text.clone()),
                });
            }
        }
        out
    }
}

/// The coder the pipeline uses: with the NER model named by `STORYLINE_NER_MODEL` or found at
/// `models/ner.bin`, else with the country table alone. Built once per process.
pub fn default_coder() -> &'static Coder {
    static CODER: OnceLock<Coder> = OnceLock::new();
    CODER.get_or_init(|| {
        let path = std::env::var_os("STORYLINE_NER_MODEL")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| Path::new("models/ner.bin").to_path_buf());
        if path.is_file() {
            match Coder::with_ner_model(&path) {
                Ok(coder) => return coder,
                Err(e) => {
                    eprintln!("warning: cannot load the NER model {}: {e}; coding events without it", path.display())
                }
            }
        }
        Coder::gazetteer()
    })
}

/// Words between actors of one coordinated group ("Turkey, Qatar and the Libyan government",
/// "Akar, his Qatari counterpart Al-Attiyah").
const GLUE: &[&str] = &[
    "and",
    "the",
    "as",
    "well",
    "his",
    "her",
    "their",
    "counterpart",
    "also",
    "&",
    "or", // English
    "y",
    "el",
    "la",
    "los",
    "las",
    "su",
    "sus",
    "homólogo", // Spanish
];
/// Words that make the next name a place, not a participant.
const PLACE_PREPOSITIONS: &[&str] =
    &["in", "at", "of", "near", "outside", "from", "across", "within", "en", "de", "desde", "cerca", "hacia"];
const RELATIVE_PRONOUNS: &[&str] = &["which", "who", "whose", "whom", "quien", "quienes", "cual", "cuales"];

fn is_glue(gap: &str) -> bool {
    gap.split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .all(|w| GLUE.contains(&w.to_lowercase().as_str()))
}

fn last_word(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric()).rev().find(|w| !w.is_empty()).unwrap_or("").to_lowercase()
}

/// Whether the span is a place named as where something happened ("in Tripoli", "city of
/// Tobruk") rather than as a participant.
fn is_place_mention(sentence: &str, span: &ActorSpan) -> bool {
    let before = last_word(&sentence[..span.start]);
    let kind = country_of(&span.text).map(|(_, k)| k);
    if matches!(before.as_str(), "of" | "from" | "de" | "desde") {
        // "the city of Tobruk" is a place; "the forces of Haftar" is a participant.
        return kind == Some(actors::CountryWord::Capital);
    }
    PLACE_PREPOSITIONS.contains(&before.as_str()) && kind != Some(actors::CountryWord::Adjective)
}

fn inside_parentheses(sentence: &str, at: usize) -> bool {
    let before = &sentence[..at];
    before.rfind('(').is_some_and(|open| before.rfind(')').is_none_or(|close| close < open))
}

fn to_actor(span: &ActorSpan) -> Actor {
    Actor { text: span.text.clone(), code: span.code.clone() }
}

/// The group of actors just before `at`: the nearest participant, and those coordinated with it.
/// A relative pronoun in between ("X, whose government is supported by") points back past it.
fn side_before(sentence: &str, spans: &[ActorSpan], at: usize) -> Vec<Actor> {
    let trigger_in_parens = inside_parentheses(sentence, at);
    let candidates: Vec<&ActorSpan> = spans
        .iter()
        .filter(|s| s.end <= at && !is_place_mention(sentence, s))
        .filter(|s| trigger_in_parens || !inside_parentheses(sentence, s.start))
        .collect();
    let mut limit = at;
    // With a relative pronoun before the trigger and no participant after it, the pronoun's
    // antecedent (the participant before it) is the one meant.
    if let Some(pronoun_at) = relative_pronoun_before(sentence, at) {
        if !candidates.iter().any(|s| s.start >= pronoun_at) {
            limit = pronoun_at;
        }
    }
    let mut group: Vec<&ActorSpan> = Vec::new();
    for span in candidates.iter().rev().filter(|s| s.end <= limit) {
        match group.last() {
            None => group.push(span),
            Some(next) if is_glue(&sentence[span.end..next.start]) => group.push(span),
            Some(_) => break,
        }
    }
    group.reverse();
    merge_counterparts(sentence, group)
}

fn relative_pronoun_before(sentence: &str, at: usize) -> Option<usize> {
    let ws = actors::words(&sentence[..at]);
    ws.iter().rev().find(|w| RELATIVE_PRONOUNS.contains(&w.text.to_lowercase().as_str())).map(|w| w.start)
}

/// The group of actors just after `at`, within a few words.
fn side_after(sentence: &str, spans: &[ActorSpan], at: usize) -> Vec<Actor> {
    let mut group: Vec<&ActorSpan> = Vec::new();
    for span in spans.iter().filter(|s| s.start >= at) {
        match group.last() {
            None => {
                if actors::words(&sentence[at..span.start]).len() > TARGET_WINDOW_WORDS {
                    break;
                }
                if is_place_mention(sentence, span) {
                    continue;
                }
                group.push(span);
            }
            Some(prev) if is_glue(&sentence[prev.end..span.start]) => group.push(span),
            Some(_) => break,
        }
    }
    merge_counterparts(sentence, group)
}

/// "his Qatari counterpart Mohammad Al-Attiyah" is one actor: a lone nationality adjective
/// followed by "counterpart" and a name gives its code to the name.
fn merge_counterparts(sentence: &str, group: Vec<&ActorSpan>) -> Vec<Actor> {
    let mut out: Vec<Actor> = Vec::new();
    let mut pending_code: Option<String> = None;
    for (i, span) in group.iter().enumerate() {
        let next_gap = group.get(i + 1).map(|n| sentence[span.end..n.start].to_lowercase());
        let is_adjective = country_of(&span.text).is_some_and(|(_, k)| k == actors::CountryWord::Adjective)
            || span.text.ends_with(" counterpart");
        let counterpart =
            span.text.ends_with(" counterpart") || next_gap.as_deref().is_some_and(|g| g.contains("counterpart"));
        if is_adjective && counterpart && next_gap.is_some() {
            pending_code = span.code.clone();
            continue;
        }
        let mut actor = to_actor(span);
        if actor.code.is_none() {
            actor.code = pending_code.take();
        }
        pending_code = None;
        out.push(actor);
    }
    out
}

/// Where the sentence says it happened: the first capital or country named after "in"/"at".
fn location(sentence: &str, spans: &[ActorSpan]) -> Option<Actor> {
    spans
        .iter()
        .find(|s| {
            let before = last_word(&sentence[..s.start]);
            matches!(before.as_str(), "in" | "at" | "en")
                && country_of(&s.text).is_some_and(|(_, k)| k != actors::CountryWord::Adjective)
        })
        .map(to_actor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(actors: &[Actor]) -> Vec<&str> {
        actors.iter().map(|a| a.text.as_str()).collect()
    }

    #[test]
    fn passive_triggers_swap_actor_and_target() {
        let coder = Coder::gazetteer();
        let s = "The war, in which Haftar has also been backed by regional states such as France, Russia, Egypt, the United Arab Emirates, Saudi Arabia, as well as mercenaries.";
        let events = coder.code_sentence(s);
        let support = events.iter().find(|e| e.event_type == PloverType::Support).unwrap();
        assert_eq!(texts(&support.targets), ["Haftar"]);
        assert_eq!(texts(&support.actors), ["France", "Russia", "Egypt", "United Arab Emirates", "Saudi Arabia"]);
    }

    #[test]
    fn visits_code_consult_with_place() {
        let coder = Coder::gazetteer();
        let s = "On the same day, Tripoli was also visited by German Foreign Minister Heiko Maas who made an unannounced arrival.";
        let event = coder.code_main_event(s).unwrap();
        assert_eq!(event.event_type, PloverType::Consult);
        assert_eq!(texts(&event.actors), ["German Foreign Minister Heiko Maas"]);
        assert_eq!(event.actors[0].code.as_deref(), Some("DEU"));
        assert_eq!(event.location.unwrap().text, "Tripoli");
    }

    #[test]
    fn relative_pronoun_points_to_its_antecedent() {
        let coder = Coder::gazetteer();
        let s = "Currently, the reconciliation government is gathering its forces in the vicinity of Sirte, in preparation for storming it and launching towards the strongholds of Haftar's forces in the east, which are receiving support from the UAE, Egypt, Saudi Arabia and Russia.";
        let events = coder.code_sentence(s);
        let support = events.iter().find(|e| e.event_type == PloverType::Support).unwrap();
        assert_eq!(texts(&support.actors), ["UAE", "Egypt", "Saudi Arabia", "Russia"]);
        assert_eq!(support.targets[0].text, "Haftar's forces");
    }

    #[test]
    fn spanish_sentences_are_coded_with_spanish_triggers_and_country_names() {
        let coder = Coder::gazetteer();
        let s = "El Gobierno de Venezuela condenó el viernes el ataque de la guerrilla contra Colombia.";
        let events = coder.code_sentence_in(s, "es");
        let accuse = events.iter().find(|e| e.event_type == PloverType::Accuse).expect("an ACCUSE event");
        assert_eq!(accuse.actors[0].code.as_deref(), Some("VEN"));
        let s = "Miles de estudiantes se manifestaron en Bogotá contra el presidente Andrés Pastrana.";
        let event = coder.code_main_event_in(s, "es", None).expect("a trigger");
        assert_eq!(event.event_type, PloverType::Protest);
        assert_eq!(event.location.map(|l| l.code), Some(Some("COL".to_string())));
        assert_eq!(texts(&event.targets), ["Andrés Pastrana"]);
        // Spanish function words are no names, but the capitals of one are ("UN").
        let un = coder.code_main_event("The UN condemned the attack.").expect("a trigger");
        assert_eq!(texts(&un.actors), ["UN"]);
        // English triggers mean nothing in Spanish, and languages without a lexicon give nothing.
        assert!(coder.code_sentence_in(s, "fr").is_empty());
    }

    #[test]
    fn legacy_type_names_parse() {
        assert_eq!(PloverType::parse("DEMAND"), Some(PloverType::Request));
        assert_eq!(PloverType::parse("fight"), Some(PloverType::Assault));
        assert_eq!(PloverType::parse("DOCUMENT"), None);
    }
}
