//! `storyline events` (coded events from the store, listed or exported as TSV), `eval events`
//! (PLOVER gold records) and `eval timeline` (ML-Crisis timeline summarisation).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use serde::Serialize;
use storyline_events::gold::NameFinder;
use storyline_store::{CodedEventFilter, Store, StoredActor, StoredCodedEvent};
use storyline_timeline::metrics::{self, Prf};

#[derive(Args)]
pub struct EventsArgs {
    /// Only events with an actor or target whose text contains this, or with this country code.
    #[arg(long)]
    pub actor: Option<String>,
    /// Only events of this PLOVER type (AGREE, CONSULT, SUPPORT, …).
    #[arg(long = "type")]
    pub event_type: Option<String>,
    /// Only events dated (or, undated, published) on or after this day (YYYY-MM-DD).
    #[arg(long)]
    pub since: Option<String>,
    /// Export tab-separated values in GDELT-like columns.
    #[arg(long)]
    pub tsv: bool,
}

pub fn list(store: &Store, args: &EventsArgs, json: bool) -> Result<()> {
    if let Some(t) = &args.event_type {
        if storyline_events::PloverType::parse(t).is_none() {
            bail!("unknown event type {t:?}; PLOVER types are AGREE, CONSULT, SUPPORT, COOPERATE, AID, CONCEDE, RETREAT, REQUEST, ACCUSE, REJECT, THREATEN, PROTEST, MOBILIZE, SANCTION, COERCE, ASSAULT");
        }
    }
    if let Some(since) = &args.since {
        chrono::NaiveDate::parse_from_str(since, "%Y-%m-%d")
            .with_context(|| format!("--since {since:?} is not YYYY-MM-DD"))?;
    }
    let filter = CodedEventFilter {
        actor: args.actor.clone(),
        event_type: args.event_type.as_deref().and_then(storyline_events::PloverType::parse).map(|t| t.as_str().into()),
        since: args.since.clone(),
    };
    let events = store.coded_events(&filter)?;
    if args.tsv {
        print_tsv(&events);
    } else if json {
        println!("{}", serde_json::to_string_pretty(&events)?);
    } else {
        for e in &events {
            println!(
                "{:<10} {} → {}  [{}]  {}  ({}#{})",
                e.event_type,
                names(&e.actors),
                names(&e.targets),
                e.trigger,
                date_of(e).unwrap_or_else(|| e
                    .date_text
                    .clone()
                    .map(|t| format!("\"{t}\" (unresolved)"))
                    .unwrap_or("date unknown".into())),
                e.article,
                e.sentence_index
            );
        }
        eprintln!("{} coded events", events.len());
    }
    Ok(())
}

fn names(actors: &[StoredActor]) -> String {
    if actors.is_empty() {
        return "-".into();
    }
    actors
        .iter()
        .map(|a| match &a.code {
            Some(c) => format!("{} ({c})", a.text),
            None => a.text.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn date_of(e: &StoredCodedEvent) -> Option<String> {
    match (&e.date_start, &e.date_end) {
        (Some(s), Some(t)) if s == t => Some(s.clone()),
        (Some(s), Some(t)) => Some(format!("{s}/{t}")),
        _ => None,
    }
}

fn clean(text: &str) -> String {
    text.replace(['\t', '\n', '\r'], " ")
}

/// One row per actor–target pair (an event without a target gives one row per actor), like
/// GDELT's dyadic rows. Coordinates are empty: geocoding is another stage's job. Source count
/// and URLs gather the articles that coded the same date, pair, type and location.
fn print_tsv(events: &[StoredCodedEvent]) {
    println!("date\tactor1\tactor1_code\tactor2\tactor2_code\tevent_type\tlocation\tlat\tlon\tsource_count\turls");
    let mut rows: BTreeMap<(String, String, String, String, String, String, String), Vec<String>> = BTreeMap::new();
    let none = StoredActor { text: String::new(), code: None };
    for e in events {
        let date =
            date_of(e).or_else(|| e.published.as_ref().map(|p| p.chars().take(10).collect())).unwrap_or_default();
        let targets: Vec<&StoredActor> = if e.targets.is_empty() { vec![&none] } else { e.targets.iter().collect() };
        let actors: Vec<&StoredActor> = if e.actors.is_empty() { vec![&none] } else { e.actors.iter().collect() };
        for a in &actors {
            for t in &targets {
                let key = (
                    date.clone(),
                    clean(&a.text),
                    a.code.clone().unwrap_or_default(),
                    clean(&t.text),
                    t.code.clone().unwrap_or_default(),
                    e.event_type.clone(),
                    e.location.as_ref().map(|l| clean(&l.text)).unwrap_or_default(),
                );
                let source = e.url.clone().unwrap_or_else(|| e.article.clone());
                let list = rows.entry(key).or_default();
                if !list.contains(&source) {
                    list.push(source);
                }
            }
        }
    }
    for ((date, a, ac, t, tc, kind, location), sources) in rows {
        println!("{date}\t{a}\t{ac}\t{t}\t{tc}\t{kind}\t{location}\t\t\t{}\t{}", sources.len(), sources.join(" "));
    }
}

#[derive(Args)]
pub struct EvalEventsArgs {
    /// The PLOVER gold records (JSON array).
    #[arg(long, default_value = "../shared/eval/events/PLOVER_GSR_CAMEO.txt")]
    pub plover: PathBuf,
    /// The models folder; the NER model there (ner.bin) finds actors when present.
    #[arg(long = "models", env = "STORYLINE_MODELS", default_value = "models")]
    pub models_dir: PathBuf,
}

pub fn eval_events(args: &EvalEventsArgs, json: bool) -> Result<()> {
    let records = storyline_events::gold::read_gold(&args.plover)?;
    let coder = storyline::events::coder(&args.models_dir);
    // Actors as ingest finds them: from the entities extracted, when the models are there.
    let find = storyline::entities::load_extractor(&args.models_dir)
        .map(|x| move |sentence: &str| storyline::events::found_names(&x.extract_text(sentence), 0));
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
