//! Prints what extraction finds in text files: `cargo run --example dump_tags -- FILE…`
//! (models from STORYLINE_MODELS or ./models).
fn main() -> anyhow::Result<()> {
    let models = std::env::var("STORYLINE_MODELS").unwrap_or_else(|_| "models".into());
    let extractor = storyline_entities::Extractor::load(models.as_ref())?;
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path)?;
        let found = extractor.extract_text(&text);
        println!("=== {path}");
        for (i, e) in found.entities.iter().enumerate() {
            println!(
                "  E{i} {:6} {:35} forms={:?} roles={:?} {:?} {:?}",
                e.kind.as_str(),
                e.name,
                e.forms,
                e.roles,
                e.country,
                e.geonameid
            );
        }
        for q in &found.quotes {
            let who = q.speaker.map(|s| found.entities[s].name.clone());
            println!(
                "  Q [{:?} via {:?} {:?}] {}",
                who,
                q.speaker_text,
                q.cue,
                q.text.chars().take(60).collect::<String>()
            );
        }
    }
    Ok(())
}
