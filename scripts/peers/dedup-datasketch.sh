#!/usr/bin/env bash
# Duplicate detection alone: `storyline dedup` against datasketch's MinHash + MinHashLSH (same word
# 5-shingles, 100 permutations, threshold 0.8; scripts/peers/datasketch_dedup.py), alternating on
# the same files, ROUNDS times each. Files: the synthetic stream (`storyline bench corpus`,
# ARTICLES articles, 3 % exact copies and 2 % republications), or CORPUS (a folder of JSON Lines).
# Reports wall time, processor time and peak memory of each whole process, docs/s, the ratio, and
# which of the pairs datasketch finds storyline finds too.
set -euo pipefail
cd "$(dirname "$0")/../.."
articles=${ARTICLES:-20000}
rounds=${ROUNDS:-2}
bin=${STORYLINE_BIN:-target/release/storyline}
[ -x "$bin" ] || cargo build --release --locked -p storyline --quiet
venv=target/peers-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import datasketch' 2>/dev/null || "$venv/bin/pip" install -q datasketch==1.6.5
corpus=${CORPUS:-target/peers-corpus-$articles}
[ -d "$corpus" ] || "$bin" bench corpus "$corpus" --articles "$articles" 2>/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "dedup on $(cat "$corpus"/*.jsonl | wc -l) articles in $corpus, $rounds rounds alternating"
for round in $(seq "$rounds"); do
    /usr/bin/time -f "%e %M %U %S" -o "$work/storyline.time" "$bin" --json dedup "$corpus" > "$work/storyline.json" 2>/dev/null
    /usr/bin/time -f "%e %M %U %S" -o "$work/datasketch.time" "$venv/bin/python" scripts/peers/datasketch_dedup.py \
        "$work/datasketch.pairs" "$corpus"/*.jsonl > "$work/datasketch.json"
    python3 - "$work" "$round" <<'PY'
import json, sys
work, round_ = sys.argv[1], sys.argv[2]
st = json.load(open(f"{work}/storyline.json"))
ds = json.load(open(f"{work}/datasketch.json"))
st_wall, st_kb, st_user, st_sys = open(f"{work}/storyline.time").read().split()
ds_wall, ds_kb, ds_user, ds_sys = open(f"{work}/datasketch.time").read().split()
st_cpu, ds_cpu = float(st_user) + float(st_sys), float(ds_user) + float(ds_sys)
docs = st["articles"]
st_rate, ds_rate = docs / float(st_wall), ds["docs"] / float(ds_wall)
found = {frozenset((p["original"], p["copy"])) for p in st["pairs"]}
theirs = [frozenset(l.rstrip("\n").split("\t")) for l in open(f"{work}/datasketch.pairs")]
missed = [sorted(p) for p in theirs if p not in found]
print(f"round {round_}: storyline dedup {float(st_wall):.2f} s ({st_rate:.0f} docs/s, {st_cpu:.2f} s of processor time, peak {int(st_kb)/1024:.0f} MB, "
      f"{len(found)} pairs: {st['by_kind']}) | datasketch {float(ds_wall):.2f} s ({ds_rate:.0f} docs/s whole process, {ds_cpu:.2f} s of processor time, "
      f"{ds['docs_per_second']:.0f} docs/s indexing and querying alone, peak {int(ds_kb)/1024:.0f} MB, {len(theirs)} pairs) | "
      f"ratio {st_rate/ds_rate:.1f}x ({st_rate/ds['docs_per_second']:.1f}x vs its core; processor time {ds_cpu/st_cpu:.1f}x less) | "
      f"datasketch pairs storyline also finds: {len(theirs)-len(missed)}/{len(theirs)}")
for p in missed[:5]:
    print("  missed:", *p)
PY
done
