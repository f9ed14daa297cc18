//! Hostile input: a folder of good articles and files built to exhaust the stack, memory or
//! time of a reader is ingested by the real binary. Every good article must be stored, every
//! hostile file skipped with the reason that names its limit, and the whole run must stay small
//! and quick. The hostile files are generated here, never committed.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::Value;

/// The issue's bounds for the whole run.
const MAX_PEAK_BYTES: u64 = 1024 * 1024 * 1024;
const MAX_WALL: Duration = Duration::from_secs(60);

const PAGE: &str = "<html><head><title>Harbour cranes idle as dock strike enters second week</title></head>\
    <body><article><p>Dock workers in the port of Valletta extended their strike into a second week on \
    Monday, leaving container ships anchored offshore and cranes idle along the quays.</p><p>The union \
    said talks with the port operator had stalled over pay and shift patterns, and that no new meeting \
    had been scheduled.</p></article></body></html>";

/// The page archived before the gzip bomb.
const ARCHIVED_PAGE: &str = "<html><head><title>Wildfire forces evacuations on Greek island</title></head>\
    <body><article><p>Firefighters on the island of Evia battled a wildfire driven by strong winds on \
    Wednesday, and authorities ordered the evacuation of four villages and a monastery.</p><p>Water-dropping \
    aircraft joined the effort at dawn, the fire service said, as temperatures climbed above 40 \
    degrees.</p></article></body></html>";

/// A line of news prose with what makes entity extraction work: hyphenated compounds, a quote,
/// a pronoun and a name.
const BUSY_LINE: &str = "The Turkish-backed and UN-recognised government said on Monday that talks would go on. \
    \"We are ready,\" he said, according to Hulusi Akar.\n";

fn good_files(dir: &Path) {
    let texts = [
        (
            "floods.txt",
            "Floods close mountain roads in northern Italy\n\nHeavy rain closed dozens of mountain roads in \
             Piedmont on Sunday, and rescuers evacuated two villages after a river burst its banks.\n\n\
             Regional officials said the rain would ease by Tuesday.",
        ),
        (
            "election.txt",
            "Turnout rises in Chilean municipal vote\n\nVoters in Chile turned out in greater numbers than \
             expected for Sunday's municipal elections, the electoral service said.\n\nCounting continued \
             overnight in Santiago.",
        ),
    ];
    for (name, text) in texts {
        fs::write(dir.join(name), text).unwrap();
    }
    fs::write(dir.join("strike.html"), PAGE).unwrap();
    // Legal but pathological: just under the article limit, thousands of quotes and compounds.
    let busy = BUSY_LINE.repeat(1_000_000 / BUSY_LINE.len());
    fs::write(dir.join("busy.txt"), format!("Talks go on\n\n{busy}")).unwrap();
    fs::write(
        dir.join("wire.jsonl"),
        r#"{"id":"wire-1","title":"Copper price hits a two-year high","text":"Copper rose to its highest price in two years on Thursday as mines in Peru and Chile reported lower output."}"#,
    )
    .unwrap();
}

fn warc_record(uri: &str, http: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2024-03-04T10:00:00Z\r\n\
         Content-Type: application/http; msgtype=response\r\nContent-Length: {}\r\n\r\n",
        http.len()
    )
    .into_bytes();
    out.extend_from_slice(http);
    out.extend_from_slice(b"\r\n\r\n");
    out
}

fn http_page(headers: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n{headers}\r\n").into_bytes();
    out.extend_from_slice(body);
    out
}

/// Writes `total` copies of `byte` a block at a time, never holding them all in memory.
fn write_repeated(out: &mut impl Write, byte: u8, total: usize) {
    let block = vec![byte; 1 << 20];
    let mut left = total;
    while left > 0 {
        let n = left.min(block.len());
        out.write_all(&block[..n]).unwrap();
        left -= n;
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// The hostile files, each with the start of the reason it must be skipped for.
fn hostile_files(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    let mut expected = Vec::new();

    // 1.1 MB: 100,000 nested <div>s, which overflowed Readability's stack.
    let deep = dir.join("deep.html");
    let nested =
        format!("<html><body>{}<p>Deep.</p>{}</body></html>", "<div>".repeat(100_000), "</div>".repeat(100_000));
    fs::write(&deep, nested).unwrap();
    expected.push((deep, "HTML nested deeper than 512 elements"));

    // Within the depth limit, but a tree that parsing and Readability work through for minutes:
    // 199,000 paragraphs 500 levels deep, and 300,000 elements side by side.
    let heavy = dir.join("heavy.html");
    fs::write(&heavy, format!("<html><body>{}{}</body></html>", "<div>".repeat(500), "<p>x".repeat(199_000))).unwrap();
    expected.push((heavy, "HTML page too costly to parse"));
    let crowded = dir.join("crowded.html");
    fs::write(&crowded, format!("<html><body>{}</body></html>", "<p>x".repeat(300_000))).unwrap();
    expected.push((crowded, "HTML page of more than 200000 elements"));

    // 50 MB of ordinary lines: too long for an article.
    let big = dir.join("big.txt");
    let mut writer = BufWriter::new(File::create(&big).unwrap());
    for _ in 0..50_000_000 / BUSY_LINE.len() {
        writer.write_all(BUSY_LINE.as_bytes()).unwrap();
    }
    writer.flush().unwrap();
    expected.push((big, "text too long for an article"));

    // One 10 MB line.
    let long_line = dir.join("line.txt");
    fs::write(&long_line, "word ".repeat(2_000_000)).unwrap();
    expected.push((long_line, "line 1 too long for prose"));

    // A gzip bomb named .warc.gz: a good record, then one record of a gigabyte of zeros (1 MB
    // compressed). The good page before the bomb is kept.
    const GIGABYTE: usize = 1 << 30;
    let bomb = dir.join("bomb.warc.gz");
    let mut file = BufWriter::new(File::create(&bomb).unwrap());
    file.write_all(&gzip(&warc_record("https://news.example/wildfire", &http_page("", ARCHIVED_PAGE.as_bytes()))))
        .unwrap();
    let mut encoder = GzEncoder::new(file, Compression::best());
    let header = format!(
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://news.example/bomb\r\n\
         Content-Length: {GIGABYTE}\r\n\r\n"
    );
    encoder.write_all(header.as_bytes()).unwrap();
    write_repeated(&mut encoder, 0, GIGABYTE);
    encoder.finish().unwrap().flush().unwrap();
    expected.push((bomb, "record 2 is past the archive's limit"));

    // A WARC record whose gzip-encoded HTTP body expands to a gigabyte.
    let body = dir.join("body.warc");
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    write_repeated(&mut encoder, b' ', GIGABYTE);
    let compressed = encoder.finish().unwrap();
    let record = warc_record("https://news.example/body", &http_page("Content-Encoding: gzip\r\n", &compressed));
    fs::write(&body, record).unwrap();
    expected.push((body, "gzip body decompresses to over 16 MiB"));

    expected
}

/// The largest resident size of any child process waited for so far (Linux reports KiB).
fn peak_child_bytes() -> u64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given and reads nothing from it.
    let usage = unsafe {
        assert_eq!(libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr()), 0);
        usage.assume_init()
    };
    usage.ru_maxrss as u64 * 1024
}

#[test]
fn hostile_folder_keeps_every_good_article_and_skips_each_bad_file_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir(&input).unwrap();
    good_files(&input);
    let expected = hostile_files(&input);

    let db = dir.path().join("s.db");
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    let started = Instant::now();
    let output = Command::cargo_bin("storyline")
        .unwrap()
        .arg("--db")
        .arg(&db)
        .env_remove("STORYLINE_DB")
        .args(["ingest", "--json", "--model", "none", "--models"])
        .arg(&models)
        .arg(&input)
        .output()
        .unwrap();
    let wall = started.elapsed();
    let peak = peak_child_bytes();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();

    let skipped = report["skipped"].as_array().unwrap();
    for (path, reason) in &expected {
        let path = path.display().to_string();
        let found = skipped.iter().find(|skip| skip["origin"].as_str().is_some_and(|o| o.starts_with(&path)));
        let found = found.unwrap_or_else(|| panic!("{path} not skipped: {report:#}"));
        assert!(found["reason"].as_str().unwrap().starts_with(reason), "{path}: {found}");
    }
    assert_eq!(skipped.len(), expected.len(), "only the hostile files are skipped: {report:#}");

    // The three texts, the page, the JSON Lines record and the page before the bomb.
    assert_eq!(report["new"], 6, "{report:#}");
    let archived = storyline_ingest::stable_id(Some("https://news.example/wildfire"), "");
    for id in ["floods", "election", "busy", "strike", "wire-1", archived.as_str()] {
        let shown =
            Command::cargo_bin("storyline").unwrap().arg("--db").arg(&db).args(["article", id]).output().unwrap();
        assert!(shown.status.success(), "{id} not stored: {}", String::from_utf8_lossy(&shown.stderr));
    }

    eprintln!("hostile ingest: {wall:?}, peak resident memory {} MiB", peak / (1024 * 1024));
    assert!(peak < MAX_PEAK_BYTES, "peak resident memory {} MiB", peak / (1024 * 1024));
    assert!(wall < MAX_WALL, "ingest took {wall:?}");
}
