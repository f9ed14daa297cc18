//! Gold event records and measuring the coder on them: the PLOVER gold-standard records
//! (`PLOVER_GSR_CAMEO.txt`, JSON) and the UniversalPetrarch validation files (XML, CAMEO codes
//! or 2018-draft PLOVER labels), read into one [`GoldRecord`] type.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::cameo::CameoTable;
use crate::classifier::{choose_training, cross_validate, Classifier, Example, Training};
use crate::{Actor, Coder, FoundName, PloverType};

#[derive(Debug, thiserror::Error)]
pub enum GoldError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path} is not a JSON array of PLOVER records: {detail}")]
    Format { path: String, detail: String },
    #[error("{path} is not UniversalPetrarch validation XML: {detail}")]
    Xml { path: String, detail: String },
    #[error("{path} is CAMEO-coded, and the CAMEO to PLOVER table {table} cannot be read: {source}")]
    Table { path: String, table: String, source: std::io::Error },
}

/// One gold sentence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoldRecord {
    pub id: String,
    pub text: String,
    /// The language of the text (ISO 639-1).
    pub language: String,
    pub event_type: PloverType,
    /// The label as the file writes it: a PLOVER name (DEMAND, FIGHT, … before the 2021
    /// merge) or a CAMEO code.
    pub original_type: String,
    pub sources: Vec<Actor>,
    pub targets: Vec<Actor>,
    /// The story (news article) the sentence was taken from, where the file tells it: a
    /// UniversalPetrarch id `STORY_N` names sentence N of STORY. The GSR's ids name their type,
    /// not a story, so its records have none.
    pub story: Option<String>,
    /// The gold trigger words (`eventtext`), where the file gives them: for measuring how often
    /// the lexicon finds them, never an input to a coder.
    pub trigger_text: Option<String>,
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
                language: "en".into(),
                event_type: PloverType::parse(original)?,
                original_type: original.to_string(),
                sources: gold_actors(r.get("source")),
                targets: gold_actors(r.get("target")),
                story: None,
                trigger_text: None,
            })
        })
        .collect())
}

/// The name of the CAMEO → PLOVER table, looked for beside CAMEO-coded files.
pub const CAMEO_TABLE: &str = "CAMEO2PLOVER-2021.txt";

/// Reads any gold file: UniversalPetrarch XML (`.xml`; CAMEO codes mapped with the table
/// [`CAMEO_TABLE`] found beside it) or PLOVER JSON records.
pub fn read_corpus(path: &Path) -> Result<Vec<GoldRecord>, GoldError> {
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xml")) {
        let table_path = path.parent().unwrap_or(Path::new(".")).join(CAMEO_TABLE);
        let table = CameoTable::read(&table_path).map_err(|source| GoldError::Table {
            path: path.display().to_string(),
            table: table_path.display().to_string(),
            source,
        })?;
        read_petrarch_xml(path, &table)
    } else {
        read_gold(path)
    }
}

/// Reads a UniversalPetrarch validation file: `<Sentence id date [evaluate]>` elements with
/// `<EventCoding eventcode sourcecode targetcode [plover]>`, `<EventText eventtext sourcetext
/// targettext>` and `<Text>`. A sentence's type is that of its first coding that has one: the
/// `plover=` label read as the 2018 draft ([`PloverType::parse_draft`]), else the CAMEO code
/// mapped by `table`. Sentences marked `evaluate="false"`, without codings, or whose codes
/// PLOVER does not reach (CAMEO 01x, 02x, the test suites' 9xx) are left out. The language is
/// Spanish where the file says so (its name or a `category="spanish"`), else English.
pub fn read_petrarch_xml(path: &Path, table: &CameoTable) -> Result<Vec<GoldRecord>, GoldError> {
    let display = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| GoldError::Read { path: display.clone(), source })?;
    parse_petrarch_xml(&text, table, &display)
}

fn parse_petrarch_xml(text: &str, table: &CameoTable, display: &str) -> Result<Vec<GoldRecord>, GoldError> {
    let doc = roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions { allow_dtd: true, ..Default::default() },
    )
    .map_err(|e| GoldError::Xml { path: display.to_string(), detail: e.to_string() })?;
    let spanish_file = display.to_lowercase().contains("spanish");
    let mut out = Vec::new();
    for sentence in doc.descendants().filter(|n| n.has_tag_name("Sentence")) {
        if sentence.attribute("evaluate").is_some_and(|v| v.eq_ignore_ascii_case("false")) {
            continue;
        }
        let Some(body) = sentence.children().find(|n| n.has_tag_name("Text")).and_then(|n| n.text()) else {
            continue;
        };
        let body = body.split_whitespace().collect::<Vec<_>>().join(" ");
        if body.is_empty() {
            continue;
        }
        let coded = sentence.children().filter(|n| n.has_tag_name("EventCoding")).find_map(|coding| {
            let label = coding.attribute("plover").filter(|p| !p.trim().is_empty());
            let code = coding.attribute("eventcode").unwrap_or_default();
            let t = match label {
                Some(l) => PloverType::parse_draft(l),
                None => table.plover_of(code),
            }?;
            Some((coding, t, label.unwrap_or(code).to_string()))
        });
        let Some((coding, event_type, original)) = coded else { continue };
        let eid = coding.attribute("eid");
        let words = sentence
            .children()
            .filter(|n| n.has_tag_name("EventText"))
            .find(|n| eid.is_none() || n.attribute("eid") == eid);
        let actor = |text_attr: &str, code_attr: &str| -> Vec<Actor> {
            let text = words.and_then(|w| w.attribute(text_attr)).unwrap_or("").trim();
            let code = coding.attribute(code_attr).unwrap_or("");
            // CAMEO actor codes begin with the country's alpha-3 code ("DAGGOV" is not one,
            // "COLGOV" is); `---` means none.
            let country =
                (code.len() >= 3 && code.is_char_boundary(3) && code[..3].chars().all(|c| c.is_ascii_uppercase()))
                    .then(|| code[..3].to_string())
                    .filter(|c| crate::actors::is_country_code(c));
            if text.is_empty() {
                Vec::new()
            } else {
                vec![Actor { text: text.to_string(), code: country }]
            }
        };
        let id = sentence.attribute("id").unwrap_or_default();
        let story = id
            .rsplit_once('_')
            .filter(|(story, n)| !story.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .map(|(story, _)| story.to_string());
        let trigger_text =
            words.and_then(|w| w.attribute("eventtext")).map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
        let spanish = spanish_file || sentence.attribute("category").is_some_and(|c| c.eq_ignore_ascii_case("spanish"));
        out.push(GoldRecord {
            id: id.to_string(),
            text: body,
            language: if spanish { "es" } else { "en" }.into(),
            event_type,
            original_type: original,
            sources: actor("sourcetext", "sourcecode"),
            targets: actor("targettext", "targetcode"),
            story,
            trigger_text,
        });
    }
    Ok(out)
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
/// Folds of the cross-validation that chooses the prior inside each outer fold of a
/// cross-validation within one file (fewer than [`FOLDS`], for time).
pub const INNER_FOLDS: usize = 5;

/// How the classifier of a direction is set up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setup {
    /// The training; its prior and balancing are chosen by [`choose_training`] unless `fixed`.
    pub training: Training,
    /// Whether `training` is used as it is, with no choice by cross-validation.
    pub fixed: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Setup { training: Training { epochs: EPOCHS, ..Training::default() }, fixed: false }
    }
}

/// Finds a sentence's names (offsets into it), as ingest's entity extraction does.
pub type NameFinder<'a> = &'a dyn Fn(&str) -> Vec<FoundName>;

/// The records as classifier examples.
pub fn examples(records: &[GoldRecord]) -> Vec<Example> {
    records
        .iter()
        .map(|r| Example { text: r.text.clone(), language: r.language.clone(), event_type: r.event_type })
        .collect()
}

/// The training of a direction: the setup's, or the one cross-validation within each training
/// set chooses; with the candidates' means it chose by.
pub fn training_for(sets: &[&[Example]], setup: Setup, folds: usize) -> (Training, Vec<(Training, f64)>) {
    if setup.fixed {
        (setup.training, Vec::new())
    } else {
        choose_training(sets, folds, setup.training)
    }
}

/// Measures the lexicon coder (no training: its figures are on the whole file) and the
/// classifier (trained and tested by `FOLDS`-fold cross-validation, so each sentence is
/// classified by a model that never saw it). `names`, when given, finds each sentence's names
/// as ingest does (entity extraction); without it the coder finds its actors itself. The
/// coder should have no classifier: its types are the lexicon's.
pub fn evaluate(coder: &Coder, records: &[GoldRecord], names: Option<NameFinder>) -> EventsReport {
    let coded = code_records(coder, records, names);
    let gold: Vec<PloverType> = records.iter().map(|r| r.event_type).collect();
    let (cv, _) = cross_validated(records, Setup::default());
    let cv: Vec<Option<PloverType>> = cv.into_iter().map(Some).collect();
    EventsReport {
        records: records.len(),
        no_trigger: coded.no_trigger,
        lexicon: type_scores("lexicon", false, &gold, &coded.types),
        classifier_cv: type_scores("classifier (cross-validated)", true, &gold, &cv),
        folds: FOLDS,
        actor_match: ratio(coded.actor_hits, coded.actor_records),
        actor_records: coded.actor_records,
        target_match: ratio(coded.target_hits, coded.target_records),
        target_records: coded.target_records,
        code_match: ratio(coded.code_hits, coded.coded),
        coded_actors: coded.coded,
    }
}

/// What the coder made of a set of records: each one's type, and the actor counts.
#[derive(Debug, Default)]
pub struct CodedRecords {
    pub types: Vec<Option<PloverType>>,
    pub no_trigger: usize,
    pub actor_hits: usize,
    pub actor_records: usize,
    pub target_hits: usize,
    pub target_records: usize,
    pub code_hits: usize,
    pub coded: usize,
}

/// Codes each record's main event in its language and compares its actors with the gold ones.
pub fn code_records(coder: &Coder, records: &[GoldRecord], names: Option<NameFinder>) -> CodedRecords {
    let mut out = CodedRecords::default();
    for record in records {
        let found = names.map(|find| find(&record.text));
        let event = coder.code_main_event_in(&record.text, &record.language, found.as_deref());
        if event.is_none() {
            out.no_trigger += 1;
        }
        out.types.push(event.as_ref().map(|e| e.event_type));
        let (actors, targets) = event.map(|e| (e.actors, e.targets)).unwrap_or_default();
        if !record.sources.is_empty() {
            out.actor_records += 1;
            out.actor_hits += usize::from(any_match(&actors, &record.sources));
        }
        if !record.targets.is_empty() {
            out.target_records += 1;
            out.target_hits += usize::from(any_match(&targets, &record.targets));
        }
        let predicted: Vec<&Actor> = actors.iter().chain(&targets).collect();
        for gold in record.sources.iter().chain(&record.targets).filter(|g| g.code.is_some()) {
            out.coded += 1;
            out.code_hits += usize::from(predicted.iter().any(|p| actors_match(p, gold) && p.code == gold.code));
        }
    }
    out
}

/// A gold corpus under a short name.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub name: String,
    pub records: Vec<GoldRecord>,
}

/// The event-type accuracy of one direction: trained on some corpora, tested on another (or
/// cross-validated within one), beside the baselines that need no event coder.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DirectionScores {
    /// `"train-test"` (the test corpus is not among the training ones) or
    /// `"cross-validation"` (k-fold within the one corpus named in `test`).
    pub kind: String,
    pub train: Vec<String>,
    pub test: String,
    pub train_records: usize,
    pub test_records: usize,
    /// The training data's most common type, and the accuracy of always predicting it.
    pub majority_type: String,
    pub majority_baseline: f64,
    /// The test corpus's own most common type's share (what no method can be blamed for).
    pub test_majority_share: f64,
    /// The lexicon's type of the main trigger (no training; a sentence without one is wrong).
    pub lexicon: f64,
    /// The classifier trained on the training corpora.
    pub classifier: f64,
    /// The training it had (lexicon prior, balanced or not): for train-test, the one chosen by
    /// cross-validation within the training corpora (`training_cv`: each candidate's mean
    /// balanced accuracy); for cross-validation within a file, each outer fold's choice (by an
    /// inner cross-validation within that fold's training part).
    pub trainings: Vec<(f32, bool)>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub training_cv: Vec<(f32, bool, f64)>,
    pub classifier_scores: TypeScores,
    /// Nearest type centroid of multilingual sentence embeddings (trained on `train`), when
    /// measured (`eval events --embeddings MODEL`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedding_centroid: Option<f64>,
}

fn majority(types: impl Iterator<Item = PloverType>) -> (PloverType, usize) {
    let mut counts: BTreeMap<PloverType, usize> = BTreeMap::new();
    for t in types {
        *counts.entry(t).or_default() += 1;
    }
    counts.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))).unwrap_or((PloverType::Agree, 0))
}

fn accuracy(gold: &[PloverType], predicted: &[Option<PloverType>]) -> f64 {
    ratio(gold.iter().zip(predicted).filter(|(g, p)| Some(**g) == **p).count(), gold.len())
}

/// Trains on `train` and tests on `test` (a corpus not among them). `lexicon_types` are the
/// lexicon coder's types of the test records ([`code_records`]).
pub fn train_test(
    train: &[&Corpus],
    test: &Corpus,
    lexicon_types: &[Option<PloverType>],
    setup: Setup,
) -> DirectionScores {
    let train_records: Vec<GoldRecord> = train.iter().flat_map(|c| c.records.iter().cloned()).collect();
    let sets: Vec<Vec<Example>> = train.iter().map(|c| examples(&c.records)).collect();
    let set_refs: Vec<&[Example]> = sets.iter().map(Vec::as_slice).collect();
    let (training, means) = training_for(&set_refs, setup, FOLDS);
    let model = Classifier::train(&sets.concat(), training);
    let gold: Vec<PloverType> = test.records.iter().map(|r| r.event_type).collect();
    let predicted: Vec<Option<PloverType>> =
        test.records.iter().map(|r| Some(model.predict(&r.text, &r.language))).collect();
    let (majority_type, _) = majority(train_records.iter().map(|r| r.event_type));
    let (_, test_majority) = majority(gold.iter().copied());
    let scores = type_scores("classifier", true, &gold, &predicted);
    DirectionScores {
        kind: "train-test".into(),
        train: train.iter().map(|c| c.name.clone()).collect(),
        test: test.name.clone(),
        train_records: train_records.len(),
        test_records: gold.len(),
        majority_type: majority_type.as_str().into(),
        majority_baseline: ratio(gold.iter().filter(|g| **g == majority_type).count(), gold.len()),
        test_majority_share: ratio(test_majority, gold.len()),
        lexicon: accuracy(&gold, lexicon_types),
        classifier: scores.accuracy,
        trainings: vec![(training.prior, training.balanced)],
        training_cv: means.iter().map(|(t, m)| (t.prior, t.balanced, *m)).collect(),
        classifier_scores: scores,
        embedding_centroid: None,
    }
}

/// `FOLDS`-fold cross-validation within one file: each sentence's type by a classifier trained
/// on the other folds, whose prior (unless the setup fixes one) an inner `INNER_FOLDS`-fold
/// cross-validation within those folds chose; with each fold's prior.
pub fn cross_validated(records: &[GoldRecord], setup: Setup) -> (Vec<PloverType>, Vec<Training>) {
    let all = examples(records);
    if setup.fixed {
        return (cross_validate(&all, FOLDS, setup.training), vec![setup.training]);
    }
    let mut predicted = vec![PloverType::Agree; all.len()];
    let mut priors = Vec::new();
    for fold in 0..FOLDS {
        let train: Vec<Example> =
            all.iter().enumerate().filter(|(i, _)| i % FOLDS != fold).map(|(_, e)| e.clone()).collect();
        let (training, _) = training_for(&[&train], setup, INNER_FOLDS);
        priors.push(training);
        let model = Classifier::train(&train, training);
        for (i, e) in all.iter().enumerate().filter(|(i, _)| i % FOLDS == fold) {
            predicted[i] = model.predict(&e.text, &e.language);
        }
    }
    (predicted, priors)
}

/// `FOLDS`-fold cross-validation within one corpus; the majority baseline is cross-validated
/// the same way (each fold's training majority).
pub fn within(corpus: &Corpus, lexicon_types: &[Option<PloverType>], setup: Setup) -> DirectionScores {
    let gold: Vec<PloverType> = corpus.records.iter().map(|r| r.event_type).collect();
    let (predicted, priors) = cross_validated(&corpus.records, setup);
    let predicted: Vec<Option<PloverType>> = predicted.into_iter().map(Some).collect();
    let mut majority_hits = 0;
    for fold in 0..FOLDS {
        let (m, _) = majority(gold.iter().enumerate().filter(|(i, _)| i % FOLDS != fold).map(|(_, t)| *t));
        majority_hits += gold.iter().enumerate().filter(|(i, t)| i % FOLDS == fold && **t == m).count();
    }
    let (majority_type, test_majority) = majority(gold.iter().copied());
    let scores = type_scores("classifier (cross-validated)", true, &gold, &predicted);
    DirectionScores {
        kind: "cross-validation".into(),
        train: vec![corpus.name.clone()],
        test: corpus.name.clone(),
        train_records: gold.len() - gold.len() / FOLDS,
        test_records: gold.len(),
        majority_type: majority_type.as_str().into(),
        majority_baseline: ratio(majority_hits, gold.len()),
        test_majority_share: ratio(test_majority, gold.len()),
        lexicon: accuracy(&gold, lexicon_types),
        classifier: scores.accuracy,
        trainings: priors.iter().map(|t| (t.prior, t.balanced)).collect(),
        training_cv: Vec::new(),
        classifier_scores: scores,
        embedding_centroid: None,
    }
}

/// The directions issue 17 asks for, by corpus name: each train → test pair, the combined
/// English fit data (`gsr` + `petr`) → each Spanish file, each corpus from all the others, and
/// cross-validation within each. Names: `gsr`, `petr`, `es-protest`, `es-fight`.
pub fn standard_directions(names: &[&str]) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    for test in names {
        for train in names.iter().filter(|n| *n != test) {
            out.push((vec![train.to_string()], test.to_string()));
        }
    }
    for test in ["es-protest", "es-fight"] {
        if names.contains(&"gsr") && names.contains(&"petr") && names.contains(&test) {
            out.push((vec!["gsr".into(), "petr".into()], test.into()));
        }
    }
    if names.len() > 2 {
        for test in names {
            out.push((names.iter().filter(|n| *n != test).map(|n| n.to_string()).collect(), test.to_string()));
        }
    }
    out
}

/// Every direction of `directions` (train corpus names, test corpus name; a test among its
/// training corpora means cross-validation within it), with the lexicon coder's types.
pub fn directions(
    coder: &Coder,
    corpora: &[Corpus],
    directions: &[(Vec<String>, String)],
    names: Option<NameFinder>,
    setup: Setup,
) -> Vec<DirectionScores> {
    let mut lexicon: BTreeMap<String, Vec<Option<PloverType>>> = BTreeMap::new();
    let mut out = Vec::new();
    for (train, test) in directions {
        let Some(test_corpus) = corpora.iter().find(|c| &c.name == test) else { continue };
        let types =
            lexicon.entry(test.clone()).or_insert_with(|| code_records(coder, &test_corpus.records, names).types);
        if train.contains(test) {
            out.push(within(test_corpus, types, setup));
        } else {
            let train: Vec<&Corpus> = corpora.iter().filter(|c| train.contains(&c.name)).collect();
            out.push(train_test(&train, test_corpus, types, setup));
        }
    }
    out
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
const ACTOR_STOP: &[&str] = &[
    "the", "and", "of", "a", "an", "in", "for", "to", "s", // English
    // Spanish ("un" and "al" stay: "UN", "al-Sarraj")
    "el", "la", "los", "las", "lo", "de", "del", "y", "en", "una", "unos", "unas", "por", "con",
];

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

    const PETRARCH: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<Validation>
# comment lines sit between elements
<Sentences>
<Sentence date="19940611" id="S1" evaluate="true" category="spanish">
<EventText eid="E1" eventtext="se manifestaron" sourcetext="Miles de estudiantes" targettext="" />
<EventCoding eid="E1" eventcode="15" plover="MOBILIZE" sourcecode="---" targetcode="---" />
<Text>
Miles de estudiantes se manifestaron en Bogotá.
</Text>
</Sentence>
<Sentence date="19940611" id="S2" evaluate="false"><EventCoding eventcode="14" plover="PROTEST"/><Text>Dejado fuera.</Text></Sentence>
<Sentence date="19950101" id="S3"><EventCoding sourcecode="COLGOV" targetcode="ARN" eventcode="023"/>
<EventCoding sourcecode="COLGOV" targetcode="ARN" eventcode="1717"/><Text>Colombia seized the ship.</Text></Sentence>
<Sentence date="19950101" id="S4"><EventCoding eventcode="023"/><Text>Only an appeal.</Text></Sentence>
<Sentence date="20181220" id="S5"><EventCoding eventcode="190_use_conventional_military_force" sourcecode="COL" targetcode="---"/><Text>El ejército atacó.</Text></Sentence>
</Sentences>
</Validation>"#;

    #[test]
    fn reads_petrarch_xml_with_draft_labels_and_cameo_codes() {
        let table = CameoTable::parse("171: COERCE, seize,\n190: ASSAULT, ,\n");
        let records = parse_petrarch_xml(PETRARCH, &table, "spanish_test.xml").unwrap();
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        // S2 is not to be evaluated; S4's appeal (CAMEO 02x) has no PLOVER type.
        assert_eq!(ids, ["S1", "S3", "S5"]);
        assert_eq!(records[0].event_type, PloverType::Protest, "the 2018 draft's MOBILIZE is today's PROTEST");
        assert_eq!(records[0].original_type, "MOBILIZE");
        assert_eq!(records[0].text, "Miles de estudiantes se manifestaron en Bogotá.");
        assert_eq!(records[0].language, "es");
        assert_eq!(records[0].sources[0].text, "Miles de estudiantes");
        assert!(records[0].targets.is_empty());
        // The first coding with a PLOVER type decides: 023 has none, 1717 maps by 171.
        assert_eq!(records[1].event_type, PloverType::Coerce);
        assert_eq!(records[1].original_type, "1717");
        assert_eq!(records[2].event_type, PloverType::Assault);
    }

    proptest::proptest! {
        #[test]
        fn the_petrarch_reader_never_panics(
            code in "\\PC{0,12}",
            label in "\\PC{0,12}",
            text in "\\PC{0,60}",
            source in "\\PC{0,8}",
        ) {
            let esc = |v: &str| v.replace('&', "&amp;").replace('<', "&lt;").replace('"', "&quot;");
            let xml = format!(
                "<Validation><Sentences><Sentence id=\"1\"><EventText eventtext=\"x\" sourcetext=\"{}\"/>\
                 <EventCoding eventcode=\"{}\" plover=\"{}\" sourcecode=\"{}\"/><Text>{}</Text></Sentence></Sentences></Validation>",
                esc(&source), esc(&code), esc(&label), esc(&source), esc(&text)
            );
            let table = CameoTable::parse("171: COERCE, seize,\n190: ASSAULT, ,\n");
            let _ = parse_petrarch_xml(&xml, &table, "x.xml");
            let _ = parse_petrarch_xml(&text, &table, "x.xml");
            let _ = table.plover_of(&code);
            let _ = CameoTable::parse(&text);
        }
    }

    #[test]
    fn malformed_xml_is_an_error_not_a_panic() {
        let table = CameoTable::default();
        assert!(parse_petrarch_xml("<Validation><Sentence>", &table, "x.xml").is_err());
        assert!(parse_petrarch_xml("", &table, "x.xml").is_err());
    }

    #[test]
    fn draft_labels_map_to_todays_types() {
        assert_eq!(PloverType::parse_draft("SACTION"), Some(PloverType::Sanction));
        assert_eq!(PloverType::parse_draft("CRIME"), Some(PloverType::Assault));
        assert_eq!(PloverType::parse_draft("DISAPPROVE"), Some(PloverType::Accuse));
        assert_eq!(PloverType::parse_draft("MOBILIZE"), Some(PloverType::Protest));
        // Today's MOBILIZE (the GSR's) is still MOBILIZE.
        assert_eq!(PloverType::parse("MOBILIZE"), Some(PloverType::Mobilize));
    }

    #[test]
    fn directions_name_train_test_pairs_and_cross_validation() {
        let d = standard_directions(&["gsr", "petr", "es-protest", "es-fight"]);
        assert!(d.contains(&(vec!["gsr".into(), "petr".into()], "es-protest".into())));
        assert!(d.contains(&(vec!["es-protest".into()], "es-fight".into())));
        assert!(
            d.iter().all(|(train, test)| !train.contains(test)),
            "no standard direction tests on its training data"
        );
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
