//! Parquet files through the arrow crates: rows gathered into record batches, each column an
//! Arrow array of its kind's type.

use std::fs::File;
use std::sync::Arc;

use anyhow::Result;
use arrow_array::builder::{Int64Builder, ListBuilder, NullBufferBuilder, OffsetBufferBuilder, StringBuilder};
use arrow_array::{
    Array, ArrayRef, Date32Array, Float64Array, Int64Array, ListArray, RecordBatch, StringArray, StructArray,
    TimestampMicrosecondArray,
};
use arrow_schema::{Field, Fields, Schema};
use chrono::NaiveDate;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use storyline_store::StoredActor;

use super::{Columns, Kind, RowWriter, Value};

/// Rows per Parquet record batch: large enough for good column pages, small enough to hold.
const BATCH_ROWS: usize = 8192;
/// A Parquet row group is written out once its encoded columns reach this size, so long article
/// texts never pile up in memory.
const ROW_GROUP_BYTES: usize = 128 << 20;

/// Rows gathered into record batches of [`BATCH_ROWS`], written with snappy compression.
pub(super) struct ParquetRows {
    writer: ArrowWriter<File>,
    schema: Arc<Schema>,
    columns: Columns,
    pending: Vec<Vec<Value>>,
}

impl ParquetRows {
    pub(super) fn new(file: File, columns: Columns) -> Result<ParquetRows> {
        // The schema is that of the arrays the rows become, so the two always agree.
        let fields: Vec<Field> = columns
            .iter()
            .map(|&(name, kind)| Field::new(name, arrow_column(kind, &[], 0).data_type().clone(), true))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let properties = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(properties))?;
        Ok(ParquetRows { writer, schema, columns, pending: Vec::with_capacity(BATCH_ROWS) })
    }

    fn write_pending(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> =
            self.columns.iter().enumerate().map(|(i, &(_, kind))| arrow_column(kind, &self.pending, i)).collect();
        self.writer.write(&RecordBatch::try_new(self.schema.clone(), arrays)?)?;
        self.pending.clear();
        if self.writer.in_progress_size() >= ROW_GROUP_BYTES {
            self.writer.flush()?;
        }
        Ok(())
    }
}

impl RowWriter for ParquetRows {
    fn write(&mut self, row: Vec<Value>) -> Result<()> {
        self.pending.push(row);
        if self.pending.len() >= BATCH_ROWS {
            self.write_pending()?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        self.write_pending()?;
        self.writer.close()?;
        Ok(())
    }
}

/// Column `i` of `rows` as an Arrow array of `kind`'s type.
fn arrow_column(kind: Kind, rows: &[Vec<Value>], i: usize) -> ArrayRef {
    let values = rows.iter().map(|row| &row[i]);
    match kind {
        Kind::Int => Arc::new(values.map(Value::as_int).collect::<Int64Array>()),
        Kind::Float => Arc::new(
            values
                .map(|v| match v {
                    Value::Float(x) => Some(*x),
                    _ => None,
                })
                .collect::<Float64Array>(),
        ),
        Kind::Text => Arc::new(values.map(Value::as_text).collect::<StringArray>()),
        Kind::Time => {
            Arc::new(values.map(Value::as_micros).collect::<TimestampMicrosecondArray>().with_timezone("UTC"))
        }
        Kind::Day => Arc::new(values.map(Value::as_days).collect::<Date32Array>()),
        Kind::Texts => {
            let mut list = ListBuilder::new(StringBuilder::new());
            for value in values {
                match value {
                    Value::Texts(texts) => {
                        texts.iter().for_each(|t| list.values().append_value(t));
                        list.append(true);
                    }
                    _ => list.append_null(),
                }
            }
            Arc::new(list.finish())
        }
        Kind::Ints => {
            let mut list = ListBuilder::new(Int64Builder::new());
            for value in values {
                match value {
                    Value::Ints(ns) => {
                        list.values().append_slice(ns);
                        list.append(true);
                    }
                    _ => list.append_null(),
                }
            }
            Arc::new(list.finish())
        }
        Kind::Actor => Arc::new(actors(values.map(|v| match v {
            Value::Actor(actor) => Some(actor),
            _ => None,
        }))),
        Kind::Actors => {
            let mut offsets = OffsetBufferBuilder::new(rows.len());
            let mut present = NullBufferBuilder::new(rows.len());
            let mut all = Vec::new();
            for value in values {
                let listed: &[StoredActor] = match value {
                    Value::Actors(list) => list,
                    _ => &[],
                };
                present.append(matches!(value, Value::Actors(_)));
                offsets.push_length(listed.len());
                all.extend(listed.iter().map(Some));
            }
            let items = actors(all.into_iter());
            let item = Arc::new(Field::new_list_field(items.data_type().clone(), true));
            Arc::new(ListArray::new(item, offsets.finish(), Arc::new(items), present.finish()))
        }
    }
}

/// Actors as a struct array of `text` and `code`, null where there is none.
fn actors<'a>(actors: impl Iterator<Item = Option<&'a StoredActor>>) -> StructArray {
    let actors: Vec<Option<&StoredActor>> = actors.collect();
    let text: StringArray = actors.iter().map(|a| a.map(|a| a.text.as_str())).collect();
    let code: StringArray = actors.iter().map(|a| a.and_then(|a| a.code.as_deref())).collect();
    let mut present = NullBufferBuilder::new(actors.len());
    actors.iter().for_each(|a| present.append(a.is_some()));
    let fields = Fields::from(vec![
        Field::new("text", arrow_schema::DataType::Utf8, true),
        Field::new("code", arrow_schema::DataType::Utf8, true),
    ]);
    StructArray::new(fields, vec![Arc::new(text), Arc::new(code)], present.finish())
}

impl Value {
    fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The moment, in microseconds since 1970 (UTC).
    fn as_micros(&self) -> Option<i64> {
        match self {
            Value::Time(moment) => Some(moment.timestamp_micros()),
            _ => None,
        }
    }

    /// The day, in days since 1970-01-01.
    fn as_days(&self) -> Option<i32> {
        match self {
            Value::Day(day) => Some((*day - NaiveDate::default()).num_days() as i32),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parquet_columns_have_the_same_type_with_and_without_rows() {
        let actor = StoredActor { text: "Turkey".into(), code: Some("TUR".into()) };
        let rows = vec![
            vec![Value::Actors(vec![actor.clone()]), Value::Actor(actor), Value::Texts(vec!["a".into()])],
            vec![Value::Null, Value::Null, Value::Null],
        ];
        for (i, kind) in [Kind::Actors, Kind::Actor, Kind::Texts].into_iter().enumerate() {
            let full = arrow_column(kind, &rows, i);
            assert_eq!(full.data_type(), arrow_column(kind, &[], 0).data_type());
            assert_eq!((full.len(), full.null_count()), (2, 1));
        }
    }
}
