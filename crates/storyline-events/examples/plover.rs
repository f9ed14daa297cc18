//! Codes the PLOVER gold sentences and prints the misses: `cargo run -p storyline-events
//! --example plover -- ../shared/eval/events/PLOVER_GSR_CAMEO.txt [--ner]`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: plover GOLD_FILE")?;
    let records = storyline_events::gold::read_gold(path.as_ref())?;
    // `--ner` uses the NER model (STORYLINE_NER_MODEL or models/ner.bin), as `eval events` does.
    let ner = std::env::args().any(|a| a == "--ner");
    let gazetteer = storyline_events::Coder::gazetteer();
    let coder = if ner { storyline_events::default_coder() } else { &gazetteer };
    for r in &records {
        let event = coder.code_main_event(&r.text);
        let got = event.as_ref().map(|e| e.event_type.as_str()).unwrap_or("-");
        if got != r.event_type.as_str() {
            let trigger = event.as_ref().map(|e| e.trigger.as_str()).unwrap_or("");
            println!("{:10} got {:10} [{}] {}", r.event_type.as_str(), got, trigger, r.text);
        }
    }
    let report = storyline_events::gold::evaluate(coder, &records, None);
    println!(
        "lexicon {:.3}  classifier-cv {:.3}  actors {:.3}  targets {:.3}  codes {:.3}",
        report.lexicon.accuracy,
        report.classifier_cv.accuracy,
        report.actor_match,
        report.target_match,
        report.code_match
    );
    Ok(())
}
