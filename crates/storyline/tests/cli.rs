//! End-to-end tests: the real `storyline` binary on real files.

use std::path::Path;
use std::process::Command as Process;
use std::time::{Duration, Instant};

use storyline_store::Store;

mod common;
use common::{json, seeds, storyline};

/// `storyline dedup` finds what ingest finds among the seeds, with no store.
#[test]
fn dedup_alone_finds_the_seeds_republication_without_a_store() {
    let Some(seeds) = seeds() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("never.db");
    let out = json(storyline(&db).arg("dedup").arg(&seeds));
    assert_eq!(out["articles"], 5);
    let pairs = out["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 1, "{pairs:#?}");
    assert_eq!(
        (pairs[0]["original"].as_str(), pairs[0]["copy"].as_str()),
        (Some("000_ea50157a1f620560"), Some("001_39be850b2c363a0b"))
    );
    assert_eq!(pairs[0]["kind"], "republication");
    assert!(!db.exists(), "dedup made a store");
}

#[test]
fn seeds_give_one_republication_and_nothing_else() {
    let Some(seeds) = seeds() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let report = json(storyline(&db).arg("ingest").arg(&seeds));
    assert_eq!(report["new"], 5);
    assert_eq!(report["duplicates"]["republication"], 1);

    let relations = json(storyline(&db).arg("dupes"));
    let relations = relations.as_array().unwrap();
    assert_eq!(relations.len(), 1, "only 000 → 001 is a duplicate: {relations:#?}");
    let relation = &relations[0];
    assert_eq!(relation["original"], "000_ea50157a1f620560");
    assert_eq!(relation["copy"], "001_39be850b2c363a0b");
    assert_eq!(relation["kind"], "republication");
    let pairs = relation["evidence"]["pairs"].as_array().unwrap();
    assert!(pairs.len() >= 5, "only {} aligned pairs", pairs.len());

    // The copy's page shows its clutter and its relation.
    let article = json(storyline(&db).args(["article", "001_39be850b2c363a0b"]));
    assert_eq!(article["outlet"], "Middle East Monitor");
    let removed: Vec<&str> =
        article["removed"].as_array().unwrap().iter().map(|r| r["text"].as_str().unwrap()).collect();
    assert!(removed.iter().any(|r| r.starts_with("READ:")), "{removed:?}");
    assert!(removed.contains(&"Leave A Reply"), "{removed:?}");
    assert_eq!(article["duplicates"].as_array().unwrap().len(), 1);

    // The republication sits in its original's event.
    let stories = json(storyline(&db).arg("stories"));
    let holding = |id: &str| {
        stories.as_array().unwrap().iter().find(|e| e["articles"].as_array().unwrap().iter().any(|a| a == id)).unwrap()
            ["id"]
            .clone()
    };
    assert_eq!(holding("000_ea50157a1f620560"), holding("001_39be850b2c363a0b"));
    assert_ne!(holding("000_ea50157a1f620560"), holding("003_95318f47aea74e28"));

    let text = storyline(&db).args(["show", &holding("000_ea50157a1f620560").to_string()]).output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("republication of 000_ea50157a1f620560"));
}

#[test]
fn reingesting_adds_nothing() {
    let Some(seeds) = seeds() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    json(storyline(&db).arg("ingest").arg(&seeds));
    let before = Store::open(&db).unwrap().stats().unwrap();
    let again = json(storyline(&db).arg("ingest").arg(&seeds));
    assert_eq!((again["new"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(5)));
    assert_eq!(Store::open(&db).unwrap().stats().unwrap(), before);
}

#[test]
fn bad_files_are_reported_and_good_ones_stored() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::write(input.join("good.txt"), "Ministers meet in Tripoli\n\nThe defence ministers of Turkey and Qatar met officials in Tripoli on Monday to sign a military cooperation agreement.").unwrap();
    std::fs::write(input.join("empty.txt"), "").unwrap();
    std::fs::write(input.join("binary.txt"), [0u8, 159, 146, 150, 0, 1, 2, 3, 0, 0, 255, 254, 0, 7].repeat(20))
        .unwrap();
    // "Café à Málaga …" in ISO-8859-1.
    let mut latin1 = b"Caf\xe9 \xe0 M\xe1laga reopens\n\nThe caf\xe9 on the seafront of M\xe1laga reopened its doors on Sunday after months of repairs, its owner said.".to_vec();
    latin1.extend_from_slice(b" Residents welcomed the news.");
    std::fs::write(input.join("latin1.txt"), latin1).unwrap();
    std::fs::write(
        input.join("truncated.html"),
        "<html><head><title>Port reopens after storm</title></head><body><article><h1>Port reopens after storm</h1>\
         <p>The port of Misrata reopened on Tuesday after a storm closed it for three days, officials said.</p>\
         <p>Ships queued outside the harbour through the night while crews cleared debris from the quays and the cranes were chec",
    )
    .unwrap();
    let db = dir.path().join("s.db");
    let report = json(storyline(&db).arg("ingest").arg(&input));
    assert_eq!(report["new"], 3, "{report:#}");
    let skipped = report["skipped"].as_array().unwrap();
    let reason = |name: &str| {
        skipped
            .iter()
            .find(|s| s["origin"].as_str().unwrap().ends_with(name))
            .map(|s| s["reason"].as_str().unwrap().to_string())
    };
    assert!(reason("empty.txt").unwrap().contains("empty"));
    assert!(reason("binary.txt").unwrap().contains("binary"));
    assert_eq!(skipped.len(), 2);
    let cafe = json(storyline(&db).args(["article", "latin1"]));
    assert!(cafe["title"].as_str().unwrap().contains("Café à Málaga"), "{cafe:#}");
    let port = json(storyline(&db).args(["article", "truncated"]));
    assert!(port["text"].as_str().unwrap().contains("port of Misrata reopened"));
}

#[test]
fn missing_things_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    storyline(&db).args(["article", "nope"]).assert().failure().stderr(predicates::str::contains("no article with id"));
    storyline(&db).args(["show", "42"]).assert().failure().stderr(predicates::str::contains("no event 42"));
    let report = json(storyline(&db).args(["ingest", "/definitely/not/here"]));
    assert_eq!(report["skipped"].as_array().unwrap().len(), 1);
}

/// Writes `count` distinct synthetic articles, each about its own subject.
fn synthetic_articles(dir: &Path, count: usize) {
    const WORDS: &[&str] = &[
        "harbour",
        "minister",
        "council",
        "river",
        "festival",
        "budget",
        "election",
        "railway",
        "drought",
        "summit",
        "factory",
        "museum",
        "protest",
        "vaccine",
        "bridge",
        "airline",
        "treaty",
        "satellite",
        "harvest",
        "court",
    ];
    for i in 0..count {
        let word = |k: usize| WORDS[(i * 7 + k * 13 + i / 20) % WORDS.len()];
        let body: Vec<String> = (0..12)
            .map(|s| {
                format!(
                    "Report {i} sentence {s} mentions the {} and the {} near district{i}x{s}.",
                    word(s),
                    word(s + 3)
                )
            })
            .collect();
        std::fs::write(dir.join(format!("a{i:05}.txt")), format!("Subject{i} news\n\n{}", body.join(" "))).unwrap();
    }
}

#[test]
fn sigkill_mid_ingest_leaves_a_whole_store_and_a_rerun_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    const COUNT: usize = 1500;
    synthetic_articles(&input, COUNT);
    let db = dir.path().join("s.db");

    let mut child = Process::new(assert_cmd::cargo::cargo_bin("storyline"))
        .arg("--db")
        .arg(&db)
        .args(["ingest", "--batch-files", "8"])
        .arg(&input)
        .env_remove("STORYLINE_DB")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once some batches have committed.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        std::thread::sleep(Duration::from_millis(20));
        let stored = Store::open(&db).ok().and_then(|s| s.stats().ok()).map_or(0, |s| s.articles);
        if stored >= 100 || Instant::now() > deadline {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();

    let store = Store::open(&db).unwrap();
    let stored = store.stats().unwrap().articles;
    assert!(stored > 0 && (stored as usize) < COUNT, "kill landed mid-ingest: {stored} stored");
    assert_eq!(store.integrity_problems().unwrap(), Vec::<String>::new());
    drop(store);

    let report = json(storyline(&db).arg("ingest").arg(&input));
    assert_eq!(report["unchanged"].as_u64().unwrap() + report["new"].as_u64().unwrap(), COUNT as u64);
    let store = Store::open(&db).unwrap();
    assert_eq!(store.stats().unwrap().articles, COUNT as u64);
    assert_eq!(store.integrity_problems().unwrap(), Vec::<String>::new());
}

#[test]
fn seeds_form_one_storyline_and_coverage_flags_the_disputed_name() {
    let Some(seeds) = seeds() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    json(storyline(&db).arg("ingest").arg(&seeds));

    let storylines = json(storyline(&db).arg("storylines"));
    let storylines = storylines.as_array().unwrap();
    assert_eq!(storylines.len(), 1, "all seed events belong to one storyline: {storylines:#?}");
    let events = storylines[0]["timeline"].as_array().unwrap();
    assert!(events.len() >= 2);

    let stories = json(storyline(&db).arg("stories"));
    let main_event = stories
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["articles"].as_array().unwrap().iter().any(|a| a == "000_ea50157a1f620560"))
        .unwrap()["id"]
        .to_string();
    let coverage = json(storyline(&db).args(["coverage", &main_event]));
    let names = coverage["disagreements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["slot"] == "name" && d["subject"] == "Al-Namroush")
        .expect("Salam/Salah flagged");
    let values: Vec<&str> = names["values"].as_array().unwrap().iter().map(|v| v["value"].as_str().unwrap()).collect();
    assert_eq!(values, vec!["Salah", "Salam"]);
    let unique: Vec<&str> = coverage["unique"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| coverage["claims"][i.as_u64().unwrap() as usize]["statements"][0]["text"].as_str().unwrap())
        .collect();
    assert!(unique.iter().any(|t| t.contains("Tarhuna")), "{unique:#?}");
    // The republication is grouped under its original, not counted as another voice.
    let rows = coverage["outlets"].as_array().unwrap();
    let original_row =
        rows.iter().find(|r| r["articles"].as_array().unwrap().iter().any(|a| a == "000_ea50157a1f620560")).unwrap();
    assert_eq!(original_row["republished_by"][0]["article"], "001_39be850b2c363a0b");
    assert_eq!(original_row["republished_by"][0]["outlet"], "Middle East Monitor");
    assert!(!coverage["summary"]["sentences"].as_array().unwrap().is_empty());
}

#[test]
fn eval_clusters_and_dedup_score_the_seeds_against_gold() {
    let Some(seeds) = seeds() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.db");
    // Gold from EXPECTED.md: one event of four articles, and 003 alone.
    let mut lines = Vec::new();
    for (id, cluster) in [
        ("000_ea50157a1f620560", "deal"),
        ("001_39be850b2c363a0b", "deal"),
        ("002_02428d13abd60254", "deal"),
        ("003_95318f47aea74e28", "offer"),
        ("004_3a28729955fca061", "deal"),
    ] {
        let text = std::fs::read_to_string(seeds.join(format!("{id}.txt"))).unwrap();
        lines.push(serde_json::json!({ "id": id, "text": text, "cluster": cluster }).to_string());
    }
    let gold = dir.path().join("clusters.jsonl");
    std::fs::write(&gold, lines.join("\n")).unwrap();
    let report = json(storyline(&db).args(["eval", "clusters", "--gold"]).arg(&gold));
    assert_eq!(report["articles"], 5);
    assert_eq!(report["gold_clusters"], 2);
    assert_eq!(report["bcubed"]["precision"], 1.0, "{report:#}");
    assert!(report["bcubed"]["recall"].as_f64().unwrap() > 0.5, "{report:#}");

    let pairs = dir.path().join("pairs.jsonl");
    std::fs::write(
        &pairs,
        r#"{"original": "000_ea50157a1f620560", "copy": "001_39be850b2c363a0b", "kind": "republication"}"#,
    )
    .unwrap();
    let report = json(storyline(&db).args(["eval", "dedup", "--gold"]).arg(&pairs).arg("--articles").arg(&seeds));
    assert_eq!(report["any_kind"]["precision"], 1.0, "{report:#}");
    assert_eq!(report["by_kind"]["republication"]["recall"], 1.0, "{report:#}");
}

#[test]
fn the_same_file_name_in_two_folders_keeps_both_articles() {
    let dir = tempfile::tempdir().unwrap();
    for (folder, text) in [
        ("egypt", "Protesters filled Tahrir Square in Cairo on Friday demanding the president resign."),
        ("libya", "Rebels in Benghazi took control of the city after days of fighting with loyalist forces."),
    ] {
        std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        std::fs::write(dir.path().join(folder).join("ext_1.txt"), text).unwrap();
    }
    let db = dir.path().join("s.db");
    let report = json(storyline(&db).arg("ingest").arg(dir.path().join("egypt")).arg(dir.path().join("libya")));
    assert_eq!(report["new"], 2, "{report:#}");
    let renamed = report["renamed"].as_array().unwrap();
    assert_eq!(renamed.len(), 1, "{report:#}");
    assert!(renamed[0][1].as_str().unwrap().starts_with("ext_1-"));
    let again = json(storyline(&db).arg("ingest").arg(dir.path().join("egypt")).arg(dir.path().join("libya")));
    assert_eq!(again["unchanged"], 2, "ingesting again finds the same ids: {again:#}");
}

#[test]
fn dates_keep_the_day_their_source_states_and_say_where_they_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    let day = inbox.join("2011-03-19");
    std::fs::create_dir_all(&day).unwrap();
    std::fs::write(
        day.join("filed.txt"),
        "Council votes on a no-fly zone over Libya\n\nThe Security Council voted for a no-fly zone over Libya, \
         with ten votes in favour and five abstentions, after a long debate in New York.",
    )
    .unwrap();
    // 9.30 pm in New York on 18 November is already 19 November in UTC.
    std::fs::write(
        inbox.join("evening.html"),
        "<html><head><title>Turkey and Qatar sign a deal</title>\
         <meta property=\"article:published_time\" content=\"2019-11-18T21:30:00-05:00\"></head>\
         <body><article><p>Turkey and Qatar signed a military deal with the government in Tripoli, \
         officials said on Monday evening in a statement.</p><p>The deal covers training and advisers \
         for the armed forces of the government.</p></article></body></html>",
    )
    .unwrap();
    let db = dir.path().join("d.db");
    json(storyline(&db).arg("ingest").arg("--model").arg("none").arg(&inbox));

    let filed = json(storyline(&db).args(["article", "filed"]));
    assert_eq!(filed["date_source"], "folder", "{filed:#}");
    assert!(filed["published"].as_str().unwrap().starts_with("2011-03-19"), "{filed:#}");
    let evening = json(storyline(&db).args(["article", "evening"]));
    assert_eq!(evening["date_source"], "metadata", "{evening:#}");
    assert_eq!(evening["published_offset"], -5 * 3600);
    let stories = json(storyline(&db).arg("stories"));
    let days: Vec<&str> = stories
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["first_published"].as_str().unwrap().get(..10).unwrap())
        .collect();
    assert!(days.contains(&"2019-11-18") && days.contains(&"2011-03-19"), "{days:?}");
}

#[test]
fn a_storyline_timeline_says_what_happened_on_its_days_with_its_sources() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    let days = [
        ("2011-02-17", "Protests in Benghazi", "Security forces opened fire on protesters in Benghazi, killing dozens of people in the eastern city of Libya, witnesses said."),
        ("2011-02-18", "Benghazi death toll rises", "The death toll from the protests in Benghazi rose to eighty four people, as security forces opened fire on mourners in the eastern city of Libya."),
        ("2011-02-20", "Benghazi protesters hold the city", "Protesters in Benghazi took control of the eastern city of Libya after security forces withdrew, witnesses said, as the death toll rose."),
    ];
    for (day, title, text) in days {
        std::fs::create_dir_all(inbox.join(day)).unwrap();
        std::fs::write(inbox.join(day).join(format!("{day}.txt")), format!("{title}\n\n{text}")).unwrap();
    }
    let db = dir.path().join("t.db");
    json(storyline(&db).arg("ingest").arg("--model").arg("none").arg(&inbox));
    let storylines = json(storyline(&db).arg("storylines"));
    let id = storylines[0]["id"].as_i64().unwrap();
    let timeline = json(storyline(&db).args(["timeline", &id.to_string()]));
    let summary = timeline["summary"].as_array().unwrap();
    assert!(!summary.is_empty(), "{timeline:#}");
    for day in summary {
        let date = day["date"].as_str().unwrap();
        for sentence in day["sentences"].as_array().unwrap() {
            // Each sentence links to a stored article, the one filed under that day here.
            let article = json(storyline(&db).args(["article", sentence["article"].as_str().unwrap()]));
            assert!(article["text"].as_str().unwrap().contains(sentence["text"].as_str().unwrap()), "{sentence:#}");
            assert_eq!(article["published"].as_str().unwrap().get(..10), Some(date));
        }
    }
}
