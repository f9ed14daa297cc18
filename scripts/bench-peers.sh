#!/usr/bin/env bash
# storyline beside the tools users would otherwise reach for: runs every scripts/peers/*.sh in
# turn (each alternates storyline and its peer on the same inputs and prints ratios). Peers'
# Python packages go into virtual environments under target/, installed by name and version.
# Measure on a quiet machine, or say it was shared.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for peer in scripts/peers/*.sh; do
    echo "== $(basename "$peer" .sh)"
    bash "$peer" || { echo "   $peer failed" >&2; status=1; }
done
exit $status
