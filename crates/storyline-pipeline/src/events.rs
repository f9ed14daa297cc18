//! Coded events and resolved dates for each new article: computed in the parallel prepare step,
//! stored with the article.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Result;
use storyline_dates::{DateMention, DateValue};
use storyline_entities::Extraction;
use storyline_events::{Actor, Classifier, CodedEvent, Coder, FoundName};
use storyline_model::{Article, EntityType};
use storyline_store::{Batch, NewCodedEvent, NewDateMention};

use crate::loaded::LoadOnce;

/// What event coding found in one article.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct ArticleEvents {
    pub events: Vec<CodedEvent>,
    pub dates: Vec<DateMention>,
}

/// Where a trained event-type classifier is looked for, under the models folder. Set-up does not
/// write one: across gold files it is not better than the lexicons (docs/EVALUATION.md).
pub const CLASSIFIER_FILE: &str = "events-classifier.json";

/// The event coder of `models`, built once per process and models folder: the lexicon finds
/// triggers, and the classifier at MODELS/[`CLASSIFIER_FILE`] (written by the user from the gold
/// files, `storyline eval events --matrix --save-model`) decides their types when it is there.
pub fn coder(models: &Path) -> Arc<Coder> {
    static LOADED: LoadOnce<PathBuf, Arc<Coder>> = LoadOnce::new();
    LOADED.get(models.to_path_buf(), || {
        let coder = lexicon_coder(models);
        Arc::new(match load_classifier(models) {
            Some(classifier) => coder.with_classifier(classifier),
            None => coder,
        })
    })
}

/// The trained classifier of `models`, if one is there and reads.
pub fn load_classifier(models: &Path) -> Option<Classifier> {
    let path = models.join(CLASSIFIER_FILE);
    let bytes = std::fs::read(&path).ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(classifier) => Some(classifier),
        Err(error) => {
            eprintln!("note: event types from the lexicon alone: {} does not read: {error}", path.display());
            None
        }
    }
}

/// A coder whose types are the lexicon's (no classifier). Where entity extraction loads, its
/// names give the actors ([`code`]), so the coder itself needs only the country table and
/// capitalised names; else it tags with the NER model (ner.bin) when there is one.
pub fn lexicon_coder(models: &Path) -> Coder {
    if crate::entities::load_extractor(models).is_some() {
        return Coder::gazetteer();
    }
    let path = models.join("ner.bin");
    match path.is_file().then(|| Coder::with_ner_model(&path)) {
        Some(Ok(coder)) => coder,
        Some(Err(error)) => {
            eprintln!("note: event actors without the NER model: {error}");
            Coder::gazetteer()
        }
        None => Coder::gazetteer(),
    }
}

/// Codes an article's events and resolves its date expressions against its publication date,
/// or against the date its text states when its metadata has none. With the article's
/// extracted entities, event actors come from their mentions (the tagger has already read
/// the article); without, the coder finds them itself.
pub fn code(coder: &Coder, article: &Article, entities: Option<&Extraction>) -> ArticleEvents {
    let language = article.language_code();
    // A copy of the article only where the publication date is inferred from its text.
    let mut dated = std::borrow::Cow::Borrowed(article);
    // Without a publication date, the expressions resolved without an anchor are what the
    // inference reads, and what is stored when it infers nothing: resolve them once.
    let mut unanchored = None;
    if dated.published.is_none() {
        let mentions = storyline_dates::resolve(&article.text, None, language);
        match storyline_dates::infer_publication_date_from(&article.text, &mentions) {
            Some(inferred) => dated.to_mut().published = inferred.date.and_hms_opt(0, 0, 0).map(|d| d.and_utc()),
            None => unanchored = Some(mentions),
        }
    }
    let anchor = dated.publication_day();
    let dates = unanchored.unwrap_or_else(|| storyline_dates::resolve(&article.text, anchor, language));
    let events = match entities {
        // Mentions point into the full text (title, blank line, body); events into the body.
        Some(found) => coder.code_article_with_names(&dated, &dates, &found_names(found, article.body_offset())),
        None => coder.code_article_with_dates(&dated, &dates),
    };
    ArticleEvents { events, dates }
}

/// The names entity extraction found from byte `start` of its text on, as offsets from there.
pub fn found_names(found: &Extraction, start: usize) -> Vec<FoundName> {
    found
        .mentions
        .iter()
        .filter(|m| m.byte_start >= start)
        .map(|m| FoundName { start: m.byte_start - start, end: m.byte_end - start, misc: m.kind == EntityType::Misc })
        .collect()
}

fn stored(actor: &Actor) -> storyline_store::StoredActor {
    storyline_store::StoredActor { text: actor.text.clone(), code: actor.code.clone() }
}

fn date_columns(value: Option<DateValue>) -> Option<(String, String, String)> {
    value.map(|v| {
        (v.start.format("%Y-%m-%d").to_string(), v.end.format("%Y-%m-%d").to_string(), v.granularity.as_str().into())
    })
}

pub fn store_events(batch: &Batch, found: &ArticleEvents) -> Result<()> {
    let events: Vec<NewCodedEvent> = found
        .events
        .iter()
        .map(|e| NewCodedEvent {
            article: &e.article,
            sentence_index: e.sentence_index,
            sentence_start: e.sentence_start,
            event_type: e.event.event_type.as_str(),
            trigger: &e.event.trigger,
            actors: e.event.actors.iter().map(stored).collect(),
            targets: e.event.targets.iter().map(stored).collect(),
            location: e.event.location.as_ref().map(stored),
            date: date_columns(e.date),
            date_text: e.date_text.as_deref(),
        })
        .collect();
    Ok(batch.insert_coded_events(&events)?)
}

/// Stores the article's date expressions and, when it has no publication date, the earliest
/// date it can have been published: the latest absolute date its text mentions. That orders
/// undated events on a timeline without guessing their dates.
pub fn store_dates(batch: &Batch, article: &Article, found: &ArticleEvents) -> Result<()> {
    if article.published.is_none() {
        let latest = found.dates.iter().filter(|m| !m.relative).filter_map(|m| m.value).map(|v| v.start).max();
        if let Some(day) = latest.and_then(|d| d.and_hms_opt(0, 0, 0)) {
            batch.set_not_before(&article.id, day.and_utc())?;
        }
    }
    let mentions: Vec<NewDateMention> = found
        .dates
        .iter()
        .map(|m| NewDateMention {
            article: &article.id,
            text: &m.text,
            start: m.start,
            end: m.end,
            relative: m.relative,
            date: date_columns(m.value),
        })
        .collect();
    Ok(batch.insert_date_mentions(&mentions)?)
}
