//! A PostgreSQL database made for one run — a test, a benchmark — on a server the caller names,
//! and dropped when the run is over, so runs never see each other's rows.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{redacted_location, Result, StoreError};

/// A fresh database on a PostgreSQL server, dropped (with its connections) when this is dropped.
pub struct ScratchDatabase {
    server: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    /// Creates database `storyline_{tag}_{process}_{n}` on the server at `server` (a URL of any
    /// database there that the user may create databases from, e.g. `postgres://me@host/postgres`).
    pub fn create(server: &str, tag: &str) -> Result<ScratchDatabase> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("storyline_{tag}_{}_{n}", std::process::id());
        let connect_error =
            |e: postgres::Error| StoreError::Connect { location: redacted_location(server), reason: e.to_string() };
        let mut client = postgres::Client::connect(server, postgres::NoTls).map_err(connect_error)?;
        // A name left by an earlier process of the same id that died before dropping it. (One
        // statement per call: neither may run inside the implicit transaction of a multi-statement string.)
        client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
        client.batch_execute(&format!("CREATE DATABASE {name}"))?;
        let base = server.split('?').next().unwrap_or(server);
        let base = base.rsplit_once('/').map_or(base, |(base, _)| base);
        Ok(ScratchDatabase { url: format!("{base}/{name}"), server: server.to_string(), name })
    }

    /// The new database's URL, for [`crate::Store::open_location`].
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.server, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}
