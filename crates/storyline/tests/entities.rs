//! Entities on the seed articles, through the real binary: ingest, then `entities --json` and
//! `entity NAME --json`. Needs the trained tagger (models/ner.bin, built by
//! scripts/setup.d/60-ner-model.sh); skips with a message when it or the seeds are absent.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn inputs() -> Option<(PathBuf, PathBuf)> {
    let seeds = root().join("../shared/seeds");
    let models = std::env::var_os("STORYLINE_MODELS").map(PathBuf::from).unwrap_or_else(|| root().join("models"));
    if !seeds.is_dir() {
        eprintln!("skipping: {} not found", seeds.display());
        return None;
    }
    if !models.join("ner.bin").exists() {
        eprintln!("skipping: {} not found; run scripts/setup.d/60-ner-model.sh", models.join("ner.bin").display());
        return None;
    }
    Some((seeds, models))
}

fn storyline(db: &Path, models: &Path) -> Command {
    let mut cmd = Command::cargo_bin("storyline").unwrap();
    cmd.arg("--db").arg(db).env_remove("STORYLINE_DB").env("STORYLINE_MODELS", models);
    cmd
}

fn json(cmd: &mut Command) -> Value {
    let output = cmd.arg("--json").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The id of the one entity that has every one of `aliases`; panics with the list otherwise.
fn one_entity_with(entities: &[Value], aliases: &[&str]) -> i64 {
    let has = |e: &Value, a: &str| e["aliases"].as_array().unwrap().iter().any(|x| x == a);
    let holders: Vec<&Value> = entities.iter().filter(|e| aliases.iter().any(|a| has(e, a))).collect();
    assert_eq!(holders.len(), 1, "{aliases:?} should be one entity, found {holders:#?}");
    for a in aliases {
        assert!(has(holders[0], a), "{a} missing from {:#?}", holders[0]);
    }
    holders[0]["id"].as_i64().unwrap()
}

#[test]
fn seed_entities_resolve_across_articles_and_quotes_find_their_speakers() {
    let Some((seeds, models)) = inputs() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let report = json(storyline(&db, &models).arg("ingest").arg(&seeds));
    assert_eq!(report["new"], 5);

    let entities = json(storyline(&db, &models).arg("entities"));
    let entities = entities.as_array().unwrap();
    for group in [
        &["Mohammad Al-Attiyah", "Khalid bin Mohammad Al Attiyah", "Khaled Al-Attiyah"][..],
        &["Salam Al-Namroush", "Salah Al-Namroush"],
        &["Fayez Al-Sarraj", "Fayez al-Sarraj", "Al-Sarraj", "Sarraj"],
        &["Yasar Gular"],
        &["Ibrahim Kalin", "Kalan"],
        &["Misrata"],
        &["Jufra", "Jufrah", "Jafra"],
        &["Government of National Accord", "GNA", "reconciliation government"],
        &["Libyan National Army", "LNA"],
        &["Heiko Maas", "Maas"],
        &["Hulusi Akar", "Akar"],
        &["Khalifa Haftar", "Haftar"],
        &["Recep Tayyip Erdoğan", "Erdoğan"],
        &["Vladimir Putin", "Putin"],
        &["Mevlüt Çavuşoğlu"],
        &["Turkey", "Turkish"],
    ] {
        one_entity_with(entities, group);
    }
    // Nothing that should stay apart is merged.
    assert_ne!(one_entity_with(entities, &["Heiko Maas"]), one_entity_with(entities, &["Mohamed Siala"]));
    let turkey = entities.iter().find(|e| e["id"] == one_entity_with(entities, &["Turkey"])).unwrap();
    assert!(!turkey["aliases"].as_array().unwrap().iter().any(|a| a == "Turkish Minute"), "{turkey:#}");

    // The first-name disagreement is recorded.
    let namroush = json(storyline(&db, &models).args(["entity", "Salah Al-Namroush"]));
    let disputed = &namroush["disagreements"][0]["values"];
    assert!(disputed.get("Salam").is_some() && disputed.get("Salah").is_some(), "{namroush:#}");

    // Quotes: Akar's in 000 and 001, Maas's "deceptive calm".
    let akar = json(storyline(&db, &models).args(["entity", "Hulusi Akar"]));
    let quotes: Vec<(&str, &str)> = akar["quotes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| (q["article"].as_str().unwrap(), q["text"].as_str().unwrap()))
        .collect();
    for article in ["000_ea50157a1f620560", "001_39be850b2c363a0b"] {
        assert!(
            quotes.iter().any(|(a, t)| *a == article && t.starts_with("We believe that we will")),
            "{article}: {quotes:#?}"
        );
    }
    let maas = json(storyline(&db, &models).args(["entity", "Heiko Maas"]));
    assert!(maas["quotes"].as_array().unwrap().iter().any(|q| q["text"] == "deceptive calm"), "{maas:#}");
    assert!(maas["places"].as_array().unwrap().iter().any(|p| p["name"] == "Tripoli"));

    // Every mention points at its article and sentence; the article view carries them.
    let article = json(storyline(&db, &models).args(["article", "004_3a28729955fca061"]));
    let mentions = article["entities"]["mentions"].as_array().unwrap();
    assert!(mentions.iter().all(|m| m["article"] == "004_3a28729955fca061" && m["sentence"].is_u64()));
}

#[test]
fn ingest_without_a_model_still_works_and_says_so_once() {
    let seeds = root().join("../shared/seeds");
    if !seeds.is_dir() {
        eprintln!("skipping: {} not found", seeds.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let output = storyline(&db, dir.path()).arg("ingest").arg(&seeds).output().unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches("entities skipped").count(), 1, "{stderr}");
    assert!(stderr.contains("60-ner-model.sh"), "{stderr}");
}

#[test]
fn resolution_beside_the_writer_decides_as_resolution_on_it() {
    let Some((seeds, models)) = inputs() else { return };
    // One file per batch: each batch's resolution reads what the ones before committed.
    let options = storyline_pipeline::IngestOptions {
        models_dir: models,
        embedding_model: None,
        batch_files: 1,
        ..Default::default()
    };
    let entities_after_ingest = |store: &mut storyline_store::Store| {
        storyline_pipeline::ingest_paths(store, std::slice::from_ref(&seeds), &options, &|_| {}).unwrap();
        store.entities(&Default::default()).unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    // A store file has a second connection, so resolution runs on its own thread; a store in
    // memory has none, so it runs on the writer.
    let beside = entities_after_ingest(&mut storyline_store::Store::open(&dir.path().join("s.db")).unwrap());
    let on_writer = entities_after_ingest(&mut storyline_store::Store::open_in_memory().unwrap());
    assert!(beside.len() > 20, "{beside:#?}");
    assert_eq!(beside, on_writer);
}
