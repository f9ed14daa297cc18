//! `storyline export`: the seeds and one dated article exported as Parquet, JSON Lines and TSV,
//! the Parquet files read back with the parquet crate's reader and compared with the store.
//! Entities, mentions and quotes are there when the tagger (models/ner.bin) is installed.
#![cfg(feature = "parquet")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use assert_cmd::Command;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use storyline_store::{CodedEventFilter, EntityFilter, Store};

mod common;
use common::{json, seeds};

const TABLES: [&str; 7] = ["articles", "events", "storylines", "entities", "mentions", "quotes", "coded_events"];
const ORIGINAL: &str = "000_ea50157a1f620560";
const REPUBLICATION: &str = "001_39be850b2c363a0b";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn storyline(db: &Path) -> Command {
    let models = std::env::var_os("STORYLINE_MODELS").map(PathBuf::from).unwrap_or_else(|| root().join("models"));
    let mut cmd = Command::cargo_bin("storyline").unwrap();
    cmd.arg("--db").arg(db).env_remove("STORYLINE_DB").env("STORYLINE_MODELS", models);
    cmd
}

/// Rows per table, counted through the store's own listings rather than the export's queries.
fn store_counts(db: &Path) -> BTreeMap<&'static str, u64> {
    let store = Store::open(db).unwrap();
    let stats = store.stats().unwrap();
    let ids: Vec<String> = store.articles_after(0, 1000).unwrap().into_iter().map(|a| a.article.id).collect();
    let per_article: Vec<_> = ids.iter().map(|id| store.article_entities(id).unwrap()).collect();
    BTreeMap::from([
        ("articles", stats.articles),
        ("events", stats.events),
        ("storylines", store.storylines(1000).unwrap().len() as u64),
        ("entities", store.entities(&EntityFilter::default()).unwrap().len() as u64),
        ("mentions", per_article.iter().map(|a| a.mentions.len() as u64).sum()),
        ("quotes", per_article.iter().map(|a| a.quotes.len() as u64).sum()),
        ("coded_events", store.coded_events(&CodedEventFilter::default()).unwrap().len() as u64),
    ])
}

fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    let file = std::fs::File::open(path).unwrap();
    ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap().map(Result::unwrap).collect()
}

fn texts(batches: &[RecordBatch], column: &str) -> Vec<Option<String>> {
    batches
        .iter()
        .flat_map(|b| {
            let array = b.column_by_name(column).unwrap().as_string::<i32>().clone();
            (0..array.len()).map(move |i| array.is_valid(i).then(|| array.value(i).to_string()))
        })
        .collect()
}

fn ints(batches: &[RecordBatch], column: &str) -> Vec<Option<i64>> {
    batches.iter().flat_map(|b| b.column_by_name(column).unwrap().as_primitive::<Int64Type>().iter()).collect()
}

#[test]
fn every_table_exports_as_parquet_json_lines_and_tsv() {
    let Some(seeds) = seeds() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    // A dated article, stated in New York time on the evening of the 18th: 2.30 UTC on the 19th.
    let dated = dir.path().join("dated.jsonl");
    let record = serde_json::json!({
        "id": "lima-floods", "title": "Floods close roads in Lima",
        "text": "Floods closed roads in Lima on Monday.\n\nThe city asked residents to stay home.",
        "published": "2019-11-18T21:30:00-05:00", "source": "Andina",
    });
    std::fs::write(&dated, format!("{record}\n")).unwrap();
    json(storyline(&db).args(["ingest", "--model", "none"]).arg(&seeds).arg(&dated));
    let expected = store_counts(&db);
    assert_eq!(expected["articles"], 6);

    for format in ["parquet", "jsonl", "tsv"] {
        let out = dir.path().join(format);
        let written = json(storyline(&db).args(["export", "--format", format, "--out"]).arg(&out));
        let rows: BTreeMap<&str, u64> = written
            .as_array()
            .unwrap()
            .iter()
            .map(|w| (TABLES.into_iter().find(|t| w["table"] == *t).unwrap(), w["rows"].as_u64().unwrap()))
            .collect();
        assert_eq!(rows, expected, "{format}: rows written");
        for table in TABLES {
            let path = out.join(format!("{table}.{format}"));
            let read = match format {
                "parquet" => read_parquet(&path).iter().map(|b| b.num_rows() as u64).sum(),
                "jsonl" => std::fs::read_to_string(&path).unwrap().lines().count() as u64,
                _ => tsv_rows(&path).len() as u64 - 1, // without the header
            };
            assert_eq!(read, expected[table], "{format}: rows read back from {table}");
        }
    }

    // Parquet, read back: the ids, the republication in its original's event, a typed moment.
    let articles = read_parquet(&dir.path().join("parquet/articles.parquet"));
    let ids: Vec<String> = texts(&articles, "id").into_iter().flatten().collect();
    assert!(ids.iter().any(|id| id == ORIGINAL) && ids.iter().any(|id| id == REPUBLICATION), "{ids:?}");
    let events = ints(&articles, "event");
    let event_of = |id: &str| events[ids.iter().position(|i| i == id).unwrap()];
    assert_eq!(event_of(ORIGINAL), event_of(REPUBLICATION));
    let lima = ids.iter().position(|i| i == "lima-floods").unwrap();
    let published = articles[0].column_by_name("published").unwrap();
    assert!(
        matches!(published.data_type(), DataType::Timestamp(TimeUnit::Microsecond, Some(zone)) if &**zone == "UTC"),
        "{}",
        published.data_type()
    );
    let moment = published.as_primitive::<TimestampMicrosecondType>().value(lima);
    assert_eq!(moment, chrono::DateTime::parse_from_rfc3339("2019-11-19T02:30:00Z").unwrap().timestamp_micros());
    assert_eq!(ints(&articles, "published_offset")[lima], Some(-5 * 3600));
    assert_eq!(texts(&articles, "date_source")[lima].as_deref(), Some("metadata"));
    let stored_events = read_parquet(&dir.path().join("parquet/events.parquet"));
    let event_ids: Vec<i64> = ints(&stored_events, "id").into_iter().flatten().collect();
    assert!(event_ids.contains(&event_of(ORIGINAL).unwrap()));
    let storylines = read_parquet(&dir.path().join("parquet/storylines.parquet"));
    assert!(storylines[0].column_by_name("events").unwrap().data_type().is_nested());

    // JSON Lines: the same moment in RFC 3339, UTC, and the offset beside it.
    let jsonl = std::fs::read_to_string(dir.path().join("jsonl/articles.jsonl")).unwrap();
    let line: Value =
        jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).find(|l: &Value| l["id"] == "lima-floods").unwrap();
    assert_eq!(
        (line["published"].as_str(), line["published_offset"].as_i64()),
        (Some("2019-11-19T02:30:00Z"), Some(-18000))
    );

    // TSV: one line per row, the newlines in the text escaped.
    let rows = tsv_rows(&dir.path().join("tsv/articles.tsv"));
    let header = &rows[0];
    let text_column = header.iter().position(|c| c == "text").unwrap();
    let lima_row = rows.iter().find(|r| r[0] == "lima-floods").unwrap();
    assert_eq!(lima_row.len(), header.len());
    assert!(lima_row[text_column].contains("Monday.\\n\\nThe city asked"), "{}", lima_row[text_column]);
}

fn tsv_rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let rows: Vec<Vec<String>> = text.lines().map(|l| l.split('\t').map(str::to_string).collect()).collect();
    assert!(rows.iter().all(|r| r.len() == rows[0].len()), "{}: every row has every column", path.display());
    rows
}

#[test]
fn a_subset_of_tables_and_an_unknown_table() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let out = dir.path().join("out");
    let written =
        json(storyline(&db).args(["export", "--format", "parquet", "--tables", "events,quotes", "--out"]).arg(&out));
    assert_eq!(written.as_array().unwrap().len(), 2);
    // An empty store still gives files with their columns.
    let file = std::fs::File::open(out.join("quotes.parquet")).unwrap();
    let schema = ParquetRecordBatchReaderBuilder::try_new(file).unwrap().schema().clone();
    assert_eq!(schema.fields().len(), 8);
    assert!(!out.join("articles.parquet").exists());
    let output =
        storyline(&db).args(["export", "--format", "tsv", "--tables", "people", "--out"]).arg(&out).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("coded_events"));
}
