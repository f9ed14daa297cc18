//! What the integration tests share: the data beside the project (`../shared`), read at test time
//! and skipped with a note when absent, and the real `storyline` binary.
#![allow(dead_code)] // each test file uses some of these

pub mod site;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use assert_cmd::Command;
use serde_json::Value;

/// `../shared/RELATIVE` beside the project root when `present` (files under it that the test
/// needs) all exist; otherwise `None`, saying what is missing.
pub fn shared(relative: &str, present: &[&str]) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared").join(relative);
    if path.exists() && present.iter().all(|inner| path.join(inner).exists()) {
        Some(path)
    } else {
        eprintln!("skipping: {} not found", path.display());
        None
    }
}

/// The five seed articles.
pub fn seeds() -> Option<PathBuf> {
    shared("seeds", &[])
}

/// The models folder (`STORYLINE_MODELS`, else the project's `models/`) when the trained tagger
/// is in it; otherwise `None`, saying how to make it.
pub fn tagger_models() -> Option<PathBuf> {
    let models = std::env::var_os("STORYLINE_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models"));
    if models.join("ner.bin").exists() {
        Some(models)
    } else {
        eprintln!("skipping: {} not found; run scripts/setup.d/60-ner-model.sh", models.join("ner.bin").display());
        None
    }
}

/// The binary on the store `db` (whatever `STORYLINE_DB` says).
pub fn storyline(db: &Path) -> Command {
    let mut cmd = Command::cargo_bin("storyline").unwrap();
    cmd.arg("--db").arg(db).env_remove("STORYLINE_DB");
    cmd
}

/// Runs `cmd --json`, which must succeed, and parses what it prints.
pub fn json(cmd: &mut Command) -> Value {
    let output = cmd.arg("--json").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A models folder in `dir` with the entity tagger when this checkout has one (so entities are
/// extracted and resolved too) and no embedding model, which would make a test slow.
pub fn tagger_only_models(dir: &Path) -> PathBuf {
    let models = dir.join("models");
    std::fs::create_dir_all(&models).unwrap();
    let tagger = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/ner.bin");
    if tagger.is_file() {
        std::os::unix::fs::symlink(tagger.canonicalize().unwrap(), models.join("ner.bin")).unwrap();
    }
    models
}

/// The real binary on the store file `db` with the models in `models`, as a process to spawn.
pub fn storyline_process(db: &Path, models: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("storyline"));
    cmd.arg("--db").arg(db).env_remove("STORYLINE_DB").env("STORYLINE_MODELS", models);
    cmd
}

/// `storyline serve` on a free loopback port, killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
}

impl Server {
    /// Serves the store `db`, with `extra` arguments to `serve`.
    pub fn start(db: &Path, models: &Path, extra: &[&str]) -> Server {
        let mut child = storyline_process(db, models)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        // "storyline: serving DB on http://127.0.0.1:PORT/ (…)"
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let base = line
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .expect("the address the server prints")
            .trim_end_matches('/');
        Server { base: base.to_string(), child }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh database on the PostgreSQL test server (`STORYLINE_TEST_POSTGRES`), dropped at the
/// end; `None`, saying so, without one.
pub fn postgres_database(tag: &str) -> Option<storyline_store::ScratchDatabase> {
    let Ok(server) = std::env::var("STORYLINE_TEST_POSTGRES") else {
        eprintln!("skipped: STORYLINE_TEST_POSTGRES not set");
        return None;
    };
    Some(storyline_store::ScratchDatabase::create(&server, tag).expect("the test server answers"))
}
