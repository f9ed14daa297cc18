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

#[test]
fn spanish_articles_are_coded_at_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox").join("2011-03-19");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::write(
        inbox.join("protesta.txt"),
        "Miles de estudiantes protestan en Bogotá\n\n\
         Miles de estudiantes se manifestaron este viernes en Bogotá contra el presidente Andrés Pastrana, \
         para exigir más dinero para las universidades públicas del país. La Policía Nacional detuvo ayer a varios \
         dirigentes estudiantiles durante la marcha, según informaron los organizadores de la protesta. \
         El Gobierno de Venezuela condenó la represión de los estudiantes en la capital colombiana.",
    )
    .unwrap();
    let db = dir.path().join("es.db");
    json(storyline(&db).args(["ingest", "--model", "none"]).arg(dir.path().join("inbox")));
    let events = json(storyline(&db).arg("events"));
    let events = events.as_array().unwrap();
    assert!(events.iter().any(|e| e["event_type"] == "PROTEST"), "no Spanish PROTEST: {events:#?}");
    // "ayer" is the day before the day folder's date.
    assert!(
        events.iter().any(|e| e["event_type"] == "COERCE" && e["date_start"] == "2011-03-18"),
        "no Spanish COERCE dated the day before: {events:#?}"
    );
    assert!(
        events.iter().any(|e| e["event_type"] == "ACCUSE" && side_has(e, "actors", "VEN")),
        "Venezuela does not ACCUSE: {events:#?}"
    );
    // Every event is dated: by its sentence, else by its article's day folder.
    assert!(events.iter().all(|e| e["date_start"].is_string() || e["published"].is_string()));
}

#[test]
fn eval_events_trains_on_one_corpus_and_tests_on_another() {
    let Some(gold) = common::shared(
        "eval/events",
        &["PLOVER_GSR_CAMEO.txt", "spanish_fight_reduced_181227v2_validation.xml", "CAMEO2PLOVER-2021.txt"],
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("events-classifier.json");
    let report = json(
        storyline(&dir.path().join("unused.db"))
            .args(["eval", "events", "--train"])
            .arg(gold.join("PLOVER_GSR_CAMEO.txt"))
            .arg("--test")
            .arg(gold.join("spanish_fight_reduced_181227v2_validation.xml"))
            .arg(gold.join("PLOVER_GSR_CAMEO.txt"))
            .arg("--save-model")
            .arg(&model),
    );
    let directions = report["directions"].as_array().unwrap();
    let across = &directions[0];
    assert_eq!(across["kind"], "train-test");
    assert_eq!(across["train"], serde_json::json!(["gsr"]));
    assert_eq!(across["test"], "es-fight");
    assert!(across["test_records"].as_u64().unwrap() > 250);
    // English training, Spanish test: the Spanish lexicon carries the types across.
    let accuracy = across["classifier"].as_f64().unwrap();
    assert!(accuracy > across["majority_baseline"].as_f64().unwrap() + 0.3, "{across:#}");
    assert!(accuracy > 0.7, "{across:#}");
    // A test file that is also a training file is cross-validated, never tested on itself.
    assert_eq!(directions[1]["kind"], "cross-validation");
    assert_eq!(directions[1]["test"], "gsr");
    let es = report["corpora"].as_array().unwrap().iter().find(|c| c["name"] == "es-fight").unwrap();
    assert_eq!(es["language"], "es");
    assert!(model.is_file(), "--save-model wrote no model");

    // Ingest codes types with the model when it lies in the models folder.
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::write(
        inbox.join("ataque.txt"),
        "Ataque en el norte\n\nLos rebeldes atacaron un cuartel del ejército en el norte de Colombia, \
         según informaron las autoridades militares, que no dieron cifras de víctimas del combate.",
    )
    .unwrap();
    let db = dir.path().join("m.db");
    json(storyline(&db).args(["ingest", "--model", "none", "--models"]).arg(dir.path()).arg(&inbox));
    let events = json(storyline(&db).arg("events"));
    assert!(events.as_array().unwrap().iter().any(|e| e["event_type"] == "ASSAULT"), "{events:#}");
}
