//! `storyline export`: the store's tables as files for analysts (DuckDB, polars, pandas, R), one
//! file per table, in Parquet, JSON Lines or TSV.
//!
//! The three formats hold the same columns. Each table is read from one snapshot of the store
//! and streamed: JSON Lines and TSV rows are written as they are read, Parquet rows are gathered
//! into record batches (`parquet_file.rs`, behind the cargo feature `parquet`, on by default).
//!
//! Types: moments (`published`, `first_published`, …) are UTC; Parquet stores them as
//! timestamps (microseconds, UTC), JSON Lines and TSV as RFC 3339 (`2019-11-19T02:30:00Z`). The
//! offset the source stated a date in is `published_offset` (seconds east of UTC), so the local
//! day the article is dated on is `published + published_offset`. Days (`date_start`,
//! `date_end`) are Parquet dates, else `YYYY-MM-DD`. Lists (aliases, a storyline's events) are
//! Parquet lists and JSON arrays; actors and locations are structs `{text, code}` in Parquet and
//! JSON objects in JSON Lines. TSV has a header row, leaves a missing value empty, writes lists
//! and structs as JSON, and escapes every field as PostgreSQL's text format does: a backslash as
//! `\\`, a tab as `\t`, a newline as `\n`, a carriage return as `\r`. So each row is one line
//! and no field is quoted (read it with `quoting=csv.QUOTE_NONE` in pandas, `quote=''` in DuckDB).

#[cfg(feature = "parquet")]
mod parquet_file;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use storyline_store::{Batch, ExportTable, Store, StoredActor};

use crate::render::print_json;

#[derive(Args)]
pub struct ExportArgs {
    /// The file format.
    #[arg(long, value_enum)]
    format: Format,
    /// The folder to write the files into (created if missing); existing files are replaced.
    #[arg(long)]
    out: PathBuf,
    /// The tables to export, separated by commas; all of them when not given.
    #[arg(long, value_delimiter = ',', value_parser = parse_table,
          value_name = "articles,events,storylines,entities,mentions,quotes,coded_events")]
    tables: Vec<ExportTable>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Parquet,
    Jsonl,
    Tsv,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Jsonl => "jsonl",
            Format::Tsv => "tsv",
        }
    }
}

fn parse_table(name: &str) -> Result<ExportTable, String> {
    ExportTable::parse(name).ok_or_else(|| {
        let names: Vec<&str> = ExportTable::ALL.iter().map(|t| t.name()).collect();
        format!("no table {name:?}; the tables are {}", names.join(", "))
    })
}

/// What `--json` prints for each table written.
#[derive(Serialize)]
struct Written {
    table: &'static str,
    path: PathBuf,
    rows: u64,
    bytes: u64,
}

pub fn export(store: &mut Store, args: &ExportArgs, json: bool) -> Result<()> {
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let tables = if args.tables.is_empty() { ExportTable::ALL.to_vec() } else { args.tables.clone() };
    let snapshot = store.snapshot()?;
    let mut written = Vec::new();
    for table in tables {
        let path = args.out.join(format!("{}.{}", table.name(), args.format.extension()));
        let rows = export_table(&snapshot, table, args.format, &path)
            .with_context(|| format!("exporting {} to {}", table.name(), path.display()))?;
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or_default();
        if !json {
            println!("{:<13} {rows:>9} rows {:>12} bytes  {}", table.name(), bytes, path.display());
        }
        written.push(Written { table: table.name(), path, rows, bytes });
    }
    if json {
        print_json(&written)?;
    }
    Ok(())
}

fn export_table(snapshot: &Batch, table: ExportTable, format: Format, path: &Path) -> Result<u64> {
    let bar = ProgressBar::new(snapshot.export_count(table)?).with_style(
        ProgressStyle::with_template("{spinner} {msg:<13} {bar:40} {pos}/{len} rows [{elapsed_precise}, eta {eta}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(table.name());
    let columns = columns(table);
    let mut writer: Box<dyn RowWriter> = match format {
        Format::Parquet => parquet_rows(path, columns)?,
        Format::Jsonl => Box::new(JsonRows { out: BufWriter::new(File::create(path)?), columns }),
        Format::Tsv => Box::new(TsvRows::new(BufWriter::new(File::create(path)?), columns)?),
    };
    let mut rows = 0;
    each_row(snapshot, table, &mut |row| {
        // A value that does not fit its column would become a null in Parquet: refuse it.
        if row.len() != columns.len() {
            bail!("{} has {} columns; a row gave {} values", table.name(), columns.len(), row.len());
        }
        if let Some(((name, kind), value)) = columns.iter().zip(&row).find(|((_, kind), value)| !value.fits(*kind)) {
            bail!("{}.{name} is a {kind:?} column; a row gave {value:?}", table.name());
        }
        writer.write(row)?;
        rows += 1;
        if rows % 1024 == 0 {
            bar.set_position(rows);
        }
        Ok(())
    })?;
    writer.finish()?;
    bar.finish_and_clear();
    Ok(rows)
}

#[cfg(feature = "parquet")]
fn parquet_rows(path: &Path, columns: Columns) -> Result<Box<dyn RowWriter>> {
    Ok(Box::new(parquet_file::ParquetRows::new(File::create(path)?, columns)?))
}

#[cfg(not(feature = "parquet"))]
fn parquet_rows(_: &Path, _: Columns) -> Result<Box<dyn RowWriter>> {
    bail!("this storyline was built without Parquet (the cargo feature `parquet`); use --format jsonl or tsv")
}

// --- The tables: each one's columns, and its rows in the same order. ---

/// A column's type; see the module's documentation for how each format writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Int,
    Float,
    Text,
    /// A moment, in UTC.
    Time,
    Day,
    Texts,
    Ints,
    /// `{text, code}`: an actor, target or location of a coded event.
    Actor,
    Actors,
}

type Columns = &'static [(&'static str, Kind)];

/// One value of a row; `Null` for a missing one, whatever the column's type.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Time(DateTime<Utc>),
    Day(NaiveDate),
    Texts(Vec<String>),
    Ints(Vec<i64>),
    Actor(StoredActor),
    Actors(Vec<StoredActor>),
}

fn columns(table: ExportTable) -> Columns {
    use Kind::*;
    match table {
        ExportTable::Articles => &[
            ("id", Text),
            ("url", Text),
            ("title", Text),
            ("text", Text),
            ("outlet", Text),
            ("author", Text),
            ("published", Time),
            ("published_offset", Int),
            ("date_source", Text),
            ("language", Text),
            ("language_confidence", Float),
            ("event", Int),
            ("arrival", Int),
            ("source_path", Text),
            ("source_format", Text),
        ],
        ExportTable::Events => &[
            ("id", Int),
            ("title", Text),
            ("first_published", Time),
            ("last_published", Time),
            ("article_count", Int),
            ("storyline", Int),
        ],
        ExportTable::Storylines => &[
            ("id", Int),
            ("title", Text),
            ("events", Ints),
            ("event_count", Int),
            ("article_count", Int),
            ("first_published", Time),
            ("last_published", Time),
        ],
        ExportTable::Entities => &[
            ("id", Int),
            ("kind", Text),
            ("name", Text),
            ("aliases", Texts),
            ("roles", Texts),
            ("country", Text),
            ("geonameid", Int),
            ("lat", Float),
            ("lon", Float),
            ("mentions", Int),
            ("articles", Int),
            ("quotes", Int),
        ],
        ExportTable::Mentions => &[
            ("article", Text),
            ("entity", Int),
            ("text", Text),
            ("kind", Text),
            ("byte_start", Int),
            ("byte_end", Int),
            ("sentence", Int),
            ("role", Text),
        ],
        ExportTable::Quotes => &[
            ("article", Text),
            ("text", Text),
            ("byte_start", Int),
            ("byte_end", Int),
            ("sentence", Int),
            ("speaker_entity", Int),
            ("speaker_text", Text),
            ("cue", Text),
        ],
        ExportTable::CodedEvents => &[
            ("id", Int),
            ("article", Text),
            ("sentence_index", Int),
            ("sentence", Text),
            ("event_type", Text),
            ("trigger", Text),
            ("actors", Actors),
            ("targets", Actors),
            ("location", Actor),
            ("date_start", Day),
            ("date_end", Day),
            ("date_granularity", Text),
            ("date_text", Text),
        ],
    }
}

/// Streams `table`'s rows, their values in the order of [`columns`].
fn each_row(snapshot: &Batch, table: ExportTable, row: &mut dyn FnMut(Vec<Value>) -> Result<()>) -> Result<()> {
    match table {
        ExportTable::Articles => snapshot.each_article(|arrived| {
            let a = arrived.article;
            row(vec![
                a.id.into(),
                a.url.into(),
                a.title.into(),
                a.text.into(),
                a.outlet.into(),
                a.author.into(),
                a.published.into(),
                a.published_offset.map(i64::from).into(),
                a.date_source.map(|s| s.as_str().to_string()).into(),
                a.language.as_ref().map(|l| l.code.clone()).into(),
                a.language.map(|l| f64::from(l.confidence)).into(),
                arrived.event.into(),
                arrived.seq.into(),
                a.source.path.into(),
                a.source.format.as_str().to_string().into(),
            ])
        }),
        ExportTable::Events => snapshot.each_event(|e| {
            row(vec![
                e.id.into(),
                e.title.into(),
                e.first_published.into(),
                e.last_published.into(),
                (e.article_count as i64).into(),
                e.storyline.into(),
            ])
        }),
        ExportTable::Storylines => snapshot.each_storyline(|s| {
            let event_count = s.events.len() as i64;
            row(vec![
                s.id.into(),
                s.title.into(),
                Value::Ints(s.events),
                event_count.into(),
                (s.article_count as i64).into(),
                s.first_published.into(),
                s.last_published.into(),
            ])
        }),
        ExportTable::Entities => snapshot.each_entity(|s| {
            let e = s.entity;
            row(vec![
                e.id.into(),
                e.kind.as_str().to_string().into(),
                e.name.into(),
                Value::Texts(e.aliases),
                Value::Texts(e.roles),
                e.country.into(),
                e.geonameid.or(e.location.as_ref().and_then(|l| l.geonameid)).into(),
                e.location.as_ref().map_or(Value::Null, |l| l.lat.into()),
                e.location.as_ref().map_or(Value::Null, |l| l.lon.into()),
                (s.mentions as i64).into(),
                (s.articles as i64).into(),
                (s.quotes as i64).into(),
            ])
        }),
        ExportTable::Mentions => snapshot.each_mention(|m| {
            row(vec![
                m.article.into(),
                m.entity.into(),
                m.text.into(),
                m.kind.as_str().to_string().into(),
                (m.byte_start as i64).into(),
                (m.byte_end as i64).into(),
                (m.sentence as i64).into(),
                m.role.into(),
            ])
        }),
        ExportTable::Quotes => snapshot.each_quote(|q| {
            row(vec![
                q.article.into(),
                q.text.into(),
                (q.byte_start as i64).into(),
                (q.byte_end as i64).into(),
                (q.sentence as i64).into(),
                q.speaker.into(),
                q.speaker_text.into(),
                q.cue.into(),
            ])
        }),
        ExportTable::CodedEvents => snapshot.each_coded_event(|e| {
            let day = |d: Option<String>| d.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
            row(vec![
                e.id.into(),
                e.article.into(),
                (e.sentence_index as i64).into(),
                e.sentence.into(),
                e.event_type.into(),
                e.trigger.into(),
                Value::Actors(e.actors),
                Value::Actors(e.targets),
                e.location.map(Value::Actor).unwrap_or(Value::Null),
                day(e.date_start).into(),
                day(e.date_end).into(),
                e.date_granularity.into(),
                e.date_text.into(),
            ])
        }),
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Value::Text(text)
    }
}

impl From<DateTime<Utc>> for Value {
    fn from(moment: DateTime<Utc>) -> Self {
        Value::Time(moment)
    }
}

impl From<NaiveDate> for Value {
    fn from(day: NaiveDate) -> Self {
        Value::Day(day)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Self {
        value.map_or(Value::Null, Into::into)
    }
}

impl Value {
    /// Whether the value can stand in a column of `kind`.
    fn fits(&self, kind: Kind) -> bool {
        matches!(
            (self, kind),
            (Value::Null, _)
                | (Value::Int(_), Kind::Int)
                | (Value::Float(_), Kind::Float)
                | (Value::Text(_), Kind::Text)
                | (Value::Time(_), Kind::Time)
                | (Value::Day(_), Kind::Day)
                | (Value::Texts(_), Kind::Texts)
                | (Value::Ints(_), Kind::Ints)
                | (Value::Actor(_), Kind::Actor)
                | (Value::Actors(_), Kind::Actors)
        )
    }

    /// A moment or day as JSON Lines writes it, without the quotes.
    fn as_text_field(&self) -> String {
        match self {
            Value::Time(moment) => moment.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            Value::Day(day) => day.format("%Y-%m-%d").to_string(),
            _ => String::new(),
        }
    }
}

/// Moments as RFC 3339 in UTC, days as `YYYY-MM-DD`, lists as arrays, actors as objects.
impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_none(),
            Value::Int(n) => serializer.serialize_i64(*n),
            Value::Float(x) => serializer.serialize_f64(*x),
            Value::Text(text) => serializer.serialize_str(text),
            Value::Time(_) | Value::Day(_) => serializer.serialize_str(&self.as_text_field()),
            Value::Texts(texts) => texts.serialize(serializer),
            Value::Ints(ns) => ns.serialize(serializer),
            Value::Actor(actor) => actor.serialize(serializer),
            Value::Actors(actors) => actors.serialize(serializer),
        }
    }
}

// --- The formats. ---

trait RowWriter {
    fn write(&mut self, row: Vec<Value>) -> Result<()>;
    fn finish(self: Box<Self>) -> Result<()>;
}

/// One JSON object per line, its keys in column order.
struct JsonRows {
    out: BufWriter<File>,
    columns: Columns,
}

impl RowWriter for JsonRows {
    fn write(&mut self, row: Vec<Value>) -> Result<()> {
        self.out.write_all(b"{")?;
        for (i, ((name, _), value)) in self.columns.iter().zip(&row).enumerate() {
            if i > 0 {
                self.out.write_all(b",")?;
            }
            serde_json::to_writer(&mut self.out, name)?;
            self.out.write_all(b":")?;
            serde_json::to_writer(&mut self.out, value)?;
        }
        self.out.write_all(b"}\n")?;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        Ok(self.out.flush()?)
    }
}

struct TsvRows {
    out: BufWriter<File>,
}

impl TsvRows {
    fn new(mut out: BufWriter<File>, columns: Columns) -> Result<TsvRows> {
        let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
        writeln!(out, "{}", names.join("\t"))?;
        Ok(TsvRows { out })
    }
}

impl RowWriter for TsvRows {
    fn write(&mut self, row: Vec<Value>) -> Result<()> {
        let fields: Vec<String> = row.iter().map(tsv_field).collect::<Result<_>>()?;
        writeln!(self.out, "{}", fields.join("\t"))?;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        Ok(self.out.flush()?)
    }
}

/// A value as a TSV field: empty when missing, text as it is, the rest as in JSON Lines; then
/// escaped (see the module's documentation).
fn tsv_field(value: &Value) -> Result<String> {
    let plain = match value {
        Value::Null => String::new(),
        Value::Text(text) => text.clone(),
        Value::Time(_) | Value::Day(_) => value.as_text_field(),
        other => serde_json::to_string(other)?,
    };
    let mut escaped = String::with_capacity(plain.len());
    for c in plain.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '\t' => escaped.push_str("\\t"),
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            c => escaped.push(c),
        }
    }
    Ok(escaped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_fields_escape_what_would_break_a_row() {
        let field = |value: Value| tsv_field(&value).unwrap();
        assert_eq!(field(Value::Text("a\tb\\c\nd\r".into())), "a\\tb\\\\c\\nd\\r");
        assert_eq!(field(Value::Null), "");
        assert_eq!(field(Value::Texts(vec!["x\ty".into()])), "[\"x\\\\ty\"]");
        let moment = DateTime::parse_from_rfc3339("2019-11-18T21:30:00-05:00").unwrap().to_utc();
        assert_eq!(field(Value::Time(moment)), "2019-11-19T02:30:00Z");
    }
}
