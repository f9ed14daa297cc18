//! `storyline train-ner` and `storyline eval ner`: the taggers trained and measured on labelled
//! corpora.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;
use serde::Serialize;
use std::time::Instant;
use storyline_ner::conll::{Document, Part};
use storyline_ner::corpora::{self, Corpus, Recipe, Use};
use storyline_ner::{Choice, EpochProgress, Tagger, Taggers, TrainConfig, MULTILINGUAL};

use crate::print_json;

#[derive(Args)]
pub struct TrainNerArgs {
    /// Training file, CoNLL-2003 or `.conllu` (read whole).
    #[arg(long, required_unless_present_any = ["check", "lang", "given_names"], conflicts_with = "lang")]
    pub train: Option<PathBuf>,
    /// A corpus file to score after each epoch (optional).
    #[arg(long)]
    pub dev: Option<PathBuf>,
    /// Train LANG's tagger (ISO 639-1; `xx`: the multilingual one, on a sample of every
    /// language) on the fit parts of its corpora under --data.
    #[arg(long)]
    pub lang: Option<String>,
    /// The labelled corpora (see ../shared/eval/README.md).
    #[arg(long, default_value = "../shared/eval/ner")]
    pub data: PathBuf,
    /// With --lang: the corpora to train on (conll2003, conll2002, wikiann, wikineural),
    /// comma-separated; default: the language's recipe.
    #[arg(long, value_delimiter = ',')]
    pub corpora: Vec<String>,
    /// With --lang: at most this many sentences of each corpus (spread evenly over it).
    #[arg(long)]
    pub limit: Option<usize>,
    /// With --lang: add this many sentences of every other language's WikiNEuRal fit part
    /// (spread evenly over it); default: the language's recipe.
    #[arg(long)]
    pub others: Option<usize>,
    /// With --lang: fit on the first 90 % of the fit parts and score the last 10 % (the
    /// development slices) after each epoch, to measure a choice; the check parts stay unread.
    #[arg(long)]
    pub tune: bool,
    /// Drop features seen fewer times than this in training (default: 1 for --train, the
    /// recipe's for --lang).
    #[arg(long)]
    pub min_count: Option<u32>,
    /// With --lang: whether the Snowball stems of each word and its neighbours are features
    /// (true or false); default: the language's recipe.
    #[arg(long)]
    pub stems: Option<bool>,
    /// Where to write the model.
    #[arg(long, default_value = "models/ner.bin")]
    pub out: PathBuf,
    /// Passes over the training data.
    #[arg(long, default_value_t = TrainConfig::default().epochs)]
    pub epochs: usize,
    /// Train no tagger: write the given names learnt from the fit parts of the corpora under
    /// --data (words that open person names and hardly any others) to --out, a TSV file that
    /// entity extraction reads from the models' `entities/` folder.
    #[arg(long, conflicts_with_all = ["train", "lang", "check"])]
    pub given_names: bool,
    /// Train nothing: only check that the model at --out loads with this build's features
    /// (it fails for a model an older build trained with other features) and, with --lang, was
    /// trained on what the language's recipe names.
    #[arg(long)]
    pub check: bool,
}

#[derive(Args)]
pub struct EvalNerArgs {
    /// A corpus with gold entities: CoNLL-2003 (e.g. ../shared/eval/ner/conll2003.dev.txt) or
    /// `.conllu` (index, token, tag); the format is told by the first line.
    #[arg(long, required_unless_present = "all", conflicts_with = "all")]
    pub conll: Option<PathBuf>,
    /// Which sentences of --conll: all, or the fit (first 80 %) or check (last 20 %) part, as
    /// files without a split of their own are cut.
    #[arg(long, value_enum, default_value = "all")]
    pub part: PartArg,
    /// Tag with the tagger ingest uses for text in this language (ISO 639-1).
    #[arg(long, conflicts_with = "model")]
    pub lang: Option<String>,
    /// The tagger model; default: the one --lang picks, else ner.bin, in $STORYLINE_MODELS or
    /// ./models.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Score every language's check parts under this folder (../shared/eval/ner), each with the
    /// tagger ingest uses for that language: the table of docs/EVALUATION.md.
    #[arg(long)]
    pub all: Option<PathBuf>,
    /// With --all: score with the multilingual tagger too, beside each language's own.
    #[arg(long, requires = "all")]
    pub multilingual: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PartArg {
    All,
    Fit,
    Check,
}

impl From<PartArg> for Part {
    fn from(p: PartArg) -> Part {
        match p {
            PartArg::All => Part::All,
            PartArg::Fit => Part::Fit,
            PartArg::Check => Part::Check,
        }
    }
}

/// Trains the tagger and saves it.
pub fn train_ner(args: &TrainNerArgs, json: bool) -> Result<()> {
    if args.given_names {
        let counts = storyline_ner::given_names::count_openings(&args.data)?;
        let written = storyline_ner::given_names::write_given_names(&counts, &args.out)
            .with_context(|| format!("writing {}", args.out.display()))?;
        println!("{written} given names (of {} words opening names) in {}", counts.len(), args.out.display());
        return Ok(());
    }
    if args.check {
        let tagger = Tagger::load(&args.out)?;
        if let Some(lang) = &args.lang {
            // A model trained by another recipe (other corpora, other sentences) is stale too.
            let recipe = Recipe::for_language(lang);
            let wanted = corpora::training_set(&args.data, lang, &recipe, Use::Fit)?.about;
            if tagger.about() != wanted {
                bail!("{} was trained on other data than {lang}'s recipe names", args.out.display());
            }
            if tagger.stems().is_some() != recipe.stems {
                bail!("{} was trained with other features than {lang}'s recipe names", args.out.display());
            }
        }
        println!("{} is current ({} features)", args.out.display(), tagger.feature_count());
        if !tagger.about().is_empty() {
            println!("{}", tagger.about());
        }
        return Ok(());
    }
    let (docs, mut dev, about, min_feature_count, stems) = match (&args.train, &args.lang) {
        (Some(train), _) => {
            let docs = storyline_ner::conll::read_corpus(train)?;
            let min_count = args.min_count.unwrap_or(TrainConfig::default().min_feature_count);
            (docs, Vec::new(), String::new(), min_count, None)
        }
        (None, Some(lang)) => {
            let mut recipe = Recipe::for_language(lang);
            if !args.corpora.is_empty() {
                recipe.corpora = args
                    .corpora
                    .iter()
                    .map(|c| Corpus::from_name(c).with_context(|| format!("unknown corpus {c:?}")))
                    .collect::<Result<_>>()?;
                recipe.others = 0;
            }
            recipe.others = args.others.unwrap_or(recipe.others);
            recipe.limit = args.limit.or(recipe.limit);
            recipe.min_feature_count = args.min_count.unwrap_or(recipe.min_feature_count);
            recipe.stems = args.stems.unwrap_or(recipe.stems);
            let set = corpora::training_set(&args.data, lang, &recipe, if args.tune { Use::Tune } else { Use::Fit })?;
            (set.docs, set.dev, set.about, recipe.min_feature_count, recipe.stems.then(|| lang.clone()))
        }
        (None, None) => bail!("give --train FILE or --lang LANG"),
    };
    if docs.is_empty() {
        bail!("no training sentences");
    }
    if let Some(path) = &args.dev {
        dev.push((path.display().to_string(), storyline_ner::conll::read_corpus(path)?));
    }
    let config = TrainConfig { epochs: args.epochs, min_feature_count, stems, ..TrainConfig::default() };
    let mut epochs: Vec<(EpochProgress, Vec<f64>)> = Vec::new();
    let tagger = Tagger::train_with_progress(&docs, &config, |progress, snapshot| {
        let f1: Vec<f64> = dev.iter().map(|(_, d)| storyline_ner::evaluate_documents(snapshot, d).micro.f1).collect();
        let scores: Vec<String> = dev.iter().zip(&f1).map(|((name, _), f)| format!(", {name} dev F1 {f:.4}")).collect();
        eprintln!(
            "epoch {:>2}: {} token errors of {} ({:.1}s){}",
            progress.epoch,
            progress.token_errors,
            progress.tokens,
            progress.seconds,
            scores.concat()
        );
        epochs.push((progress.clone(), f1));
    });
    let tagger = tagger.with_about(about);
    if let Some(parent) = args.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    tagger.save(&args.out)?;
    if json {
        #[derive(Serialize)]
        struct Trained<'a> {
            model: &'a Path,
            features: usize,
            about: &'a str,
            epochs: Vec<serde_json::Value>,
        }
        let epochs = epochs
            .iter()
            .map(|(p, f1)| {
                let dev: serde_json::Map<String, serde_json::Value> =
                    dev.iter().zip(f1).map(|((name, _), f)| (name.clone(), serde_json::json!(f))).collect();
                serde_json::json!({ "progress": p, "dev_micro_f1": f1.first(), "dev": dev })
            })
            .collect();
        print_json(&Trained { model: &args.out, features: tagger.feature_count(), about: tagger.about(), epochs })
    } else {
        println!("saved {} ({} features)", args.out.display(), tagger.feature_count());
        Ok(())
    }
}

/// A report with the tagger's speed on the scored text (one thread).
#[derive(Serialize)]
struct Scored {
    #[serde(flatten)]
    report: storyline_ner::Report,
    tokens: usize,
    seconds: f64,
    tokens_per_second: f64,
    /// Processor time of the tagging thread (Linux only).
    cpu_seconds: Option<f64>,
    tokens_per_cpu_second: Option<f64>,
}

fn score(tagger: &Tagger, docs: &[Document]) -> Scored {
    let tokens = docs.iter().flat_map(|d| &d.sentences).map(|s| s.tokens.len()).sum();
    let (started, cpu_started) = (Instant::now(), thread_cpu_seconds());
    let report = storyline_ner::evaluate_documents(tagger, docs);
    let seconds = started.elapsed().as_secs_f64();
    let cpu_seconds = cpu_started.and_then(|c| thread_cpu_seconds().map(|now| now - c));
    Scored {
        report,
        tokens,
        seconds,
        tokens_per_second: tokens as f64 / seconds.max(1e-9),
        cpu_seconds,
        tokens_per_cpu_second: cpu_seconds.map(|c| tokens as f64 / c.max(1e-9)),
    }
}

/// Processor time this thread has used so far, in seconds (Linux): on a busy machine, what the
/// tagging itself cost, without the time spent waiting for a core.
fn thread_cpu_seconds() -> Option<f64> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getrusage only fills the struct it is given.
        let usage = unsafe {
            let mut usage = std::mem::zeroed::<libc::rusage>();
            (libc::getrusage(libc::RUSAGE_THREAD, &mut usage) == 0).then_some(usage)
        }?;
        let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        Some(seconds(usage.ru_utime) + seconds(usage.ru_stime))
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

fn load_taggers(models: &Path) -> Result<Taggers> {
    Taggers::load(models).with_context(|| {
        format!("loading the taggers of {} (build them with `bash scripts/setup.d/60-ner-model.sh`)", models.display())
    })
}

fn choice_name(choice: Choice<'_>) -> String {
    match choice {
        Choice::Own(l) => format!("ner/{l}.bin"),
        Choice::Multilingual => format!("ner/{MULTILINGUAL}.bin"),
        Choice::Primary => "ner.bin".into(),
    }
}

/// Scores the tagger on a corpus: per type and micro precision, recall, F1 (exact spans), and
/// tokens tagged per second on one thread.
pub fn eval_ner(args: &EvalNerArgs, json: bool) -> Result<()> {
    let models = storyline_pipeline::entities::default_models_dir();
    if let Some(data) = &args.all {
        return eval_all(data, &models, args.multilingual, json);
    }
    let Some(conll) = &args.conll else { bail!("give --conll FILE or --all DIR") };
    let (tagger, name) = match (&args.model, &args.lang) {
        (Some(model), _) => (Tagger::load(model)?, model.display().to_string()),
        (None, lang) => {
            let taggers = load_taggers(&models)?;
            let choice = taggers.choice(lang.as_deref());
            (taggers.for_language(lang.as_deref()).clone(), models.join(choice_name(choice)).display().to_string())
        }
    };
    let docs = Part::from(args.part).select(storyline_ner::conll::read_corpus(conll)?);
    let scored = score(&tagger, &docs);
    if json {
        print_json(&scored)
    } else {
        println!("{}", scored.report);
        println!(
            "tagger {name}: {} tokens in {:.3} s, {:.0} tokens/s (one thread)",
            scored.tokens, scored.seconds, scored.tokens_per_second
        );
        Ok(())
    }
}

/// One row of `eval ner --all`.
#[derive(Serialize)]
struct TableRow {
    lang: &'static str,
    corpus: &'static str,
    file: &'static str,
    part: &'static str,
    tagger: String,
    #[serde(flatten)]
    scored: Scored,
    /// The multilingual tagger's micro F1 on the same sentences, when asked for.
    multilingual_f1: Option<f64>,
}

fn eval_all(data: &Path, models: &Path, multilingual: bool, json: bool) -> Result<()> {
    let taggers = load_taggers(models)?;
    let xx = if multilingual { Some(Tagger::load(storyline_ner::language_path(models, MULTILINGUAL))?) } else { None };
    let mut rows = Vec::new();
    for source in corpora::SOURCES {
        let docs = source.read(data, Use::Check)?;
        let choice = taggers.choice(Some(source.lang));
        let scored = score(taggers.for_language(Some(source.lang)), &docs);
        let multilingual_f1 = xx.as_ref().map(|t| storyline_ner::evaluate_documents(t, &docs).micro.f1);
        rows.push(TableRow {
            lang: source.lang,
            corpus: source.corpus.as_str(),
            file: source.check.file,
            part: Use::Check.describe(source.check.part),
            tagger: choice_name(choice),
            scored,
            multilingual_f1,
        });
    }
    if json {
        return print_json(&rows);
    }
    println!(
        "{:<4} {:<10} {:<28} {:<6} {:<10} {:>6} {:>6} {:>6} {:>6} {:>9}{}",
        "lang",
        "corpus",
        "check file",
        "part",
        "tagger",
        "sents",
        "P",
        "R",
        "F1",
        "tokens/s",
        if multilingual { "  xx F1" } else { "" }
    );
    for r in &rows {
        let m = &r.scored.report.micro;
        println!(
            "{:<4} {:<10} {:<28} {:<6} {:<10} {:>6} {:>6.3} {:>6.3} {:>6.3} {:>9.0}{}",
            r.lang,
            r.corpus,
            r.file,
            r.part,
            r.tagger,
            r.scored.report.sentences,
            m.precision,
            m.recall,
            m.f1,
            r.scored.tokens_per_second,
            r.multilingual_f1.map(|f| format!("  {f:.3}")).unwrap_or_default()
        );
    }
    Ok(())
}
