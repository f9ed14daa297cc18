#!/usr/bin/env bash
# Runs every test of the project. The set-up comes first (gazetteer data, embedding model, the
# release build, the NER model trained from ../shared/eval/ner, Chromium), so the tests that use
# them run for real. Tests run in the release profile to reuse that one build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# PostgreSQL and a NATS server with JetStream for the tests that use them (scripts/services.sh):
# installed when missing, started on 127.0.0.1 for this run, stopped when it ends. Without them,
# those tests say they are skipped.
if bash scripts/services.sh install && services_dir=$(bash scripts/services.sh start); then
    trap 'bash scripts/services.sh stop "$services_dir"' EXIT
    # shellcheck source=/dev/null
    source "$services_dir/env" # exports STORYLINE_TEST_POSTGRES and STORYLINE_TEST_NATS
else
    echo "test.sh: PostgreSQL or nats-server unavailable: the tests that need them are skipped" >&2
fi
cargo test --workspace --release --locked
# End-to-end tests of the web page in headless Chromium (skips only if Chromium cannot be installed).
STORYLINE_BIN="$(pwd)/target/release/storyline" bash scripts/browser-test.sh
