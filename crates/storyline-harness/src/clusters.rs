//! `eval clusters` and `eval dedup`: the pipeline's event clustering and duplicate detection
//! measured against gold labels, on a throwaway store.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use serde::Serialize;
use storyline_eval::{bcubed, pairwise, ClusterScores, Counts};
use storyline_model::DuplicateKind;
use storyline_store::Store;

use crate::print_json;
use storyline_pipeline::{ingest_articles, ingest_paths, IngestOptions};

#[derive(Args)]
pub struct ClustersArgs {
    /// JSON Lines of articles in arrival order, each with the storyline fields (`text`, …) and a
    /// gold `cluster` label (string or number).
    #[arg(long)]
    pub gold: PathBuf,
}

#[derive(Args)]
pub struct DedupArgs {
    /// Files or folders of articles to ingest.
    #[arg(long, required = true, num_args = 1..)]
    pub articles: Vec<PathBuf>,
    /// Gold duplicate pairs: JSON Lines `{"original": ID, "copy": ID, "kind": "exact|near_duplicate|republication"}`.
    /// Pairs not listed are taken as not duplicates.
    #[arg(long)]
    pub gold: PathBuf,
}

#[derive(Debug, Serialize)]
struct ClusterReport {
    articles: usize,
    gold_clusters: usize,
    predicted_clusters: usize,
    bcubed: ClusterScores,
    pairwise: ClusterScores,
}

pub fn clusters(args: &ClustersArgs, json: bool) -> Result<()> {
    let text = std::fs::read_to_string(&args.gold).with_context(|| format!("reading {}", args.gold.display()))?;
    let mut articles = Vec::new();
    let mut gold = Vec::new();
    for (number, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let value: serde_json::Value =
            serde_json::from_str(line).with_context(|| format!("{}:{}: not JSON", args.gold.display(), number + 1))?;
        let label = match &value["cluster"] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => bail!("{}:{}: no gold `cluster` label", args.gold.display(), number + 1),
        };
        let article = storyline_ingest::parse_jsonl_line(line)
            .map_err(|reason| anyhow::anyhow!("{}:{}: {reason}", args.gold.display(), number + 1))?;
        gold.push((article.id.clone(), label));
        articles.push(article);
    }
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("eval.db"))?;
    ingest_articles(&mut store, articles, &IngestOptions::default())?;

    let mut predicted = Vec::with_capacity(gold.len());
    for (id, _) in &gold {
        let detail = store.article(id)?.with_context(|| format!("article {id} was not stored"))?;
        predicted.push(detail.event);
    }
    let labels: Vec<&String> = gold.iter().map(|(_, l)| l).collect();
    let report = ClusterReport {
        articles: gold.len(),
        gold_clusters: labels.iter().collect::<BTreeSet<_>>().len(),
        predicted_clusters: predicted.iter().collect::<BTreeSet<_>>().len(),
        bcubed: bcubed(&labels, &predicted),
        pairwise: pairwise(&labels, &predicted),
    };
    if json {
        return print_json(&report);
    }
    println!(
        "{} articles: {} gold clusters, {} predicted",
        report.articles, report.gold_clusters, report.predicted_clusters
    );
    println!("{:<10} {:>9} {:>9} {:>9}", "metric", "precision", "recall", "f1");
    for (name, s) in [("BCubed", report.bcubed), ("pairwise", report.pairwise)] {
        println!("{name:<10} {:>9.4} {:>9.4} {:>9.4}", s.precision, s.recall, s.f1);
    }
    Ok(())
}

#[derive(Debug, Serialize)]
struct DedupScores {
    precision: f64,
    recall: f64,
    f1: f64,
    #[serde(flatten)]
    counts: Counts,
}

impl From<Counts> for DedupScores {
    fn from(counts: Counts) -> Self {
        DedupScores { precision: counts.precision(), recall: counts.recall(), f1: counts.f1(), counts }
    }
}

#[derive(Debug, Serialize)]
struct DedupReport {
    /// A predicted pair is correct when gold has the same two articles (either direction).
    any_kind: DedupScores,
    /// Per kind: correct when gold has the pair with that kind.
    by_kind: BTreeMap<&'static str, DedupScores>,
}

#[derive(serde::Deserialize)]
struct GoldPair {
    original: String,
    copy: String,
    kind: String,
}

pub fn dedup(args: &DedupArgs, json: bool) -> Result<()> {
    let text = std::fs::read_to_string(&args.gold).with_context(|| format!("reading {}", args.gold.display()))?;
    let mut gold: HashMap<(String, String), DuplicateKind> = HashMap::new();
    for (number, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let pair: GoldPair = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: not a gold pair", args.gold.display(), number + 1))?;
        let kind = DuplicateKind::parse(&pair.kind)
            .with_context(|| format!("{}:{}: unknown kind {:?}", args.gold.display(), number + 1, pair.kind))?;
        gold.insert(unordered(pair.original, pair.copy), kind);
    }
    let dir = tempfile::tempdir()?;
    let mut store = Store::open(&dir.path().join("eval.db"))?;
    ingest_paths(&mut store, &args.articles, &IngestOptions::default(), &|_| {})?;
    let predicted: HashMap<(String, String), DuplicateKind> =
        store.duplicates(None)?.into_iter().map(|r| (unordered(r.original, r.copy), r.kind)).collect();

    let mut any = Counts { predicted: predicted.len(), gold: gold.len(), ..Default::default() };
    any.correct = predicted.keys().filter(|pair| gold.contains_key(*pair)).count();
    let mut by_kind = BTreeMap::new();
    for kind in [DuplicateKind::Exact, DuplicateKind::NearDuplicate, DuplicateKind::Republication] {
        let of_kind = |map: &HashMap<(String, String), DuplicateKind>| -> BTreeSet<(String, String)> {
            map.iter().filter(|(_, k)| **k == kind).map(|(p, _)| p.clone()).collect()
        };
        let (p, g) = (of_kind(&predicted), of_kind(&gold));
        let counts = Counts { correct: p.intersection(&g).count(), predicted: p.len(), gold: g.len() };
        by_kind.insert(kind.as_str(), DedupScores::from(counts));
    }
    let report = DedupReport { any_kind: any.into(), by_kind };
    if json {
        return print_json(&report);
    }
    println!(
        "{:<16} {:>9} {:>9} {:>9} {:>8} {:>8} {:>8}",
        "kind", "precision", "recall", "f1", "correct", "pred", "gold"
    );
    let rows = std::iter::once(("any", &report.any_kind)).chain(report.by_kind.iter().map(|(k, s)| (*k, s)));
    for (name, s) in rows {
        println!(
            "{name:<16} {:>9.4} {:>9.4} {:>9.4} {:>8} {:>8} {:>8}",
            s.precision, s.recall, s.f1, s.counts.correct, s.counts.predicted, s.counts.gold
        );
    }
    Ok(())
}

fn unordered(a: String, b: String) -> (String, String) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}
