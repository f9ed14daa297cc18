//! A service that is down (NATS, PostgreSQL) is a clear error at once: every command that needs
//! it stops within seconds with one line that names the URL and says what to do, never a hang
//! or a panic. Nothing listens on port 1 of 127.0.0.1, so these need no running services.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

const DEAD_NATS: &str = "nats://127.0.0.1:1";
const DEAD_POSTGRES: &str = "postgres://someone:hunter2@127.0.0.1:1/news";

/// Connecting gives up after 5 s (NATS) or 10 s (PostgreSQL) when a host does not answer; a
/// refused connection fails at once. Far below this either way.
const FAST: Duration = Duration::from_secs(20);

/// Runs `storyline ARGS` on the store file `db`, which must fail fast with one line on stderr
/// that holds each of `expected`; returns the line.
fn fails_with_one_line(db: &Path, args: &[&str], expected: &[&str]) -> String {
    let models = db.parent().unwrap().join("models");
    let started = Instant::now();
    let output = common::storyline_process(db, &models)
        .args(args)
        .env_remove("STORYLINE_STORE")
        .env_remove("STORYLINE_NATS")
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    assert_eq!(output.status.code(), Some(1), "{args:?} fails as an error, not a panic or a signal: {stderr}");
    assert!(took < FAST, "{args:?} took {took:?}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: one line: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    for words in expected {
        assert!(stderr.contains(words), "{args:?}: {words:?} in {stderr}");
    }
    assert!(!stderr.contains("hunter2"), "no password: {stderr}");
    stderr
}

/// What a NATS error must say: where, and what to do.
const NATS_ADVICE: [&str; 2] = [DEAD_NATS, "is nats-server running there, with -js?"];

#[test]
fn publishing_to_a_nats_server_that_is_down_fails_fast_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::write(inbox.join("a.txt"), "Floods in Venice\n\nThe highest tide in fifty years.").unwrap();
    let inbox = inbox.to_str().unwrap();
    fails_with_one_line(&db, &["ingest", inbox, "--publish-to", DEAD_NATS], &NATS_ADVICE);
    fails_with_one_line(&db, &["watch", inbox, "--publish-to", DEAD_NATS], &NATS_ADVICE);
    fails_with_one_line(&db, &["serve", "--addr", "127.0.0.1:0", "--publish-to", DEAD_NATS], &NATS_ADVICE);
    assert!(!db.exists(), "ingest and watch publish without a store, and serve stops before it opens one");
    // Its feed list is in the store: opened, then the stream.
    fails_with_one_line(&db, &["feeds", "poll", "--publish-to", DEAD_NATS], &NATS_ADVICE);
}

#[test]
fn workers_and_the_consumer_fail_fast_without_nats() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    fails_with_one_line(&db, &["worker", "--nats", DEAD_NATS, "--model", "none"], &NATS_ADVICE);
    fails_with_one_line(&db, &["consume", "--nats", DEAD_NATS, "--model", "none"], &NATS_ADVICE);
}

#[test]
fn a_postgres_store_that_is_down_fails_fast_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let expected = ["postgres://someone@127.0.0.1:1/news", "is PostgreSQL running?"];
    for args in [
        &["--store", DEAD_POSTGRES, "stories"][..],
        &["--store", DEAD_POSTGRES, "ingest", dir.path().to_str().unwrap()],
        // The consumer opens its store before the stream: the store's error comes first.
        &["--store", DEAD_POSTGRES, "consume", "--nats", DEAD_NATS, "--model", "none"],
        &["--store", DEAD_POSTGRES, "feeds", "poll", "--publish-to", DEAD_NATS],
    ] {
        let line = fails_with_one_line(&db, args, &expected);
        assert_eq!(line.matches("127.0.0.1:1").count(), 1, "the URL once: {line}");
    }
}
