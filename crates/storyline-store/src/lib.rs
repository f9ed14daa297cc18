//! storyline's embedded store: articles, duplicate relations, events and the indexes that find
//! candidates for them, in one SQLite file (WAL mode).
//!
//! The store knows nothing of how duplicates or events are decided; it persists what the pipeline
//! decided and answers the index look-ups the pipeline needs ("which articles share an LSH band
//! with this one?", "which events share these terms?"). All writes go through a [`Batch`], one
//! SQLite transaction: a batch commits whole or leaves the store as it was, even under SIGKILL.
//!
//! ```
//! use storyline_store::Store;
//! let store = Store::open_in_memory().unwrap();
//! assert_eq!(store.stats().unwrap().articles, 0);
//! ```

mod batch;
mod embeddings;
mod entities;
mod events;
mod feeds;
mod listing;
mod queries;
mod schema;
mod storylines;

pub use batch::{ArticleStatus, Batch, NewArticle, StoredArticle, StoredEvent};
pub use embeddings::EventVector;
pub use entities::{ArticleEntities, EntityArticle, EntityDetail, EntityFilter, EntitySummary, MapPlace};
pub use events::{CodedEventFilter, NewCodedEvent, NewDateMention, StoredActor, StoredCodedEvent};
pub use feeds::{FeedPoll, FeedRecord};
pub use listing::{ArrivedArticle, ArticleFilter, ArticleSummary, Page};
pub use queries::{ArticleDetail, EventDetail, EventSummary, Stats};
pub use storylines::{EventArticle, StorylineSummary, TimelineEntry};

use std::path::Path;

use rusqlite::Connection;
use storyline_model::EntityId;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store at {path}: {source}")]
    Open { path: String, source: rusqlite::Error },
    #[error("store error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("corrupt {what} in the store: {detail}")]
    Corrupt { what: &'static str, detail: String },
    #[error("the store at {path} has schema version {found}; this storyline knows version {expected}")]
    SchemaVersion { path: String, found: i64, expected: i64 },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Prepared statements a connection keeps.
const STATEMENTS_CACHED: usize = 256;

/// An open store.
pub struct Store {
    conn: Connection,
    /// The file, for [`Store::reader`]; `None` in memory.
    path: Option<std::path::PathBuf>,
    /// Shared with the store's readers, which read committed articles too.
    mentioned: std::sync::Arc<std::sync::Mutex<entities::MentionedEntities>>,
}

/// A second connection to a store file, for reading what is committed while the store writes
/// a batch (SQLite's WAL lets one writer and readers work at once).
pub struct StoreReader {
    conn: Connection,
    mentioned: std::sync::Arc<std::sync::Mutex<entities::MentionedEntities>>,
}

impl StoreReader {
    /// A read transaction: it sees the batches committed when it first reads, and must only
    /// read (a write would wait on the store's own writer).
    pub fn batch(&mut self) -> Result<Batch<'_>> {
        Ok(Batch::new(self.conn.transaction()?, &self.mentioned))
    }
}

/// Ingest touches index pages all over the store in every batch (terms, bands, entity keys,
/// mentions); with SQLite's default 2 MiB page cache it read and wrote the same pages again
/// and again. The temporary b-trees of its sorting and grouping queries (candidate events)
/// went to temporary files: kept in memory, `bench ingest` is 6–10 % faster.
fn keep_pages_in_memory(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "cache_size", -64 * 1024)?; // KiB
    conn.pragma_update(None, "temp_store", "MEMORY")
}

impl Store {
    /// Opens (creating if needed) the store file at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        let display = path.display().to_string();
        let conn = Connection::open(path).map_err(|source| StoreError::Open { path: display.clone(), source })?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // NORMAL is durable across process crashes in WAL mode; only power loss may drop the last
        // commits, never corrupt the file.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        keep_pages_in_memory(&conn)?;
        // A batch of entities and mentions dirties thousands of pages; checkpointing the log back
        // into the file every 1,000 (the default) copied the same pages again and again. 10,000
        // (40 MiB of log): ingest 7–8 % faster in `bench ingest`, with or without entities.
        conn.pragma_update(None, "wal_autocheckpoint", 10_000)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        schema::migrate(&conn, &display)?;
        Ok(Store { path: Some(path.to_path_buf()), ..Store::with_connection(conn) })
    }

    /// A reader of this store's file, or `None` for a store in memory (no second connection
    /// can see it).
    pub fn reader(&self) -> Result<Option<StoreReader>> {
        let Some(path) = &self.path else { return Ok(None) };
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|source| StoreError::Open { path: path.display().to_string(), source })?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        keep_pages_in_memory(&conn)?;
        conn.set_prepared_statement_cache_capacity(STATEMENTS_CACHED);
        Ok(Some(StoreReader { conn, mentioned: self.mentioned.clone() }))
    }

    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        schema::migrate(&conn, ":memory:")?;
        Ok(Store::with_connection(conn))
    }

    fn with_connection(conn: Connection) -> Store {
        // Ingest runs a few dozen distinct statements per article (entity look-ups vary with
        // their number of keys); with rusqlite's default of 16 cached, they were parsed again
        // and again.
        conn.set_prepared_statement_cache_capacity(STATEMENTS_CACHED);
        Store { conn, path: None, mentioned: Default::default() }
    }

    /// Starts a batch of writes: one transaction.
    pub fn batch(&mut self) -> Result<Batch<'_>> {
        Ok(Batch::new(self.conn.transaction()?, &self.mentioned))
    }

    /// SQLite's data version of this connection: it changes when another connection (or
    /// process) commits, never for this one's own commits.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self.conn.pragma_query_value(None, "data_version", |r| r.get(0))?)
    }

    /// Every entity key with its entity, when the store has no more than `limit` of them.
    pub fn entity_keys_if_at_most(&self, limit: i64) -> Result<Option<Vec<(String, EntityId)>>> {
        let count: i64 = self.conn.query_row("SELECT COUNT(*) FROM entity_keys", [], |r| r.get(0))?;
        if count > limit {
            return Ok(None);
        }
        let mut stmt = self.conn.prepare("SELECT key, entity_id FROM entity_keys")?;
        let pairs = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        Ok(Some(pairs))
    }
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Serialising our own plain data types cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(what: &'static str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt { what, detail: e.to_string() })
}
