#!/usr/bin/env bash
# Builds the storyline binary (release).
set -euo pipefail
cargo build --release --locked -p storyline
