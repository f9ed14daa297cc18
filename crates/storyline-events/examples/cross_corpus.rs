//! Prints the cross-corpus event-type matrix: `cargo run --release --example cross_corpus -- DIR`.
use storyline_events::gold::{directions, read_corpus, standard_directions, Corpus};
use storyline_events::Coder;

fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or("../shared/eval/events".into()));
    let files = [
        ("gsr", "PLOVER_GSR_CAMEO.txt"),
        ("petr", "PETR.UnitTest.records.xml"),
        ("es-protest", "spanish_protest_plover_validation.xml"),
        ("es-fight", "spanish_fight_reduced_181227v2_validation.xml"),
    ];
    let corpora: Vec<Corpus> = files
        .iter()
        .map(|(n, f)| Corpus { name: n.to_string(), records: read_corpus(&dir.join(f)).expect("readable") })
        .collect();
    let names: Vec<&str> = files.iter().map(|f| f.0).collect();
    let mut dirs = standard_directions(&names);
    dirs.extend(names.iter().map(|n| (vec![n.to_string()], n.to_string())));
    for d in directions(&Coder::gazetteer(), &corpora, &dirs, None) {
        println!(
            "{:<28} -> {:<11} n={:<4} major {:.3} ({}) lex {:.3} clf {:.3}  [{}]",
            d.train.join("+"), d.test, d.test_records, d.majority_baseline, d.majority_type, d.lexicon, d.classifier, d.kind
        );
    }
}
