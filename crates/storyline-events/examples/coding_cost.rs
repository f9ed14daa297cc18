//! Times event coding per article: `cargo run --release --example coding_cost -- FOLDER LANG`.
//! Reads every .txt file under FOLDER, codes its sentences in LANG (and, as the baseline the
//! same run measures, in a language without a lexicon, which returns at once) and prints both.
use std::time::Instant;

fn texts(dir: &std::path::Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() && !path.ends_with("reference") {
            texts(&path, out);
        } else if path.extension().is_some_and(|e| e == "txt") {
            out.push(std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
}

fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).expect("a folder"));
    let language = std::env::args().nth(2).unwrap_or("es".into());
    let mut articles = Vec::new();
    texts(&dir, &mut articles);
    let sentences: Vec<&str> =
        articles.iter().flat_map(|a| storyline_text::sentences(a).into_iter().map(|s| s.text)).collect();
    let coder = storyline_events::Coder::gazetteer();
    for lang in [language.as_str(), "xx", language.as_str()] {
        let start = Instant::now();
        let events: usize = sentences.iter().map(|s| coder.code_sentence_in(s, lang).len()).sum();
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "{lang}: {} articles, {} sentences, {events} events, {:.3} s, {:.2} ms/article",
            articles.len(),
            sentences.len(),
            seconds,
            1000.0 * seconds / articles.len() as f64
        );
    }
}
