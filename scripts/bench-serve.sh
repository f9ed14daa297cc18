#!/usr/bin/env bash
# Load test of `storyline serve` on loopback: requests per second and latency percentiles for the
# front page (the HTML shell and the events listing it draws from), an event page's data, and
# search. Bounded: each run is DURATION seconds (default 10) with CONNECTIONS connections
# (default 16) on 2 wrk threads, against 127.0.0.1 only.
#
# The store holds the seed articles plus the ML-Crisis Libya articles (es, fr) from ../shared/eval,
# about 330 articles, so listings and search work on more than a handful of documents. With
# STORE=PATH, an existing store is served instead (e.g. one `storyline bench growth --keep-store`
# made: the server at scale); its search index is built beside it first if missing. QUERY sets the
# search term (default Misrata); EVENT the event page measured (default the most recent event).
# The event's storyline page, the storylines listing, and (where the store has entities) the
# entity listing and the most mentioned entity's page are measured too.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
duration=${DURATION:-10}
connections=${CONNECTIONS:-16}

command -v wrk >/dev/null 2>&1 || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
bin=${STORYLINE_BIN:-}
if [ -z "$bin" ]; then
    cargo build --release --locked -p storyline --quiet
    bin=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/storyline
fi

source "$root/scripts/lib/serve.sh"

inputs=("$root/../shared/seeds")
for lang in es fr; do
    d="$root/../shared/eval/timelines/$lang/libya"
    [ -d "$d" ] && inputs+=("$d")
done
db=${STORE:-$work/storyline.db}
[ -n "${STORE:-}" ] || "$bin" --db "$db" ingest "${inputs[@]}" >/dev/null
[ -z "${STORE:-}" ] || [ -d "$db.search" ] || "$bin" --db "$db" reindex >/dev/null
query=${QUERY:-Misrata}
start_server "$bin" "$db"
articles=$(curl -s "$url/api/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["articles"])')
event=${EVENT:-$(curl -s "$url/api/events?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')}
storyline=$(curl -s "$url/api/events/$event" | python3 -c 'import json,sys; s=json.load(sys.stdin)["storyline"]; print(s["id"] if s else "")')
echo "store: $articles articles; server: $url; $duration s per run, $connections connections, 2 threads"
# Warm the search index and caches once.
curl -s "$url/api/search?q=$query" >/dev/null
entity=$(curl -s "$url/api/entities?limit=1" | python3 -c 'import json,sys; items=json.load(sys.stdin).get("items", []); print(items[0]["id"] if items else "")' 2>/dev/null || true)
paths=("/" "/api/events?limit=40" "/api/events/$event" "/api/storylines?limit=8")
[ -z "$storyline" ] || paths+=("/api/storylines/$storyline")
paths+=("/api/search?q=$query" "/api/search?q=Tripoli%20accord")
[ -z "$entity" ] || paths+=("/api/entities?limit=40" "/api/entities/$entity")
for path in "${paths[@]}"; do
    # Requests wrk gave up on (its timeout is 2 s) still run in the server: let them end before
    # the next path is measured.
    sleep 2
    out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency "$url$path")
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
    printf '%-32s %10s req/s   p50 %-9s p99 %-9s %s\n' "$path" "$rps" "$p50" "$p99" "$errors"
done
