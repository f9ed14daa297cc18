//! `storyline eval …`: each subcommand measures one capability against public gold data and
//! prints a table, or JSON with `--json`.

use anyhow::Result;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum EvalCommand {
    /// Event clustering against gold clusters: BCubed and pairwise precision, recall and F1.
    Clusters(crate::eval_pipeline::ClustersArgs),
    /// Duplicate detection against gold pairs: precision and recall by kind.
    Dedup(crate::eval_pipeline::DedupArgs),
    /// STS22 multilingual news-article similarity: Pearson and Spearman of the combined article
    /// similarity against the gold Overall score (5-fold cross-validated), per language pair.
    Sts(crate::embed_cmd::StsArgs),
    /// Events on STS22's decisive pairs through the real pipeline: the articles ingested into a
    /// fresh store, then per pair whether both landed in one event (same: Overall ≤ 1.5;
    /// different: ≥ 3). Precision, recall and F1 overall, same- and cross-language and per pair
    /// of languages, on a fixed check part and fit part.
    Pairs(crate::eval_pairs::PairsArgs),
    /// Geocoding on GeoWebNews and LGL: exact GeoNames-id accuracy, accuracy within 161 km, mean
    /// error, for every gold toponym with coordinates (context: the article's other toponyms).
    Geo(crate::geo::GeoEvalArgs),
    /// Named entities on CoNLL-2003: per-type and micro precision, recall and F1 (exact spans).
    Ner(crate::entities_cmd::EvalNerArgs),
    /// PLOVER event coding on the gold records: event-type accuracy per type (lexicon, and a
    /// classifier by cross-validation), actor and target match rates.
    Events(crate::events_cmd::EvalEventsArgs),
    /// Timeline summarisation on ML-Crisis: date F1, concat and date-agreement ROUGE-1/2 per
    /// topic and language against same-language reference timelines.
    Timeline(crate::events_cmd::EvalTimelineArgs),
}

pub fn run(command: EvalCommand, _json: bool) -> Result<()> {
    match command {
        EvalCommand::Clusters(args) => crate::eval_pipeline::clusters(&args, _json),
        EvalCommand::Dedup(args) => crate::eval_pipeline::dedup(&args, _json),
        EvalCommand::Sts(args) => crate::embed_cmd::eval_sts(&args, _json),
        EvalCommand::Pairs(args) => crate::eval_pairs::eval_pairs(&args, _json),
        EvalCommand::Geo(args) => crate::geo::eval(args, _json),
        EvalCommand::Ner(args) => crate::entities_cmd::eval_ner(&args, _json),
        EvalCommand::Events(args) => crate::events_cmd::eval_events(&args, _json),
        EvalCommand::Timeline(args) => crate::events_cmd::eval_timeline(&args, _json),
    }
}
