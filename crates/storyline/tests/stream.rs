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

/// Workers and the consumer, until the stream has been idle a while: into `db`.
fn work_and_consume(db: &Path, models: &Path, nats: &str, stream: &str) {
    let worker = spawn(db, models, "worker", nats, stream, &["--exit-when-idle", "3"]);
    let consumer = spawn(db, models, "consume", nats, stream, &["--exit-when-idle", "5"]);
    wait_ok(worker);
    wait_ok(consumer);
}

fn json_of(cmd: &mut Process) -> serde_json::Value {
    let output = cmd.arg("--json").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn feeds_poll_publishing_stores_through_the_stream_what_polling_stores() {
    let Some(nats) = nats() else { return };
    let site = common::site::Site::start();
    let feed = site.url("/feed.xml");
    let dir = tempfile::tempdir().unwrap();
    let models = common::tagger_only_models(dir.path());
    let poll = |db: &Path, extra: &[&str]| {
        let mut poll = common::storyline_process(db, &models);
        poll.args(["feeds", "poll", "--delay-ms", "0", "--backoff-ms", "10", "--allow-private-addresses"]).args(extra);
        json_of(&mut poll)
    };
    let subscribed = |db: &Path| {
        run_ok(common::storyline_process(db, &models).args(["feeds", "add", &feed, "--allow-private-addresses"]));
    };

    let direct = dir.path().join("direct.db");
    subscribed(&direct);
    let stored = poll(&direct, &[]);
    assert_eq!(stored["ingest"]["new"], 2, "{stored:#}");

    // The feed list and the items seen stay in feeds.db; the articles go to the stream, and
    // from there into consumed.db.
    let feeds = dir.path().join("feeds.db");
    let consumed = dir.path().join("consumed.db");
    let stream = stream_name("feeds");
    subscribed(&feeds);
    let published = poll(&feeds, &["--publish-to", &nats, "--stream", &stream]);
    assert_eq!(published["ingest"]["new"], 2, "{published:#}");
    let listed = json_of(common::storyline_process(&feeds, &models).args(["feeds", "list"]));
    assert_eq!(listed[0]["items_seen"], 3, "published items are seen, as is the disallowed one: {listed:#}");
    assert!(Store::open(&feeds).unwrap().events(10).unwrap().is_empty(), "nothing stored where the feeds are");
    let again = poll(&feeds, &["--publish-to", &nats, "--stream", &stream]);
    assert_eq!(again["feeds"][0]["status"], "not modified", "{again:#}");

    work_and_consume(&consumed, &models, &nats, &stream);
    let expected = decided(&direct);
    assert_eq!(expected.0.len(), 2, "two events: a deal in Tripoli, floods in Venice");
    assert_eq!(decided(&consumed), expected);
}

#[test]
fn posted_articles_published_by_the_server_are_stored_as_ingest_stores_them() {
    let (Some(nats), Some(seeds)) = (nats(), common::seeds()) else { return };
    let dir = tempfile::tempdir().unwrap();
    let models = common::tagger_only_models(dir.path());
    // The seeds as JSON objects: POSTed one by one, and as one JSON Lines file for ingest.
    let mut files: Vec<PathBuf> = std::fs::read_dir(&seeds)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let posts: Vec<String> = files
        .iter()
        .map(|file| {
            let id = file.file_stem().unwrap().to_string_lossy();
            serde_json::json!({ "id": id, "text": std::fs::read_to_string(file).unwrap() }).to_string()
        })
        .collect();
    let lines = dir.path().join("seeds.jsonl");
    std::fs::write(&lines, posts.join("\n")).unwrap();
    let expected = decided(&ingested(dir.path(), &models, &[lines]));
    assert!(!expected.0.is_empty());

    let stream = stream_name("posted");
    let served = dir.path().join("served.db");
    let server = common::Server::start(&served, &models, &["--publish-to", &nats, "--stream", &stream]);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let url = format!("{}/api/articles", server.base);
    let post = |body: &str| {
        let mut response = agent.post(&url).header("Content-Type", "application/json").send(body).unwrap();
        let status = response.status().as_u16();
        let answer: serde_json::Value = serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap();
        (status, answer)
    };
    for (body, file) in posts.iter().zip(&files) {
        let (status, answer) = post(body);
        assert_eq!(status, 202, "{answer:#}");
        assert_eq!(answer["ids"], serde_json::json!([file.file_stem().unwrap().to_string_lossy()]));
        assert_eq!(answer["status"], "published");
    }
    let (status, answer) = post(&posts[0]);
    assert_eq!((status, &answer["status"]), (202, &serde_json::json!("already published")), "{answer:#}");
    drop(server);
    assert_eq!(decided(&served), (Vec::new(), Vec::new()), "the server stored nothing itself");

    let consumed = dir.path().join("consumed.db");
    work_and_consume(&consumed, &models, &nats, &stream);
    assert_eq!(decided(&consumed), expected);
}

#[test]
fn a_watched_folder_published_is_stored_as_ingest_stores_it() {
    let (Some(nats), Some(seeds)) = (nats(), common::seeds()) else { return };
    let dir = tempfile::tempdir().unwrap();
    let models = common::tagger_only_models(dir.path());
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let mut files = 0;
    for entry in std::fs::read_dir(&seeds).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            std::fs::copy(&path, inbox.join(path.file_name().unwrap())).unwrap();
            files += 1;
        }
    }
    let expected = decided(&ingested(dir.path(), &models, std::slice::from_ref(&inbox)));
    assert!(!expected.0.is_empty());

    // The initial scan publishes the folder; no store is opened for it.
    let unused = dir.path().join("unused.db");
    let stream = stream_name("watched");
    let mut watcher = common::storyline_process(&unused, &models)
        .arg("watch")
        .arg(&inbox)
        .args(["--publish-to", &nats, "--stream", &stream])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // "HH:MM:SS inbox", then the report: "read 5 files, 5 articles: 5 new, …".
    let report = std::io::BufRead::lines(std::io::BufReader::new(watcher.stdout.take().unwrap()))
        .map(Result::unwrap)
        .find(|line| line.starts_with("read "));
    watcher.kill().unwrap();
    watcher.wait().unwrap();
    let report = report.expect("the initial scan's report");
    assert!(report.starts_with(&format!("read {files} files, {files} articles: {files} new")), "{report}");
    assert!(!unused.exists(), "publishing opens no store");

    let consumed = dir.path().join("consumed.db");
    work_and_consume(&consumed, &models, &nats, &stream);
    assert_eq!(decided(&consumed), expected);
}
