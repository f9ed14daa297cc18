//! Codes the sentences given as arguments and prints the events as JSON:
//! `cargo run -p storyline-events --example code -- "Turkey backed the deal."`.

fn main() {
    let coder = storyline_events::default_coder();
    for sentence in std::env::args().skip(1) {
        for event in coder.code_sentence(&sentence) {
            println!("{}", serde_json::to_string(&event).unwrap_or_default());
        }
    }
}
