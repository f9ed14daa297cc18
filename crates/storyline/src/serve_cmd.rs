//! `storyline serve` and `storyline reindex`: thin calls into storyline-server.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use clap::Args;
use storyline_pipeline::{watch_folder, ArticleSink, IngestOptions, ServerBackend, WatchOptions};
use storyline_server::ServeOptions;

use crate::stream_cmd::PublishArgs;

#[derive(Args)]
pub struct ServeArgs {
    /// The address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, env = "STORYLINE_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Also ingest every file that appears in this folder (and the files already there).
    #[arg(long)]
    watch: Option<PathBuf>,
    /// Writes (POST /api/articles) need `Authorization: Bearer <token>` with a token from this
    /// file (one per line, at least 16 characters; `#` starts a comment). Required to listen
    /// on an address other than loopback. Reads stay open.
    #[arg(long, env = "STORYLINE_TOKEN_FILE")]
    token_file: Option<PathBuf>,
    /// Also answer to this host name (the Host header), besides localhost and the server's IP
    /// addresses; other names are refused, against DNS rebinding. Repeatable.
    #[arg(long = "allowed-host", value_name = "NAME")]
    allowed_hosts: Vec<String>,
    /// Stop a request still running after this many seconds (answered 503).
    #[arg(long, env = "STORYLINE_REQUEST_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout: u64,
    // With --publish-to, `POST /api/articles` (and --watch) publish to the article stream: the
    // server answers 202 Accepted, and serves what `storyline consume` has stored.
    #[command(flatten)]
    publish: PublishArgs,
}

pub fn serve(db: &Path, args: ServeArgs) -> Result<()> {
    let tokens = args.token_file.as_deref().map(storyline_server::read_token_file).transpose()?.unwrap_or_default();
    let options = ServeOptions {
        addr: args.addr,
        tokens,
        allowed_hosts: args.allowed_hosts,
        request_timeout: Duration::from_secs(args.request_timeout),
    };
    // Before the watcher starts: an unsafe address is refused with nothing begun.
    options.check()?;
    let publisher = args.publish.connect()?;
    if let Some(dir) = args.watch {
        // The watcher writes through its own connection (or publishes); the server finds the
        // new articles in the store (and indexes them for search) at its next look.
        let mut store = match publisher {
            Some(_) => None,
            None => Some(crate::open_store(&db.to_string_lossy())?),
        };
        let publisher = publisher.clone();
        anyhow::ensure!(dir.is_dir(), "{} is not a folder", dir.display());
        std::thread::spawn(move || {
            let mut sink = match (&publisher, &mut store) {
                (Some(publisher), _) => ArticleSink::Stream(publisher),
                (None, Some(store)) => ArticleSink::Store(store),
                (None, None) => unreachable!("the store is opened when not publishing"),
            };
            // Stops with the process: an interrupted batch rolls back whole.
            let stop = AtomicBool::new(false);
            let result = watch_folder(
                &mut sink,
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
    let backend = ServerBackend { publisher, ..ServerBackend::default() };
    storyline_server::run(db, Arc::new(backend), options)?;
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
