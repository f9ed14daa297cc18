# Sourced by the scripts that test a running server (browser tests, schemathesis, load test):
# a scratch folder `$work` and a server on a free loopback port, both gone when the script exits.

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# start_server BIN DB: serves DB in the background and sets `url` to the address it reports.
start_server() {
    "$1" --db "$2" serve --addr 127.0.0.1:0 >"$work/serve.log" 2>&1 &
    server_pid=$!
    url=""
    for _ in $(seq 1 100); do
        url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/serve.log" | head -1 || true)
        [ -n "$url" ] && return
        kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; echo "the server did not start" >&2; exit 1; }
        sleep 0.1
    done
    cat "$work/serve.log" >&2
    echo "the server did not report its address" >&2
    exit 1
}
