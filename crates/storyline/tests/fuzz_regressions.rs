//! Replays every input the fuzzers ever crashed on (`fuzz/regressions/<target>/`, minimised) and
//! the fuzzers' seeds through the same functions the fuzz targets call, so a crash once fixed
//! stays fixed without cargo-fuzz or a nightly compiler. `scripts/fuzz.sh` adds new crashes.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

#[path = "../../../fuzz/src/lib.rs"]
mod fuzz_targets;

fn inputs(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else { return Vec::new() };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|entry| entry.path()).filter(|path| path.is_file()).collect();
    paths.sort();
    paths
}

#[test]
fn fuzz_regressions_and_seeds_do_not_panic() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut replayed = 0;
    let mut panicked = Vec::new();
    for (target, run) in fuzz_targets::TARGETS {
        let seeds = inputs(&fuzz.join("seeds").join(target));
        assert!(!seeds.is_empty(), "no seeds for {target}");
        for path in seeds.iter().chain(&inputs(&fuzz.join("regressions").join(target))) {
            let bytes = std::fs::read(path).expect("read input");
            replayed += 1;
            if catch_unwind(AssertUnwindSafe(|| run(&bytes))).is_err() {
                panicked.push(path.display().to_string());
            }
        }
    }
    assert!(panicked.is_empty(), "panicked on {panicked:?}");
    assert!(replayed >= fuzz_targets::TARGETS.len());
}
