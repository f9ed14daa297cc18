//! Coded events on the seed articles: ingest them with the real binary, then `events --json`.

use serde_json::Value;

mod common;
use common::{json, seeds, storyline};

fn side_has(event: &Value, side: &str, needle: &str) -> bool {
    event[side].as_array().is_some_and(|list| {
        list.iter()
            .any(|a| a["text"].as_str().is_some_and(|t| t.contains(needle)) || a["code"].as_str() == Some(needle))
    })
}

fn either_side(event: &Value, needle: &str) -> bool {
    side_has(event, "actors", needle) || side_has(event, "targets", needle)
}

#[test]
fn seeds_give_the_expected_coded_events() {
    let Some(seeds) = seeds() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    json(storyline(&db).arg("ingest").arg(&seeds));
    let events = json(storyline(&db).arg("events"));
    let events = events.as_array().unwrap();
    let of_type = |t: &'static str| events.iter().filter(move |e| e["event_type"] == t);

    // Turkey, Qatar and the Libyan government agree on military cooperation.
    assert!(
        of_type("AGREE").any(|e| side_has(e, "actors", "TUR")
            && side_has(e, "actors", "QAT")
            && either_side(e, "LBY")
            && e["sentence"].as_str().unwrap().contains("cooperation")),
        "no Turkey–Qatar–Libya AGREE: {events:#?}"
    );
    // Akar and Al-Attiyah consult with al-Sarraj (either way round: consulting is mutual).
    assert!(
        of_type("CONSULT").any(|e| either_side(e, "Akar") && either_side(e, "Attiyah") && either_side(e, "Sarraj")),
        "no Akar/Al-Attiyah/al-Sarraj CONSULT"
    );
    // Maas visits Tripoli.
    assert!(
        of_type("CONSULT")
            .any(|e| side_has(e, "actors", "Maas") && e["sentence"].as_str().unwrap().contains("Tripoli")),
        "no Maas CONSULT in Tripoli"
    );
    // France, Russia, Egypt, the UAE and Saudi Arabia support Haftar.
    for code in ["FRA", "RUS", "EGY", "ARE", "SAU"] {
        assert!(
            of_type("SUPPORT").any(|e| side_has(e, "actors", code) && side_has(e, "targets", "Haftar")),
            "{code} does not SUPPORT Haftar"
        );
    }
    // Every event points back to its article and sentence.
    for e in events {
        assert!(e["article"].as_str().is_some_and(|a| a.len() > 3));
        assert!(e["sentence"].as_str().is_some_and(|s| s.contains(e["trigger"].as_str().unwrap())));
    }
    // The seeds carry no publication dates: "yesterday" stays unresolved.
    assert!(events.iter().filter(|e| e["date_text"] == "yesterday").all(|e| e["date_start"].is_null()));

    // Filters and the TSV export.
    let agree = json(storyline(&db).args(["events", "--type", "agree"]));
    assert!(agree.as_array().unwrap().iter().all(|e| e["event_type"] == "AGREE"));
    let haftar = json(storyline(&db).args(["events", "--actor", "Haftar"]));
    assert!(!haftar.as_array().unwrap().is_empty());
    let tsv = storyline(&db).args(["events", "--tsv"]).output().unwrap();
    let tsv = String::from_utf8(tsv.stdout).unwrap();
    assert!(tsv.starts_with("date\tactor1\t"));
    assert!(tsv.lines().skip(1).all(|l| l.split('\t').count() == 11));
}
