//! `storyline eval geo` and `storyline geocode`: the command-line face of storyline-geo.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use storyline_geo::eval::{geocode_corpus, read_gwn, read_lgl, score, EvalError, GeoScore, GoldArticle};
use storyline_geo::{Gazetteer, GeoContext, Place};

/// Where the gazetteer is: a flag, then `STORYLINE_GEONAMES`, then `models/geonames`.
#[derive(Args, Clone)]
pub struct GazetteerArg {
    /// The gazetteer directory that `scripts/setup.d/10-geonames.sh` installs.
    #[arg(long, env = "STORYLINE_GEONAMES", default_value = storyline_geo::DEFAULT_DIR)]
    pub geonames: PathBuf,
}

/// Arguments of `storyline eval geo`.
#[derive(Args)]
pub struct GeoEvalArgs {
    /// GeoWebNews' GWN.xml (e.g. ../shared/eval/geo/GWN.xml).
    #[arg(long)]
    pub gwn: Option<PathBuf>,
    /// LGL's lgl.xml (e.g. ../shared/eval/geo/lgl.xml).
    #[arg(long)]
    pub lgl: Option<PathBuf>,
    /// Also write every toponym's outcome as JSON Lines to this file (for error analysis).
    #[arg(long)]
    pub outcomes: Option<PathBuf>,
    #[command(flatten)]
    pub gazetteer: GazetteerArg,
}

fn load(dir: &Path) -> Result<(Gazetteer, f64)> {
    let started = Instant::now();
    let gazetteer = Gazetteer::load(dir).with_context(|| format!("loading the gazetteer from {}", dir.display()))?;
    Ok((gazetteer, started.elapsed().as_secs_f64()))
}

/// Geocodes every gold toponym of the given corpora and reports accuracy.
pub fn eval(args: GeoEvalArgs, json: bool) -> Result<()> {
    if args.gwn.is_none() && args.lgl.is_none() {
        bail!("give --gwn GWN.xml and/or --lgl lgl.xml (see ../shared/eval/geo/)");
    }
    let (gazetteer, load_s) = load(&args.gazetteer.geonames)?;
    eprintln!(
        "gazetteer: {} places, {} name entries, loaded in {load_s:.2} s",
        gazetteer.len(),
        gazetteer.name_count()
    );
    let mut scores: Vec<GeoScore> = Vec::new();
    let mut lines = Vec::new();
    type Reader = fn(&Path) -> Result<Vec<GoldArticle>, EvalError>;
    for (corpus, path, reader) in
        [("GeoWebNews", &args.gwn, read_gwn as Reader), ("LGL", &args.lgl, read_lgl as Reader)]
    {
        let Some(path) = path else { continue };
        let articles = reader(path).with_context(|| format!("reading {corpus} from {}", path.display()))?;
        let started = Instant::now();
        let outcomes = geocode_corpus(&gazetteer, &articles);
        eprintln!("{corpus}: geocoded {} toponyms in {:.2} s", outcomes.len(), started.elapsed().as_secs_f64());
        if args.outcomes.is_some() {
            for outcome in &outcomes {
                lines.push(serde_json::to_string(&serde_json::json!({ "corpus": corpus, "outcome": outcome }))?);
            }
        }
        scores.push(score(corpus, articles.len(), &outcomes));
    }
    if let Some(file) = &args.outcomes {
        std::fs::write(file, lines.join("\n") + "\n").with_context(|| format!("writing {}", file.display()))?;
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "load_seconds": load_s, "corpora": scores }))?
        );
        return Ok(());
    }
    println!(
        "{:<11} {:>5} {:>6} {:>8} {:>7} {:>8} {:>10} {:>11} {:>10}",
        "corpus", "n", "with id", "resolved", "exact", "acc@161", "acc@161|id", "mean km", "median km"
    );
    for s in &scores {
        println!(
            "{:<11} {:>5} {:>6} {:>8} {:>7.3} {:>8.3} {:>10.3} {:>11.1} {:>10.1}",
            s.corpus,
            s.n,
            s.n_with_id,
            s.resolved,
            s.exact,
            s.acc_161km,
            s.acc_161km_or_exact,
            s.mean_error_km,
            s.median_error_km
        );
    }
    for s in &scores {
        let parts: Vec<String> =
            s.by_feature.iter().map(|f| format!("{} {} ({:.3})", f.feature, f.n, f.acc_161km_or_exact)).collect();
        println!("{}: chosen kinds: {}", s.corpus, parts.join(", "));
    }
    println!(
        "exact: same GeoNames id (of toponyms whose gold has one); acc@161: within 161 km, unresolved = miss; acc@161|id: within 161 km or exact"
    );
    Ok(())
}

/// `storyline geocode NAME --context NAME…`: the place a name resolves to, and its rivals.
pub fn geocode(name: &str, context: &[String], gazetteer: &GazetteerArg, json: bool) -> Result<()> {
    let (gazetteer, load_s) = load(&gazetteer.geonames)?;
    let mut names: Vec<&str> = vec![name];
    names.extend(context.iter().map(String::as_str));
    let resolved = gazetteer.resolve_document(&names);
    let mut geo_context = GeoContext::default();
    for place in resolved.iter().skip(1).flatten() {
        geo_context.add_place(place, 1.0);
    }
    let candidates = gazetteer.explain(name, &geo_context);
    if json {
        let candidates: Vec<_> =
            candidates.iter().take(10).map(|(p, s)| serde_json::json!({ "place": p, "score": s })).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "name": name,
                "place": resolved[0],
                "context": names[1..].iter().zip(&resolved[1..]).map(|(n, p)| serde_json::json!({"name": n, "place": p})).collect::<Vec<_>>(),
                "candidates": candidates,
            }))?
        );
        return Ok(());
    }
    eprintln!("(gazetteer loaded in {load_s:.2} s)");
    match &resolved[0] {
        Some(place) => println!("{name} → {}", describe(place)),
        None => println!("{name} → not found"),
    }
    for (n, place) in names[1..].iter().zip(&resolved[1..]) {
        println!("  context {n} → {}", place.as_ref().map(describe).unwrap_or_else(|| "not found".into()));
    }
    if candidates.len() > 1 {
        println!("candidates (score in this context):");
        for (place, score) in candidates.iter().take(10) {
            println!("  {score:>6.2}  {}", describe(place));
        }
    }
    Ok(())
}

fn describe(place: &Place) -> String {
    format!(
        "{} ({}, {}{}, {:.4}, {:.4}, pop {}, geonameid {})",
        place.name,
        place.feature.as_str(),
        place.country_code,
        if place.admin1.is_empty() { String::new() } else { format!("-{}", place.admin1) },
        place.lat,
        place.lon,
        place.population,
        place.geonameid.map(|i| i.to_string()).unwrap_or_else(|| "none".into())
    )
}
