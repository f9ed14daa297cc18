//! The stream against a real nats-server: `STORYLINE_TEST_NATS` names one with JetStream
//! (scripts/services.sh starts one); the cluster test starts its own three nodes on ports
//! 4300–4312. Without them, the tests say they are skipped.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use storyline_stream::{ArticleStream, Outcome, StreamOptions, Ticket};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Raw {
    id: String,
    text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Prepared {
    id: String,
    words: usize,
    vector: Vec<f32>,
}

fn nats_url(test: &str) -> Option<String> {
    match std::env::var("STORYLINE_TEST_NATS") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("skipped {test}: STORYLINE_TEST_NATS is not set (scripts/services.sh start)");
            None
        }
    }
}

/// Streams of their own per test, so tests share one server.
fn options(test: &str) -> StreamOptions {
    StreamOptions {
        name: format!("T{}_{}", std::process::id(), test.to_uppercase()),
        ack_wait: Duration::from_secs(1),
        ..StreamOptions::default()
    }
}

fn connect(url: &str, options: StreamOptions) -> ArticleStream {
    let stream = ArticleStream::connect(url, options).expect("connect");
    stream
}

fn raw(i: usize) -> (String, Raw) {
    let id = format!("article-{i}");
    (id.clone(), Raw { id, text: format!("text {i} ").repeat(i % 7 + 1) })
}

fn prepare(raw: &Raw) -> Outcome<Prepared> {
    if raw.text.is_empty() {
        return Outcome::Skipped("empty".into());
    }
    let words = raw.text.split_whitespace().count();
    Outcome::Prepared(Prepared { id: raw.id.clone(), words, vector: vec![words as f32; 4] })
}

/// Takes and finishes raw articles until none come within `quiet`.
fn work_until_quiet(stream: &ArticleStream, batch: usize, quiet: Duration) -> usize {
    let mut work = stream.workers().expect("workers");
    let mut done = 0;
    loop {
        let taken = work.take::<Raw>(batch, quiet).expect("take");
        if taken.is_empty() {
            return done;
        }
        done += taken.len();
        let finished: Vec<(Ticket, Outcome<Prepared>)> =
            taken.into_iter().map(|w| (w.ticket, prepare(&w.raw))).collect();
        work.finish(finished).expect("finish");
    }
}

/// Applies runs until `until` is applied, as a store would: the last sequence recorded with
/// each run, acknowledged after. Returns the sequences and outcomes applied, in order.
fn decide_until(
    stream: &ArticleStream,
    applied_through: u64,
    until: u64,
    deadline: Duration,
) -> Vec<(u64, Outcome<Prepared>)> {
    let mut decisions = stream.decisions::<Prepared>(applied_through).expect("decisions");
    let started = Instant::now();
    let mut applied = Vec::new();
    while applied.last().map_or(applied_through, |(s, _)| *s) < until {
        assert!(started.elapsed() < deadline, "only {} of {} applied in {deadline:?}", applied.len(), until);
        let run = decisions.next_run(16, Duration::from_millis(500)).expect("next run");
        applied.extend(run.decisions.into_iter().map(|d| (d.sequence, d.outcome)));
        decisions.applied(run.receipt).expect("ack");
    }
    applied
}

#[test]
fn raw_articles_come_back_prepared_in_arrival_order() {
    let Some(url) = nats_url("raw_articles_come_back_prepared_in_arrival_order") else { return };
    let stream = connect(&url, options("order"));
    let published = stream.publish_raw((1..=100).map(raw).collect()).expect("publish");
    let sequences: Vec<u64> = published.iter().map(|p| p.sequence).collect();
    assert_eq!(sequences, (1..=100).collect::<Vec<u64>>());
    assert_eq!(stream.backlog().unwrap().raw, 100);

    // Three workers take batches, and finish them last first: prepared articles arrive out of order.
    let mut queues: Vec<_> = (0..3).map(|_| stream.workers().unwrap()).collect();
    let mut taken = Vec::new();
    loop {
        let mut any = false;
        for queue in &mut queues {
            let batch = queue.take::<Raw>(7, Duration::from_millis(200)).unwrap();
            any |= !batch.is_empty();
            taken.push(batch);
        }
        if !any {
            break;
        }
    }
    for (i, batch) in taken.into_iter().enumerate().rev() {
        let finished: Vec<_> = batch.into_iter().map(|w| (w.ticket, prepare(&w.raw))).collect();
        queues[i % 3].finish(finished).unwrap();
    }

    let applied = decide_until(&stream, 0, 100, Duration::from_secs(20));
    let order: Vec<u64> = applied.iter().map(|(s, _)| *s).collect();
    assert_eq!(order, (1..=100).collect::<Vec<u64>>());
    for (sequence, outcome) in &applied {
        let (_, raw) = raw(*sequence as usize);
        assert_eq!(outcome, &prepare(&raw), "sequence {sequence}");
    }
    assert_eq!(stream.backlog().unwrap(), storyline_stream::Backlog { raw: 0, prepared: 0 });
    stream.delete_streams().unwrap();
}

#[test]
fn a_message_id_published_twice_is_stored_once() {
    let Some(url) = nats_url("a_message_id_published_twice_is_stored_once") else { return };
    let stream = connect(&url, options("dedup"));
    let first = stream.publish_raw(vec![raw(1), raw(2)]).unwrap();
    let again = stream.publish_raw(vec![raw(2), raw(3), raw(1)]).unwrap();
    assert!(!first[0].duplicate && !first[1].duplicate);
    assert!(again[0].duplicate && again[0].sequence == first[1].sequence);
    assert!(!again[1].duplicate && again[1].sequence == 3);
    assert!(again[2].duplicate && again[2].sequence == first[0].sequence);
    assert_eq!(stream.backlog().unwrap().raw, 3);
    // Still a duplicate once processed and gone from the work queue.
    work_until_quiet(&stream, 10, Duration::from_millis(300));
    assert_eq!(stream.backlog().unwrap().raw, 0);
    assert!(stream.publish_raw(vec![raw(3)]).unwrap()[0].duplicate);
    stream.delete_streams().unwrap();
}

#[test]
fn raw_articles_a_dead_worker_held_go_to_another() {
    let Some(url) = nats_url("raw_articles_a_dead_worker_held_go_to_another") else { return };
    let options = options("redeliver");
    let stream = connect(&url, options.clone());
    stream.publish_raw((1..=20).map(raw).collect()).unwrap();
    {
        // A worker in its own connection takes ten and dies without a word.
        let doomed = connect(&url, options.clone());
        let taken = doomed.workers().unwrap().take::<Raw>(10, Duration::from_secs(1)).unwrap();
        assert_eq!(taken.len(), 10);
        assert!(taken.iter().all(|w| w.attempts == 1));
    }
    let started = Instant::now();
    let mut work = stream.workers().unwrap();
    let mut seen = Vec::new();
    while seen.len() < 20 {
        assert!(started.elapsed() < Duration::from_secs(15), "only {} came back", seen.len());
        let taken = work.take::<Raw>(20, Duration::from_millis(500)).unwrap();
        for w in &taken {
            seen.push((w.ticket.sequence(), w.attempts));
        }
        work.finish(taken.into_iter().map(|w| (w.ticket, prepare(&w.raw))).collect()).unwrap();
    }
    seen.sort();
    assert_eq!(seen.iter().map(|(s, _)| *s).collect::<Vec<_>>(), (1..=20).collect::<Vec<u64>>());
    assert_eq!(seen.iter().filter(|(_, attempts)| *attempts == 2).count(), 10, "the dead worker's ten, again");
    assert_eq!(decide_until(&stream, 0, 20, Duration::from_secs(10)).len(), 20);
    stream.delete_streams().unwrap();
}

#[test]
fn undecodable_and_failing_raw_articles_become_skipped_in_their_place() {
    let Some(url) = nats_url("undecodable_and_failing_raw_articles_become_skipped_in_their_place") else { return };
    let options = options("skipped");
    let stream = connect(&url, options.clone());
    stream.publish_raw(vec![raw(1)]).unwrap();
    stream.publish_raw(vec![("not-an-article".to_string(), 42u64)]).unwrap();
    stream.publish_raw(vec![raw(3), raw(4)]).unwrap();
    // Raw 4 kills every worker that takes it.
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        let doomed = connect(&url, options.clone());
        let mut work = doomed.workers().unwrap();
        let taken = work.take::<Raw>(10, Duration::from_millis(300)).unwrap();
        let (poison, rest): (Vec<_>, Vec<_>) = taken.into_iter().partition(|w| w.raw.id == "article-4");
        work.finish(rest.into_iter().map(|w| (w.ticket, prepare(&w.raw))).collect()).unwrap();
        drop(poison);
        if stream.backlog().unwrap().raw == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(1100));
    }
    let applied = decide_until(&stream, 0, 4, Duration::from_secs(10));
    assert!(matches!(&applied[0], (1, Outcome::Prepared(_))));
    assert!(matches!(&applied[1], (2, Outcome::Skipped(why)) if why.contains("cannot be decoded")), "{applied:?}");
    assert!(matches!(&applied[2], (3, Outcome::Prepared(_))));
    assert!(matches!(&applied[3], (4, Outcome::Skipped(why)) if why.contains("tries")), "{applied:?}");
    stream.delete_streams().unwrap();
}

#[test]
fn a_restarted_decision_consumer_loses_and_doubles_nothing() {
    let Some(url) = nats_url("a_restarted_decision_consumer_loses_and_doubles_nothing") else { return };
    let options = options("restart");
    let stream = connect(&url, options.clone());
    stream.publish_raw((1..=60).map(raw).collect()).unwrap();
    work_until_quiet(&stream, 8, Duration::from_millis(300));

    // The "store": the sequences applied, and the last one recorded with them.
    let mut store: Vec<u64> = Vec::new();
    {
        // Commits runs through 20, then commits one more run and dies before acknowledging it.
        let decider = connect(&url, options.clone());
        let mut decisions = decider.decisions::<Prepared>(0).unwrap();
        while store.last().copied().unwrap_or(0) < 20 {
            let run = decisions.next_run(5, Duration::from_secs(2)).unwrap();
            store.extend(run.decisions.iter().map(|d| d.sequence));
            decisions.applied(run.receipt).unwrap();
        }
        let run = decisions.next_run(5, Duration::from_secs(2)).unwrap();
        store.extend(run.decisions.iter().map(|d| d.sequence));
        // And takes one more run it never commits.
        let uncommitted = decisions.next_run(5, Duration::from_secs(2)).unwrap();
        assert!(!uncommitted.decisions.is_empty());
    }
    let recorded = *store.last().unwrap();
    // Another process takes over from what the store recorded.
    let successor = connect(&url, options.clone());
    let rest = decide_until(&successor, recorded, 60, Duration::from_secs(20));
    store.extend(rest.iter().map(|(s, _)| *s));
    assert_eq!(store, (1..=60).collect::<Vec<u64>>(), "each sequence once, in order");
    assert_eq!(successor.backlog().unwrap().prepared, 0, "the unacknowledged run was acknowledged as applied");
    stream.delete_streams().unwrap();
}

#[test]
fn connecting_with_another_ack_wait_updates_the_workers_consumer() {
    let Some(url) = nats_url("connecting_with_another_ack_wait_updates_the_workers_consumer") else { return };
    let short = options("ackwait");
    let stream = connect(&url, short.clone());
    // A publisher with the default options, then a worker with its own ack wait, as the CLI does.
    connect(&url, StreamOptions { ack_wait: Duration::from_secs(30), ..short.clone() });
    connect(&url, short);
    stream.delete_streams().unwrap();
}

#[test]
fn nats_unreachable_is_a_clear_error() {
    let options = StreamOptions { connect_timeout: Duration::from_secs(1), ..StreamOptions::default() };
    // Port 4399 is in this crate's range and nothing listens there.
    let error = ArticleStream::connect("nats://127.0.0.1:4399", options).err().expect("no server");
    let message = error.to_string();
    assert!(message.contains("cannot reach NATS at nats://127.0.0.1:4399"), "{message}");
}

#[test]
fn a_server_without_jetstream_is_a_clear_error() {
    let Ok(mut server) = Command::new("nats-server")
        .args(["-a", "127.0.0.1", "-p", "4398"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        eprintln!("skipped a_server_without_jetstream_is_a_clear_error: no nats-server");
        return;
    };
    let started = Instant::now();
    let result = loop {
        match ArticleStream::connect("nats://127.0.0.1:4398", StreamOptions::default()) {
            Err(storyline_stream::StreamError::Unreachable { .. }) if started.elapsed() < Duration::from_secs(5) => {
                std::thread::sleep(Duration::from_millis(100))
            }
            result => break result,
        }
    };
    let _ = server.kill();
    let _ = server.wait();
    let message = result.err().expect("no JetStream").to_string();
    assert!(message.contains("has no JetStream (start nats-server with -js)"), "{message}");
}

/// Three nats-server processes, killed when dropped.
struct Cluster {
    nodes: Vec<Option<Child>>,
    _dir: tempfile::TempDir,
}

impl Cluster {
    const CLIENT_PORT: u16 = 4300;
    const ROUTE_PORT: u16 = 4310;

    fn start() -> Option<Cluster> {
        if Command::new("nats-server").arg("--version").output().is_err() {
            eprintln!("skipped the cluster test: no nats-server (scripts/services.sh install)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let routes: Vec<String> = (0..3).map(|i| format!("nats-route://127.0.0.1:{}", Self::ROUTE_PORT + i)).collect();
        let mut nodes = Vec::new();
        for i in 0..3u16 {
            let config = dir.path().join(format!("n{i}.conf"));
            let store = dir.path().join(format!("n{i}"));
            std::fs::write(
                &config,
                format!(
                    "server_name: n{i}\nlisten: 127.0.0.1:{}\njetstream {{ store_dir: \"{}\" }}\n\
                     cluster {{ name: stream-test, listen: 127.0.0.1:{}, routes: [{}] }}\n",
                    Self::CLIENT_PORT + i,
                    store.display(),
                    Self::ROUTE_PORT + i,
                    routes.join(", ")
                ),
            )
            .unwrap();
            let child = Command::new("nats-server")
                .arg("-c")
                .arg(&config)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            nodes.push(Some(child));
        }
        Some(Cluster { nodes, _dir: dir })
    }

    fn urls(&self) -> String {
        (0..3).map(|i| format!("nats://127.0.0.1:{}", Self::CLIENT_PORT + i)).collect::<Vec<_>>().join(",")
    }

    fn stop(&mut self, node: usize) {
        if let Some(mut child) = self.nodes[node].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for node in 0..self.nodes.len() {
            self.stop(node);
        }
    }
}

/// Retries what a cluster may refuse while it elects leaders.
fn retry<T>(what: &str, mut f: impl FnMut() -> Result<T, storyline_stream::StreamError>) -> T {
    let started = Instant::now();
    loop {
        match f() {
            Ok(value) => return value,
            Err(error) if started.elapsed() < Duration::from_secs(30) => {
                eprintln!("{what}: {error}; again");
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(error) => panic!("{what}: {error}"),
        }
    }
}

#[test]
fn a_three_node_cluster_with_one_node_stopped_keeps_going() {
    let Some(mut cluster) = Cluster::start() else { return };
    let options = StreamOptions {
        name: "CLUSTER".into(),
        replicas: 3,
        ack_wait: Duration::from_secs(2),
        ..StreamOptions::default()
    };
    let stream = retry("connecting to the cluster", || ArticleStream::connect(&cluster.urls(), options.clone()));
    retry("publishing", || stream.publish_raw((1..=50).map(raw).collect()));
    assert_eq!(work_until_quiet(&stream, 10, Duration::from_millis(500)), 50);

    cluster.stop(0);
    // Two of three nodes hold a majority: the streams take and deliver articles still.
    let published = retry("publishing with a node down", || stream.publish_raw((51..=100).map(raw).collect()));
    assert_eq!(published.last().unwrap().sequence, 100);
    let mut worked = 0;
    let started = Instant::now();
    while worked < 50 && started.elapsed() < Duration::from_secs(30) {
        worked += work_until_quiet(&stream, 10, Duration::from_millis(500));
    }
    assert_eq!(worked, 50);
    let applied = retry("deciding", || Ok(decide_until(&stream, 0, 100, Duration::from_secs(30))));
    assert_eq!(applied.iter().map(|(s, _)| *s).collect::<Vec<_>>(), (1..=100).collect::<Vec<u64>>());
}
