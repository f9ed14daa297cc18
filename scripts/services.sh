#!/usr/bin/env bash
# The real services the tests run against: PostgreSQL and a NATS server with JetStream, both
# from Debian packages, both listening on 127.0.0.1 only, both living in one temporary folder.
#
#   scripts/services.sh install               installs postgresql and nats-server when missing
#   scripts/services.sh start [DIR]           starts both; prints DIR, whose file DIR/env exports
#                                             STORYLINE_TEST_POSTGRES and STORYLINE_TEST_NATS
#   scripts/services.sh stop DIR              stops both and removes DIR
#   scripts/services.sh cluster DIR PORT      starts a three-node JetStream cluster: clients on
#                                             PORT, PORT+1, PORT+2, routes on PORT+10..PORT+12;
#                                             DIR/env exports STORYLINE_TEST_NATS_CLUSTER (three URLs)
#   scripts/services.sh cluster-stop DIR      stops the cluster and removes DIR
#
# Messages go to stderr; stdout carries only what a caller reads (the folder).
set -euo pipefail

say() { echo "services: $*" >&2; }

postgres_bin() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            echo "$dir"
        fi
    done | sort -V | tail -n 1
}

have_postgres() { [[ -n "$(postgres_bin)" ]]; }
have_nats() { command -v nats-server >/dev/null 2>&1; }

install() {
    local missing=()
    have_postgres || missing+=(postgresql)
    have_nats || missing+=(nats-server)
    if ((${#missing[@]} == 0)); then
        return 0
    fi
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        else
            say "cannot install ${missing[*]}: not root and no password-less sudo"
            return 1
        fi
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        say "cannot install ${missing[*]}: no apt-get (install them by hand)"
        return 1
    fi
    say "installing ${missing[*]}"
    local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get)
    # Installing starts no service here: the packages' own units are left alone, the tests start
    # their own servers. The package lists may be stale or absent (a fresh container): update once.
    if ! "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >&2; then
        "${apt[@]}" update >&2 || true
        if ! "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >&2; then
            say "cannot install ${missing[*]} with apt-get"
            return 1
        fi
    fi
    have_postgres && have_nats
}

# A TCP port on 127.0.0.1 that nothing listens on now, from the range given.
free_port() {
    local from=$1 to=$2 port tries
    for tries in $(seq 1 200); do
        port=$((from + RANDOM % (to - from)))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    say "no free port between $from and $to"
    return 1
}

wait_for_port() {
    local port=$1 what=$2 i
    for i in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    say "$what did not start listening on 127.0.0.1:$port"
    return 1
}

# Runs a command as the unprivileged user that owns the PostgreSQL data (initdb and postgres
# refuse to run as root); as anyone else, runs it as is.
as_postgres_user() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u "$PG_USER" -- "$@"
    else
        "$@"
    fi
}

pick_postgres_user() {
    PG_USER=$(id -un)
    if [[ $(id -u) -eq 0 ]]; then
        if id postgres >/dev/null 2>&1; then
            PG_USER=postgres # made by the Debian package
        else
            PG_USER=nobody
        fi
    fi
}

start_postgres() {
    local dir=$1 bin port
    bin=$(postgres_bin)
    pick_postgres_user
    mkdir -p "$dir/postgres" "$dir/postgres-socket"
    if [[ $(id -u) -eq 0 ]]; then
        chown "$PG_USER" "$dir/postgres" "$dir/postgres-socket"
        # The user must be able to reach the folder (mktemp makes it 0700).
        chmod 755 "$dir"
    fi
    chmod 700 "$dir/postgres"
    as_postgres_user "$bin/initdb" -D "$dir/postgres/data" -U storyline --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 >"$dir/postgres/initdb.log" 2>&1 || {
        say "initdb failed:"
        cat "$dir/postgres/initdb.log" >&2
        return 1
    }
    port=$(free_port 15432 16432)
    # Tests need no durability: fsync off makes each test's schema set-up fast.
    as_postgres_user "$bin/pg_ctl" -D "$dir/postgres/data" -l "$dir/postgres/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/postgres-socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || {
        say "PostgreSQL did not start:"
        cat "$dir/postgres/server.log" >&2
        return 1
    }
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U storyline storyline
    echo "$bin" >"$dir/postgres/bin"
    echo "export STORYLINE_TEST_POSTGRES=postgres://storyline@127.0.0.1:$port/storyline" >>"$dir/env"
    say "PostgreSQL on 127.0.0.1:$port (data in $dir/postgres)"
}

# Writes one nats-server configuration: JetStream on, 127.0.0.1 only, 8 MB messages (a raw page
# of an article can be large; the default is 1 MB).
nats_config() {
    local file=$1 name=$2 port=$3 store=$4 cluster_port=${5:-} routes=${6:-}
    {
        echo "server_name: $name"
        echo "listen: 127.0.0.1:$port"
        echo "max_payload: 8MB"
        echo "jetstream { store_dir: \"$store\" }"
        if [[ -n $cluster_port ]]; then
            echo "cluster { name: storyline-test, listen: 127.0.0.1:$cluster_port, routes: [$routes] }"
        fi
    } >"$file"
}

start_nats_node() {
    local dir=$1 name=$2 port=$3
    nohup nats-server -c "$dir/$name.conf" >"$dir/$name.log" 2>&1 &
    echo $! >"$dir/$name.pid"
    wait_for_port "$port" "nats-server $name" || {
        cat "$dir/$name.log" >&2
        return 1
    }
}

start_nats() {
    local dir=$1 port
    mkdir -p "$dir/nats"
    port=$(free_port 14222 15222)
    nats_config "$dir/nats.conf" storyline-test "$port" "$dir/nats/jetstream"
    start_nats_node "$dir" nats "$port"
    echo "export STORYLINE_TEST_NATS=nats://127.0.0.1:$port" >>"$dir/env"
    say "nats-server with JetStream on 127.0.0.1:$port"
}

stop_pid_file() {
    local file=$1 pid i
    [[ -f $file ]] || return 0
    pid=$(cat "$file")
    if kill "$pid" 2>/dev/null; then
        for i in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || return 0
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
}

start() {
    local dir=${1:-}
    if [[ -z $dir ]]; then
        dir=$(mktemp -d "${TMPDIR:-/tmp}/storyline-services.XXXXXX")
    else
        mkdir -p "$dir"
    fi
    : >"$dir/env"
    if ! have_postgres || ! have_nats; then
        say "PostgreSQL or nats-server is not installed (scripts/services.sh install)"
        rm -rf "$dir"
        return 1
    fi
    if ! start_postgres "$dir" || ! start_nats "$dir"; then
        stop "$dir"
        return 1
    fi
    echo "$dir"
}

stop() {
    local dir=${1:?the folder start printed}
    [[ -d $dir ]] || return 0
    if [[ -f $dir/postgres/bin && -d $dir/postgres/data ]]; then
        pick_postgres_user
        as_postgres_user "$(cat "$dir/postgres/bin")/pg_ctl" -D "$dir/postgres/data" -m immediate -w stop \
            >/dev/null 2>&1 || true
    fi
    stop_pid_file "$dir/nats.pid"
    rm -rf "$dir"
}

cluster() {
    local dir=${1:?a folder for the cluster} port=${2:?the first client port} i routes=""
    have_nats || {
        say "nats-server is not installed (scripts/services.sh install)"
        return 1
    }
    mkdir -p "$dir"
    for i in 0 1 2; do
        routes+="${routes:+, }nats-route://127.0.0.1:$((port + 10 + i))"
    done
    local urls=""
    for i in 0 1 2; do
        nats_config "$dir/n$i.conf" "n$i" $((port + i)) "$dir/n$i" $((port + 10 + i)) "$routes"
        start_nats_node "$dir" "n$i" $((port + i))
        urls+="${urls:+,}nats://127.0.0.1:$((port + i))"
    done
    echo "export STORYLINE_TEST_NATS_CLUSTER=$urls" >"$dir/env"
    say "three-node JetStream cluster on 127.0.0.1:$port-$((port + 2))"
    echo "$dir"
}

cluster_stop() {
    local dir=${1:?the cluster folder} i
    for i in 0 1 2; do
        stop_pid_file "$dir/n$i.pid"
    done
    rm -rf "$dir"
}

case "${1:-}" in
install) install ;;
start) start "${2:-}" ;;
stop) stop "${2:-}" ;;
cluster) cluster "${2:-}" "${3:-}" ;;
cluster-stop) cluster_stop "${2:-}" ;;
*)
    sed -n '2,14p' "$0" >&2
    exit 2
    ;;
esac
