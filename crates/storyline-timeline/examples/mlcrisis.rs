//! Timeline summarisation on ML-Crisis without the CLI (the same computation as `storyline eval
//! timeline`): `cargo run --release -p storyline-timeline --example mlcrisis -- ../shared/eval/timelines`.

use storyline_timeline::{data, metrics, summarise};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = std::path::PathBuf::from(std::env::args().nth(1).ok_or("usage: mlcrisis DATA_DIR")?);
    println!("lang topic   articles dates date-F1 concat-1 concat-2 agree-1 agree-2");
    for language in data::languages(&root)? {
        for topic in data::topics(&root, &language)? {
            let Some(reference) = data::reference(&root, &language, &topic)? else { continue };
            let articles = data::articles(&root, &language, &topic)?;
            let sentences: usize = reference.values().map(Vec::len).sum();
            let per_date = ((sentences as f64 / reference.len() as f64).round() as usize).max(1);
            let system = summarise(&articles, Some(&language), reference.len(), per_date);
            println!(
                "{language:<4} {topic:<7} {:>8} {:>5} {:>7.3} {:>8.3} {:>8.3} {:>7.3} {:>7.3}",
                articles.len(),
                reference.len(),
                metrics::date_f1(&system, &reference).f1,
                metrics::concat_rouge(&system, &reference, 1).f1,
                metrics::concat_rouge(&system, &reference, 2).f1,
                metrics::agreement_rouge(&system, &reference, 1).f1,
                metrics::agreement_rouge(&system, &reference, 2).f1
            );
        }
    }
    Ok(())
}
