//! Explains a trained classifier's decision: `cargo run --release --example explain -- MODEL LANG SENTENCE`.
use storyline_events::{Classifier, PloverType};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let model: Classifier = serde_json::from_slice(&std::fs::read(&args[1]).expect("model")).expect("json");
    let (language, sentence) = (&args[2], &args[3]);
    let predicted = model.predict(sentence, language);
    println!("predicted {}", predicted.as_str());
    for class in [predicted, PloverType::Assault] {
        println!("{}:", class.as_str());
        for (f, w) in model.explain(sentence, language, class).iter().take(12) {
            println!("  {w:>8.2} {f}");
        }
    }
}
