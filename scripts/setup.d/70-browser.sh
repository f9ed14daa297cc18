#!/usr/bin/env bash
# Installs what the browser tests need: Debian's Chromium and the Playwright driver library
# (playwright-core only: it drives the system Chromium and downloads no browser of its own).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v chromium >/dev/null 2>&1; then
    echo "installing chromium" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
if ! command -v wrk >/dev/null 2>&1; then
    # The load test (scripts/bench-serve.sh) uses it; failing to get it only skips that script.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 || echo "wrk not installed" >&2
fi
browser=crates/storyline-server/browser
if [ ! -d "$browser/node_modules/playwright-core" ]; then
    (cd "$browser" && npm ci --no-audit --no-fund --loglevel=error)
fi
