//! How often the lexicon finds a gold file's own trigger words (`eventtext`, which the XML files
//! give): `cargo run --release --example gold_triggers -- FILE [--dump]`. The gold words are
//! only measured against, never an input to a coder. `--dump` prints one line per sentence.
use storyline_events::gold::read_corpus;
use storyline_events::{class_in_context, triggers_in};

fn main() {
    let path = std::path::PathBuf::from(std::env::args().nth(1).expect("a gold file"));
    let dump = std::env::args().any(|a| a == "--dump");
    let records = read_corpus(&path).expect("readable");
    let (mut with_gold, mut found, mut first, mut none) = (0, 0, 0, 0);
    let (mut found_right, mut first_right) = (0, 0);
    for r in &records {
        let triggers = triggers_in(&r.text, &r.language);
        none += usize::from(triggers.is_empty());
        let lower = r.text.to_lowercase();
        // The gold words' byte range in the sentence (the first place they occur).
        let span = r.trigger_text.as_ref().and_then(|t| {
            let t = t.to_lowercase();
            lower.find(&t).map(|at| (at, at + t.len()))
        });
        let hit = |t: &storyline_events::Trigger| span.is_some_and(|(s, e)| t.start < e && s < t.end);
        if span.is_some() {
            with_gold += 1;
            if let Some(t) = triggers.iter().find(|t| hit(t)) {
                found += 1;
                found_right += usize::from(class_in_context(&r.text, t) == r.event_type);
            }
            if let Some(t) = triggers.first().filter(|t| hit(t)) {
                first += 1;
                first_right += usize::from(class_in_context(&r.text, t) == r.event_type);
            }
        }
        if dump {
            let classes: Vec<&str> = triggers.iter().map(|t| class_in_context(&r.text, t).as_str()).collect();
            println!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                r.id,
                r.story.as_deref().unwrap_or("-"),
                r.event_type.as_str(),
                classes.join(","),
                r.trigger_text.as_deref().unwrap_or("-"),
                triggers.iter().any(hit),
                triggers.iter().find(|t| hit(t)).map(|t| class_in_context(&r.text, t).as_str()).unwrap_or("-")
            );
        }
    }
    let pct = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    eprintln!(
        "{}: {} sentences, {} with gold trigger words found in the text; the lexicon finds them in {} ({:.3}; \
         its class right in {}), as the first trigger in {} ({:.3}; right in {}); no trigger at all: {}",
        path.display(),
        records.len(),
        with_gold,
        found,
        pct(found, with_gold),
        found_right,
        first,
        pct(first, with_gold),
        first_right,
        none
    );
}
