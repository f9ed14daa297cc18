//! `storyline events`: coded events from the store, listed or exported as TSV.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use clap::Args;
use storyline_store::{CodedEventFilter, Store, StoredActor, StoredCodedEvent};

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
