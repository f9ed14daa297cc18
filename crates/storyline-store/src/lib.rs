//! storyline's embedded store: articles, duplicate relations, events and the indexes that find
//! candidates for them, in one SQLite file (WAL mode).
//!
//! The store knows nothing of how duplicates or events are decided; it persists what the pipeline
//! decided and answers the index look-ups the pipeline needs ("which articles share an LSH band
//! with this one?", "which events share these terms?"). All writes go through a [`Batch`], one
//! SQLite transaction: a batch commits whole or leaves the store as it was, even under SIGKILL.
//!
//! Any number of processes may write one store file (several ingests, a server storing POSTs):
//! a batch takes SQLite's write lock when it begins, so writers take turns, whole batch by whole
//! batch, and a writer that finds the lock held waits for it (saying so), up to
//! [`Store::set_write_wait`].
//!
//! ```
//! use storyline_store::Store;
//! let store = Store::open_in_memory().unwrap();
//! assert_eq!(store.stats().unwrap().articles, 0);
//! ```

mod batch;
mod db;
mod embeddings;
mod entities;
mod events;
mod export;
mod feeds;
mod listing;
mod migrate;
mod queries;
mod schema;
mod scratch;
mod stored_text;
mod storylines;
mod terms_blob;

pub use batch::{ArticleStatus, Batch, DuplicateCandidate, NewArticle, StoredArticle, StoredEvent};
pub use embeddings::EventVector;
pub use entities::{ArticleEntities, EntityArticle, EntityDetail, EntityFilter, EntitySummary, MapPlace};
pub use events::{CodedEventFilter, NewCodedEvent, NewDateMention, StoredActor, StoredCodedEvent};
pub use export::{EventRecord, ExportTable, StorylineRecord};
pub use feeds::{FeedPoll, FeedRecord};
pub use listing::{ArrivedArticle, ArticleFilter, ArticleSummary, Page};
pub use queries::{ArticleDetail, EventDetail, EventSummary, Stats};
pub use storylines::{EventArticle, StorylineSummary, TimelineEntry};

pub use db::Backend;
pub use migrate::{copy_store, table_counts, CopyProgress};
pub use scratch::ScratchDatabase;

use std::path::Path;
use std::time::{Duration, Instant};

use db::{Begin, Conn, Tx};
use rusqlite::Connection;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store at {path}: {source}")]
    Open { path: String, source: rusqlite::Error },
    #[error("store error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot connect to the store at {location}: {reason}; is PostgreSQL running?")]
    Connect { location: String, reason: String },
    #[error("store error (PostgreSQL): {}", postgres_message(.0))]
    Postgres(#[from] postgres::Error),
    #[error("store error: column {index} holds {found}, not {expected}")]
    Column { index: usize, expected: &'static str, found: &'static str },
    #[error("store error: the query returned no row")]
    NoRow,
    #[error("{0}")]
    Refused(String),
    #[error("corrupt {what} in the store: {detail}")]
    Corrupt { what: &'static str, detail: String },
    #[error("the store at {path} has schema version {found}; this storyline knows version {expected}")]
    SchemaVersion { path: String, found: i64, expected: i64 },
    #[error(
        "gave up after waiting {} s for another writer of the store at {path} (another `storyline \
         ingest`, `watch` or `serve` storing articles) to finish its batch",
        waited.as_secs()
    )]
    WriterBusy { path: String, waited: Duration },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// PostgreSQL's own message (with its detail), which the client's `Display` leaves out.
fn postgres_message(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{}: {detail}", db.message()),
            None => db.message().to_string(),
        },
        None => error.to_string(),
    }
}

/// Whether `location` names a PostgreSQL database rather than a file.
pub fn is_postgres_location(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// A PostgreSQL URL as messages show it: without its password (or query string).
pub fn redacted_location(location: &str) -> String {
    let Some((scheme, rest)) = location.split_once("://") else { return location.to_string() };
    let rest = rest.split('?').next().unwrap_or_default();
    match rest.rsplit_once('@') {
        Some((user, host)) => {
            let user = user.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}")
        }
        None => format!("{scheme}://{rest}"),
    }
}

/// Prepared statements a connection keeps.
const STATEMENTS_CACHED: usize = 256;

/// How long a statement outside a batch (a read, a feed's bookkeeping) waits for a lock. Readers
/// never wait for writers in WAL mode; this covers the short moments they do (a checkpoint
/// resetting the log, recovery after a crash) and single-statement writes.
const STATEMENT_WAIT: Duration = Duration::from_secs(60);
/// Times a store is opened again when its file was busy being created (see [`Store::open`]).
const OPEN_ATTEMPTS: u32 = 20;
/// How long a batch waits for another writer to finish, unless told otherwise: a batch of an
/// ingest with every model takes seconds, so this is generous, yet a writer stuck for good is
/// reported rather than waited for forever.
pub const WRITE_WAIT: Duration = Duration::from_secs(10 * 60);
/// A batch waits for the write lock in slices, saying after each that it is still waiting;
/// the slices grow to the last, which repeats (SQLite's busy handler retries within each,
/// backing off up to 100 ms between tries).
const WRITE_WAIT_SLICES: [Duration; 6] = [
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
    Duration::from_secs(8),
    Duration::from_secs(15),
    Duration::from_secs(30),
];

/// An open store.
pub struct Store {
    conn: Conn,
    /// The file, for [`Store::reader`]; `None` in memory or on PostgreSQL.
    path: Option<std::path::PathBuf>,
    /// The PostgreSQL URL, for [`Store::reader`].
    url: Option<String>,
    /// Shared with the store's readers, which read committed articles too.
    mentioned: std::sync::Arc<std::sync::Mutex<entities::MentionedEntities>>,
    /// How long a batch waits for another writer before giving up.
    write_wait: Duration,
    /// Event rows batches read, kept for the next batch.
    kept_events: std::sync::Mutex<batch::KeptEvents>,
}

/// A second connection to a store file, for reading what is committed while the store writes
/// a batch (SQLite's WAL lets one writer and readers work at once).
pub struct StoreReader {
    conn: Conn,
    mentioned: std::sync::Arc<std::sync::Mutex<entities::MentionedEntities>>,
}

impl StoreReader {
    /// A read transaction: it sees the batches committed when it first reads, and must only
    /// read (a write would wait on the store's own writer).
    pub fn batch(&mut self) -> Result<Batch<'_>> {
        Ok(Batch::new(Tx::begin(&self.conn, Begin::Read)?, &self.mentioned))
    }
}

/// Ingest touches index pages all over the store in every batch (terms, bands, entity keys,
/// mentions); with SQLite's default 2 MiB page cache it read and wrote the same pages again
/// and again. The temporary b-trees of its sorting and grouping queries (candidate events)
/// went to temporary files: kept in memory, `bench ingest` is 6–10 % faster. 256 MiB (64 MiB
/// until 2026-12-05): the index pages a batch touches (article terms, bands, event terms, the
/// recent events' rows) spread over a file that passes 64 MiB before 10,000 articles, and each
/// page read again from the file cost a system call and a copy, more of them as the store grew.
/// A connection takes pages as it reads them, so a small store's stays small.
fn keep_pages_in_memory(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "cache_size", -256 * 1024)?; // KiB
    conn.pragma_update(None, "temp_store", "MEMORY")
}

/// Plans each cached statement once. Without the query planner stability guarantee, SQLite
/// writes a bound `LIMIT ?` into the plan as a constant and so prepares the statement again
/// after every binding: the bounded posting-list look-ups (`… LIMIT ?`, up to 64 in one
/// statement) were parsed and planned again for each arriving article, a sixth of the ingest
/// writer's time. Nothing here depends on planning with bound values (no `LIKE ?`, no `ANALYZE`
/// statistics).
fn plan_statements_once(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the store file at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        // Processes opening a new file at once can find it locked while one of them turns it to
        // WAL or creates its tables, a moment in which SQLite answers "busy" without waiting:
        // open again shortly.
        let mut attempt = 0;
        loop {
            match Store::open_once(path) {
                Err(StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy && attempt < OPEN_ATTEMPTS =>
                {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(20 * attempt as u64));
                }
                opened => return opened,
            }
        }
    }

    fn open_once(path: &Path) -> Result<Store> {
        let display = path.display().to_string();
        let conn = Connection::open(path).map_err(|source| StoreError::Open { path: display.clone(), source })?;
        // First: another process may be creating or writing the file.
        conn.busy_timeout(STATEMENT_WAIT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // NORMAL is durable across process crashes in WAL mode; only power loss may drop the last
        // commits, never corrupt the file.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        keep_pages_in_memory(&conn)?;
        plan_statements_once(&conn)?;
        // A batch of entities and mentions dirties thousands of pages; checkpointing the log back
        // into the file every 1,000 (the default) copied the same pages again and again. 10,000
        // (40 MiB of log): ingest 7–8 % faster in `bench ingest`, with or without entities.
        conn.pragma_update(None, "wal_autocheckpoint", 10_000)?;
        let conn = Conn::Sqlite(conn);
        schema::migrate(&conn, &display)?;
        Ok(Store { path: Some(path.to_path_buf()), ..Store::with_connection(conn) })
    }

    /// Opens the store at `location`: a PostgreSQL URL (`postgres://…`, `postgresql://…`) or
    /// the path of a SQLite file.
    pub fn open_location(location: &str) -> Result<Store> {
        if is_postgres_location(location) {
            Store::open_postgres(location)
        } else {
            Store::open(Path::new(location))
        }
    }

    /// Opens (creating the tables if needed) the store in the PostgreSQL database at `url`.
    pub fn open_postgres(url: &str) -> Result<Store> {
        let conn = connect_postgres(url)?;
        schema::migrate(&conn, &redacted_location(url))?;
        Ok(Store { url: Some(url.to_string()), ..Store::with_connection(conn) })
    }

    /// Which database holds this store.
    pub fn backend(&self) -> Backend {
        self.conn.backend()
    }

    /// Where this store is, as messages show it (no password).
    pub fn location(&self) -> String {
        match (&self.path, &self.url) {
            (Some(path), _) => path.display().to_string(),
            (None, Some(url)) => redacted_location(url),
            (None, None) => ":memory:".to_string(),
        }
    }

    /// A reader of this store's file, or `None` for a store in memory (no second connection
    /// can see it).
    pub fn reader(&self) -> Result<Option<StoreReader>> {
        if let Some(url) = &self.url {
            return Ok(Some(StoreReader { conn: connect_postgres(url)?, mentioned: self.mentioned.clone() }));
        }
        let Some(path) = &self.path else { return Ok(None) };
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|source| StoreError::Open { path: path.display().to_string(), source })?;
        conn.busy_timeout(STATEMENT_WAIT)?;
        keep_pages_in_memory(&conn)?;
        plan_statements_once(&conn)?;
        conn.set_prepared_statement_cache_capacity(STATEMENTS_CACHED);
        Ok(Some(StoreReader { conn: Conn::Sqlite(conn), mentioned: self.mentioned.clone() }))
    }

    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        plan_statements_once(&conn)?;
        let conn = Conn::Sqlite(conn);
        schema::migrate(&conn, ":memory:")?;
        Ok(Store::with_connection(conn))
    }

    fn with_connection(conn: Conn) -> Store {
        // Ingest runs a few dozen distinct statements per article (entity look-ups vary with
        // their number of keys); with rusqlite's default of 16 cached, they were parsed again
        // and again.
        if let Some(conn) = conn.sqlite() {
            conn.set_prepared_statement_cache_capacity(STATEMENTS_CACHED);
        }
        Store {
            conn,
            path: None,
            url: None,
            mentioned: Default::default(),
            write_wait: WRITE_WAIT,
            kept_events: Default::default(),
        }
    }

    /// How long a batch waits for another writer to finish before giving up
    /// ([`StoreError::WriterBusy`]); [`WRITE_WAIT`] unless set.
    pub fn set_write_wait(&mut self, limit: Duration) {
        self.write_wait = limit;
    }

    /// Starts a batch of writes: one transaction, holding the store's write lock from its start
    /// to its end. So everything the batch reads stays true until it commits, whoever else
    /// writes the file; a writer holding the lock is waited for, and logged about.
    pub fn batch(&mut self) -> Result<Batch<'_>> {
        self.batch_noting_waits(&|_| {})
    }

    /// [`Store::batch`], calling `waiting` with the time waited so far each time it finds the
    /// lock still held by another writer (after 1, 3, 7, 15, 30 s, then every 30 s).
    pub fn batch_noting_waits(&mut self, waiting: &dyn Fn(Duration)) -> Result<Batch<'_>> {
        if self.conn.backend() == Backend::Postgres {
            return self.postgres_batch(waiting);
        }
        let Conn::Sqlite(conn) = &self.conn else { unreachable!("PostgreSQL returned above") };
        // A deferred transaction would take the lock only at its first write, and fail at once
        // (SQLITE_BUSY, "database is locked") if another writer had committed since its first
        // read: SQLite cannot wait there. Taking the lock first, it waits in SQLite's busy
        // handler instead.
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            let left = self.write_wait.saturating_sub(started.elapsed());
            let slice = WRITE_WAIT_SLICES[attempt.min(WRITE_WAIT_SLICES.len() - 1)].min(left);
            attempt += 1;
            conn.busy_timeout(slice)?;
            // `&mut self` keeps batches from nesting; the shared borrow lets the loop try again.
            let begun = Tx::begin(&self.conn, Begin::Write);
            conn.busy_timeout(STATEMENT_WAIT)?;
            match begun {
                Ok(tx) => return Batch::new(tx, &self.mentioned).keeping_events(&self.kept_events),
                Err(StoreError::Sqlite(error)) if is_busy(&error) => {
                    let waited = started.elapsed();
                    if waited >= self.write_wait {
                        return Err(StoreError::WriterBusy { path: self.location(), waited });
                    }
                    self.note_wait(waited, waiting);
                }
                Err(error) => return Err(error),
            }
        }
    }

    fn note_wait(&self, waited: Duration, waiting: &dyn Fn(Duration)) {
        tracing::warn!(
            store = %self.location(),
            waited_s = waited.as_secs(),
            "another writer holds the store; waiting for it to finish its batch"
        );
        waiting(waited);
    }

    /// A batch on PostgreSQL: one transaction that first takes the writers' advisory lock
    /// (held to its end), so writers take turns whole batch by whole batch as SQLite's
    /// `IMMEDIATE` makes them. Under READ COMMITTED each statement after the lock sees every
    /// batch committed before it, and nothing else commits until this one does.
    fn postgres_batch(&mut self, waiting: &dyn Fn(Duration)) -> Result<Batch<'_>> {
        let tx = Tx::begin(&self.conn, Begin::Write)?;
        let started = Instant::now();
        let mut slice_end = WRITE_WAIT_SLICES[0];
        let mut attempt = 0;
        loop {
            let taken: bool = tx.query_row("SELECT pg_try_advisory_xact_lock(?1)", [WRITERS_LOCK], |r| r.get(0))?;
            if taken {
                return Batch::new(tx, &self.mentioned).keeping_events(&self.kept_events);
            }
            let waited = started.elapsed();
            if waited >= self.write_wait {
                return Err(StoreError::WriterBusy { path: self.location(), waited });
            }
            if waited >= slice_end {
                attempt += 1;
                slice_end += WRITE_WAIT_SLICES[attempt.min(WRITE_WAIT_SLICES.len() - 1)];
                self.note_wait(waited, waiting);
            }
            std::thread::sleep(Duration::from_millis(20).min(self.write_wait.saturating_sub(waited)));
        }
    }

    /// A read transaction: it sees what was committed when it first reads, takes no lock from
    /// writers, and must only read.
    pub fn snapshot(&mut self) -> Result<Batch<'_>> {
        Ok(Batch::new(Tx::begin(&self.conn, Begin::Read)?, &self.mentioned))
    }
}

/// The advisory lock PostgreSQL writers of a store take for a batch (any number: one database
/// holds one store).
const WRITERS_LOCK: i64 = 0x5354_4f52_594c_494e; // "STORYLIN"

/// How long connecting to PostgreSQL may take when the URL says nothing (`connect_timeout=`).
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A connection to the PostgreSQL database at `url`, with a message that says what went wrong
/// (and never the password) when there is none.
fn connect_postgres(url: &str) -> Result<Conn> {
    let location = redacted_location(url);
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e: postgres::Error| StoreError::Connect { location: location.clone(), reason: e.to_string() })?;
    // A host that drops packets would otherwise hold the first command for minutes.
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    let client = config.connect(postgres::NoTls).map_err(|e| {
        let reason = match std::error::Error::source(&e) {
            Some(source) => source.to_string(),
            None => postgres_message(&e),
        };
        StoreError::Connect { location: location.clone(), reason }
    })?;
    let conn = Conn::postgres(client);
    // Quiet the server's notices (a table that exists already) on stderr.
    conn.execute_batch("SET client_min_messages = warning")?;
    Ok(conn)
}

fn is_busy(error: &rusqlite::Error) -> bool {
    error.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Serialising our own plain data types cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(what: &'static str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt { what, detail: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_event(batch: &Batch) -> storyline_model::EventId {
        batch.create_event(&[("flood".to_string(), 1.0)], 5).unwrap()
    }

    #[test]
    fn a_batch_waits_for_another_writer_and_then_sees_what_it_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut first = Store::open(&path).unwrap();
        let mut second = Store::open(&path).unwrap();
        let holding = first.batch().unwrap();
        open_event(&holding);

        let (told, waiting) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let batch = second.batch_noting_waits(&|waited| told.send(waited).unwrap()).unwrap();
            // Under the lock, the other writer's commit is there, and this batch's write follows it.
            assert_eq!(open_event(&batch), 2);
            batch.commit().unwrap();
        });
        waiting.recv().unwrap(); // the second writer found the lock held and said so
        holding.commit().unwrap();
        waiter.join().unwrap();
        assert_eq!(first.stats().unwrap().events, 2);
    }

    #[test]
    fn a_writer_gives_up_after_its_bound_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut first = Store::open(&path).unwrap();
        let _holding = first.batch().unwrap();
        let mut second = Store::open(&path).unwrap();
        second.set_write_wait(Duration::from_millis(100));
        let error = second.batch().err().expect("the lock stays held");
        assert!(matches!(error, StoreError::WriterBusy { .. }), "{error}");
        assert!(error.to_string().contains("another writer"), "{error}");
        // Reading does not wait for writers.
        assert_eq!(second.stats().unwrap().events, 0);
        assert_eq!(second.snapshot().unwrap().documents().unwrap(), 0);
    }

    #[test]
    fn postgres_writers_take_turns_whole_batch_by_whole_batch() {
        let Some(database) = testing::postgres_database() else { return };
        let mut first = Store::open_postgres(database.url()).unwrap();
        let mut second = Store::open_postgres(database.url()).unwrap();
        let holding = first.batch().unwrap();
        open_event(&holding);
        // The other writer waits for the lock, says so, and gives up after its bound.
        second.set_write_wait(Duration::from_millis(1500));
        let told = std::cell::Cell::new(0);
        let error = second.batch_noting_waits(&|_| told.set(told.get() + 1)).err().expect("the lock stays held");
        assert!(matches!(error, StoreError::WriterBusy { .. }), "{error}");
        assert_eq!(told.get(), 1);
        let version = second.snapshot().unwrap().data_version().unwrap();
        holding.commit().unwrap();
        // Under the lock, the other writer's commit is there, and its own write follows it; the
        // data version it sees changed with the other's commit, not with its own.
        let batch = second.batch().unwrap();
        assert_ne!(batch.data_version().unwrap(), version);
        let seen = batch.data_version().unwrap();
        assert_eq!(open_event(&batch), 2);
        batch.commit().unwrap();
        assert_eq!(second.batch().unwrap().data_version().unwrap(), seen);
        assert_eq!(first.stats().unwrap().events, 2);
        assert!(first.integrity_problems().unwrap().iter().any(|p| p.contains("events without articles")));
    }

    #[test]
    fn a_postgres_store_that_is_not_there_is_named_without_its_password() {
        let error = Store::open_location("postgres://someone:secret@127.0.0.1:1/nothing").err().unwrap();
        let message = error.to_string();
        assert!(message.contains("cannot connect to the store at postgres://someone@127.0.0.1:1/nothing"), "{message}");
        assert!(message.contains("is PostgreSQL running?") && !message.contains("secret"), "{message}");
    }

    #[test]
    fn stores_open_while_another_writer_holds_the_lock_and_can_be_created_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let opened: Vec<Result<Store>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4).map(|_| scope.spawn(|| Store::open(&path))).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut stores = opened.into_iter().collect::<Result<Vec<_>>>().unwrap();
        let holding = stores[0].batch().unwrap();
        open_event(&holding);
        let reopened = Store::open(&path).unwrap();
        assert_eq!(reopened.stats().unwrap().events, 0, "the open batch is not seen");
        holding.commit().unwrap();
        assert_eq!(reopened.stats().unwrap().events, 1);
    }
}

/// Runs store tests on each backend: SQLite in memory always, and PostgreSQL when
/// `STORYLINE_TEST_POSTGRES` names a server (each run in a fresh database, dropped after).
#[cfg(test)]
pub(crate) mod testing {
    use super::Store;

    /// A database for one test on the server at `STORYLINE_TEST_POSTGRES`; `None`, saying so,
    /// without one.
    pub(crate) fn postgres_database() -> Option<crate::ScratchDatabase> {
        let Ok(server) = std::env::var("STORYLINE_TEST_POSTGRES") else {
            eprintln!("skipped on PostgreSQL: STORYLINE_TEST_POSTGRES not set");
            return None;
        };
        Some(crate::ScratchDatabase::create(&server, "unit").expect("the test server answers"))
    }

    /// Runs `test` on a new SQLite store in memory, then on a new PostgreSQL store if there is
    /// a server to test on.
    pub(crate) fn each_backend(test: impl Fn(Store)) {
        test(Store::open_in_memory().unwrap());
        if let Some(database) = postgres_database() {
            test(Store::open_postgres(database.url()).unwrap());
        }
    }
}
