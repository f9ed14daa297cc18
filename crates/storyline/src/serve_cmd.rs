//! `storyline serve` and `storyline reindex`: thin calls into storyline-server.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;
use storyline::{watch_folder, IngestOptions, ServerBackend, WatchOptions};
use storyline_store::Store;

#[derive(Args)]
pub struct ServeArgs {
    /// The address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, env = "STORYLINE_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Also ingest every file that appears in this folder (and the files already there).
    #[arg(long)]
    watch: Option<PathBuf>,
}

pub fn serve(db: &Path, args: ServeArgs) -> Result<()> {
    if let Some(dir) = args.watch {
        // The watcher writes through its own connection; the server finds the new articles in
        // the store (and indexes them for search) at its next look.
        let mut store = Store::open(db).with_context(|| format!("opening the store {}", db.display()))?;
        anyhow::ensure!(dir.is_dir(), "{} is not a folder", dir.display());
        std::thread::spawn(move || {
            // Stops with the process: an interrupted batch rolls back whole.
            let stop = AtomicBool::new(false);
            let result = watch_folder(
                &mut store,
                &dir,
                &IngestOptions::default(),
                &WatchOptions::default(),
                &stop,
                &mut |batch| {
                    eprintln!("watch: {} new articles from {} paths", batch.report.new, batch.paths.len());
                },
            );
            if let Err(error) = result {
                eprintln!("error: watching {}: {error:#}", dir.display());
            }
        });
    }
    storyline_server::run(args.addr, db, Arc::new(ServerBackend::default()))?;
    Ok(())
}

/// Brings the search index up to date, or rebuilds it.
pub fn reindex(db: &Path, from_scratch: bool, json: bool) -> Result<()> {
    let indexed = storyline_server::reindex(db, from_scratch)?;
    if json {
        println!("{}", serde_json::json!({ "indexed": indexed, "from_scratch": from_scratch }));
    } else {
        println!("indexed {indexed} articles");
    }
    Ok(())
}
