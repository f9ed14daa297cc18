//! storyline's HTTP server: a JSON API over the store, full-text search, article ingest over
//! HTTP, and a web page to read events, all from one binary.
//!
//! The server reads the store through a few SQLite connections (WAL lets readers run beside the
//! one writer), each used by one blocking task at a time. It never decides anything itself:
//! ingest and the views computed by the storyline library (coverage) come through the
//! [`Backend`] trait, which the `storyline` crate implements, so the CLI and the server run the
//! same pipeline code.
//!
//! ```no_run
//! use std::sync::Arc;
//! use storyline_server::{router, AppState, Backend};
//! struct ReadOnly;
//! impl Backend for ReadOnly {}
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let state = AppState::open("storyline.db".as_ref(), Arc::new(ReadOnly))?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, router(state)).await?;
//! # Ok(()) }
//! ```

// The OpenAPI document is one large `json!` literal.
#![recursion_limit = "256"]

mod api;
mod assets;
mod error;
mod middleware;
mod openapi;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use storyline_model::{Article, EventId, Skipped};
use storyline_search::SearchIndex;
use storyline_store::Store;

pub use api::api_routes;
pub use error::ApiError;
pub use openapi::openapi_document;

/// The error type a [`Backend`] returns.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Requests larger than this are refused with 413: no article is this big.
pub const MAX_BODY_BYTES: usize = 5 * 1024 * 1024;
/// Read connections to the store.
const READERS: usize = 4;

/// What the storyline library does for the server: ingest with the CLI's rules, and views that
/// are computed rather than stored. A method left at its default says "not available", and the
/// server leaves the matching endpoint out.
pub trait Backend: Send + Sync + 'static {
    /// Stores parsed articles in order as one batch (dedup, events, storylines).
    fn ingest(&self, _store: &mut Store, _articles: Vec<Article>) -> Result<IngestCounts, BoxError> {
        Err("this server was started without an ingest pipeline".into())
    }

    /// Whether [`Backend::ingest`] is implemented.
    fn can_ingest(&self) -> bool {
        false
    }

    /// How outlets covered an event (shared facts, disagreements, summary); `Ok(None)` for an
    /// unknown event.
    fn coverage(&self, _store: &Store, _event: EventId) -> Result<Option<serde_json::Value>, BoxError> {
        Err("coverage is not available".into())
    }

    /// Whether [`Backend::coverage`] is implemented.
    fn has_coverage(&self) -> bool {
        false
    }
}

/// What an ingest did, in the counts the API reports.
#[derive(Debug, Clone, Default)]
pub struct IngestCounts {
    /// Articles stored for the first time.
    pub new: usize,
    /// Articles already stored with the same text.
    pub unchanged: usize,
    /// Articles refused, with the reason (an id already stored with another text).
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Store(#[from] storyline_store::StoreError),
    #[error(transparent)]
    Search(#[from] storyline_search::SearchError),
    #[error("cannot serve on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    readers: Vec<Mutex<Store>>,
    next_reader: AtomicUsize,
    writer: Mutex<Store>,
    search: SearchIndex,
    backend: Arc<dyn Backend>,
    db_path: PathBuf,
}

impl AppState {
    /// Opens the store at `db_path` (creating it if needed) and its search index beside it, and
    /// brings the index up to date with the store.
    pub fn open(db_path: &Path, backend: Arc<dyn Backend>) -> Result<AppState, ServerError> {
        let writer = Store::open(db_path)?;
        let readers = (0..READERS).map(|_| Store::open(db_path).map(Mutex::new)).collect::<Result<Vec<_>, _>>()?;
        let search = SearchIndex::open(&storyline_search::index_dir_for(db_path))?;
        let added = search.sync(&writer)?;
        if added > 0 {
            tracing::info!(added, "search index brought up to date");
        }
        Ok(AppState {
            inner: Arc::new(Inner {
                readers,
                next_reader: AtomicUsize::new(0),
                writer: Mutex::new(writer),
                search,
                backend,
                db_path: db_path.to_path_buf(),
            }),
        })
    }

    /// The store file this server reads.
    pub fn db_path(&self) -> &Path {
        &self.inner.db_path
    }

    /// Runs `f` with a read connection on a blocking thread: a free connection if there is one,
    /// else waits for one in turn.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Inner, &Store) -> Result<T, ApiError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let store = inner.reader()?;
            f(&inner, &store)
        })
        .await?
    }

    /// Runs `f` with the one write connection on a blocking thread.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Inner, &mut Store) -> Result<T, ApiError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut store = inner.writer.lock().map_err(|_| ApiError::internal("the store writer lock is poisoned"))?;
            f(&inner, &mut store)
        })
        .await?
    }
}

impl Inner {
    fn reader(&self) -> Result<MutexGuard<'_, Store>, ApiError> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        let n = self.readers.len();
        for i in 0..n {
            match self.readers[(start + i) % n].try_lock() {
                Ok(guard) => return Ok(guard),
                Err(TryLockError::WouldBlock) => continue,
                Err(TryLockError::Poisoned(_)) => return Err(ApiError::internal("a store reader lock is poisoned")),
            }
        }
        self.readers[start % n].lock().map_err(|_| ApiError::internal("a store reader lock is poisoned"))
    }

    /// Brings the search index up to date if the store has articles it has not seen (ingested by
    /// the CLI, a watched folder, or this server).
    fn sync_search(&self, store: &Store) -> Result<(), ApiError> {
        if store.last_article_seq()? > self.search.watermark() {
            let added = self.search.sync(store)?;
            tracing::debug!(added, "search index synced");
        }
        Ok(())
    }
}

/// The whole application: the JSON API under `/api/`, `/openapi.json`, and the web page.
pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .route("/", get(assets::page))
        .route("/event/{id}", get(assets::page))
        .route("/article/{id}", get(assets::page))
        .route("/storyline/{id}", get(assets::page))
        .route("/entity/{id}", get(assets::page))
        .route("/search", get(assets::page))
        .route("/assets/{name}", get(assets::asset));
    Router::new()
        .merge(api::routes(&state))
        .merge(pages)
        .route("/openapi.json", get(openapi::serve))
        .fallback(api::no_route)
        .layer(axum::middleware::from_fn(middleware::etag))
        .layer(axum::middleware::from_fn(middleware::json_errors))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Serves `state` on `addr` until Ctrl-C. Prints the address it listens on (useful with port 0).
pub async fn serve(addr: SocketAddr, state: AppState) -> Result<(), ServerError> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|source| ServerError::Bind { addr, source })?;
    let local = listener.local_addr()?;
    println!("storyline: serving {} on http://{local}/", state.db_path().display());
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            // If the signal handler cannot be installed, serve until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await?;
    Ok(())
}

/// Opens the store and serves it on `addr` on a fresh runtime: the blocking entry point the CLI
/// calls. Returns when the server stops.
pub fn run(addr: SocketAddr, db_path: &Path, backend: Arc<dyn Backend>) -> Result<(), ServerError> {
    let state = AppState::open(db_path, backend)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(serve(addr, state))
}

/// Brings the search index of the store at `db_path` up to date, or rebuilds it from scratch;
/// returns how many articles were indexed. Behind `storyline reindex`.
pub fn reindex(db_path: &Path, from_scratch: bool) -> Result<usize, ServerError> {
    let store = Store::open(db_path)?;
    let index = SearchIndex::open(&storyline_search::index_dir_for(db_path))?;
    Ok(if from_scratch { index.rebuild(&store)? } else { index.sync(&store)? })
}
