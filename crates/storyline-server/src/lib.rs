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

mod access;
mod api;
mod assets;
mod coverage;
mod error;
mod middleware;
mod openapi;
mod ops;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use storyline_model::{Article, EventId, Skipped};
use storyline_search::SearchIndex;
use storyline_store::Store;

pub use access::{read_token_file, ServeOptions, MIN_TOKEN_CHARS};
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

    /// Publishes parsed articles, in order, to be stored later by another process (the article
    /// stream's consumer); returns once they are safe there. `new` counts the articles
    /// published, `unchanged` those published before.
    fn publish(&self, _articles: Vec<Article>) -> Result<IngestCounts, BoxError> {
        Err("this server was started without an article stream".into())
    }

    /// Whether [`Backend::publish`] is implemented: `POST /api/articles` then publishes instead
    /// of storing, and answers 202 Accepted.
    fn publishes(&self) -> bool {
        false
    }

    /// How outlets covered an event (shared facts, disagreements, summary); `Ok(None)` for an
    /// unknown event. The server keeps each answer until an article joins the event, so it must
    /// depend on the event's articles alone.
    fn coverage(&self, _store: &Store, _event: EventId) -> Result<Option<serde_json::Value>, BoxError> {
        Err("coverage is not available".into())
    }

    /// Whether [`Backend::coverage`] is implemented.
    fn has_coverage(&self) -> bool {
        false
    }

    /// Country outlines for the web page's maps, as a JSON array of `{name, path}` (SVG path
    /// data, x = longitude + 180 and y = 90 − latitude, in degrees); `None` when not installed
    /// (the page then draws a bare graticule).
    fn country_outlines(&self) -> Option<Arc<String>> {
        None
    }

    /// A storyline's dated summary (what happened on its most reported days, as an array of
    /// days); `Ok(None)` for an unknown storyline, or when this backend has no summariser (the
    /// API then serves the storyline's events alone).
    fn storyline_summary(&self, _store: &Store, _storyline: i64) -> Result<Option<serde_json::Value>, BoxError> {
        Ok(None)
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
    #[error(
        "refusing to serve on {addr} without write tokens: anyone who can reach it could write to the store; \
         give --token-file, or listen on a loopback address such as 127.0.0.1"
    )]
    Unprotected { addr: SocketAddr },
    #[error("a write token has {chars} characters; use at least {MIN_TOKEN_CHARS} so it cannot be guessed")]
    WeakToken { chars: usize },
    #[error("cannot read write tokens from {}: {problem}", path.display())]
    TokenFile { path: PathBuf, problem: String },
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
    options: Arc<ServeOptions>,
    metrics: Arc<ops::Metrics>,
}

struct Inner {
    readers: Vec<Mutex<Store>>,
    next_reader: AtomicUsize,
    writer: Mutex<Store>,
    /// Computed views (coverage) run here, one at a time, so they never hold the readers.
    views: Arc<tokio::sync::Mutex<Store>>,
    coverage: coverage::CoverageCache,
    /// Parsing uploaded pages is CPU work; at most one per core runs at once, however many
    /// requests have given up waiting for theirs.
    parsers: Arc<tokio::sync::Semaphore>,
    search: SearchIndex,
    backend: Arc<dyn Backend>,
    db_path: PathBuf,
}

impl AppState {
    /// Opens the store at `db_path` (creating it if needed) and its search index beside it, and
    /// brings the index up to date with the store. Serves with the default [`ServeOptions`]
    /// (loopback, no tokens) until [`AppState::with_options`] says otherwise.
    pub fn open(db_path: &Path, backend: Arc<dyn Backend>) -> Result<AppState, ServerError> {
        let writer = open_store(db_path)?;
        let readers = (0..READERS).map(|_| open_store(db_path).map(Mutex::new)).collect::<Result<Vec<_>, _>>()?;
        let views = Arc::new(tokio::sync::Mutex::new(open_store(db_path)?));
        let search = SearchIndex::open(&storyline_search::index_dir_for(db_path))?;
        let added = search.sync(&writer)?;
        if added > 0 {
            tracing::info!(added, "search index brought up to date");
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Ok(AppState {
            inner: Arc::new(Inner {
                readers,
                next_reader: AtomicUsize::new(0),
                writer: Mutex::new(writer),
                views,
                coverage: coverage::CoverageCache::default(),
                parsers: Arc::new(tokio::sync::Semaphore::new(cores)),
                search,
                backend,
                db_path: db_path.to_path_buf(),
            }),
            options: Arc::new(ServeOptions::default()),
            metrics: Arc::default(),
        })
    }

    /// The same state served with `options` (tokens, allowed hosts, deadline).
    pub fn with_options(self, options: ServeOptions) -> AppState {
        AppState { options: Arc::new(options), ..self }
    }

    /// The store file this server reads.
    pub fn db_path(&self) -> &Path {
        &self.inner.db_path
    }

    pub(crate) fn options(&self) -> &ServeOptions {
        &self.options
    }

    /// Runs `f` with a read connection on a blocking thread: a free connection if there is one,
    /// else waits for one in turn. If the request is abandoned (its deadline passed, its client
    /// left) while it waits, `f` is not run.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Inner, &Store) -> Result<T, ApiError> + Send + 'static,
    {
        let inner = self.inner.clone();
        let abandoned = AbandonOnDrop::default();
        let flag = abandoned.flag();
        tokio::task::spawn_blocking(move || {
            let store = inner.reader()?;
            ensure_wanted(&flag)?;
            f(&inner, &store)
        })
        .await?
    }

    /// Runs `f` with the one write connection on a blocking thread; not at all if the request
    /// was abandoned while it waited for the connection.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Inner, &mut Store) -> Result<T, ApiError> + Send + 'static,
    {
        let inner = self.inner.clone();
        let abandoned = AbandonOnDrop::default();
        let flag = abandoned.flag();
        tokio::task::spawn_blocking(move || {
            let mut store = inner.writer.lock().map_err(|_| ApiError::internal("the store writer lock is poisoned"))?;
            ensure_wanted(&flag)?;
            f(&inner, &mut store)
        })
        .await?
    }

    /// Runs CPU work `f` (parsing an uploaded page) on a blocking thread, at most one per core
    /// at a time; not at all if the request was abandoned while it waited for its turn.
    pub(crate) async fn compute<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    {
        let permit = self.inner.parsers.clone().acquire_owned().await.map_err(ApiError::internal)?;
        tokio::task::spawn_blocking(move || {
            // Held until the work ends, even if the request has given up on it by then.
            let _permit = permit;
            f()
        })
        .await?
    }
}

/// Marks a request's blocking work as unwanted when the request's future is dropped: by the
/// deadline, or by the server when the client disconnects.
#[derive(Default)]
struct AbandonOnDrop(Arc<AtomicBool>);

impl AbandonOnDrop {
    fn flag(&self) -> Arc<AtomicBool> {
        self.0.clone()
    }
}

impl Drop for AbandonOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

fn ensure_wanted(abandoned: &AtomicBool) -> Result<(), ApiError> {
    if abandoned.load(Ordering::Relaxed) {
        return Err(ApiError::abandoned());
    }
    Ok(())
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

/// The whole application: the JSON API under `/api/`, `/openapi.json`, the web page, and what
/// operators ask for (`/healthz`, `/readyz`, `/metrics`).
pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .route("/", get(assets::page))
        .route("/event/{id}", get(assets::page))
        .route("/article/{id}", get(assets::page))
        .route("/storyline/{id}", get(assets::page))
        .route("/entity/{id}", get(assets::page))
        .route("/search", get(assets::page))
        .route("/assets/{name}", get(assets::asset));
    let deadline = state.options().request_timeout;
    // The last layer added runs first: errors get their JSON shape and headers, then the
    // deadline starts, then who is asking is checked, before any work.
    Router::new()
        .merge(api::routes(&state))
        .merge(pages)
        .route("/openapi.json", get(openapi::serve))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), ops::record))
        .fallback(api::no_route)
        .layer(axum::middleware::from_fn(middleware::etag))
        .layer(axum::middleware::from_fn_with_state(state.clone(), access::guard))
        .layer(axum::middleware::from_fn_with_state(deadline, middleware::deadline))
        .layer(axum::middleware::from_fn(middleware::json_errors))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Serves `state` on its address until Ctrl-C. Refuses to start on a non-loopback address
/// without write tokens. Prints the address it listens on (useful with port 0).
pub async fn serve(state: AppState) -> Result<(), ServerError> {
    let options = state.options().clone();
    options.check()?;
    let addr = options.addr;
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|source| ServerError::Bind { addr, source })?;
    let local = listener.local_addr()?;
    let writes = if options.tokens.is_empty() { "open to local clients" } else { "need a token" };
    println!(
        "storyline: serving {} on http://{local}/ (writes {writes})",
        storyline_store::redacted_location(&state.db_path().to_string_lossy())
    );
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

/// Opens the store at `location`: a SQLite file's path, or a PostgreSQL URL (given as a path).
fn open_store(location: &Path) -> Result<Store, storyline_store::StoreError> {
    Store::open_location(&location.to_string_lossy())
}

/// Opens the store and serves it with `options` on a fresh runtime: the blocking entry point
/// the CLI calls. Returns when the server stops.
pub fn run(db_path: &Path, backend: Arc<dyn Backend>, options: ServeOptions) -> Result<(), ServerError> {
    // Refused before the store is opened: the message should be the first thing the user sees.
    options.check()?;
    let state = AppState::open(db_path, backend)?.with_options(options);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(serve(state))
}

/// Brings the search index of the store at `db_path` up to date, or rebuilds it from scratch;
/// returns how many articles were indexed. Behind `storyline reindex`.
pub fn reindex(db_path: &Path, from_scratch: bool) -> Result<usize, ServerError> {
    let store = open_store(db_path)?;
    let index = SearchIndex::open(&storyline_search::index_dir_for(db_path))?;
    Ok(if from_scratch { index.rebuild(&store)? } else { index.sync(&store)? })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    struct ReadOnly;
    impl Backend for ReadOnly {}

    #[tokio::test]
    async fn read_work_given_up_while_waiting_for_a_connection_never_runs() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::open(&dir.path().join("storyline.db"), Arc::new(ReadOnly)).unwrap();
        // Every read connection busy, as under a slow query.
        let busy: Vec<_> = state.inner.readers.iter().map(|reader| reader.lock().unwrap()).collect();
        let ran = Arc::new(AtomicBool::new(false));
        let ran_in_task = ran.clone();
        let read = state.read(move |_, _| {
            ran_in_task.store(true, Ordering::SeqCst);
            Ok(())
        });
        // The request gives up (its deadline, or its client leaving, drops the future).
        assert!(tokio::time::timeout(Duration::from_millis(20), read).await.is_err());
        drop(busy);
        // The blocking task holds a handle on the state until it ends: wait for that.
        while Arc::strong_count(&state.inner) > 1 {
            tokio::task::yield_now().await;
        }
        assert!(!ran.load(Ordering::SeqCst), "the abandoned read ran");
        // A request that waits for its turn is served.
        let ran_in_task = ran.clone();
        let read = state.read(move |_, _| {
            ran_in_task.store(true, Ordering::SeqCst);
            Ok(())
        });
        read.await.unwrap();
        assert!(ran.load(Ordering::SeqCst));
    }
}
