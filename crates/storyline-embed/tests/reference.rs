//! Each backend against reference vectors that the model's own Python package computed
//! (tests/fixtures/*.json, written by tests/fixtures/make_reference.py). Skipped, with a message,
//! when the models folder lacks the model: CI runs scripts/setup.sh first, so it has them.

use std::path::PathBuf;

use serde_json::Value;
use storyline_embed::{cosine, installed_path, load_model};

fn models_dir() -> PathBuf {
    std::env::var_os("STORYLINE_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"))
}

fn fixture(name: &str) -> Vec<(String, Vec<u32>, Vec<f32>)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(format!("{name}.json"));
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let ids = s["token_ids"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u32).collect();
            let vector = s["vector"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
            (s["text"].as_str().unwrap().to_string(), ids, vector)
        })
        .collect()
}

/// Checks every fixture sentence; returns false (and says why) when the model is not installed.
fn check_against_reference(name: &str, min_cosine: f32) -> bool {
    let dir = models_dir();
    if let Err(why) = installed_path(name, &dir) {
        eprintln!("SKIPPED: {why}");
        return false;
    }
    let model = load_model(name, &dir).unwrap();
    let cases = fixture(name);
    let texts: Vec<&str> = cases.iter().map(|(t, _, _)| t.as_str()).collect();
    let vectors = model.embed(&texts).unwrap();
    let mut lowest = f32::INFINITY;
    for ((text, _, expected), got) in cases.iter().zip(&vectors) {
        assert_eq!(got.len(), model.dimension());
        let similarity = cosine(expected, got);
        lowest = lowest.min(similarity);
        assert!(similarity >= min_cosine, "{name}: cosine {similarity} for {text:?}");
        let norm: f32 = got.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-3, "{name}: norm {norm}");
    }
    eprintln!("{name}: lowest cosine to the reference {lowest:.5} over {} sentences", cases.len());
    true
}

#[test]
fn use_m3_tokenizes_like_the_reference() {
    let dir = models_dir();
    let Ok(path) = installed_path("use-m3", &dir) else {
        eprintln!("SKIPPED: use-m3 is not installed in {}", dir.display());
        return;
    };
    let model = storyline_embed::UseM3::load(&path).unwrap();
    for (text, ids, _) in fixture("use-m3") {
        assert_eq!(model.token_ids(&text), ids, "{text:?}");
    }
}

#[test]
fn use_m3_matches_the_reference_vectors() {
    check_against_reference("use-m3", 0.99);
}

/// A run of sentences, computed from the sentences' own work, stays close to the vector of the
/// joined text, and the texts' vectors are exactly what `embed` gives.
#[test]
fn use_m3_runs_approximate_the_joined_text() {
    let dir = models_dir();
    if installed_path("use-m3", &dir).is_err() {
        eprintln!("SKIPPED: use-m3 is not installed in {}", dir.display());
        return;
    }
    let model = load_model("use-m3", &dir).unwrap();
    let texts = [
        "Turkey and Qatar signed a military cooperation deal with the Libyan government.",
        "The agreement was announced by the deputy defence minister yesterday.",
        "Qatar will fund training centres in the city of Misrata.",
        "El acuerdo fue anunciado ayer por el viceministro de defensa.",
    ];
    let runs = [0..3, 1..4];
    let (vectors, run_vectors) = model.embed_with_runs(&texts, &runs).unwrap();
    let plain = model.embed(&texts).unwrap();
    for (a, b) in vectors.iter().zip(&plain) {
        assert!(cosine(a, b) > 0.9999);
    }
    for (run, got) in runs.iter().zip(&run_vectors) {
        let joined = texts[run.clone()].join(" ");
        let expected = &model.embed(&[joined.as_str()]).unwrap()[0];
        let similarity = cosine(expected, got);
        assert!(similarity >= 0.95, "run {run:?}: cosine {similarity} to the joined text");
    }
}

/// The token ids of every fixture sentence, from the model's own tokenizer.
fn check_token_ids<M>(name: &str, load: impl Fn(&std::path::Path) -> M, token_ids: impl Fn(&M, &str) -> Vec<u32>) {
    let dir = models_dir();
    let Ok(path) = installed_path(name, &dir) else {
        eprintln!("SKIPPED: {name} is not installed in {}", dir.display());
        return;
    };
    let model = load(&path);
    for (text, ids, _) in fixture(name) {
        assert_eq!(token_ids(&model, &text), ids, "{name}: {text:?}");
    }
}

#[test]
fn minilm_tokenizes_like_the_reference() {
    check_token_ids("minilm", |p| storyline_embed::MiniLm::load(p).unwrap(), |m, text| m.token_ids(text).unwrap());
}

#[test]
fn minilm_matches_the_reference_vectors() {
    check_against_reference("minilm", 0.99);
}

#[test]
fn e5_small_tokenizes_like_the_reference() {
    check_token_ids("e5-small", |p| storyline_embed::E5Small::load(p).unwrap(), |m, text| m.token_ids(text));
}

#[test]
fn e5_small_matches_the_reference_vectors() {
    check_against_reference("e5-small", 0.99);
}

/// Every model: the vector of a text does not depend on the batch it is in, and a text far past
/// the window still gets a vector.
#[test]
fn batches_and_long_texts() {
    let dir = models_dir();
    for name in ["minilm", "e5-small"] {
        if installed_path(name, &dir).is_err() {
            eprintln!("SKIPPED: {name} is not installed in {}", dir.display());
            continue;
        }
        let model = load_model(name, &dir).unwrap();
        let long = "The ministers met again in Tripoli on Monday to discuss the ceasefire. ".repeat(80);
        let texts = ["Qatar will fund training centres in Misrata.", long.as_str(), "", "ok"];
        let batch = model.embed(&texts).unwrap();
        for (text, vector) in texts.iter().zip(&batch) {
            let alone = &model.embed(&[text]).unwrap()[0];
            assert!(cosine(alone, vector) > 0.9999, "{name}: {text:.40}");
            assert!(vector.iter().all(|v| v.is_finite()));
        }
    }
}
