//! How well ingest tells site furniture from article text, and pages that are not articles from
//! articles, on samples of the evaluation corpora labelled by reading (`tests/labels/*.tsv`; how
//! they were drawn is written at the top of each). Figures are printed for the part the rules
//! were fitted on and the part kept for checking; docs/EVALUATION.md reports the check figures.
//! Skips when ../shared/eval is absent.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use storyline_ingest::{classify_line, parse_text, RepeatedLines};

mod common;

/// Every labelled text by key: timelines files by their path under eval/, STS22 texts as
/// `sts22:PAIR_ID:1` or `:2`.
struct Corpus {
    dir: PathBuf,
    sts: HashMap<String, String>,
}

impl Corpus {
    fn open(dir: PathBuf) -> Corpus {
        let pairs = storyline_similarity::sts::read_pairs(&dir.join("sts22/train.csv")).expect("STS22 pairs");
        let mut sts = HashMap::new();
        for pair in pairs {
            sts.insert(format!("sts22:{}:1", pair.pair_id), pair.text1);
            sts.insert(format!("sts22:{}:2", pair.pair_id), pair.text2);
        }
        Corpus { dir, sts }
    }

    fn text(&self, key: &str) -> String {
        match self.sts.get(key) {
            Some(text) => text.clone(),
            None => std::fs::read_to_string(self.dir.join(key)).unwrap_or_else(|e| panic!("{key}: {e}")),
        }
    }
}

/// The rows of a label file, without its comment lines and header.
fn rows(name: &str) -> Vec<Vec<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/labels").join(name);
    let text = std::fs::read_to_string(&path).expect("label file");
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .skip(1)
        .map(|line| line.split('\t').map(str::to_string).collect())
        .collect()
}

/// Counts of a yes/no judgement against labels.
#[derive(Default, Debug)]
struct Confusion {
    true_positive: usize,
    false_positive: usize,
    false_negative: usize,
    true_negative: usize,
}

impl Confusion {
    fn add(&mut self, predicted: bool, actual: bool) {
        match (predicted, actual) {
            (true, true) => self.true_positive += 1,
            (true, false) => self.false_positive += 1,
            (false, true) => self.false_negative += 1,
            (false, false) => self.true_negative += 1,
        }
    }

    fn precision(&self) -> f64 {
        ratio(self.true_positive, self.true_positive + self.false_positive)
    }

    fn recall(&self) -> f64 {
        ratio(self.true_positive, self.true_positive + self.false_negative)
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

#[test]
fn furniture_lines_on_the_labelled_sample() {
    let Some(dir) = common::shared("eval", &["sts22/train.csv", "timelines"]) else { return };
    let corpus = Corpus::open(dir.clone());
    // As `storyline ingest` of all these texts at once would: the census of their opening lines.
    let sts = tempfile::tempdir().unwrap();
    for (key, text) in &corpus.sts {
        std::fs::write(sts.path().join(format!("{}.txt", key.replace(':', "_"))), text).unwrap();
    }
    let (files, _) = storyline_ingest::discover(&[dir.join("timelines"), sts.path().to_path_buf()]);
    let openings = RepeatedLines::census(&files);
    let mut by_split: HashMap<String, Confusion> = HashMap::new();
    for row in rows("lines.tsv") {
        let [key, line, furniture, split] = &row[..] else { panic!("bad row {row:?}") };
        let number: usize = line.parse().expect("line number");
        let text = corpus.text(key);
        let line = text.split('\n').nth(number - 1).expect("labelled line exists");
        let repeated = openings.cut(&text).is_some_and(|(_, cut)| cut.iter().any(|r| r.text == line.trim()));
        let predicted = classify_line(line).is_some() || repeated;
        if predicted != (furniture == "1") {
            eprintln!(
                "{split} {key}:{number} labelled {furniture}, judged {:?} repeated {repeated}",
                classify_line(line)
            );
        }
        by_split.entry(split.clone()).or_default().add(predicted, furniture == "1");
    }
    for (split, counts) in &by_split {
        eprintln!("lines, {split}: precision {:.2}, recall {:.2} {counts:?}", counts.precision(), counts.recall());
    }
    let check = &by_split["check"];
    // Cutting article text is worse than keeping furniture: precision must stay perfect.
    assert_eq!(check.false_positive, 0, "{check:?}");
    assert!(check.recall() >= 0.55, "{check:?}");
}

#[test]
fn pages_that_are_not_articles_on_the_labelled_sample() {
    let Some(dir) = common::shared("eval", &["sts22/train.csv", "timelines"]) else { return };
    let corpus = Corpus::open(dir);
    let mut by_split: HashMap<String, Confusion> = HashMap::new();
    for row in rows("pages.tsv") {
        let [key, _pool, label, split] = &row[..] else { panic!("bad row {row:?}") };
        let judged = parse_text(key, &corpus.text(key));
        let predicted = matches!(&judged, Err(reason) if reason.starts_with("not an article"));
        let actual = label != "article";
        if predicted != actual {
            eprintln!("{split} {key} labelled {label}, judged {:?}", judged.as_ref().err());
        }
        by_split.entry(split.clone()).or_default().add(predicted, actual);
    }
    for (split, counts) in &by_split {
        eprintln!("pages, {split}: precision {:.2}, recall {:.2} {counts:?}", counts.precision(), counts.recall());
    }
    // Skipping an article loses it: no article of the sample may be judged otherwise.
    for counts in by_split.values() {
        assert_eq!(counts.false_positive, 0, "{counts:?}");
    }
}

/// The scraper's "too many connections from your IP" page, in every language STS22 has it in.
#[test]
fn every_copy_of_the_sts22_error_page_is_skipped() {
    let Some(dir) = common::shared("eval", &["sts22/train.csv", "timelines"]) else { return };
    let corpus = Corpus::open(dir);
    let mut copies = 0;
    let mut skipped_by_reason: HashMap<String, usize> = HashMap::new();
    for (key, text) in &corpus.sts {
        let judged = parse_text(key, text);
        if let Err(reason) = &judged {
            *skipped_by_reason.entry(reason.clone()).or_default() += 1;
            eprintln!("skipped {key}: {reason}: {}", text.chars().take(160).collect::<String>().replace('\n', " ⏎ "));
        }
        let error_page = text.contains("207.241.233.113");
        if error_page {
            copies += 1;
            assert!(matches!(&judged, Err(reason) if reason.contains("error page")), "{key}: {judged:?}");
        }
    }
    eprintln!("STS22 texts skipped: {skipped_by_reason:?}");
    assert!(copies >= 5, "the error page is in the corpus {copies} times");
}
