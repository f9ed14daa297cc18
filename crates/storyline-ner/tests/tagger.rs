//! Training, saving, loading and tagging with a tiny model trained on hand-made sentences.

use storyline_ner::{conll, evaluate_documents, EntityKind, NerError, Tagger, TrainConfig};

/// Hand-made sentences; the tagger's unit tests train on them too.
const TINY: &str = include_str!("tiny.conll");

fn tiny_tagger() -> Tagger {
    let docs = conll::parse_conll(TINY, "tiny").expect("hand-made corpus parses");
    let config = TrainConfig { min_feature_count: 1, gazetteer_folds: 0, ..TrainConfig::default() };
    Tagger::train(&docs, &config)
}

#[test]
fn learns_the_tiny_corpus() {
    let docs = conll::parse_conll(TINY, "tiny").expect("parses");
    let report = evaluate_documents(&tiny_tagger(), &docs);
    assert!(report.micro.f1 > 0.9, "{report}");
}

#[test]
fn save_load_round_trip() {
    let tagger = tiny_tagger();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("ner.bin");
    tagger.save(&path).expect("save");
    let loaded = Tagger::load(&path).expect("load");
    assert_eq!(loaded.to_bytes(), tagger.to_bytes());
    let text = "Hulusi Akar met Fayez al-Sarraj in Tripoli.";
    assert_eq!(loaded.tag_text(text), tagger.tag_text(text));
    assert_eq!(loaded.feature_count(), tagger.feature_count());
}

#[test]
fn bad_and_truncated_files_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bytes = tiny_tagger().to_bytes();

    let garbage = dir.path().join("garbage.bin");
    std::fs::write(&garbage, b"this is not a model").expect("write");
    let err = Tagger::load(&garbage).expect_err("garbage");
    assert!(matches!(err, NerError::BadModel { .. }));
    assert!(err.to_string().contains("header"), "{err}");

    let truncated = dir.path().join("truncated.bin");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    let err = Tagger::load(&truncated).expect_err("truncated");
    assert!(matches!(err, NerError::BadModel { .. }), "{err}");

    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x55;
    assert!(Tagger::from_bytes(&flipped, std::path::Path::new("flipped")).is_err());

    let missing = Tagger::load(dir.path().join("missing.bin")).expect_err("missing");
    assert!(matches!(missing, NerError::Io { .. }));
}

#[test]
fn tag_text_returns_mentions_with_byte_offsets() {
    let tagger = tiny_tagger();
    let text = "Turkish Defence Minister Hulusi Akar met Fayez al-Sarraj in Tripoli.";
    let mentions = tagger.tag_text(text);
    assert!(!mentions.is_empty());
    for m in &mentions {
        assert_eq!(&text[m.byte_start..m.byte_end], m.text);
        assert!(!m.text.ends_with('.'));
    }
    // The tiny model has seen these exact names; shape is what matters here, not accuracy.
    assert!(mentions.iter().any(|m| m.text == "Hulusi Akar" && m.kind == EntityKind::Person));
    assert!(mentions.iter().any(|m| m.text == "Tripoli" && m.kind == EntityKind::Location));
}

#[test]
fn tag_document_gives_one_span_list_per_sentence() {
    let tagger = tiny_tagger();
    let doc = vec![vec!["Akar", "visited", "Ankara", "."], vec![], vec!["Libya", "welcomed", "it", "."]];
    let spans = tagger.tag_document(&doc);
    assert_eq!(spans.len(), 3);
    assert!(spans[1].is_empty());
    for (sent, spans) in doc.iter().zip(&spans) {
        assert!(spans.iter().all(|s| s.start < s.end && s.end <= sent.len()));
    }
}

#[test]
fn training_is_reproducible() {
    assert_eq!(tiny_tagger().to_bytes(), tiny_tagger().to_bytes());
}

/// A tiny tagger trained on `.conllu` sentences where "Madrid" is a person, so that the choice
/// of tagger shows in what it finds.
fn tagger_from_conllu(kind: &str) -> Tagger {
    let mut text = String::new();
    for _ in 0..3 {
        text.push_str(&format!("0\tMadrid\tB-{kind}\n1\thabló\tO\n2\thoy\tO\n\n"));
    }
    let docs = conll::parse_corpus(&text, "toy").expect("parses");
    Tagger::train(&docs, &TrainConfig { min_feature_count: 1, gazetteer_folds: 0, ..TrainConfig::default() })
}

#[test]
fn what_a_model_was_trained_on_is_saved_with_it() {
    let tagger = tagger_from_conllu("PER").with_about("trained on toy data; terms: none");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("es.bin");
    tagger.save(&path).expect("save");
    let loaded = Tagger::load(&path).expect("load");
    assert_eq!(loaded.about(), "trained on toy data; terms: none");
    assert_eq!(loaded.to_bytes(), tagger.to_bytes());
    assert_eq!(loaded.tag_text("Madrid habló hoy")[0].kind, EntityKind::Person);
}

#[test]
fn older_files_without_a_description_or_stems_still_load() {
    let tagger = tiny_tagger();
    let v3 = tagger.to_bytes();
    // Version 2 is version 3 without the stems' language after the description, version 1
    // version 2 without the description after the label count (both of length 0 here).
    assert_eq!(&v3[20..28], &[0; 8]);
    for (version, cut) in [(2u32, 24..28), (1, 20..28)] {
        let mut old = Vec::new();
        old.extend_from_slice(&v3[..8]);
        old.extend_from_slice(&version.to_le_bytes());
        old.extend_from_slice(&v3[12..cut.start]);
        old.extend_from_slice(&v3[cut.end..v3.len() - 8]);
        let check = xxhash_rust::xxh3::xxh3_64(&old);
        old.extend_from_slice(&check.to_le_bytes());
        let loaded = Tagger::from_bytes(&old, std::path::Path::new("old.bin")).expect("an older file loads");
        assert_eq!((loaded.about(), loaded.stems()), ("", None));
        assert_eq!(loaded.to_bytes(), v3);
    }
}

#[test]
fn the_stems_a_model_takes_are_saved_with_it() {
    let docs = storyline_ner::conll::parse_conll(TINY, "tiny").expect("parses");
    let config = TrainConfig { gazetteer_folds: 0, stems: Some("en".into()), ..TrainConfig::default() };
    let tagger = Tagger::train(&docs, &config);
    let loaded = Tagger::from_bytes(&tagger.to_bytes(), std::path::Path::new("en.bin")).expect("loads");
    assert_eq!(loaded.stems(), Some("en"));
    assert_eq!(loaded.tag_text("Akar met Maas in Tripoli."), tagger.tag_text("Akar met Maas in Tripoli."));
}

#[test]
fn each_language_gets_its_own_tagger_then_the_multilingual_one_then_the_primary() {
    use storyline_ner::{Choice, Taggers};
    let dir = tempfile::tempdir().expect("temp dir");
    let models = dir.path();
    // Alone, the primary tagger serves every language.
    tagger_from_conllu("PER").save(storyline_ner::primary_path(models)).expect("save");
    let taggers = Taggers::load(models).expect("load");
    assert_eq!(taggers.choice(Some("es")), Choice::Primary);
    assert_eq!(taggers.languages(), ["en"]);
    std::fs::create_dir_all(models.join("ner")).expect("mkdir");
    tagger_from_conllu("LOC").save(storyline_ner::language_path(models, "es")).expect("save");
    tagger_from_conllu("ORG").save(storyline_ner::language_path(models, "xx")).expect("save");
    let taggers = Taggers::load(models).expect("load");
    assert_eq!(taggers.languages(), ["en", "es"]);
    assert!(taggers.has_multilingual());
    let kind = |lang: Option<&str>| taggers.for_language(lang).tag_text("Madrid habló hoy")[0].kind;
    assert_eq!(taggers.choice(Some("es")), Choice::Own("es"));
    assert_eq!(kind(Some("es")), EntityKind::Location);
    assert_eq!(taggers.choice(Some("tr")), Choice::Multilingual);
    assert_eq!(kind(Some("tr")), EntityKind::Organization);
    assert_eq!(taggers.choice(Some("en")), Choice::Primary);
    assert_eq!(kind(Some("en")), EntityKind::Person);
    assert_eq!(kind(None), EntityKind::Person);
    // A stale, broken or truncated tagger is refused when the folder is loaded, not skipped
    // (taggers are read when first needed, but checked at once).
    let whole = tagger_from_conllu("LOC").to_bytes();
    std::fs::write(storyline_ner::language_path(models, "fr"), &whole[..whole.len() - 20]).expect("write");
    assert!(storyline_ner::verify_file(storyline_ner::language_path(models, "es")).is_ok());
    assert!(Taggers::load(models).is_err());
    std::fs::write(storyline_ner::language_path(models, "fr"), b"junk").expect("write");
    assert!(Taggers::load(models).is_err());
}
