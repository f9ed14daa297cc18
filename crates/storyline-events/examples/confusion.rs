//! Prints the lexicon's confusion on one gold file: `cargo run --release --example confusion -- FILE`.
use std::collections::BTreeMap;
use storyline_events::gold::read_corpus;
use storyline_events::Coder;

fn main() {
    let path = std::path::PathBuf::from(std::env::args().nth(1).expect("a gold file"));
    let show: usize = std::env::args().nth(2).and_then(|n| n.parse().ok()).unwrap_or(0);
    let records = read_corpus(&path).expect("readable");
    let coder = Coder::gazetteer();
    let mut confusion: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut shown = 0;
    for r in &records {
        let e = coder.code_main_event_in(&r.text, &r.language, None);
        let p = e.as_ref().map(|e| e.event_type.as_str()).unwrap_or("NONE");
        *confusion.entry((r.event_type.as_str().into(), p.into())).or_default() += 1;
        if p != r.event_type.as_str() && shown < show {
            shown += 1;
            println!(
                "{} -> {} [{}] {}",
                r.event_type.as_str(),
                p,
                e.map(|e| e.trigger).unwrap_or_default(),
                &r.text.chars().take(160).collect::<String>()
            );
        }
    }
    let mut v: Vec<_> = confusion.into_iter().collect();
    v.sort_by_key(|e| std::cmp::Reverse(e.1));
    for ((g, p), n) in v.iter().take(30) {
        println!("{n:>4} {g:<10} -> {p}");
    }
}
