//! The PLOVER gold-standard records (`PLOVER_GSR_CAMEO.txt`) and measuring the coder on them.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::classifier::cross_validate;
use crate::{Actor, Coder, FoundName, PloverType};

#[derive(Debug, thiserror::Error)]
pub enum GoldError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path} is not a JSON array of PLOVER records: {detail}")]
    Format { path: String, detail: String },
}

/// One gold sentence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoldRecord {
    pub id: String,
    pub text: String,
    pub event_type: PloverType,
    /// The type name as the file writes it (DEMAND, FIGHT, … before the 2021 merge).
    pub original_type: String,
    pub sources: Vec<Actor>,
    pub targets: Vec<Actor>,
}

/// Reads the gold records, skipping the DOCUMENT record and any without text or a known type.
pub fn read_gold(path: &Path) -> Result<Vec<GoldRecord>, GoldError> {
    let display = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| GoldError::Read { path: display.clone(), source })?;
    let value: Value =
        serde_json::from_str(&text).map_err(|e| GoldError::Format { path: display.clone(), detail: e.to_string() })?;
    let Value::Array(records) = value else {
        return Err(GoldError::Format { path: display, detail: "not an array".into() });
    };
    Ok(records
        .iter()
        .filter_map(|r| {
            let original = r.get("event")?.as_str()?;
            Some(GoldRecord {
                id: r.get("id").and_then(Value::as_str).unwrap_or_default().to_string(),
                text: r.get("text")?.as_str()?.to_string(),
                event_type: PloverType::parse(original)?,
                original_type: original.to_string(),
                sources: gold_actors(r.get("source")),
                targets: gold_actors(r.get("target")),
            })
        })
        .collect())
}

fn gold_actors(value: Option<&Value>) -> Vec<Actor> {
    let Some(Value::Array(list)) = value else { return Vec::new() };
    list.iter()
        .filter_map(|a| {
            let text = a.get("actorText")?.as_str()?.trim().to_string();
            let code = a.get("code").and_then(Value::as_str).map(str::to_string).filter(|c| !c.is_empty());
            (!text.is_empty()).then_some(Actor { text, code })
        })
        .collect()
}

/// Precision, recall and F1 of one event type.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ClassScores {
    pub gold: usize,
    pub predicted: usize,
    pub correct: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Event-type accuracy of one method with its per-type scores.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TypeScores {
    pub method: String,
    /// Whether every prediction was made without seeing the sentence's gold label.
    pub held_out: bool,
    pub accuracy: f64,
    pub correct: usize,
    pub total: usize,
    pub per_type: BTreeMap<String, ClassScores>,
}

/// Everything `eval events` reports.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventsReport {
    pub records: usize,
    /// Records where the lexicon found no trigger at all.
    pub no_trigger: usize,
    pub lexicon: TypeScores,
    pub classifier_cv: TypeScores,
    pub folds: usize,
    /// Share of records with a gold source actor where a predicted actor matches one.
    pub actor_match: f64,
    pub actor_records: usize,
    /// The same for targets.
    pub target_match: f64,
    pub target_records: usize,
    /// Share of gold actors (sources and targets) with a country code that a matching
    /// predicted actor codes the same.
    pub code_match: f64,
    pub coded_actors: usize,
}

/// Folds and passes of the cross-validated classifier.
pub const FOLDS: usize = 10;
pub const EPOCHS: usize = 15;

/// Finds a sentence's names (offsets into it), as ingest's entity extraction does.
pub type NameFinder<'a> = &'a dyn Fn(&str) -> Vec<FoundName>;

/// Measures the lexicon coder (no training: its figures are on the whole file) and the
/// classifier (trained and tested by `FOLDS`-fold cross-validation, so each sentence is
/// classified by a model that never saw it). `names`, when given, finds each sentence's names
/// as ingest does (entity extraction); without it the coder finds its actors itself.
pub fn evaluate(coder: &Coder, records: &[GoldRecord], names: Option<NameFinder>) -> EventsReport {
    let mut lexicon_predictions = Vec::new();
    let (mut actor_hits, mut actor_records, mut target_hits, mut target_records) = (0, 0, 0, 0);
    let (mut code_hits, mut coded) = (0, 0);
    let mut no_trigger = 0;
    for record in records {
        let found = names.map(|find| find(&record.text));
        let event = coder.code_main_event_with(&record.text, found.as_deref());
        if event.is_none() {
            no_trigger += 1;
        }
        lexicon_predictions.push(event.as_ref().map(|e| e.event_type));
        let (actors, targets) = event.map(|e| (e.actors, e.targets)).unwrap_or_default();
        if !record.sources.is_empty() {
            actor_records += 1;
            actor_hits += usize::from(any_match(&actors, &record.sources));
        }
        if !record.targets.is_empty() {
            target_records += 1;
            target_hits += usize::from(any_match(&targets, &record.targets));
        }
        let predicted: Vec<&Actor> = actors.iter().chain(&targets).collect();
        for gold in record.sources.iter().chain(&record.targets).filter(|g| g.code.is_some()) {
            coded += 1;
            code_hits += usize::from(predicted.iter().any(|p| actors_match(p, gold) && p.code == gold.code));
        }
    }
    let gold: Vec<PloverType> = records.iter().map(|r| r.event_type).collect();
    let examples: Vec<(String, PloverType)> = records.iter().map(|r| (r.text.clone(), r.event_type)).collect();
    let cv: Vec<Option<PloverType>> = cross_validate(&examples, FOLDS, EPOCHS).into_iter().map(Some).collect();
    EventsReport {
        records: records.len(),
        no_trigger,
        lexicon: type_scores("lexicon", false, &gold, &lexicon_predictions),
        classifier_cv: type_scores("classifier (cross-validated)", true, &gold, &cv),
        folds: FOLDS,
        actor_match: ratio(actor_hits, actor_records),
        actor_records,
        target_match: ratio(target_hits, target_records),
        target_records,
        code_match: ratio(code_hits, coded),
        coded_actors: coded,
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Accuracy and per-type precision/recall/F1; a missing prediction counts as wrong.
pub fn type_scores(method: &str, held_out: bool, gold: &[PloverType], predicted: &[Option<PloverType>]) -> TypeScores {
    let mut per_type: BTreeMap<String, ClassScores> = BTreeMap::new();
    let mut correct = 0;
    for (g, p) in gold.iter().zip(predicted) {
        per_type.entry(g.as_str().into()).or_default().gold += 1;
        if let Some(p) = p {
            per_type.entry(p.as_str().into()).or_default().predicted += 1;
        }
        if Some(*g) == *p {
            correct += 1;
            per_type.entry(g.as_str().into()).or_default().correct += 1;
        }
    }
    for s in per_type.values_mut() {
        s.precision = ratio(s.correct, s.predicted);
        s.recall = ratio(s.correct, s.gold);
        s.f1 = if s.precision + s.recall > 0.0 { 2.0 * s.precision * s.recall / (s.precision + s.recall) } else { 0.0 };
    }
    TypeScores {
        method: method.into(),
        held_out,
        accuracy: ratio(correct, gold.len()),
        correct,
        total: gold.len(),
        per_type,
    }
}

/// Words that say nothing about who an actor is.
const ACTOR_STOP: &[&str] = &["the", "and", "of", "a", "an", "in", "for", "to", "s"];

fn name_words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.len() > 1 && !ACTOR_STOP.contains(&w.as_str()))
        .collect()
}

/// A predicted actor matches a gold one when they share a name word (case-insensitive, stop
/// words aside): "German Foreign Minister Heiko Maas" matches "Heiko Maas" and "German".
pub fn actors_match(predicted: &Actor, gold: &Actor) -> bool {
    let p = name_words(&predicted.text);
    name_words(&gold.text).iter().any(|w| p.contains(w))
}

fn any_match(predicted: &[Actor], gold: &[Actor]) -> bool {
    predicted.iter().any(|p| gold.iter().any(|g| actors_match(p, g)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_type_scores_count_misses_and_wrong_guesses() {
        let gold = [PloverType::Agree, PloverType::Agree, PloverType::Reject];
        let predicted = [Some(PloverType::Agree), None, Some(PloverType::Agree)];
        let s = type_scores("x", false, &gold, &predicted);
        assert_eq!(s.correct, 1);
        assert!((s.accuracy - 1.0 / 3.0).abs() < 1e-9);
        let agree = &s.per_type["AGREE"];
        assert_eq!((agree.gold, agree.predicted, agree.correct), (2, 2, 1));
        assert_eq!(agree.precision, 0.5);
        assert_eq!(s.per_type["REJECT"].recall, 0.0);
    }

    #[test]
    fn actors_match_on_a_shared_name_word() {
        let p = Actor { text: "German Foreign Minister Heiko Maas".into(), code: None };
        assert!(actors_match(&p, &Actor { text: "Heiko Maas".into(), code: None }));
        assert!(!actors_match(&p, &Actor { text: "the Kremlin".into(), code: None }));
    }

    #[test]
    fn reads_records_and_maps_old_type_names() {
        let dir = std::env::temp_dir().join(format!("plover-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("gold.json");
        std::fs::write(
            &path,
            r#"[{"id":"D","event":"DOCUMENT"},
               {"id":"1","event":"FIGHT","text":"Tanks fired.","source":[{"actorText":"Tanks","code":"MIL"}],"target":""}]"#,
        )
        .unwrap();
        let records = read_gold(&path).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].event_type, PloverType::Assault);
        assert_eq!(records[0].original_type, "FIGHT");
        assert!(records[0].targets.is_empty());
        std::fs::remove_dir_all(&dir).ok();
    }
}
