#!/usr/bin/env bash
# Runs every test of the project. The set-up comes first (gazetteer data, embedding model, the
# release build, the NER model trained from ../shared/eval/ner, Chromium), so the tests that use
# them run for real. Tests run in the release profile to reuse that one build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --workspace --release --locked
# End-to-end tests of the web page in headless Chromium (skips only if Chromium cannot be installed).
STORYLINE_BIN="$(pwd)/target/release/storyline" bash scripts/browser-test.sh
