#!/usr/bin/env bash
# End-to-end tests of the web page: ingests ../shared/seeds into a fresh store, starts
# `storyline serve` on a free loopback port, and drives headless Chromium through the pages
# (crates/storyline-server/browser/pages.test.mjs). Screenshots go to target/test-artifacts/.
# Skips, with a message, only when Chromium cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if ! command -v chromium >/dev/null 2>&1 || [ ! -d crates/storyline-server/browser/node_modules/playwright-core ]; then
    bash scripts/setup.d/70-browser.sh || true
fi
if ! command -v chromium >/dev/null 2>&1; then
    echo "SKIP browser tests: chromium is not installed and could not be installed (apt-get install chromium)" >&2
    exit 0
fi

seeds=${STORYLINE_SEEDS:-$root/../shared/seeds}
if [ ! -d "$seeds" ]; then
    echo "SKIP browser tests: no seed articles at $seeds" >&2
    exit 0
fi
bin=${STORYLINE_BIN:-}
if [ -z "$bin" ]; then
    cargo build --locked -p storyline --quiet
    bin=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/storyline
fi

source "$root/scripts/lib/serve.sh"

"$bin" --db "$work/storyline.db" ingest "$seeds" >/dev/null
start_server "$bin" "$work/storyline.db"
echo "browser tests against $url" >&2

mkdir -p target/test-artifacts
cd crates/storyline-server/browser
STORYLINE_URL="$url" ARTIFACTS="$root/target/test-artifacts" node --test --test-concurrency=1 pages.test.mjs
