//! storyline's measurement harnesses: `storyline eval …` (each subcommand measures one
//! capability against public gold data and prints a table, or JSON with `--json`), `storyline
//! bench …` (speed on real work, each figure beside its baseline from the same run), and the
//! training commands whose output they measure (`train-ner`). The command-line tool only parses
//! the arguments and calls [`eval`], [`bench`] or a module's entry point; the pipeline itself is
//! `storyline-pipeline`, which knows nothing of these.

mod args;
pub mod bench;
mod clusters;
mod events;
pub mod geo;
pub mod ner;
mod pairs;
mod sts;
mod synthetic;

pub use args::ModelArgs;
pub use bench::BenchCommand;
pub use geo::GazetteerArg;

use anyhow::Result;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum EvalCommand {
    /// Event clustering against gold clusters: BCubed and pairwise precision, recall and F1.
    Clusters(crate::clusters::ClustersArgs),
    /// Duplicate detection against gold pairs: precision and recall by kind.
    Dedup(crate::clusters::DedupArgs),
    /// STS22 multilingual news-article similarity: Pearson and Spearman of the combined article
    /// similarity against the gold Overall score (5-fold cross-validated), per language pair.
    Sts(crate::sts::StsArgs),
    /// Events on STS22's decisive pairs through the real pipeline: the articles ingested into a
    /// fresh store, then per pair whether both landed in one event (same: Overall ≤ 1.5;
    /// different: ≥ 3). Precision, recall and F1 overall, same- and cross-language and per pair
    /// of languages, on a fixed check part and fit part.
    Pairs(crate::pairs::PairsArgs),
    /// Geocoding on GeoWebNews and LGL: exact GeoNames-id accuracy, accuracy within 161 km, mean
    /// error, for every gold toponym with coordinates (context: the article's other toponyms).
    Geo(crate::geo::GeoEvalArgs),
    /// Named entities on CoNLL-2003: per-type and micro precision, recall and F1 (exact spans).
    Ner(crate::ner::EvalNerArgs),
    /// PLOVER event coding on the gold records: event-type accuracy per type (lexicon, and a
    /// classifier by cross-validation), actor and target match rates.
    Events(crate::events::EvalEventsArgs),
    /// Timeline summarisation on ML-Crisis: date F1, concat and date-agreement ROUGE-1/2 per
    /// topic and language against same-language reference timelines.
    Timeline(crate::events::EvalTimelineArgs),
}

/// Runs one `storyline eval` subcommand.
pub fn eval(command: EvalCommand, _json: bool) -> Result<()> {
    match command {
        EvalCommand::Clusters(args) => crate::clusters::clusters(&args, _json),
        EvalCommand::Dedup(args) => crate::clusters::dedup(&args, _json),
        EvalCommand::Sts(args) => crate::sts::eval_sts(&args, _json),
        EvalCommand::Pairs(args) => crate::pairs::eval_pairs(&args, _json),
        EvalCommand::Geo(args) => crate::geo::eval(args, _json),
        EvalCommand::Ner(args) => crate::ner::eval_ner(&args, _json),
        EvalCommand::Events(args) => crate::events::eval_events(&args, _json),
        EvalCommand::Timeline(args) => crate::events::eval_timeline(&args, _json),
    }
}

/// Runs one `storyline bench` subcommand.
pub fn bench(command: BenchCommand, json: bool) -> Result<()> {
    bench::run(command, json)
}

/// Prints a value as indented JSON on stdout: the `--json` output of every command (the
/// command-line tool prints its own listings with it too).
pub fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}
