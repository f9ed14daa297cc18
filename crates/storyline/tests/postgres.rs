//! The PostgreSQL backend against the SQLite one, through the real binary: the seeds and the
//! 195 Spanish Libya articles of ML-Crisis ingested into each give the same events, duplicates
//! and entities; `storyline migrate` from SQLite gives them too; `storyline check` is clean on
//! all. Needs a PostgreSQL server named by `STORYLINE_TEST_POSTGRES` (each test makes its own
//! database and drops it after) and the trained tagger; skips with a message otherwise.

mod common;

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn storyline(store: &str, models: &Path) -> Command {
    let mut cmd = Command::cargo_bin("storyline").unwrap();
    cmd.arg("--store").arg(store).env_remove("STORYLINE_DB").env_remove("STORYLINE_STORE");
    cmd.env("STORYLINE_MODELS", models);
    cmd
}

fn json(store: &str, models: &Path, args: &[&str]) -> Value {
    let output = storyline(store, models).args(args).arg("--json").output().unwrap();
    assert!(output.status.success(), "{args:?} on {store}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn ingest(store: &str, models: &Path, folders: &[&Path]) {
    storyline(store, models).arg("ingest").args(folders).assert().success();
}

/// What must be the same on both backends: each event's members, each duplicate relation, and
/// each entity's name, kind and mention counts.
fn outcome(
    store: &str,
    models: &Path,
) -> (Vec<Vec<String>>, Vec<(String, String, String)>, Vec<(String, String, u64, u64)>) {
    let strings =
        |v: &Value| -> Vec<String> { v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect() };
    let mut events: Vec<Vec<String>> = json(store, models, &["stories", "--limit", "100000"])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let mut members = strings(&e["articles"]);
            members.sort();
            members
        })
        .collect();
    events.sort();
    let mut duplicates: Vec<(String, String, String)> = json(store, models, &["dupes"])
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["original"].to_string(), d["copy"].to_string(), d["kind"].to_string()))
        .collect();
    duplicates.sort();
    let mut entities: Vec<(String, String, u64, u64)> = json(store, models, &["entities", "--limit", "1000000"])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].to_string(),
                e["kind"].to_string(),
                e["mentions"].as_u64().unwrap(),
                e["articles"].as_u64().unwrap(),
            )
        })
        .collect();
    entities.sort();
    (events, duplicates, entities)
}

fn check_clean(store: &str, models: &Path) {
    let report = json(store, models, &["check"]);
    assert_eq!(report["ok"], Value::Bool(true), "{report}");
}

#[test]
fn postgres_and_sqlite_give_the_same_events_duplicates_and_entities() {
    let Some(database) = common::postgres_database("equivalence") else { return };
    let Some(seeds) = common::seeds() else { return };
    let Some(libya) = common::shared("eval/timelines/es/libya", &[]) else { return };
    let Some(models) = common::tagger_models() else { return };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("s.db").display().to_string();
    let folders = [seeds.as_path(), libya.as_path()];
    ingest(&sqlite, &models, &folders);
    ingest(database.url(), &models, &folders);
    let expected = outcome(&sqlite, &models);
    assert!(
        expected.0.len() > 20 && !expected.1.is_empty() && expected.2.len() > 100,
        "a real ingest: {:?}",
        (expected.0.len(), expected.1.len(), expected.2.len())
    );
    let found = outcome(database.url(), &models);
    assert_eq!(found.0, expected.0, "events");
    assert_eq!(found.1, expected.1, "duplicates");
    assert_eq!(found.2, expected.2, "entities");
    check_clean(&sqlite, &models);
    check_clean(database.url(), &models);
    // Every table exports from both, row for row.
    let rows = |store: &str, out: &Path| -> Vec<usize> {
        storyline(store, &models).args(["export", "--format", "jsonl", "--out"]).arg(out).assert().success();
        ["articles", "events", "storylines", "entities", "mentions", "quotes", "coded_events"]
            .iter()
            .map(|table| std::fs::read_to_string(out.join(format!("{table}.jsonl"))).unwrap().lines().count())
            .collect()
    };
    assert_eq!(rows(database.url(), &dir.path().join("pg-export")), rows(&sqlite, &dir.path().join("sqlite-export")));
    // Ingesting again changes nothing on either.
    ingest(database.url(), &models, &[seeds.as_path()]);
    assert_eq!(outcome(database.url(), &models), expected);

    // A copy of the SQLite store, into a database of its own, and back into a new file.
    let Some(copy) = common::postgres_database("migrated") else { return };
    let migrate = |from: &str, to: &str| {
        let mut cmd = Command::cargo_bin("storyline").unwrap();
        cmd.args(["migrate", "--from", from, "--to", to]).assert().success();
    };
    migrate(&sqlite, copy.url());
    assert_eq!(outcome(copy.url(), &models), expected);
    check_clean(copy.url(), &models);
    // A non-empty target is refused.
    let mut again = Command::cargo_bin("storyline").unwrap();
    let refused = again.args(["migrate", "--from", &sqlite, "--to", copy.url()]).output().unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not empty"));
    let back = dir.path().join("back.db").display().to_string();
    migrate(copy.url(), &back);
    assert_eq!(outcome(&back, &models), expected);
    check_clean(&back, &models);
}

#[test]
fn an_unreachable_postgres_store_is_a_clear_error_without_its_password() {
    let output = Command::cargo_bin("storyline")
        .unwrap()
        .args(["--store", "postgres://someone:hunter2@127.0.0.1:1/news", "stories"])
        .env_remove("STORYLINE_STORE")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot connect to the store at postgres://someone@127.0.0.1:1/news"), "{stderr}");
    assert!(stderr.contains("is PostgreSQL running?") && !stderr.contains("hunter2"), "{stderr}");
}
