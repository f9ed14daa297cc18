#!/usr/bin/env bash
# Installs the word-frequency lists that entity extraction reads into models/wordfreq/:
#   - wordfreq 3.1.1 (Python package registry; code Apache-2.0, word lists CC BY-SA 4.0): its
#     `small_LANG.msgpack.gz` lists for the languages written in Arabic and Cyrillic script.
# Why: GeoNames gives towns alternate names in those scripts that are everyday words (Arabic كان
# "was" is a name of Cannes, Russian Они "they" of Osny), and Arabic has no capitals to tell a
# name from a word; the gazetteer refuses a frequent word as the name of a small town.
# The files are kept as the package ships them (gzip of MessagePack, wordfreq's "cBpack": a
# header, then lists of words, most frequent first); storyline reads them itself. Idempotent: an
# existing file is kept, and the package is fetched only when one is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
dest=models/wordfreq
languages=(ar fa ur ru uk bg mk)
mkdir -p "$dest"
missing=0
for lang in "${languages[@]}"; do
  [[ -s "$dest/small_$lang.msgpack.gz" ]] || missing=1
done
if [[ $missing -eq 0 ]]; then
  echo "wordfreq: lists already in $dest"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: -d "$work" wordfreq==3.1.1
# Unpack with Python's zipfile: `unzip` is not on every machine.
python3 - "$work" "$dest" "${languages[@]}" <<'PY'
import glob, os, shutil, sys, zipfile
work, dest, languages = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(glob.glob(os.path.join(work, "wordfreq-*.whl"))[0]) as zf:
    names = set(zf.namelist())
    for lang in languages:
        member = f"wordfreq/data/small_{lang}.msgpack.gz"
        if member not in names:
            print(f"wordfreq: no list for {lang} in the package", file=sys.stderr)
            continue
        target = os.path.join(dest, f"small_{lang}.msgpack.gz")
        with zf.open(member) as src, open(target + ".part", "wb") as out:
            shutil.copyfileobj(src, out)
        os.replace(target + ".part", target)  # atomic: no half file after an interruption
    licence = [n for n in names if n.endswith("LICENSE.txt")]
    if licence:
        with zf.open(licence[0]) as src, open(os.path.join(dest, "LICENSE.package"), "wb") as out:
            shutil.copyfileobj(src, out)
PY
echo "wordfreq: lists installed in $dest"
