//! Trains the news NER model on CoNLL-2003 and reports development-set F1 after every epoch.
//!
//! cargo run --release -p storyline-ner --example train -- \
//!     --train ../shared/eval/ner/conll2003.train.txt --dev ../shared/eval/ner/conll2003.dev.txt \
//!     --out models/ner.bin

use anyhow::{Context, Result};
use clap::Parser;
use std::path::PathBuf;
use std::time::Instant;
use storyline_ner::{conll, evaluate_documents, Tagger, TrainConfig};

#[derive(Parser)]
struct Args {
    /// CoNLL-2003 training file.
    #[arg(long)]
    train: PathBuf,
    /// CoNLL-2003 development file, scored after every epoch.
    #[arg(long)]
    dev: Option<PathBuf>,
    /// Where to write the model.
    #[arg(long)]
    out: Option<PathBuf>,
    #[arg(long, default_value_t = TrainConfig::default().epochs)]
    epochs: usize,
    #[arg(long, default_value_t = TrainConfig::default().seed)]
    seed: u64,
    #[arg(long, default_value_t = TrainConfig::default().min_feature_count)]
    min_feature_count: u32,
    #[arg(long, default_value_t = TrainConfig::default().gazetteer_folds)]
    gazetteer_folds: usize,
    /// Print the final development report as JSON on stdout.
    #[arg(long)]
    json: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let config = TrainConfig {
        epochs: args.epochs,
        seed: args.seed,
        min_feature_count: args.min_feature_count,
        gazetteer_folds: args.gazetteer_folds,
        stems: None,
    };
    let started = Instant::now();
    let train = conll::read_conll(&args.train).context("reading the training file")?;
    let dev = match &args.dev {
        Some(p) => Some(conll::read_conll(p).context("reading the development file")?),
        None => None,
    };
    eprintln!(
        "training on {} stories, {} sentences",
        train.len(),
        train.iter().map(|d| d.sentences.len()).sum::<usize>()
    );
    let mut last_report = None;
    let tagger = Tagger::train_with_progress(&train, &config, |p, snapshot| {
        let mut line = format!(
            "epoch {:>2}: {:>5} sentence errors, {:>6} token errors, {:.1}s",
            p.epoch, p.sentence_errors, p.token_errors, p.seconds
        );
        if let Some(dev) = &dev {
            let r = evaluate_documents(snapshot, dev);
            line.push_str(&format!(
                ", dev F1 {:.4} (PER {:.4} ORG {:.4} LOC {:.4} MISC {:.4})",
                r.micro.f1,
                r.per_type.values().next().map_or(0.0, |s| s.f1),
                r.per_type.values().nth(1).map_or(0.0, |s| s.f1),
                r.per_type.values().nth(2).map_or(0.0, |s| s.f1),
                r.per_type.values().nth(3).map_or(0.0, |s| s.f1),
            ));
            last_report = Some(r);
        }
        eprintln!("{line}");
    });
    eprintln!("trained in {:.1}s, {} weighted features", started.elapsed().as_secs_f64(), tagger.feature_count());
    if let Some(out) = &args.out {
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        tagger.save(out)?;
        let size = std::fs::metadata(out)?.len();
        eprintln!("saved {} ({:.1} MB)", out.display(), size as f64 / 1e6);
    }
    if let Some(report) = last_report {
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            println!("{report}");
        }
    }
    Ok(())
}
