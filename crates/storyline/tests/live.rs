//! End-to-end tests of live sources: `feeds` against a tiny HTTP server on 127.0.0.1, and
//! `watch` on a temporary folder. Nothing here contacts any other address. The fetcher refuses
//! loopback addresses unless allowed, so the tests that fetch from the server allow it.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command as Process, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use assert_cmd::Command;
use common::site::{page, Site};
use serde_json::Value;

fn storyline(db: &Path) -> Command {
    let mut cmd = Command::cargo_bin("storyline").expect("the storyline binary");
    cmd.arg("--db").arg(db).env_remove("STORYLINE_DB").env_remove("STORYLINE_FETCH_DELAY_MS");
    cmd
}

fn json(cmd: &mut Command) -> Value {
    let output = cmd.arg("--json").output().expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON output")
}

#[test]
fn feeds_poll_fetches_new_items_politely() {
    let site = Site::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("s.db");
    let feed = site.url("/feed.xml");

    let added = json(storyline(&db).args(["feeds", "add", &feed, "--allow-private-addresses"]));
    assert_eq!(added["added"], true);
    let again = json(storyline(&db).args(["feeds", "add", &feed, "--allow-private-addresses"]));
    assert_eq!(again["added"], false);

    let poll = [
        "feeds",
        "poll",
        "--delay-ms",
        "20",
        "--backoff-ms",
        "20",
        "--timeout-secs",
        "10",
        "--allow-private-addresses",
    ];
    let first = json(storyline(&db).args(poll));
    assert_eq!(first["ingest"]["new"], 2, "{first:#}");
    let feed_report = &first["feeds"][0];
    assert_eq!(feed_report["status"], "ok");
    assert_eq!(feed_report["items"], 3);
    assert_eq!(feed_report["fetched"], 2);
    let skipped = first["ingest"]["skipped"].as_array().expect("skipped");
    assert!(
        skipped.iter().any(|s| s["reason"].as_str().is_some_and(|r| r.starts_with("robots.txt disallows"))),
        "{skipped:#?}"
    );

    let requests = site.requests();
    assert!(requests.iter().all(|line| line.starts_with("storyline ")), "User-Agent: {requests:?}");
    let paths: Vec<&str> = requests.iter().map(|line| line.split(' ').nth(1).unwrap_or_default()).collect();
    assert!(!paths.contains(&"/private/c"), "a disallowed page was fetched: {paths:?}");
    assert_eq!(paths.first(), Some(&"/robots.txt"), "robots.txt comes first: {paths:?}");
    assert_eq!(paths.iter().filter(|p| **p == "/news/b").count(), 2, "the 503 is retried once: {paths:?}");

    // The article has the page's text and the feed's date (the page gives none).
    let id = storyline_ingest::stable_id(Some(&site.url("/news/a")), "");
    let article = json(storyline(&db).args(["article", &id]));
    assert!(article["text"].as_str().is_some_and(|t| t.contains("tripartite military deal")), "{article:#}");
    assert!(article["published"].as_str().is_some_and(|d| d.starts_with("2019-12-02")), "{article:#}");

    // A second poll asks for the feed conditionally and adds nothing.
    let before = site.requests().len();
    let second = json(storyline(&db).args(poll));
    assert_eq!(second["ingest"]["new"], 0, "{second:#}");
    assert_eq!(second["feeds"][0]["status"], "not modified");
    let later: Vec<String> = site.requests()[before..].to_vec();
    assert_eq!(later, ["storyline /robots.txt", "storyline /feed.xml"], "only robots.txt and the feed");

    let feeds = json(storyline(&db).args(["feeds", "list"]));
    assert_eq!(feeds[0]["url"], feed);
    assert_eq!(feeds[0]["title"], "Loopback News");
    assert_eq!(feeds[0]["items_seen"], 3, "stored items and the disallowed one are remembered");

    let removed = json(storyline(&db).args(["feeds", "remove", &feed]));
    assert_eq!(removed["removed"], true);
    storyline(&db).args(["feeds", "remove", &feed]).assert().failure();
    assert_eq!(json(storyline(&db).args(["feeds", "list"])).as_array().map(Vec::len), Some(0));
}

#[test]
fn feeds_refuse_internal_addresses() {
    let site = Site::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("s.db");
    let feed = site.url("/internal.xml");

    let output = storyline(&db).args(["feeds", "add", &feed]).output().expect("runs");
    assert!(!output.status.success(), "a loopback feed is refused by default");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("refused: 127.0.0.1 is a loopback address"), "{stderr}");
    json(storyline(&db).args(["feeds", "add", &feed, "--allow-address", "127.0.0.1"]));

    let poll = ["feeds", "poll", "--delay-ms", "0", "--retries", "0", "--timeout-secs", "10"];
    let refused = json(storyline(&db).args(poll));
    assert_eq!(refused["feeds"][0]["status"], "refused: 127.0.0.1 is a loopback address", "{refused:#}");
    assert!(site.requests().is_empty(), "nothing may be sent: {:?}", site.requests());

    // With the site allowed, its items pointing at internal addresses are still refused.
    let report = json(storyline(&db).args(poll).args(["--allow-address", "127.0.0.1"]));
    assert_eq!(report["feeds"][0]["status"], "ok", "{report:#}");
    assert_eq!(report["feeds"][0]["items"], 2);
    assert_eq!(report["feeds"][0]["fetched"], 0);
    let reasons: Vec<&str> =
        report["ingest"]["skipped"].as_array().expect("skipped").iter().filter_map(|s| s["reason"].as_str()).collect();
    assert_eq!(
        reasons,
        [
            "refused: 169.254.169.254 is the cloud metadata address (link-local)",
            "refused: 127.0.0.2 is a loopback address"
        ]
    );
    assert_eq!(site.requests(), ["storyline /robots.txt", "storyline /internal.xml"]);
}

#[test]
fn feeds_add_rejects_non_http_urls() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("s.db");
    storyline(&db).args(["feeds", "add", "file:///etc/passwd"]).assert().failure();
}

/// Kills the watcher however the test ends.
struct Watcher(Child);

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn watch_ingests_files_as_they_appear() {
    let dir = tempfile::tempdir().expect("temp dir");
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).expect("mkdir");
    let db = dir.path().join("s.db");
    let mut child = Process::cargo_bin("storyline").expect("the storyline binary");
    child
        .arg("--db")
        .arg(&db)
        .arg("watch")
        .arg(&inbox)
        .args(["--settle-ms", "400"])
        .env_remove("STORYLINE_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut watcher = Watcher(child.spawn().expect("starts"));
    let stdout = watcher.0.stdout.take().expect("stdout");
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let wait_for = |needle: &str| -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            if let Ok(line) = received.recv_timeout(Duration::from_millis(200)) {
                let found = line.contains(needle);
                seen.push(line);
                if found {
                    return seen;
                }
            }
        }
        panic!("no line with {needle:?} within 60 s; got {seen:?}");
    };
    // The initial scan of the empty folder.
    wait_for("read 0 files");

    // A file written in two parts: it must be read whole, once.
    let path = inbox.join("venice.txt");
    let mut file = std::fs::File::create(&path).expect("create");
    file.write_all(b"Floods in Venice\n\nThe highest tide in fifty years flooded Venice on Tuesday.").expect("write");
    file.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(150));
    file.write_all(b"\n\nThe crypt of St Mark's Basilica was damaged.\n").expect("write");
    drop(file);
    let seen = wait_for("1 new");
    assert!(seen.iter().any(|line| line.contains("venice.txt")), "{seen:?}");

    // A link leading out of the folder is not followed, whoever put it there.
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "Not for the archive\n\nA file outside the watched folder.").expect("write");
    std::os::unix::fs::symlink(&secret, inbox.join("hostname.txt")).expect("symlink");
    let seen = wait_for("leads out of");
    assert!(seen.iter().any(|line| line.starts_with("skipped") && line.contains("hostname.txt")), "{seen:?}");

    // Ctrl-C stops it cleanly.
    let pid = watcher.0.id().to_string();
    let status = Process::new("kill").args(["-INT", &pid]).status().expect("kill -INT");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = watcher.0.try_wait().expect("wait") {
            break exit;
        }
        assert!(Instant::now() < deadline, "the watcher did not stop on Ctrl-C");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    watcher.0.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("stderr");
    assert!(exit.success(), "{stderr}");
    assert!(stderr.contains("stopped"), "{stderr}");

    let article = json(storyline(&db).args(["article", "venice"]));
    assert!(article["text"].as_str().is_some_and(|t| t.contains("St Mark's Basilica")), "read whole: {article:#}");
}

#[test]
fn ingest_follows_symlinks_out_of_the_folder_only_when_asked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("articles");
    std::fs::create_dir(&folder).expect("mkdir");
    std::fs::write(folder.join("venice.txt"), "Floods in Venice\n\nThe highest tide in fifty years.").expect("write");
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "Not for the archive\n\nA file outside the ingested folder.").expect("write");
    std::os::unix::fs::symlink(&secret, folder.join("hostname.txt")).expect("symlink");

    let db = dir.path().join("s.db");
    let report = json(storyline(&db).arg("ingest").arg(&folder));
    assert_eq!(report["new"], 1, "{report:#}");
    let reason = report["skipped"][0]["reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("symbolic link to ") && reason.ends_with(": not followed"), "{report:#}");

    let report = json(storyline(&db).arg("ingest").arg(&folder).arg("--follow-symlinks"));
    assert_eq!(report["new"], 1, "the linked file, asked for: {report:#}");
}

#[test]
fn ingest_reads_web_archives() {
    let dir = tempfile::tempdir().expect("temp dir");
    let body = page(
        "Turkey and Qatar sign a deal with Libya",
        "Turkey and Qatar signed a tripartite military deal with the Libyan government on Monday.",
    );
    let http = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    let image = "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n\u{1}\u{2}";
    let mut warc = String::new();
    for (uri, block) in [("https://news.example/a", http.as_str()), ("https://news.example/logo.png", image)] {
        warc.push_str(&format!(
            "WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2020-01-15T08:30:00Z\r\n\
             Content-Type: application/http; msgtype=response\r\nContent-Length: {}\r\n\r\n{block}\r\n\r\n",
            block.len()
        ));
    }
    std::fs::write(dir.path().join("crawl.warc"), warc).expect("write");
    let db = dir.path().join("s.db");
    let report = json(storyline(&db).arg("ingest").arg(dir.path().join("crawl.warc")));
    assert_eq!(report["new"], 1, "{report:#}");
    assert_eq!(report["skipped"][0]["reason"], "1 non-HTML records skipped (image/png: 1)");
    let id = storyline_ingest::stable_id(Some("https://news.example/a"), "");
    let article = json(storyline(&db).args(["article", &id]));
    assert_eq!(article["url"], "https://news.example/a");
    assert!(article["published"].as_str().is_some_and(|d| d.starts_with("2020-01-15")), "{article:#}");
}
