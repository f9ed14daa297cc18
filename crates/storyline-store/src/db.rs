//! The store's SQL layer: one connection type over two databases, SQLite (rusqlite) and
//! PostgreSQL (the synchronous `postgres` client), so that every query is written once.
//!
//! Statements are written in SQLite's dialect; on PostgreSQL each is rewritten once
//! ([`postgres_dialect`]: `?N` → `$N`, `INSERT OR IGNORE` / `OR REPLACE` → `ON CONFLICT`,
//! `char(` → `chr(`, `WHERE 1` → `WHERE TRUE`) and prepared once per connection, both cached by
//! the statement's text. Values cross as [`ValueRef`] (SQLite's five kinds); a PostgreSQL
//! parameter takes the type the server inferred for it, and a column of any integer, float,
//! boolean, text or byte type reads back as one of the five. The layer adds no copy on the SQLite
//! path: rows are read in place, parameters bound by reference, statements cached by rusqlite.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use postgres::types::{FromSql, IsNull, ToSql, Type};

use crate::{Result, StoreError};

/// A value as both databases hold it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ValueRef<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// An owned [`ValueRef`], for parameter lists built at run time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    pub(crate) fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(r) => ValueRef::Real(*r),
            Value::Text(t) => ValueRef::Text(t),
            Value::Blob(b) => ValueRef::Blob(b),
        }
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Value {
        Value::Integer(value)
    }
}
impl From<String> for Value {
    fn from(value: String) -> Value {
        Value::Text(value)
    }
}

impl ValueRef<'_> {
    pub(crate) fn to_owned(self) -> Value {
        match self {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(r) => Value::Real(r),
            ValueRef::Text(t) => Value::Text(t.to_string()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        }
    }

    pub(crate) fn kind(&self) -> &'static str {
        match self {
            ValueRef::Null => "null",
            ValueRef::Integer(_) => "integer",
            ValueRef::Real(_) => "real",
            ValueRef::Text(_) => "text",
            ValueRef::Blob(_) => "blob",
        }
    }
}

/// A Rust value that goes into a statement.
pub(crate) trait ToValue {
    fn to_value(&self) -> ValueRef<'_>;
}

macro_rules! integer_to_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> ValueRef<'_> {
                ValueRef::Integer(*self as i64)
            }
        }
    )*};
}
integer_to_value!(i64, i32, u32, usize, u8, bool);

impl ToValue for f64 {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Real(*self)
    }
}
impl ToValue for f32 {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Real(*self as f64)
    }
}
impl ToValue for str {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Text(self)
    }
}
impl ToValue for String {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Text(self)
    }
}
impl ToValue for [u8] {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Blob(self)
    }
}
impl ToValue for Vec<u8> {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Blob(self)
    }
}
impl ToValue for Value {
    fn to_value(&self) -> ValueRef<'_> {
        self.as_ref()
    }
}
impl ToValue for ValueRef<'_> {
    fn to_value(&self) -> ValueRef<'_> {
        *self
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> ValueRef<'_> {
        self.as_ref().map_or(ValueRef::Null, ToValue::to_value)
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> ValueRef<'_> {
        (**self).to_value()
    }
}

/// A statement's parameters, in order.
pub(crate) trait Params {
    fn values(&self) -> Vec<ValueRef<'_>>;
}

impl<T: ToValue, const N: usize> Params for [T; N] {
    fn values(&self) -> Vec<ValueRef<'_>> {
        self.iter().map(ToValue::to_value).collect()
    }
}
impl Params for &[&dyn ToValue] {
    fn values(&self) -> Vec<ValueRef<'_>> {
        self.iter().map(|v| v.to_value()).collect()
    }
}
impl<T: ToValue> Params for Vec<T> {
    fn values(&self) -> Vec<ValueRef<'_>> {
        self.iter().map(ToValue::to_value).collect()
    }
}

/// Parameters of differing types as one owned row, for [`Conn::execute_rows`].
macro_rules! tuple_params {
    ($($name:ident),+) => {
        impl<$($name: ToValue),+> Params for ($($name,)+) {
            #[allow(non_snake_case)]
            fn values(&self) -> Vec<ValueRef<'_>> {
                let ($($name,)+) = self;
                vec![$($name.to_value()),+]
            }
        }
    };
}
tuple_params!(A, B);
tuple_params!(A, B, C, D, E, F, G, H);
tuple_params!(A, B, C, D, E, F, G, H, I);
tuple_params!(A, B, C, D, E, F, G, H, I, J, K, L, M);

/// Parameters of differing types: `params![id, name]`.
macro_rules! params {
    () => { &[] as &[&dyn $crate::db::ToValue] };
    ($($v:expr),+ $(,)?) => { &[$(&$v as &dyn $crate::db::ToValue),+] as &[&dyn $crate::db::ToValue] };
}
pub(crate) use params;

/// Parameters from an iterator.
pub(crate) fn params_from_iter<T: ToValue>(values: impl IntoIterator<Item = T>) -> Vec<T> {
    values.into_iter().collect()
}

/// A Rust value read from a column.
pub(crate) trait FromValue: Sized {
    fn from_value(value: ValueRef<'_>) -> std::result::Result<Self, &'static str>;
}

impl FromValue for i64 {
    fn from_value(value: ValueRef<'_>) -> std::result::Result<Self, &'static str> {
        match value {
            ValueRef::Integer(i) => Ok(i),
            _ => Err("integer"),
        }
    }
}
macro_rules! integer_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(value: ValueRef<'_>) -> std::result::Result<Self, &'static str> {
                match value {
                    ValueRef::Integer(i) => <$t>::try_from(i).map_err(|_| stringify!($t)),
                    _ => Err(stringify!($t)),
                }
            }
        }
    )*};
}
integer_from_value!(i32, u32, u64, usize);

impl FromValue for bool {
    fn from_value(value: ValueRef<'_>) -> std::result::Result<Self, &'static str> {
        match value {
            ValueRef::Integer(i) => Ok(i != 0),
            _ => Err("boolean"),
        }
    }
}
impl FromValue for f64 {
    fn from_value(value: ValueRef<'_>) -> std::result::Result<Self, &'static str> {
        match value {
            ValueRef::Real(r) => Ok(r),
            ValueRef::Integer(i) => Ok(i as f64),
            _ => Err("real"),
        }
    }
}
impl FromValue for f32 {
    fn from_value(value: ValueRef<'_>) -> std::result::Result<Self, &'static str> {
        f64::from_value(value).map(|r| r as f32)
    }
}
impl FromValue for String {
    fn from_value(value: ValueRef<'_>) -> std::result::Result<Self, &'static str> {
        match value {
            ValueRef::Text(t) => Ok(t.to_string()),
            _ => Err("text"),
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(value: ValueRef<'_>) -> std::result::Result<Self, &'static str> {
        match value {
            ValueRef::Blob(b) => Ok(b.to_vec()),
            ValueRef::Text(t) => Ok(t.as_bytes().to_vec()),
            _ => Err("blob"),
        }
    }
}
impl FromValue for Value {
    fn from_value(value: ValueRef<'_>) -> std::result::Result<Self, &'static str> {
        Ok(value.to_owned())
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: ValueRef<'_>) -> std::result::Result<Self, &'static str> {
        match value {
            ValueRef::Null => Ok(None),
            value => T::from_value(value).map(Some),
        }
    }
}

/// One row of a result, read in place.
pub(crate) enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r postgres::Row),
}

impl Row<'_> {
    pub(crate) fn get<T: FromValue>(&self, index: usize) -> Result<T> {
        let value = self.get_ref(index)?;
        T::from_value(value).map_err(|expected| StoreError::Column { index, expected, found: value.kind() })
    }

    pub(crate) fn get_ref(&self, index: usize) -> Result<ValueRef<'_>> {
        match self {
            Row::Sqlite(row) => Ok(match row.get_ref(index)? {
                rusqlite::types::ValueRef::Null => ValueRef::Null,
                rusqlite::types::ValueRef::Integer(i) => ValueRef::Integer(i),
                rusqlite::types::ValueRef::Real(r) => ValueRef::Real(r),
                rusqlite::types::ValueRef::Text(t) => ValueRef::Text(
                    std::str::from_utf8(t).map_err(|e| StoreError::Corrupt { what: "text", detail: e.to_string() })?,
                ),
                rusqlite::types::ValueRef::Blob(b) => ValueRef::Blob(b),
            }),
            Row::Postgres(row) => Ok(row.try_get::<_, ValueRef>(index)?),
        }
    }
}

impl rusqlite::ToSql for ValueRef<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::ValueRef as V;
        Ok(rusqlite::types::ToSqlOutput::Borrowed(match *self {
            ValueRef::Null => V::Null,
            ValueRef::Integer(i) => V::Integer(i),
            ValueRef::Real(r) => V::Real(r),
            ValueRef::Text(t) => V::Text(t.as_bytes()),
            ValueRef::Blob(b) => V::Blob(b),
        }))
    }
}

/// A parameter takes the type PostgreSQL inferred for it (an integer may fill a BIGINT, an
/// INTEGER, a DOUBLE PRECISION or a BOOLEAN).
impl ToSql for ValueRef<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            ValueRef::Null => Ok(IsNull::Yes),
            ValueRef::Integer(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
                Type::FLOAT8 => (i as f64).to_sql(ty, out),
                Type::FLOAT4 => (i as f32).to_sql(ty, out),
                Type::BOOL => (i != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR | Type::UNKNOWN => i.to_string().to_sql(&Type::TEXT, out),
                _ => Err(format!("an integer cannot fill a parameter of type {ty}").into()),
            },
            ValueRef::Real(r) => match *ty {
                Type::FLOAT8 => r.to_sql(ty, out),
                Type::FLOAT4 => (r as f32).to_sql(ty, out),
                _ => Err(format!("a real cannot fill a parameter of type {ty}").into()),
            },
            // A SQLite centroid column holds its blob as TEXT's affinity allows; copied across, it
            // is bytes.
            ValueRef::Text(t) if *ty == Type::BYTEA => t.as_bytes().to_sql(ty, out),
            ValueRef::Text(t) => t.to_sql(ty, out),
            ValueRef::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

impl<'a> FromSql<'a> for ValueRef<'a> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(match *ty {
            Type::INT8 => ValueRef::Integer(i64::from_sql(ty, raw)?),
            Type::INT4 => ValueRef::Integer(i32::from_sql(ty, raw)? as i64),
            Type::INT2 => ValueRef::Integer(i16::from_sql(ty, raw)? as i64),
            Type::BOOL => ValueRef::Integer(bool::from_sql(ty, raw)? as i64),
            Type::FLOAT8 => ValueRef::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => ValueRef::Real(f32::from_sql(ty, raw)? as f64),
            Type::BYTEA => ValueRef::Blob(raw),
            _ => ValueRef::Text(<&str>::from_sql(ty, raw)?),
        })
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(ValueRef::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A PostgreSQL connection: the client, its prepared statements, and how many batches it
/// committed (for [`Conn::data_version`]).
pub(crate) struct PgConn {
    client: RefCell<postgres::Client>,
    statements: RefCell<HashMap<String, postgres::Statement>>,
    own_commits: Cell<i64>,
}

/// Rows per statement of [`Conn::execute_rows`], at most.
const ROWS_PER_STATEMENT: usize = 64;

/// A connection to either database.
pub(crate) enum Conn {
    Sqlite(rusqlite::Connection),
    /// Boxed: the client is several times the size of a rusqlite connection.
    Postgres(Box<PgConn>),
}

/// A prepared statement.
pub(crate) enum Stmt<'c> {
    SqliteCached(rusqlite::CachedStatement<'c>),
    Sqlite(rusqlite::Statement<'c>),
    Postgres(&'c PgConn, postgres::Statement),
}

/// The rows of a query, stepped through in order.
pub(crate) enum Rows<'s> {
    Sqlite(rusqlite::Rows<'s>),
    Postgres(std::vec::IntoIter<postgres::Row>, Option<postgres::Row>),
}

impl Rows<'_> {
    #[allow(clippy::should_implement_trait)]
    pub(crate) fn next(&mut self) -> Result<Option<Row<'_>>> {
        match self {
            Rows::Sqlite(rows) => Ok(rows.next()?.map(Row::Sqlite)),
            Rows::Postgres(rows, current) => {
                *current = rows.next();
                Ok(current.as_ref().map(Row::Postgres))
            }
        }
    }
}

fn pg_values<'v>(values: &'v [ValueRef<'_>]) -> Vec<&'v (dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

impl<'c> Stmt<'c> {
    fn sqlite(&mut self) -> Option<&mut rusqlite::Statement<'c>> {
        match self {
            Stmt::SqliteCached(stmt) => Some(stmt),
            Stmt::Sqlite(stmt) => Some(stmt),
            Stmt::Postgres(..) => None,
        }
    }

    pub(crate) fn execute(&mut self, params: impl Params) -> Result<usize> {
        let values = params.values();
        if let Some(stmt) = self.sqlite() {
            return Ok(stmt.execute(rusqlite::params_from_iter(values.iter()))?);
        }
        let Stmt::Postgres(conn, stmt) = self else { unreachable!("SQLite statements returned above") };
        Ok(conn.client.borrow_mut().execute(stmt, &pg_values(&values))? as usize)
    }

    pub(crate) fn query(&mut self, params: impl Params) -> Result<Rows<'_>> {
        let values = params.values();
        if let Stmt::Postgres(conn, stmt) = self {
            let rows = conn.client.borrow_mut().query(stmt, &pg_values(&values))?;
            return Ok(Rows::Postgres(rows.into_iter(), None));
        }
        let Some(stmt) = self.sqlite() else { unreachable!("PostgreSQL statements returned above") };
        Ok(Rows::Sqlite(stmt.query(rusqlite::params_from_iter(values.iter()))?))
    }

    /// The first row, read by `f`; [`StoreError::NoRow`] when there is none.
    pub(crate) fn query_row<T>(&mut self, params: impl Params, f: impl FnOnce(&Row) -> Result<T>) -> Result<T> {
        let mut rows = self.query(params)?;
        match rows.next()? {
            Some(row) => f(&row),
            None => Err(StoreError::NoRow),
        }
    }

    /// Every row, each read by `f`.
    pub(crate) fn query_map<T>(
        &mut self,
        params: impl Params,
        mut f: impl FnMut(&Row) -> Result<T>,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        let mut rows = self.query(params)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(f(&row));
        }
        Ok(out.into_iter())
    }
}

/// `NoRow` as `None`, as rusqlite's `OptionalExtension` does.
pub(crate) trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(StoreError::NoRow) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Which database a connection speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Conn {
    pub(crate) fn postgres(client: postgres::Client) -> Conn {
        Conn::Postgres(Box::new(PgConn {
            client: RefCell::new(client),
            statements: RefCell::default(),
            own_commits: Cell::new(0),
        }))
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Postgres(_) => Backend::Postgres,
        }
    }

    pub(crate) fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match self {
            Conn::Sqlite(conn) => Some(conn),
            Conn::Postgres(_) => None,
        }
    }

    pub(crate) fn prepare_cached(&self, sql: &str) -> Result<Stmt<'_>> {
        match self {
            Conn::Sqlite(conn) => Ok(Stmt::SqliteCached(conn.prepare_cached(sql)?)),
            Conn::Postgres(pg) => {
                if let Some(stmt) = pg.statements.borrow().get(sql) {
                    return Ok(Stmt::Postgres(pg, stmt.clone()));
                }
                let stmt = pg.client.borrow_mut().prepare(&postgres_dialect(sql))?;
                pg.statements.borrow_mut().insert(sql.to_string(), stmt.clone());
                Ok(Stmt::Postgres(pg, stmt))
            }
        }
    }

    /// A statement made at run time (its text varies): not kept on SQLite.
    pub(crate) fn prepare(&self, sql: &str) -> Result<Stmt<'_>> {
        match self {
            Conn::Sqlite(conn) => Ok(Stmt::Sqlite(conn.prepare(sql)?)),
            Conn::Postgres(pg) => {
                let stmt = pg.client.borrow_mut().prepare(&postgres_dialect(sql))?;
                Ok(Stmt::Postgres(pg, stmt))
            }
        }
    }

    pub(crate) fn execute(&self, sql: &str, params: impl Params) -> Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    /// Runs the one-row query `select` (written with bare `?`) for each of `rows`' parameters,
    /// many in one statement (`UNION ALL`), for the reason [`Conn::execute_rows`] gives; `each`
    /// reads every row returned, in no particular order.
    pub(crate) fn select_rows<P: Params>(
        &self,
        select: &str,
        rows: &[P],
        each: impl FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        // Each query a subquery, so that its own ORDER BY and LIMIT apply to it alone.
        self.in_chunks(
            rows,
            |n| (0..n).map(|i| format!("SELECT * FROM ({select}) AS q{i}")).collect::<Vec<_>>().join(" UNION ALL "),
            each,
        )
    }

    /// Runs `{head} VALUES {row}, {row}, … {tail}` over `rows` (`row` written with bare `?`,
    /// each row's parameters in order) in a few statements rather than one per row: on
    /// PostgreSQL every statement is a round trip to the server, and the writer's statements
    /// per article (a posting per term and band, a count per term) made ingest wait on the
    /// network far more than work. `each` reads the rows a `RETURNING` tail gives back.
    pub(crate) fn execute_rows<P: Params>(
        &self,
        (head, row, tail): (&str, &str, &str),
        rows: &[P],
        each: impl FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        self.in_chunks(rows, |n| format!("{head} VALUES {}{tail}", vec![row; n].join(", ")), each)
    }

    /// Runs the statement `sql(n)` made for `n` rows' parameters over `rows`, in chunks.
    fn in_chunks<P: Params>(
        &self,
        rows: &[P],
        sql: impl Fn(usize) -> String,
        mut each: impl FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        let mut rest = rows;
        while !rest.is_empty() {
            // Chunks of a power of two rows, so a call site prepares (and caches) few statements.
            let take = 1 << rest.len().min(ROWS_PER_STATEMENT).ilog2();
            let (chunk, after) = rest.split_at(take);
            rest = after;
            let sql = sql(take);
            let values: Vec<Vec<ValueRef>> = chunk.iter().map(Params::values).collect();
            let mut stmt = self.prepare_cached(&sql)?;
            let mut returned = stmt.query(values.into_iter().flatten().collect::<Vec<_>>())?;
            while let Some(r) = returned.next()? {
                each(&r)?;
            }
        }
        Ok(())
    }

    pub(crate) fn query_row<T>(&self, sql: &str, params: impl Params, f: impl FnOnce(&Row) -> Result<T>) -> Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// Runs statements given as text, without parameters, exactly as written (no rewriting:
    /// DDL is written per backend).
    pub(crate) fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Conn::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Conn::Postgres(pg) => Ok(pg.client.borrow_mut().batch_execute(sql)?),
        }
    }

    /// Inserts one row and returns the id the store gave it in `id_column`.
    pub(crate) fn insert_returning(&self, sql: &str, id_column: &str, params: impl Params) -> Result<i64> {
        match self {
            Conn::Sqlite(conn) => {
                self.prepare_cached(sql)?.execute(params)?;
                Ok(conn.last_insert_rowid())
            }
            Conn::Postgres(_) => {
                // The statement's text is fixed per call site, so the cache holds one entry for it.
                let returning = format!("{sql} RETURNING {id_column}");
                self.prepare_cached(&returning)?.query_row(params, |r| r.get(0))
            }
        }
    }

    /// A number that changes when another connection commits a batch, never for this
    /// connection's own commits: SQLite's `data_version`; on PostgreSQL, the counter every
    /// batch bumps as it commits, less this connection's own bumps.
    pub(crate) fn data_version(&self) -> Result<i64> {
        match self {
            Conn::Sqlite(conn) => Ok(conn.pragma_query_value(None, "data_version", |r| r.get(0))?),
            Conn::Postgres(pg) => {
                let total: i64 =
                    self.query_row("SELECT value FROM meta WHERE key = 'data_version'", params![], |r| r.get(0))?;
                Ok(total - pg.own_commits.get())
            }
        }
    }
}

/// How a transaction begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Begin {
    /// A writer's batch: SQLite's `IMMEDIATE` (the write lock at once); on PostgreSQL a plain
    /// transaction, whose caller takes the writers' advisory lock next.
    Write,
    /// Reads on one snapshot.
    Read,
}

/// An open transaction on a connection; rolled back when dropped without [`Tx::commit`].
pub(crate) struct Tx<'c> {
    conn: &'c Conn,
    kind: Begin,
    open: bool,
}

impl<'c> Tx<'c> {
    pub(crate) fn begin(conn: &'c Conn, kind: Begin) -> Result<Tx<'c>> {
        let sql = match (conn.backend(), kind) {
            (Backend::Sqlite, Begin::Write) => "BEGIN IMMEDIATE",
            (Backend::Sqlite, Begin::Read) => "BEGIN DEFERRED",
            (Backend::Postgres, Begin::Write) => "BEGIN",
            (Backend::Postgres, Begin::Read) => "BEGIN ISOLATION LEVEL REPEATABLE READ",
        };
        conn.execute_batch(sql)?;
        Ok(Tx { conn, kind, open: true })
    }

    pub(crate) fn commit(mut self) -> Result<()> {
        if let (Conn::Postgres(pg), Begin::Write) = (self.conn, self.kind) {
            self.conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'data_version'", params![])?;
            self.conn.execute_batch("COMMIT")?;
            pg.own_commits.set(pg.own_commits.get() + 1);
        } else {
            self.conn.execute_batch("COMMIT")?;
        }
        self.open = false;
        Ok(())
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            if let Err(error) = self.conn.execute_batch("ROLLBACK") {
                tracing::warn!(%error, "rolling back a batch failed");
            }
        }
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
    }
}

/// The primary key of each table that `INSERT OR REPLACE` writes: PostgreSQL's `ON CONFLICT`
/// names it.
const REPLACED_KEYS: [(&str, &str); 6] = [
    ("meta", "key"),
    ("duplicates", "original, copy, kind"),
    ("article_embeddings", "article_id"),
    ("event_vectors", "event_id"),
    ("feed_items", "feed_url, item_key"),
    ("article_not_before", "article_id"),
];

/// A statement in SQLite's dialect, as PostgreSQL writes it. Text inside quotes is left alone.
pub(crate) fn postgres_dialect(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 32);
    let mut chars = sql.chars().peekable();
    // A bare `?` is numbered one past the largest number so far, as SQLite numbers it.
    let mut largest = 0;
    let mut in_quote = false;
    while let Some(c) = chars.next() {
        if in_quote {
            out.push(c);
            in_quote = c != '\'';
            continue;
        }
        match c {
            '\'' => {
                in_quote = true;
                out.push(c);
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if digits.is_empty() {
                    largest += 1;
                    digits = largest.to_string();
                } else {
                    largest = largest.max(digits.parse().unwrap_or(0));
                }
                out.push('$');
                out.push_str(&digits);
            }
            _ => out.push(c),
        }
    }
    let mut out = out.replace("char(31)", "chr(31)");
    // `WHERE 1` (conditions appended after it, or none), but not `WHERE 1 = 1`.
    let mut from = 0;
    while let Some(at) = out[from..].find(" WHERE 1").map(|at| at + from) {
        let after = &out[at + " WHERE 1".len()..];
        let next = after.trim_start();
        if after.chars().next().is_none_or(char::is_whitespace) && !next.starts_with('=') {
            out.replace_range(at + " WHERE ".len()..at + " WHERE 1".len(), "TRUE");
        }
        from = at + " WHERE ".len();
    }
    if let Some(rest) = out.strip_prefix("INSERT OR IGNORE INTO ") {
        out = format!("INSERT INTO {rest} ON CONFLICT DO NOTHING");
    } else if let Some(rest) = out.strip_prefix("INSERT OR REPLACE INTO ") {
        let table = rest.split([' ', '(']).next().unwrap_or_default();
        let columns: Vec<&str> = rest
            .split_once('(')
            .and_then(|(_, r)| r.split_once(')'))
            .map(|(c, _)| c.split(',').map(str::trim).collect())
            .unwrap_or_default();
        let key = REPLACED_KEYS.iter().find(|(t, _)| *t == table).map(|(_, k)| *k).unwrap_or_default();
        let keys: Vec<&str> = key.split(',').map(str::trim).collect();
        let set: Vec<String> =
            columns.iter().filter(|c| !keys.contains(c)).map(|c| format!("{c} = EXCLUDED.{c}")).collect();
        out = format!("INSERT INTO {rest} ON CONFLICT ({key}) DO UPDATE SET {}", set.join(", "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_rewritten_for_postgres_once() {
        assert_eq!(
            postgres_dialect("SELECT a FROM t WHERE b = ?1 AND c IN (?, ?)"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)"
        );
        assert_eq!(postgres_dialect("SELECT '?1' FROM t WHERE 1"), "SELECT '?1' FROM t WHERE TRUE");
        assert_eq!(postgres_dialect("SELECT a FROM t WHERE 1 AND b = ?1"), "SELECT a FROM t WHERE TRUE AND b = $1");
        assert_eq!(postgres_dialect("SELECT a FROM t WHERE 1 = 1"), "SELECT a FROM t WHERE 1 = 1");
        assert_eq!(
            postgres_dialect("INSERT OR IGNORE INTO lsh_bands (band_key, article_seq) VALUES (?1, ?2)"),
            "INSERT INTO lsh_bands (band_key, article_seq) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        );
        assert_eq!(
            postgres_dialect("INSERT OR REPLACE INTO event_vectors (event_id, model, members, vector) VALUES (?1, ?2, ?3, ?4)"),
            "INSERT INTO event_vectors (event_id, model, members, vector) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (event_id) DO UPDATE SET model = EXCLUDED.model, members = EXCLUDED.members, vector = EXCLUDED.vector"
        );
    }
}
