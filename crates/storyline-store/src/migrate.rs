//! `storyline migrate`: a whole store copied into another (SQLite → PostgreSQL, or back).
//!
//! Every table, in its stored order (ids, arrival, rowid), read from one snapshot of the source
//! and written in one transaction of the target holding its write lock: the copy is whole or
//! not there at all. Ids are copied as they are, so every reference stays true; PostgreSQL's
//! sequences then start after the largest. The row counts of both are compared at the end.

use crate::db::{params, Begin, Conn, Tx, Value};
use crate::{Backend, Result, Store, StoreError};

/// What a copy reports as it goes.
pub trait CopyProgress {
    /// A table begins, with its number of rows.
    fn table(&self, name: &str, rows: u64);
    /// `rows` more rows of it were copied.
    fn copied(&self, rows: u64);
}

/// Each table with its columns (the same on both backends) and the order rows are copied in.
/// Parents come before what refers to them (events before articles).
const TABLES: [(&str, &str, &str); 20] = [
    ("events", "id, centroid, members, first_published, last_published, last_seq", "id"),
    (
        "articles",
        "seq, id, url, title, text, outlet, author, published, published_offset, date_source, language, \
         language_confidence, source_path, source_format, removed, text_hash, minhash, terms, event_id, ingested_at",
        "seq",
    ),
    ("lsh_bands", "band_key, article_seq", "article_seq, band_key"),
    ("article_terms", "term, article_seq", "article_seq, term"),
    ("duplicates", "original, copy, kind, score, evidence", "original, copy, kind"),
    ("event_terms", "term, event_id", "event_id, term"),
    ("article_embeddings", "article_id, model, data", "article_id"),
    ("event_vectors", "event_id, model, members, vector", "event_id"),
    ("event_vector_bands", "band_key, event_id", "event_id, band_key"),
    ("term_df", "term, df", "term"),
    ("storylines", "event_id, storyline_id", "event_id"),
    ("article_not_before", "article_id, not_before", "article_id"),
    ("feeds", "url, title, added_at, last_polled_at, last_status, etag, last_modified", "rowid"),
    ("feed_items", "feed_url, item_key, link, outcome, article_id, seen_at", "feed_url, item_key"),
    ("entities", "id, kind, name, aliases, roles, disagreements, country, geonameid, kind_votes, location", "id"),
    ("entity_keys", "key, entity_id", "entity_id, key"),
    ("mentions", "article_seq, n, entity_id, text, kind, byte_start, byte_end, sentence, role", "article_seq, n"),
    ("quotes", "article_seq, text, byte_start, byte_end, sentence, speaker_entity, speaker_text, cue", "rowid"),
    (
        "coded_events",
        "id, article_seq, sentence_index, sentence_start, sentence, event_type, trigger_text, actors, targets, \
         location, date_start, date_end, date_granularity, date_text",
        "id",
    ),
    (
        "date_mentions",
        "article_seq, text, byte_start, byte_end, relative, date_start, date_end, date_granularity",
        "rowid",
    ),
];

/// PostgreSQL columns filled from a sequence: set past the largest copied id.
const SEQUENCES: [(&str, &str); 7] = [
    ("events", "id"),
    ("articles", "seq"),
    ("coded_events", "id"),
    ("feeds", "rowid"),
    ("mentions", "rowid"),
    ("quotes", "rowid"),
    ("date_mentions", "rowid"),
];

/// Rows read from the source at once.
const PAGE: i64 = 5_000;
/// Rows written by one statement.
const ROWS_PER_INSERT: usize = 100;

/// How many rows each table of a store holds, in [`TABLES`]' order.
pub fn table_counts(store: &Store) -> Result<Vec<(&'static str, u64)>> {
    TABLES
        .iter()
        .map(|(table, _, _)| {
            let n: i64 = store.conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), params![], |r| r.get(0))?;
            Ok((*table, n as u64))
        })
        .collect()
}

/// Copies every row of `from` into `to`. `to` must be empty unless `replace`, which empties it
/// first (in the same transaction). Returns the rows copied per table, verified against both.
pub fn copy_store(
    from: &mut Store,
    to: &mut Store,
    replace: bool,
    progress: &dyn CopyProgress,
) -> Result<Vec<(&'static str, u64)>> {
    let held = table_counts(to)?.iter().map(|(_, n)| n).sum::<u64>();
    if held > 0 && !replace {
        return Err(StoreError::Refused(format!(
            "the store at {} is not empty ({held} rows); copying into it needs --replace, which empties it first",
            to.location()
        )));
    }
    let target_backend = to.backend();
    let source = Tx::begin(&from.conn, Begin::Read)?;
    let target = to.batch()?;
    let target_tx = target.tx();
    if replace {
        for (table, _, _) in TABLES.iter().rev() {
            target_tx.execute(&format!("DELETE FROM {table}"), params![])?;
        }
    }
    let mut expected = Vec::new();
    for (table, columns, order) in TABLES {
        let total: i64 = source.query_row(&format!("SELECT COUNT(*) FROM {table}"), params![], |r| r.get(0))?;
        progress.table(table, total as u64);
        copy_table(&source, target_tx, table, columns, order, progress)?;
        expected.push((table, total as u64));
    }
    let documents: i64 = source.query_row("SELECT value FROM meta WHERE key = 'documents'", params![], |r| r.get(0))?;
    target_tx.execute("UPDATE meta SET value = ?1 WHERE key = 'documents'", [documents])?;
    if target_backend == Backend::Postgres {
        for (table, column) in SEQUENCES {
            target_tx.query_row(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), COALESCE(MAX({column}), 0) + 1, false)
                     FROM {table}"
                ),
                params![],
                |_| Ok(()),
            )?;
        }
    }
    target.commit()?;
    drop(source);
    let copied = table_counts(to)?;
    if copied != expected {
        let differ: Vec<String> = copied
            .iter()
            .zip(&expected)
            .filter(|(a, b)| a != b)
            .map(|((table, got), (_, want))| format!("{table}: {got} of {want}"))
            .collect();
        return Err(StoreError::Corrupt { what: "copy", detail: format!("row counts differ: {}", differ.join(", ")) });
    }
    Ok(copied)
}

fn copy_table(
    source: &Conn,
    target: &Conn,
    table: &str,
    columns: &str,
    order: &str,
    progress: &dyn CopyProgress,
) -> Result<()> {
    let width = columns.split(',').count();
    // An article's text goes in the target's form (compressed on SQLite, plain on PostgreSQL).
    let text_column = if table == "articles" { columns.split(',').position(|c| c.trim() == "text") } else { None };
    let select = format!("SELECT {columns} FROM {table} ORDER BY {order} LIMIT ?1 OFFSET ?2");
    let mut offset = 0;
    loop {
        let rows: Vec<Vec<Value>> = source
            .prepare_cached(&select)?
            .query_map([PAGE, offset], |r| {
                (0..width)
                    .map(|i| match text_column {
                        Some(text) if text == i => {
                            Ok(crate::stored_text::value(&crate::stored_text::read(r.get_ref(i)?)?, target.backend()))
                        }
                        _ => Ok(r.get_ref(i)?.to_owned()),
                    })
                    .collect()
            })?
            .collect::<Result<_>>()?;
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let tuples: Vec<String> = (0..chunk.len())
                .map(|row| {
                    let marks: Vec<String> = (1..=width).map(|c| format!("?{}", row * width + c)).collect();
                    format!("({})", marks.join(", "))
                })
                .collect();
            let insert = format!("INSERT INTO {table} ({columns}) VALUES {}", tuples.join(", "));
            let values: Vec<&Value> = chunk.iter().flatten().collect();
            target.prepare_cached(&insert)?.execute(values)?;
            progress.copied(chunk.len() as u64);
        }
        if (rows.len() as i64) < PAGE {
            return Ok(());
        }
        offset += PAGE;
    }
}
