//! Places geocoded at ingest, through the real binary: place entities carry a point, a country
//! and a GeoNames id after `ingest`, read together with the article's other places; without the
//! gazetteer, ingest still works and says once that places have no coordinates. Needs the
//! trained tagger (models/ner.bin); the first test also the gazetteer (models/geonames).

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/aliases")
}

fn places(db: &Path) -> Vec<Value> {
    let mut list = common::storyline(db);
    list.args(["entities", "--limit", "100000"]);
    let all = common::json(&mut list).as_array().cloned().unwrap_or_default();
    all.into_iter().filter(|e| e["kind"] == "LOC" || e["kind"] == "GPE").collect()
}

#[test]
fn place_entities_have_coordinates_after_ingest() {
    let Some(models) = common::tagger_models() else { return };
    let gazetteer = models.join("geonames");
    if !gazetteer.join("cities500.json").exists() {
        eprintln!("skipping: {} not installed (scripts/setup.d/10-geonames.sh)", gazetteer.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let mut ingest = common::storyline(&db);
    ingest.env("STORYLINE_MODELS", &models).env("STORYLINE_GEONAMES", &gazetteer);
    common::json(ingest.args(["ingest", "--model", "none"]).arg(fixture()));
    let places = places(&db);
    let libya = places.iter().find(|e| e["country"] == "LY").expect("Libya is a place of these articles");
    assert_eq!(libya["location"]["feature"], "country");
    // Tripoli, under any of its spellings, is the one in Libya, not in Lebanon or Greece.
    let tripoli = places
        .iter()
        .find(|e| e["aliases"].as_array().into_iter().flatten().any(|a| a == "Tripoli" || a == "Trípoli"))
        .expect("Tripoli is a place of these articles");
    let location = &tripoli["location"];
    assert_eq!(location["country"], "LY", "{tripoli:#}");
    let (lat, lon) = (location["lat"].as_f64().unwrap(), location["lon"].as_f64().unwrap());
    assert!((lat - 32.9).abs() < 0.5 && (lon - 13.2).abs() < 0.5, "{lat}, {lon}");
    let located = places.iter().filter(|e| e["location"].is_object()).count();
    assert!(located * 10 >= places.len() * 7, "{located} of {} places located", places.len());
    // The entity page's map gets the point too.
    let mut show = common::storyline(&db);
    show.args(["entity"]).arg(tripoli["id"].to_string());
    let detail = common::json(&mut show);
    assert!(detail["places"][0]["coordinates"].is_array(), "{:#}", detail["places"]);
}

#[test]
fn without_the_gazetteer_ingest_stores_places_without_coordinates() {
    let Some(models) = common::tagger_models() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let mut ingest = common::storyline(&db);
    ingest
        .env("STORYLINE_MODELS", &models)
        .env("STORYLINE_GEONAMES", dir.path().join("no-gazetteer"))
        .args(["ingest", "--model", "none"])
        .arg(fixture());
    let output = ingest.output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches("without coordinates").count(), 1, "{stderr}");
    let places = places(&db);
    assert!(!places.is_empty());
    assert!(places.iter().all(|e| e["location"].is_null()));
}
