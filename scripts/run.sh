#!/usr/bin/env bash
# The main job: set up, ingest a folder of articles and print its stories.
# Usage: scripts/run.sh [FOLDER] (default ../shared/seeds). The store is $STORYLINE_DB or ./storyline.db.
set -euo pipefail
cd "$(dirname "$0")/.."
folder="${1:-../shared/seeds}"
bash scripts/setup.sh
./target/release/storyline ingest "$folder"
./target/release/storyline stories
