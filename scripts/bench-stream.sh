#!/usr/bin/env bash
# Ingest throughput past one machine, on the same files: `storyline ingest` into SQLite and into
# PostgreSQL, then the stream (NATS JetStream) with 1, 2 and 3 workers and one `consume` writing
# PostgreSQL; and the one writer alone (`consume` of articles already prepared), whose rate is
# what a deployment cannot exceed without partitioning. Outside the test suite; figures in
# docs/PERFORMANCE.md.
#
#   CORPUS=../shared/eval/timelines/fr MODEL=none scripts/bench-stream.sh
#
# Starts its own PostgreSQL and nats-server on loopback (scripts/services.sh) and stops them.
# MODEL is the embedding model (`none`: words only); names and coded events are found when
# models/ holds the taggers, as in `storyline ingest`.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus=${CORPUS:-../shared/eval/timelines/fr}
model=${MODEL:-none}
bin=target/release/storyline
[[ -x $bin ]] || cargo build --release --locked -p storyline

bash scripts/services.sh install
services=$(bash scripts/services.sh start)
work=$(mktemp -d)
trap 'bash scripts/services.sh stop "$services"; rm -rf "$work"' EXIT
# shellcheck source=/dev/null
source "$services/env"
pg_base=${STORYLINE_TEST_POSTGRES%/*}

fresh_postgres() { # a new, empty database's URL (called in a subshell: the count lives in a file)
    local run
    run=$(($(cat "$work/runs" 2>/dev/null || echo 0) + 1))
    echo "$run" >"$work/runs"
    psql -q "$STORYLINE_TEST_POSTGRES" -c "CREATE DATABASE bench_$run" >/dev/null
    echo "$pg_base/bench_$run"
}

seconds_of() { # command… → wall seconds on stdout, the command's output in $work/out
    local start end
    start=$(date +%s.%N)
    "$@" >"$work/out" 2>"$work/err" || { cat "$work/err" >&2; return 1; }
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

articles=$("$bin" --json dedup --summary "$corpus" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["articles"])' || true)
echo "corpus: $corpus (${articles:-?} articles), embedding model: $model, $(nproc) cores"
echo

row() { # label seconds store
    local stored
    if [[ $3 == postgres* ]]; then
        stored=$(psql -tAc "SELECT COUNT(*) FROM articles" "$3")
    else
        stored=$(sqlite3 "$3" "SELECT COUNT(*) FROM articles" 2>/dev/null || echo "?")
    fi
    printf '%-50s %8.2f s %8.1f articles/s  (%s stored)\n' "$1" "$2" "$(echo "scale=1; ${articles:-0} / $2" | bc)" "$stored"
}
# Idle time `worker` and `consume` wait out before they stop: long enough for a worker to load
# its models before the first article is prepared; subtracted from the times.
idle=${IDLE:-20}

s=$(seconds_of "$bin" --db "$work/sqlite.db" ingest --model "$model" "$corpus")
row "ingest → SQLite" "$s" "$work/sqlite.db"
pg=$(fresh_postgres)
s=$(seconds_of "$bin" --store "$pg" ingest --model "$model" "$corpus")
row "ingest → PostgreSQL" "$s" "$pg"

for workers in 1 2 3; do
    name="BENCH$workers"
    pg=$(fresh_postgres)
    start=$(date +%s.%N)
    "$bin" ingest --publish-to "$STORYLINE_TEST_NATS" --stream "$name" "$corpus" >/dev/null 2>"$work/publish.err" ||
        cat "$work/publish.err" >&2
    pids=()
    for _ in $(seq "$workers"); do
        "$bin" worker --nats "$STORYLINE_TEST_NATS" --stream "$name" --model "$model" --exit-when-idle "$idle" >/dev/null 2>&1 &
        pids+=($!)
    done
    "$bin" --store "$pg" consume --nats "$STORYLINE_TEST_NATS" --stream "$name" --model "$model" \
        --exit-when-idle "$idle" >/dev/null 2>"$work/consume.err" || cat "$work/consume.err" >&2
    end=$(date +%s.%N)
    wait "${pids[@]}"
    row "publish + $workers worker(s) + consume → PostgreSQL" "$(echo "$end - $start - $idle" | bc)" "$pg"
done

# The one writer alone: everything prepared before it starts.
for target in sqlite postgres; do
    name="WRITER_$target"
    "$bin" ingest --publish-to "$STORYLINE_TEST_NATS" --stream "$name" "$corpus" >/dev/null 2>&1
    "$bin" worker --nats "$STORYLINE_TEST_NATS" --stream "$name" --model "$model" --exit-when-idle 3 >/dev/null 2>&1
    if [[ $target == sqlite ]]; then store="$work/writer.db"; else store=$(fresh_postgres); fi
    s=$(seconds_of "$bin" --store "$store" consume --nats "$STORYLINE_TEST_NATS" --stream "$name" --model "$model" \
        --exit-when-idle "$idle")
    row "consume alone (prepared) → $target" "$(echo "$s - $idle" | bc)" "$store"
done
