//! Tags raw news text with a saved model and prints one mention per line.
//!
//! cargo run --release -p storyline-ner --example tag -- models/ner.bin "Hulusi Akar met Fayez al-Sarraj in Tripoli."
//! (reads stdin when no text is given)

use anyhow::{Context, Result};
use std::io::Read;
use storyline_ner::Tagger;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let model = args.next().context("usage: tag MODEL [TEXT]")?;
    let tagger = Tagger::load(&model)?;
    let text = match args.next() {
        Some(t) => t,
        None => {
            let mut t = String::new();
            std::io::stdin().read_to_string(&mut t).context("reading stdin")?;
            t
        }
    };
    for m in tagger.tag_text(&text) {
        println!("{}\t{}..{}\t{}", m.kind, m.byte_start, m.byte_end, m.text);
    }
    Ok(())
}
