//! Several writers on one store: two `storyline ingest` runs of overlapping folders and a
//! `storyline serve` taking `POST /api/articles`, all at once, with the real binary on real
//! files (timeline articles in three languages, whose file names recur across folders).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};

use serde_json::Value;
use storyline_store::Store;

mod common;

fn timelines() -> Option<PathBuf> {
    common::shared("eval/timelines", &[])
}

fn ingest(db: &Path, models: &Path, paths: &[PathBuf]) -> Child {
    common::storyline_process(db, models)
        .args(["ingest", "--json", "--batch-files", "8", "--model", "none"])
        .args(paths)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn report(output: Output) -> Value {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "ingest failed: {stderr}");
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Every stored article as (its id without a rename suffix, its text hash), sorted. Which of
/// two texts of one file name keeps the bare id depends on which arrived first, so ids are
/// compared without the `-{text hash}` suffix a rename adds; each such name must still be
/// held bare by exactly one article.
fn articles(db: &Path) -> Vec<(String, u64)> {
    let store = Store::open(db).unwrap();
    let stored = store.articles_after(0, usize::MAX >> 1).unwrap();
    let mut by_name: BTreeMap<String, Vec<(bool, u64)>> = BTreeMap::new();
    for arrived in stored {
        let (id, text) = (arrived.article.id, arrived.article.text);
        let hash = storyline_text::words_hash(&storyline_text::words(&text));
        let suffix = format!("-{:08x}", hash as u32);
        let (name, renamed) = match id.strip_suffix(&suffix) {
            Some(name) => (name.to_string(), true),
            None => (id, false),
        };
        by_name.entry(name).or_default().push((renamed, hash));
    }
    let mut articles = Vec::new();
    for (name, texts) in by_name {
        let bare = texts.iter().filter(|(renamed, _)| !renamed).count();
        assert_eq!(bare, 1, "{name}: one article keeps the bare id, the others are renamed: {texts:?}");
        articles.extend(texts.into_iter().map(|(_, hash)| (name.clone(), hash)));
    }
    articles.sort();
    articles
}

/// Two ingests (`A` and `B`, sharing a folder) and a server storing POSTed articles write one
/// store at once; then the same inputs are ingested into a fresh store by one run.
///
/// Compared: the stored articles (ids and text hashes, renamed ones included, with the rename
/// suffix set aside as [`articles`] says), which must be the same whatever the order of arrival;
/// both stores pass `storyline check`. Not compared: events, duplicate relations and entities,
/// which depend on the order articles arrive in (the earlier of two copies is the original; an
/// event's centroid moves with each member), and that order differs between writers.
#[test]
fn two_ingests_and_a_server_lose_nothing() {
    let Some(timelines) = timelines() else { return };
    let dir = tempfile::tempdir().unwrap();
    let models = common::tagger_only_models(dir.path());
    let shared = timelines.join("fr/libya");
    let only_a = timelines.join("es/yemen");
    let only_b = timelines.join("it/libya");

    // The POSTed articles, as JSON objects: the same lines make a JSON Lines file for the
    // single ingest.
    let mut posts = Vec::new();
    let mut files: Vec<PathBuf> = walk(&timelines.join("it/yemen"));
    files.sort();
    for (i, file) in files.iter().enumerate() {
        let text = std::fs::read_to_string(file).unwrap();
        posts.push(serde_json::json!({ "id": format!("post-{i}"), "text": text }).to_string());
    }
    let jsonl = dir.path().join("posts.jsonl");
    std::fs::write(&jsonl, posts.join("\n")).unwrap();

    let db = dir.path().join("shared.db");
    let server = common::Server::start(&db, &models, &[]);
    let a = ingest(&db, &models, &[only_a.clone(), shared.clone()]);
    let b = ingest(&db, &models, &[only_b.clone(), shared.clone()]);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let url = format!("{}/api/articles", server.base);
    let statuses: Vec<(u16, String)> = std::thread::scope(|scope| {
        let halves = posts.chunks(posts.len().div_ceil(2)).map(|half| {
            let (agent, url) = (&agent, &url);
            scope.spawn(move || {
                half.iter()
                    .map(|body| {
                        let mut response =
                            agent.post(url).header("Content-Type", "application/json").send(body.as_str()).unwrap();
                        let status = response.status().as_u16();
                        (status, response.body_mut().read_to_string().unwrap_or_default())
                    })
                    .collect::<Vec<_>>()
            })
        });
        halves.collect::<Vec<_>>().into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let (a, b) = (report(a.wait_with_output().unwrap()), report(b.wait_with_output().unwrap()));
    drop(server);

    assert_eq!(statuses.len(), posts.len());
    for (status, body) in &statuses {
        assert!(matches!(status, 200 | 201), "POST answered {status}: {body}");
    }
    for run in [&a, &b] {
        let skipped = run["skipped"].as_array().unwrap();
        assert!(skipped.is_empty(), "nothing is skipped, least of all as an id conflict: {skipped:#?}");
    }
    let check = common::storyline_process(&db, &models).arg("check").output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));

    let single = dir.path().join("single.db");
    let once = ingest(&single, &models, &[only_a, shared, only_b, jsonl]);
    let once = report(once.wait_with_output().unwrap());
    assert!(once["renamed"].as_array().is_some_and(|r| !r.is_empty()), "the inputs share file names");
    let expected = articles(&single);
    assert_eq!(expected.len() as u64, once["new"].as_u64().unwrap());
    assert_eq!(articles(&db), expected);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
