//! The pipeline through the article stream (NATS JetStream, `STORYLINE_TEST_NATS`; skipped
//! without): `ingest --publish-to`, `worker` processes, one `consume`, with the real binary.
//! The store it makes must be the one `storyline ingest` makes: same events, same duplicates,
//! with any number of workers, a worker killed mid-run, or the consumer killed and restarted.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

use storyline_store::Store;

fn nats() -> Option<String> {
    match std::env::var("STORYLINE_TEST_NATS") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("skipping: STORYLINE_TEST_NATS is not set (scripts/services.sh start)");
            None
        }
    }
}

/// A stream name of its own per test, so tests share the server.
fn stream_name(test: &str) -> String {
    format!("S{}_{}", std::process::id(), test.to_uppercase())
}

fn run_ok(cmd: &mut Process) {
    let output = cmd.output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

fn publish(db: &Path, models: &Path, nats: &str, stream: &str, paths: &[PathBuf]) {
    run_ok(
        common::storyline_process(db, models).args(["ingest", "--publish-to", nats, "--stream", stream]).args(paths),
    );
}

fn spawn(db: &Path, models: &Path, command: &str, nats: &str, stream: &str, extra: &[&str]) -> Child {
    common::storyline_process(db, models)
        .args([command, "--nats", nats, "--stream", stream, "--model", "none", "--ack-wait", "2"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_ok(child: Child) {
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

type Decided = (Vec<storyline_store::EventSummary>, Vec<storyline_model::DuplicateRelation>);

/// What the store decided: events (with their articles) and duplicate relations.
fn decided(db: &Path) -> Decided {
    decided_at(&db.display().to_string())
}

fn decided_at(location: &str) -> Decided {
    let store = Store::open_location(location).unwrap();
    (store.events(100_000).unwrap(), store.duplicates(None).unwrap())
}

fn ingested(dir: &Path, models: &Path, paths: &[PathBuf]) -> PathBuf {
    let db = dir.join("ingest.db");
    run_ok(common::storyline_process(&db, models).args(["ingest", "--model", "none"]).args(paths));
    db
}

fn through_stream(dir: &Path, models: &Path, nats: &str, test: &str, paths: &[PathBuf], workers: usize) -> PathBuf {
    let db = dir.join(format!("{test}.db"));
    let stream = stream_name(test);
    publish(&db, models, nats, &stream, paths);
    let running: Vec<Child> =
        (0..workers).map(|_| spawn(&db, models, "worker", nats, &stream, &["--exit-when-idle", "3"])).collect();
    let consumer = spawn(&db, models, "consume", nats, &stream, &["--exit-when-idle", "5"]);
    running.into_iter().for_each(wait_ok);
    wait_ok(consumer);
    db
}

#[test]
fn the_seeds_through_the_stream_with_one_and_three_workers_are_stored_as_ingest_stores_them() {
    let (Some(nats), Some(seeds)) = (nats(), common::seeds()) else { return };
    let dir = tempfile::tempdir().unwrap();
    let models = common::tagger_only_models(dir.path());
    let expected = decided(&ingested(dir.path(), &models, std::slice::from_ref(&seeds)));
    assert!(!expected.0.is_empty());
    for workers in [1, 3] {
        let test = format!("seeds{workers}");
        let db = through_stream(dir.path(), &models, &nats, &test, std::slice::from_ref(&seeds), workers);
        assert_eq!(decided(&db), expected, "{workers} workers");
    }
}

#[test]
fn the_seeds_through_the_stream_into_postgresql_are_stored_as_ingest_stores_them() {
    let (Some(nats), Some(seeds)) = (nats(), common::seeds()) else { return };
    let Some(database) = common::postgres_database("stream") else { return };
    let dir = tempfile::tempdir().unwrap();
    let models = common::tagger_only_models(dir.path());
    let paths = std::slice::from_ref(&seeds);
    let expected = decided(&ingested(dir.path(), &models, paths));
    // Publishing and preparing touch no store; the consumer writes PostgreSQL.
    let unused = dir.path().join("unused.db");
    let stream = stream_name("postgres");
    publish(&unused, &models, &nats, &stream, paths);
    let workers: Vec<Child> =
        (0..2).map(|_| spawn(&unused, &models, "worker", &nats, &stream, &["--exit-when-idle", "3"])).collect();
    let consumer =
        spawn(&unused, &models, "consume", &nats, &stream, &["--exit-when-idle", "5", "--store", database.url()]);
    workers.into_iter().for_each(wait_ok);
    wait_ok(consumer);
    assert!(!unused.exists(), "only PostgreSQL was written");
    assert_eq!(decided_at(database.url()), expected);
}

fn timelines() -> Option<PathBuf> {
    common::shared("eval/timelines/fr", &[])
}

#[test]
fn a_worker_killed_mid_run_loses_nothing() {
    let (Some(nats), Some(folder)) = (nats(), timelines()) else { return };
    let dir = tempfile::tempdir().unwrap();
    let models = common::tagger_only_models(dir.path());
    let paths = vec![folder];
    let expected = decided(&ingested(dir.path(), &models, &paths));
    let db = dir.path().join("killed.db");
    let stream = stream_name("killed");
    publish(&db, &models, &nats, &stream, &paths);
    let mut doomed = spawn(&db, &models, "worker", &nats, &stream, &["--batch", "8"]);
    std::thread::sleep(Duration::from_millis(1500));
    doomed.kill().unwrap(); // SIGKILL: no chance to finish what it holds
    doomed.wait().unwrap();
    let worker = spawn(&db, &models, "worker", &nats, &stream, &["--exit-when-idle", "5"]);
    let consumer = spawn(&db, &models, "consume", &nats, &stream, &["--exit-when-idle", "8"]);
    wait_ok(worker);
    wait_ok(consumer);
    assert_eq!(decided(&db), expected);
}

#[test]
fn the_consumer_killed_and_restarted_loses_and_doubles_nothing() {
    let (Some(nats), Some(folder)) = (nats(), timelines()) else { return };
    let dir = tempfile::tempdir().unwrap();
    let models = common::tagger_only_models(dir.path());
    let paths = vec![folder];
    let expected = decided(&ingested(dir.path(), &models, &paths));
    let db = dir.path().join("restarted.db");
    let stream = stream_name("restarted");
    publish(&db, &models, &nats, &stream, &paths);
    let worker = spawn(&db, &models, "worker", &nats, &stream, &["--exit-when-idle", "5"]);
    let mut doomed = spawn(&db, &models, "consume", &nats, &stream, &["--batch", "4"]);
    let started = Instant::now();
    // Killed once it has stored something, mid-run.
    while Store::open(&db).map(|s| s.events(1).map(|e| e.is_empty()).unwrap_or(true)).unwrap_or(true) {
        assert!(started.elapsed() < Duration::from_secs(120), "the consumer stored nothing");
        std::thread::sleep(Duration::from_millis(50));
    }
    doomed.kill().unwrap();
    doomed.wait().unwrap();
    let consumer = spawn(&db, &models, "consume", &nats, &stream, &["--exit-when-idle", "8"]);
    wait_ok(worker);
    wait_ok(consumer);
    assert_eq!(decided(&db), expected);
}
