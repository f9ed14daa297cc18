//! Watching a folder: files that appear (or change) in it are ingested (or published to the
//! article stream) once they are whole.
//!
//! File-system events arrive while a file is still being written, so a file is read only after
//! its size and modification time have stayed the same for a settling period. Files ingest
//! cannot read (a store file in the same folder, editors' swap files, partial downloads) are
//! ignored, so the watcher never chases its own writes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use crate::{ArticleSink, IngestOptions, IngestReport};
use anyhow::{Context, Result};
use notify::{EventKind, RecursiveMode, Watcher};
use serde::Serialize;

/// How the watcher waits.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// A file is read once its size and modification time have not changed for this long.
    pub settle: Duration,
    /// How often pending files are checked and the stop flag is looked at.
    pub tick: Duration,
    /// Ingest what is already in the folder before watching (re-ingesting stored files adds nothing).
    pub initial_scan: bool,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions { settle: Duration::from_secs(1), tick: Duration::from_millis(200), initial_scan: true }
    }
}

/// One ingest the watcher ran.
#[derive(Debug, Clone, Serialize)]
pub struct WatchBatch {
    /// The files (or, for the initial scan, the folder) ingested.
    pub paths: Vec<PathBuf>,
    pub report: IngestReport,
}

/// A file seen changing, and what it looked like when last checked.
struct PendingFile {
    size: Option<u64>,
    modified: Option<SystemTime>,
    changed_at: Instant,
}

/// Watches `dir` (recursively) and sends files' articles to `sink` as they appear, until `stop`
/// is set. Each batch is reported to `on_batch` once it is safe (committed, or published).
pub fn watch_folder(
    sink: &mut ArticleSink,
    dir: &Path,
    options: &IngestOptions,
    watch: &WatchOptions,
    stop: &AtomicBool,
    on_batch: &mut dyn FnMut(&WatchBatch),
) -> Result<()> {
    anyhow::ensure!(dir.is_dir(), "{} is not a folder", dir.display());
    // Changed files are ingested one by one: each must still keep inside the watched folder.
    let mut options = options.clone();
    options.discovery.within = Some(dir.to_path_buf());
    let options = &options;
    let (sender, events) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // The receiver is gone only when the watch is over.
        let _ = sender.send(event);
    })
    .context("starting the file watcher")?;
    // Watch before the initial scan, so a file written during the scan is not missed.
    watcher.watch(dir, RecursiveMode::Recursive).with_context(|| format!("watching {}", dir.display()))?;

    if watch.initial_scan {
        let report = sink.send_files(&[dir.to_path_buf()], options, &|_| {})?;
        on_batch(&WatchBatch { paths: vec![dir.to_path_buf()], report });
    }

    let mut pending: HashMap<PathBuf, PendingFile> = HashMap::new();
    while !stop.load(Ordering::Relaxed) {
        match events.recv_timeout(watch.tick) {
            Ok(Ok(event)) => {
                if matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_)) {
                    for path in event.paths.into_iter().filter(|path| wanted(path)) {
                        let (size, modified) = stat(&path);
                        pending.insert(path, PendingFile { size, modified, changed_at: Instant::now() });
                    }
                }
                // Drain what else has arrived before checking for settled files.
                continue;
            }
            Ok(Err(error)) => tracing::warn!(%error, "file watcher error"),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => anyhow::bail!("the file watcher stopped"),
        }
        let ready = settled(&mut pending, watch.settle);
        if !ready.is_empty() {
            let report = sink.send_files(&ready, options, &|_| {})?;
            on_batch(&WatchBatch { paths: ready, report });
        }
    }
    Ok(())
}

/// Removes and returns (sorted) the pending files that stopped changing; forgets vanished ones.
fn settled(pending: &mut HashMap<PathBuf, PendingFile>, settle: Duration) -> Vec<PathBuf> {
    let now = Instant::now();
    let mut ready = Vec::new();
    pending.retain(|path, file| {
        if !path.exists() {
            return false;
        }
        let (size, modified) = stat(path);
        if (size, modified) != (file.size, file.modified) {
            *file = PendingFile { size, modified, changed_at: now };
            return true;
        }
        if now.duration_since(file.changed_at) >= settle {
            ready.push(path.clone());
            return false;
        }
        true
    });
    ready.sort();
    ready
}

fn stat(path: &Path) -> (Option<u64>, Option<SystemTime>) {
    match std::fs::metadata(path) {
        Ok(metadata) => (Some(metadata.len()), metadata.modified().ok()),
        Err(_) => (None, None),
    }
}

/// Suffixes of files still being written by some other program.
const PARTIAL_SUFFIXES: &[&str] = &[".part", ".partial", ".crdownload", ".download", ".tmp", ".swp", "~"];

/// Whether a changed path is worth ingesting: not hidden, not a partial download, and (for a
/// file) of a kind ingest reads.
fn wanted(path: &Path) -> bool {
    let Some(name) = path.file_name().map(|name| name.to_string_lossy().to_lowercase()) else {
        return false;
    };
    if name.starts_with('.') || PARTIAL_SUFFIXES.iter().any(|suffix| name.ends_with(suffix)) {
        return false;
    }
    path.is_dir() || storyline_ingest::classify(path).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wanted_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, want) in [
            ("a.txt", true),
            ("b.html", true),
            ("c.warc.gz", true),
            ("storyline.db", false),
            ("storyline.db-wal", false),
            (".a.txt.swp", false),
            ("d.html.part", false),
            ("e.txt~", false),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, "x").expect("write");
            assert_eq!(wanted(&path), want, "{name}");
        }
        let folder = dir.path().join("arrivals");
        std::fs::create_dir(&folder).expect("mkdir");
        assert!(wanted(&folder), "a new folder is ingested whole");
    }

    #[test]
    fn files_settle_before_they_are_ready() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "first part").expect("write");
        let (size, modified) = stat(&path);
        let mut pending = HashMap::new();
        pending.insert(path.clone(), PendingFile { size, modified, changed_at: Instant::now() });
        assert!(settled(&mut pending, Duration::from_millis(50)).is_empty(), "just written");
        // It grows: the settling period starts again.
        std::fs::write(&path, "first part, second part").expect("write");
        std::thread::sleep(Duration::from_millis(60));
        assert!(settled(&mut pending, Duration::from_millis(50)).is_empty(), "still growing");
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(settled(&mut pending, Duration::from_millis(50)), vec![path.clone()]);
        assert!(pending.is_empty());
        // A file deleted before it settles is forgotten.
        pending.insert(
            dir.path().join("gone.txt"),
            PendingFile { size: None, modified: None, changed_at: Instant::now() },
        );
        assert!(settled(&mut pending, Duration::ZERO).is_empty());
        assert!(pending.is_empty());
    }
}
