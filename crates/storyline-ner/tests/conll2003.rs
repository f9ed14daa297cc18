//! Full CoNLL-2003 training and dev evaluation. Ignored by default because it trains on the
//! whole corpus; run with `cargo test --release -p storyline-ner -- --ignored`.

use std::path::PathBuf;
use storyline_ner::{evaluate_file, train_from_conll, TrainConfig};

fn corpus(name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/eval/ner").join(name);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipping: {} not found", path.display());
        None
    }
}

#[test]
#[ignore = "trains on the full CoNLL-2003 training set"]
fn dev_micro_f1_reaches_the_target() {
    let (Some(train), Some(dev)) = (corpus("conll2003.train.txt"), corpus("conll2003.dev.txt")) else {
        return;
    };
    let tagger = train_from_conll(&train, &TrainConfig::default()).expect("training");
    let report = evaluate_file(&tagger, &dev).expect("evaluation");
    println!("{report}");
    assert!(report.micro.f1 >= 0.85, "dev micro F1 {:.4} below 0.85", report.micro.f1);
}

#[test]
fn dev_file_reads_when_present() {
    let Some(dev) = corpus("conll2003.dev.txt") else {
        return;
    };
    let docs = storyline_ner::conll::read_conll(&dev).expect("dev file parses");
    let entities: usize = docs.iter().flat_map(|d| &d.sentences).map(|s| s.entities.len()).sum();
    // conlleval counts 5942 phrases in the English dev set.
    assert_eq!(entities, 5942);
}
