//! `storyline eval events` (gold event records: one file alone, train-on-one test-on-another, or the full matrix of
//! directions) and `eval timeline` (ML-Crisis timeline summarisation).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use serde::Serialize;
use storyline_events::gold::{Corpus, DirectionScores, NameFinder};
use storyline_timeline::metrics::{self, Prf};

#[derive(Args)]
pub struct EvalEventsArgs {
    /// The PLOVER gold records (JSON array) measured alone: the lexicon on the whole file, the
    /// classifier by cross-validation within it, actors and targets.
    #[arg(long, default_value = "../shared/eval/events/PLOVER_GSR_CAMEO.txt")]
    pub plover: PathBuf,
    /// Train the classifier on these gold files (PLOVER JSON or UniversalPetrarch XML)...
    #[arg(long, num_args = 1.., requires = "test")]
    pub train: Vec<PathBuf>,
    /// ...and test it on each of these (a file also among --train is cross-validated instead).
    #[arg(long, num_args = 1.., requires = "train")]
    pub test: Vec<PathBuf>,
    /// Every direction issue 17 names, over the four gold files in this folder: each file from
    /// each other, the English files together to each Spanish one, each from all the others,
    /// and cross-validation within each.
    #[arg(long, num_args = 0..=1, default_missing_value = "../shared/eval/events", conflicts_with_all = ["train", "test"])]
    pub matrix: Option<PathBuf>,
    /// Train the classifier on every --train file (or, with --matrix, all four) and write it
    /// here (JSON); ingest codes types with it when it is at MODELS/events-classifier.json.
    #[arg(long)]
    pub save_model: Option<PathBuf>,
    /// Also measure a multilingual sentence-embedding model (`use-m3`, `e5-small`, …) as a
    /// type classifier: each test sentence gets the type whose training centroid is nearest.
    #[arg(long)]
    pub embeddings: Option<String>,
    /// Fix the classifier's lexicon prior (the weight `lex=C` starts with for type C; default 5
    /// when only --balanced is given). Without --prior and --balanced, each direction's prior
    /// (2, 5, 10, 20 or 40) and balancing are chosen by cross-validation within its training
    /// files (within a file: inside each outer fold).
    #[arg(long)]
    pub prior: Option<f32>,
    /// Fix whether training weighs each type's sentences alike (default false when only --prior
    /// is given).
    #[arg(long)]
    pub balanced: Option<bool>,
    /// The models folder; the NER model there (ner.bin) finds actors when present.
    #[arg(long = "models", env = "STORYLINE_MODELS", default_value = "models")]
    pub models_dir: PathBuf,
}

/// The gold files `--matrix` reads, under their short names.
const MATRIX_FILES: [(&str, &str); 4] = [
    ("gsr", "PLOVER_GSR_CAMEO.txt"),
    ("petr", "PETR.UnitTest.records.xml"),
    ("es-protest", "spanish_protest_plover_validation.xml"),
    ("es-fight", "spanish_fight_reduced_181227v2_validation.xml"),
];

/// A gold file's short name: the matrix's name for the known files, else the file's stem.
fn corpus_name(path: &std::path::Path) -> String {
    let file = path.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
    MATRIX_FILES
        .iter()
        .find(|(_, f)| *f == file)
        .map(|(n, _)| n.to_string())
        .unwrap_or_else(|| path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or(file))
}

fn read_corpus(path: &std::path::Path) -> Result<Corpus> {
    let records =
        storyline_events::gold::read_corpus(path).with_context(|| format!("reading gold events {}", path.display()))?;
    if records.is_empty() {
        bail!("{} holds no gold sentence with a PLOVER type", path.display());
    }
    Ok(Corpus { name: corpus_name(path), records })
}

/// Per test corpus: what the lexicon coder makes of its sentences and their actors.
#[derive(Serialize)]
struct CorpusSummary {
    name: String,
    language: String,
    records: usize,
    types: BTreeMap<String, usize>,
    no_trigger: usize,
    actor_match: f64,
    actor_records: usize,
    target_match: f64,
    target_records: usize,
}

#[derive(Serialize)]
struct DirectionsReport {
    corpora: Vec<CorpusSummary>,
    directions: Vec<DirectionScores>,
    /// Where `--save-model` wrote the classifier trained on every training file.
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<String>,
}

pub fn eval_events(args: &EvalEventsArgs, json: bool) -> Result<()> {
    if args.matrix.is_some() || !args.train.is_empty() {
        return eval_directions(args, json);
    }
    if args.save_model.is_some() || args.embeddings.is_some() {
        bail!("--save-model and --embeddings need --matrix or --train/--test");
    }
    let records = storyline_events::gold::read_gold(&args.plover)?;
    let coder = storyline_pipeline::events::lexicon_coder(&args.models_dir);
    // Actors as ingest finds them: from the entities extracted, when the models are there.
    let find = storyline_pipeline::entities::load_extractor(&args.models_dir)
        .map(|x| move |sentence: &str| storyline_pipeline::events::found_names(&x.extract_text(sentence), 0));
    let report = storyline_events::gold::evaluate(&coder, &records, find.as_ref().map(|f| f as NameFinder));
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!("PLOVER gold records: {} sentences ({} with no lexicon trigger)", report.records, report.no_trigger);
    println!(
        "event-type accuracy: lexicon {:.3} ({}/{}; lexicon written with the gold file in view, so not held out)",
        report.lexicon.accuracy, report.lexicon.correct, report.lexicon.total
    );
    println!(
        "                     classifier {:.3} ({}/{}; {}-fold cross-validation, held out)",
        report.classifier_cv.accuracy, report.classifier_cv.correct, report.classifier_cv.total, report.folds
    );
    println!("{:<10} {:>5} {:>22} {:>22}", "type", "gold", "lexicon P/R/F1", "classifier-CV P/R/F1");
    for (t, s) in &report.lexicon.per_type {
        let c = report.classifier_cv.per_type.get(t).cloned().unwrap_or_default();
        println!(
            "{:<10} {:>5} {:>6.2} {:>6.2} {:>6.2}    {:>6.2} {:>6.2} {:>6.2}",
            t, s.gold, s.precision, s.recall, s.f1, c.precision, c.recall, c.f1
        );
    }
    println!(
        "actor match {:.3} (of {} records), target match {:.3} (of {}), country-code match {:.3} (of {} coded gold actors)",
        report.actor_match, report.actor_records, report.target_match, report.target_records, report.code_match, report.coded_actors
    );
    Ok(())
}

/// `--train/--test` and `--matrix`: train on some gold files, test on others.
fn eval_directions(args: &EvalEventsArgs, json: bool) -> Result<()> {
    let (corpora, directions): (Vec<Corpus>, Vec<(Vec<String>, String)>) = match &args.matrix {
        Some(dir) => {
            let corpora = MATRIX_FILES.iter().map(|(_, f)| read_corpus(&dir.join(f))).collect::<Result<Vec<_>>>()?;
            let names: Vec<&str> = MATRIX_FILES.iter().map(|(n, _)| *n).collect();
            let mut directions = storyline_events::gold::standard_directions(&names);
            directions.extend(names.iter().map(|n| (vec![n.to_string()], n.to_string())));
            (corpora, directions)
        }
        None => {
            let mut corpora: Vec<Corpus> = Vec::new();
            for path in args.train.iter().chain(&args.test) {
                let corpus = read_corpus(path)?;
                if !corpora.iter().any(|c| c.name == corpus.name) {
                    corpora.push(corpus);
                }
            }
            let train: Vec<String> = args.train.iter().map(|p| corpus_name(p)).collect();
            let directions = args
                .test
                .iter()
                .map(|p| {
                    let test = corpus_name(p);
                    // A test file among the training ones is cross-validated, never tested on
                    // what it was trained on.
                    if train.contains(&test) {
                        (vec![test.clone()], test)
                    } else {
                        (train.clone(), test)
                    }
                })
                .collect();
            (corpora, directions)
        }
    };
    // --prior or --balanced fix the training; else cross-validation within the training
    // files chooses both.
    let setup = storyline_events::gold::Setup {
        training: storyline_events::classifier::Training {
            prior: args.prior.unwrap_or(storyline_events::classifier::PRIOR),
            balanced: args.balanced.unwrap_or(false),
            ..storyline_events::gold::Setup::default().training
        },
        fixed: args.prior.is_some() || args.balanced.is_some(),
    };
    let coder = storyline_pipeline::events::lexicon_coder(&args.models_dir);
    let tested: Vec<&String> = directions.iter().map(|(_, t)| t).collect();
    let mut coded = BTreeMap::new();
    let mut summaries = Vec::new();
    for corpus in corpora.iter().filter(|c| tested.contains(&&c.name)) {
        let found = storyline_events::gold::code_records(&coder, &corpus.records, None);
        let mut types = BTreeMap::new();
        for r in &corpus.records {
            *types.entry(r.event_type.as_str().to_string()).or_insert(0) += 1;
        }
        summaries.push(CorpusSummary {
            name: corpus.name.clone(),
            language: corpus.records.first().map(|r| r.language.clone()).unwrap_or_default(),
            records: corpus.records.len(),
            types,
            no_trigger: found.no_trigger,
            actor_match: ratio(found.actor_hits, found.actor_records),
            actor_records: found.actor_records,
            target_match: ratio(found.target_hits, found.target_records),
            target_records: found.target_records,
        });
        coded.insert(corpus.name.clone(), found.types);
    }
    let mut scores = Vec::new();
    for (train, test) in &directions {
        let Some(test_corpus) = corpora.iter().find(|c| &c.name == test) else { continue };
        let lexicon = &coded[test];
        if train.contains(test) {
            scores.push(storyline_events::gold::within(test_corpus, lexicon, setup));
        } else {
            let train: Vec<&Corpus> = corpora.iter().filter(|c| train.contains(&c.name)).collect();
            scores.push(storyline_events::gold::train_test(&train, test_corpus, lexicon, setup));
        }
    }
    if let Some(name) = &args.embeddings {
        let embedder = storyline_embed::load_model(name, &args.models_dir)
            .with_context(|| format!("loading the embedding model {name}"))?;
        let mut vectors: BTreeMap<String, Vec<Vec<f32>>> = BTreeMap::new();
        for corpus in &corpora {
            let texts: Vec<&str> = corpus.records.iter().map(|r| r.text.as_str()).collect();
            let mut all = Vec::with_capacity(texts.len());
            for chunk in texts.chunks(64) {
                all.extend(embedder.embed(chunk)?);
            }
            vectors.insert(corpus.name.clone(), all);
        }
        for (score, (train, test)) in scores.iter_mut().zip(&directions) {
            let Some(test_corpus) = corpora.iter().find(|c| &c.name == test) else { continue };
            let test_vectors = &vectors[test];
            let gold: Vec<_> = test_corpus.records.iter().map(|r| r.event_type).collect();
            let hits = if train.contains(test) {
                let folds = storyline_events::gold::FOLDS;
                (0..folds)
                    .map(|fold| {
                        let keep = |i: &usize| i % folds != fold;
                        let c = centroids((0..gold.len()).filter(keep).map(|i| (&test_vectors[i], gold[i])));
                        (0..gold.len())
                            .filter(|i| i % folds == fold)
                            .filter(|&i| nearest(&c, &test_vectors[i]) == Some(gold[i]))
                            .count()
                    })
                    .sum::<usize>()
            } else {
                let c = centroids(
                    corpora
                        .iter()
                        .filter(|c| train.contains(&c.name))
                        .flat_map(|c| vectors[&c.name].iter().zip(c.records.iter().map(|r| r.event_type))),
                );
                (0..gold.len()).filter(|&i| nearest(&c, &test_vectors[i]) == Some(gold[i])).count()
            };
            score.embedding_centroid = Some(ratio(hits, gold.len()));
        }
    }
    let model = match &args.save_model {
        Some(path) => {
            let train: Vec<&Corpus> = match &args.matrix {
                Some(_) => corpora.iter().collect(),
                None => corpora.iter().filter(|c| args.train.iter().any(|p| corpus_name(p) == c.name)).collect(),
            };
            let records: Vec<_> = train.iter().flat_map(|c| c.records.iter().cloned()).collect();
            // One set per file: cross-validation chooses within each.
            let sets: Vec<Vec<storyline_events::classifier::Example>> =
                train.iter().map(|c| storyline_events::gold::examples(&c.records)).collect();
            let set_refs: Vec<&[storyline_events::classifier::Example]> = sets.iter().map(Vec::as_slice).collect();
            let (training, _) = storyline_events::gold::training_for(&set_refs, setup, storyline_events::gold::FOLDS);
            let classifier = storyline_events::Classifier::train(&sets.concat(), training);
            let part = path.with_extension("json.part");
            std::fs::write(&part, serde_json::to_vec(&classifier)?)
                .with_context(|| format!("writing {}", part.display()))?;
            std::fs::rename(&part, path).with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "classifier trained on {} sentences ({}; lexicon prior {}, balanced {}) written to {}",
                records.len(),
                train.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "),
                training.prior,
                training.balanced,
                path.display()
            );
            Some(path.display().to_string())
        }
        None => None,
    };
    let report = DirectionsReport { corpora: summaries, directions: scores, model };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!("test corpora (gold types after mapping to PLOVER 2021; lexicon coder's triggers and actors):");
    for c in &report.corpora {
        let mut types: Vec<(&String, &usize)> = c.types.iter().collect();
        types.sort_by(|a, b| b.1.cmp(a.1));
        let top: Vec<String> = types.iter().take(4).map(|(t, n)| format!("{t} {n}")).collect();
        println!(
            "  {:<11} {} {:>4} sentences ({}, …); no trigger {}; actor match {:.3} (of {}), target match {:.3} (of {})",
            c.name,
            c.language,
            c.records,
            top.join(", "),
            c.no_trigger,
            c.actor_match,
            c.actor_records,
            c.target_match,
            c.target_records
        );
    }
    println!();
    println!(
        "{:<26} {:<11} {:<17} {:>5} {:>9} {:>8} {:>8} {:>10} {}{}",
        "train",
        "test",
        "kind",
        "n",
        "majority",
        "lexicon",
        "classif.",
        "test-major",
        "prior",
        if args.embeddings.is_some() { "  embedding" } else { "" }
    );
    for d in &report.directions {
        println!(
            "{:<26} {:<11} {:<17} {:>5} {:>9.3} {:>8.3} {:>8.3} {:>10.3} {}{}",
            d.train.join("+"),
            d.test,
            d.kind,
            d.test_records,
            d.majority_baseline,
            d.lexicon,
            d.classifier,
            d.test_majority_share,
            training_text(&d.trainings),
            d.embedding_centroid.map(|e| format!("  {e:>9.3}")).unwrap_or_default()
        );
    }
    println!(
        "event-type accuracy. majority: the training data's most common type (cross-validated within a file); lexicon: no training;\n\
         classif.: trained on `train`; prior: its lexicon prior (chosen by cross-validation within `train` unless --prior); test-major: the test file's own most common type's share (a reference, not a method).\n\
         The English lexicon was written with the gsr file in view: its figures on gsr are not held out."
    );
    Ok(())
}

/// The prior a direction's classifier was trained with (`b`: balanced); within a file, each
/// outer fold's.
fn training_text(trainings: &[(f32, bool)]) -> String {
    trainings.iter().map(|(p, b)| format!("{p}{}", if *b { "b" } else { "" })).collect::<Vec<_>>().join(",")
}

type Centroids = Vec<(storyline_events::PloverType, Vec<f32>)>;

/// The mean vector of each type's sentences.
fn centroids<'a>(labelled: impl Iterator<Item = (&'a Vec<f32>, storyline_events::PloverType)>) -> Centroids {
    let mut sums: BTreeMap<storyline_events::PloverType, (Vec<f32>, usize)> = BTreeMap::new();
    for (v, t) in labelled {
        let entry = sums.entry(t).or_insert_with(|| (vec![0.0; v.len()], 0));
        for (s, x) in entry.0.iter_mut().zip(v) {
            *s += x;
        }
        entry.1 += 1;
    }
    sums.into_iter().map(|(t, (sum, n))| (t, sum.into_iter().map(|x| x / n as f32).collect())).collect()
}

fn nearest(centroids: &Centroids, v: &[f32]) -> Option<storyline_events::PloverType> {
    centroids
        .iter()
        .map(|(t, c)| (*t, storyline_embed::cosine(c, v)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(t, _)| t)
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

#[derive(Args)]
pub struct EvalTimelineArgs {
    /// The ML-Crisis folder (LANG/TOPIC/YYYY-MM-DD/*.txt and LANG/reference/TOPIC.txt).
    #[arg(long, default_value = "../shared/eval/timelines")]
    pub data: PathBuf,
}

#[derive(Serialize)]
struct TopicScores {
    language: String,
    topic: String,
    articles: usize,
    reference_dates: usize,
    sentences_per_date: usize,
    date_f1: Prf,
    concat_rouge1: Prf,
    concat_rouge2: Prf,
    agreement_rouge1: Prf,
    agreement_rouge2: Prf,
}

pub fn eval_timeline(args: &EvalTimelineArgs, json: bool) -> Result<()> {
    let mut results = Vec::new();
    for language in storyline_timeline::data::languages(&args.data)? {
        for topic in storyline_timeline::data::topics(&args.data, &language)? {
            // Same-language reference: the system writes in its articles' language.
            let Some(reference) = storyline_timeline::data::reference(&args.data, &language, &topic)? else { continue };
            let articles = storyline_timeline::data::articles(&args.data, &language, &topic)?;
            if articles.is_empty() || reference.is_empty() {
                continue;
            }
            let sentences: usize = reference.values().map(Vec::len).sum();
            let per_date = ((sentences as f64 / reference.len() as f64).round() as usize).max(1);
            let system = storyline_timeline::summarise(&articles, Some(&language), reference.len(), per_date);
            results.push(TopicScores {
                language: language.clone(),
                topic,
                articles: articles.len(),
                reference_dates: reference.len(),
                sentences_per_date: per_date,
                date_f1: metrics::date_f1(&system, &reference),
                concat_rouge1: metrics::concat_rouge(&system, &reference, 1),
                concat_rouge2: metrics::concat_rouge(&system, &reference, 2),
                agreement_rouge1: metrics::agreement_rouge(&system, &reference, 1),
                agreement_rouge2: metrics::agreement_rouge(&system, &reference, 2),
            });
        }
    }
    if results.is_empty() {
        bail!("no topics with articles and a same-language reference under {}", args.data.display());
    }
    let n = results.len() as f64;
    let mean = |f: &dyn Fn(&TopicScores) -> f64| results.iter().map(f).sum::<f64>() / n;
    let means = serde_json::json!({
        "date_f1": mean(&|r| r.date_f1.f1),
        "concat_rouge1_f1": mean(&|r| r.concat_rouge1.f1),
        "concat_rouge2_f1": mean(&|r| r.concat_rouge2.f1),
        "agreement_rouge1_f1": mean(&|r| r.agreement_rouge1.f1),
        "agreement_rouge2_f1": mean(&|r| r.agreement_rouge2.f1),
    });
    if json {
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "topics": results, "mean": means }))?);
        return Ok(());
    }
    println!(
        "{:<4} {:<7} {:>8} {:>6} {:>7} {:>8} {:>8} {:>8} {:>8}",
        "lang", "topic", "articles", "dates", "date-F1", "concat-1", "concat-2", "agree-1", "agree-2"
    );
    for r in &results {
        println!(
            "{:<4} {:<7} {:>8} {:>6} {:>7.3} {:>8.3} {:>8.3} {:>8.3} {:>8.3}",
            r.language,
            r.topic,
            r.articles,
            r.reference_dates,
            r.date_f1.f1,
            r.concat_rouge1.f1,
            r.concat_rouge2.f1,
            r.agreement_rouge1.f1,
            r.agreement_rouge2.f1
        );
    }
    println!(
        "mean over {} topic-languages: date-F1 {:.3}, concat ROUGE-1 {:.3}, ROUGE-2 {:.3}, agreement ROUGE-1 {:.3}, ROUGE-2 {:.3} (all F1)",
        results.len(),
        means["date_f1"].as_f64().unwrap_or(0.0),
        means["concat_rouge1_f1"].as_f64().unwrap_or(0.0),
        means["concat_rouge2_f1"].as_f64().unwrap_or(0.0),
        means["agreement_rouge1_f1"].as_f64().unwrap_or(0.0),
        means["agreement_rouge2_f1"].as_f64().unwrap_or(0.0)
    );
    Ok(())
}
