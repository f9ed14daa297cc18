//! The figures of `storyline eval geo` from this crate alone, for quick turns while working on the
//! geocoder: `cargo run --release -p storyline-geo --example geo_eval -- GWN.xml lgl.xml [OUTCOMES.jsonl]`
//! (the gazetteer from `STORYLINE_GEONAMES` or `models/geonames`). The reported figures come from
//! the `storyline` command.

use std::path::Path;

use storyline_geo::eval::{geocode_corpus, read_gwn, read_lgl, score};
use storyline_geo::Gazetteer;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("explain") {
        // `geo_eval explain NAME OTHER…`: NAME's candidates in the context the other names make.
        let gazetteer = Gazetteer::load(storyline_geo::DEFAULT_DIR)?;
        let others: Vec<&str> = args[2..].iter().map(String::as_str).collect();
        let context = gazetteer.context_for(&others);
        for (place, score) in gazetteer.explain(&args[1], &context).iter().take(8) {
            println!(
                "{score:6.2} {} ({:?}, {}-{}, {:.3}, {:.3}, pop {})",
                place.name, place.feature, place.country_code, place.admin1, place.lat, place.lon, place.population
            );
        }
        return Ok(());
    }
    let [gwn, lgl, rest @ ..] = args.as_slice() else {
        return Err("usage: geo_eval GWN.xml lgl.xml [OUTCOMES.jsonl]".into());
    };
    let dir = std::env::var("STORYLINE_GEONAMES").unwrap_or_else(|_| storyline_geo::DEFAULT_DIR.to_string());
    let started = std::time::Instant::now();
    let gazetteer = Gazetteer::load(&dir)?;
    eprintln!("gazetteer: {} places, loaded in {:.2} s", gazetteer.len(), started.elapsed().as_secs_f64());
    let mut lines = Vec::new();
    for (corpus, articles) in [("GeoWebNews", read_gwn(Path::new(gwn))?), ("LGL", read_lgl(Path::new(lgl))?)] {
        let outcomes = geocode_corpus(&gazetteer, &articles);
        let s = score(corpus, articles.len(), &outcomes);
        let unresolved = s.n - s.resolved;
        println!(
            "{corpus:<11} n {} exact {:.3} acc@161 {:.3} acc@161|id {:.3} unresolved {unresolved}",
            s.n, s.exact, s.acc_161km, s.acc_161km_or_exact
        );
        for outcome in &outcomes {
            lines.push(serde_json::to_string(&serde_json::json!({ "corpus": corpus, "outcome": outcome }))?);
        }
    }
    if let Some(file) = rest.first() {
        std::fs::write(file, lines.join("\n") + "\n")?;
    }
    Ok(())
}
