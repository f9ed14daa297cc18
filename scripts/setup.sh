#!/usr/bin/env bash
# Installs everything storyline needs on a fresh machine and builds it. Safe to run again: each
# step skips work that is already done. Steps live in scripts/setup.d/, run in name order.
set -euo pipefail
cd "$(dirname "$0")/.."
for step in scripts/setup.d/*.sh; do
    echo "==> ${step#scripts/setup.d/}" >&2
    bash "$step"
done
