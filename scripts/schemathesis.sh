#!/usr/bin/env bash
# Property-based tests of the HTTP API against its own OpenAPI document (schemathesis): every
# operation gets generated requests, valid and invalid, and every answer must match the document
# (status codes, content types, schemas), invalid input must be refused with 4xx, and nothing
# may answer 5xx. Installs schemathesis into a virtual environment under target/ (once), ingests
# ../shared/seeds into a fresh store, serves it on a free loopback port, runs 30 examples per
# operation (bounded in time), and stops the server. Not part of the test suite: it takes
# minutes. Exits non-zero when schemathesis finds a failure.
#
#   scripts/schemathesis.sh                      # build (release) and run
#   STORYLINE_BIN=path/to/storyline scripts/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

venv=target/schemathesis-venv
if [ ! -x "$venv/bin/st" ]; then
    echo "installing schemathesis into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis>=4.32,<5'
fi

seeds=${STORYLINE_SEEDS:-$root/../shared/seeds}
[ -d "$seeds" ] || { echo "no seed articles at $seeds" >&2; exit 1; }
bin=${STORYLINE_BIN:-}
if [ -z "$bin" ]; then
    cargo build --locked --release -p storyline --quiet
    bin=$root/target/release/storyline
fi

source "$root/scripts/lib/serve.sh"

"$bin" --db "$work/storyline.db" ingest --model none "$seeds" >/dev/null
start_server "$bin" "$work/storyline.db"
echo "schemathesis against $url/openapi.json" >&2

# Ingest may refuse a well-formed body that holds no article (no text once the web clutter is
# removed, or a page with no text at all): 422 is its documented answer there, not a failure.
cat >"$work/schemathesis.toml" <<'EOF'
[[operations]]
include-path = "/api/articles"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
EOF

status=0
# Every check, 30 examples per operation and phase; the seed keeps runs comparable, and the
# time limit bounds a slow machine.
# Run from the scratch folder: schemathesis keeps a cache in the current directory.
(cd "$work" && timeout "${SCHEMATHESIS_TIMEOUT:-1200}" "$root/$venv/bin/st" --config-file "$work/schemathesis.toml" run "$url/openapi.json" \
    --checks all \
    --max-examples 30 \
    --seed "${SCHEMATHESIS_SEED:-20}" \
    --workers 2 \
    --request-timeout 60 \
    --generation-database none \
    --no-color) || status=$?
if grep -q 'ERROR' "$work/serve.log"; then
    echo "the server logged errors:" >&2
    grep 'ERROR' "$work/serve.log" | head -20 >&2
    status=1
fi
exit "$status"
