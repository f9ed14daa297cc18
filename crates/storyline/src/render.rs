//! Human and JSON output of the CLI. JSON shapes are the serde forms of the library's types.

use anyhow::Result;
use storyline_model::{DuplicateRelation, Evidence};
use storyline_pipeline::{EventCoverage, IngestReport, StorylineTimeline};
use storyline_store::{ArticleDetail, EventDetail, EventSummary, StorylineSummary};

pub use storyline_harness::print_json;

fn date(value: &Option<String>) -> &str {
    value.as_deref().and_then(|d| d.get(..10)).unwrap_or("undated")
}

pub fn ingest_report(report: &IngestReport, json: bool) -> Result<()> {
    if json {
        return print_json(report);
    }
    for skip in &report.skipped {
        println!("skipped {}: {}", skip.origin, skip.reason);
    }
    // A folder of dated subfolders repeats file names by the hundred: a few examples say what
    // happened, and `--json` lists every one.
    const RENAMES_SHOWN: usize = 5;
    for (file, id) in report.renamed.iter().take(RENAMES_SHOWN) {
        println!("read {file} as {id}: its file name is the id of another article");
    }
    if report.renamed.len() > RENAMES_SHOWN {
        println!(
            "… and {} more files read under a new id, their file names being ids of other articles (`--json` lists them)",
            report.renamed.len() - RENAMES_SHOWN
        );
    }
    let duplicates: usize = report.duplicates.values().sum();
    let kinds: Vec<String> = report.duplicates.iter().map(|(k, n)| format!("{n} {}", k.as_str())).collect();
    let kinds = if kinds.is_empty() { String::new() } else { format!(" ({})", kinds.join(", ")) };
    println!(
        "read {} files, {} articles: {} new, {} unchanged, {} duplicates{}, {} skipped; {} new events",
        report.files,
        report.articles,
        report.new,
        report.unchanged,
        duplicates,
        kinds,
        report.skipped.len(),
        report.events_created
    );
    Ok(())
}

pub fn stories(events: &[EventSummary], json: bool) -> Result<()> {
    if json {
        return print_json(events);
    }
    if events.is_empty() {
        println!("No stories yet: ingest some articles with `storyline ingest PATH`.");
    }
    for event in events {
        let dates = match (&event.first_published, &event.last_published) {
            (Some(_), _) if event.first_published == event.last_published => date(&event.first_published).to_string(),
            (Some(_), Some(_)) => format!("{} – {}", date(&event.first_published), date(&event.last_published)),
            _ => "undated".to_string(),
        };
        let outlets = if event.outlets.is_empty() { "outlets unknown".to_string() } else { event.outlets.join(", ") };
        println!("#{}  {}", event.id, event.title);
        println!(
            "     {} · {} article{} · {} · {}",
            dates,
            event.article_count,
            if event.article_count == 1 { "" } else { "s" },
            outlets,
            event.articles.join(" ")
        );
    }
    Ok(())
}

pub fn event(detail: &EventDetail, json: bool) -> Result<()> {
    if json {
        return print_json(detail);
    }
    let summary = &detail.summary;
    println!("Event #{}: {}", summary.id, summary.title);
    println!(
        "{} article{} · languages: {}",
        summary.article_count,
        if summary.article_count == 1 { "" } else { "s" },
        summary.languages.join(", ")
    );
    for member in &detail.members {
        let copy = match &member.copy_of {
            Some((original, kind)) => format!("  ({} of {original})", kind.as_str()),
            None => String::new(),
        };
        println!(
            "  {}  {}  [{}; {}]{}",
            member.id,
            member.title.as_deref().unwrap_or("(untitled)"),
            member.outlet.as_deref().unwrap_or("outlet unknown"),
            date(&member.published),
            copy
        );
    }
    Ok(())
}

pub fn article(detail: &ArticleDetail, json: bool) -> Result<()> {
    if json {
        return print_json(detail);
    }
    let a = &detail.article;
    println!("{}", a.title.as_deref().unwrap_or("(untitled)"));
    println!("id: {}   event: #{}", a.id, detail.event);
    if let Some(outlet) = &a.outlet {
        println!("outlet: {outlet}");
    }
    if let Some(author) = &a.author {
        println!("author: {author}");
    }
    match (a.published_local(), a.date_source) {
        (Some(stated), Some(source)) => println!("published: {} (from the {})", stated.to_rfc3339(), source.describe()),
        (Some(stated), None) => println!("published: {}", stated.to_rfc3339()),
        _ => println!("published: unknown"),
    }
    if let Some(language) = &a.language {
        println!("language: {} ({:.2})", language.code, language.confidence);
    }
    if let Some(url) = &a.url {
        println!("url: {url}");
    }
    println!("source: {} ({})", a.source.path.as_deref().unwrap_or("-"), a.source.format.as_str());
    println!("\n{}\n", a.text);
    if !a.removed.is_empty() {
        println!("Removed clutter:");
        for removed in &a.removed {
            println!("  [{}] {}", removed.reason, removed.text);
        }
    }
    if !detail.duplicates.is_empty() {
        println!("Duplicate relations:");
        duplicates(&detail.duplicates, false)?;
    }
    Ok(())
}

pub fn duplicates(relations: &[DuplicateRelation], json: bool) -> Result<()> {
    if json {
        return print_json(relations);
    }
    if relations.is_empty() {
        println!("No duplicates found.");
    }
    for r in relations {
        println!("{} is a {} of {} (score {:.2})", r.copy, r.kind.as_str().replace('_', "-"), r.original, r.score);
        match &r.evidence {
            Evidence::SameText { hash } => println!("    same normalised text (hash {hash})"),
            Evidence::Shingles { estimated_jaccard, shingle_size } => {
                println!("    estimated Jaccard of word {shingle_size}-shingles: {estimated_jaccard:.2}")
            }
            Evidence::AlignedSentences { copy_coverage, original_coverage, pairs } => {
                println!(
                    "    {} aligned sentence pairs; {:.0}% of the copy's sentences, {:.0}% of the original's",
                    pairs.len(),
                    copy_coverage * 100.0,
                    original_coverage * 100.0
                );
                for pair in pairs {
                    println!("    {:.2}  original #{}: {}", pair.similarity, pair.original_index, pair.original);
                    println!("          copy #{}:     {}", pair.copy_index, pair.copy);
                }
            }
        }
    }
    Ok(())
}

pub fn storylines(storylines: &[StorylineSummary], json: bool) -> Result<()> {
    if json {
        return print_json(storylines);
    }
    if storylines.is_empty() {
        println!("No storylines yet: ingest some articles with `storyline ingest PATH`.");
    }
    for storyline in storylines {
        println!("Storyline {}: {} ({} events)", storyline.id, storyline.title, storyline.event_count);
        for entry in &storyline.timeline {
            let event = &entry.event;
            println!(
                "  {}  #{} {} ({} articles)",
                date(&event.first_published),
                event.id,
                event.title,
                event.article_count
            );
        }
    }
    Ok(())
}

pub fn timeline(timeline: &StorylineTimeline, json: bool) -> Result<()> {
    if json {
        return print_json(timeline);
    }
    storylines(std::slice::from_ref(&timeline.storyline), false)?;
    if timeline.summary.is_empty() {
        println!("\nNo dated articles to summarise.");
        return Ok(());
    }
    println!("\nWhat happened:");
    for day in &timeline.summary {
        println!("  {}", day.date);
        for sentence in &day.sentences {
            println!("    · {} [{}, event #{}]", sentence.text, sentence.article, sentence.event);
        }
    }
    Ok(())
}

pub fn coverage(report: &EventCoverage, json: bool) -> Result<()> {
    if json {
        return print_json(report);
    }
    let coverage = &report.coverage;
    println!("Event #{}: {}", report.event, report.summary.headline);
    for sentence in &report.summary.sentences {
        println!("  · {} [{}; {} outlets]", sentence.text, sentence.article, sentence.outlets);
    }
    println!("\nOutlets:");
    for row in &coverage.outlets {
        println!("  {}: {}", row.outlet, row.articles.join(", "));
        for copy in &row.republished_by {
            println!("      republished by {} as {} (of {})", copy.outlet, copy.article, copy.original);
        }
    }
    let shared: Vec<_> = coverage.claims.iter().filter(|c| c.outlets.len() > 1).collect();
    println!("\nFacts reported by several outlets ({}):", shared.len());
    for claim in shared {
        println!("  [{}] {}", claim.outlets.join("; "), claim.statements[0].text);
    }
    println!("\nFacts reported by one outlet only ({}):", coverage.unique.len());
    for &index in &coverage.unique {
        let claim = &coverage.claims[index];
        println!("  [{}] {}", claim.outlets[0], claim.statements[0].text);
    }
    println!("\nDisagreements ({}):", coverage.disagreements.len());
    for disagreement in &coverage.disagreements {
        let values: Vec<String> =
            disagreement.values.iter().map(|v| format!("{:?} ({})", v.value, v.outlets.join("; "))).collect();
        println!("  {} of {}: {}", disagreement.slot, disagreement.subject, values.join(" vs "));
    }
    Ok(())
}
