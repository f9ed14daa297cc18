//! What the integration tests share: the data beside the project (`../shared`), read at test time
//! and skipped with a note when absent, and the real `storyline` binary.
#![allow(dead_code)] // each test file uses some of these

use std::path::{Path, PathBuf};

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
