#!/usr/bin/env bash
# Sentence embeddings: storyline's all-MiniLM-L6-v2 (`storyline bench embed --model minilm`, plain
# Rust) against the same model files run by onnxruntime from Python
# (scripts/peers/minilm_onnx.py), alternating on the same sentences (the first SENTENCES
# sentences of the STS22 pairs), on THREADS threads each (default: 1, then 2), ROUNDS times.
# Reports sentences/s of each, the ratio, and the cosine between the two runtimes' vectors of
# each sentence (≈ 1 when they run the same model the same way).
set -euo pipefail
cd "$(dirname "$0")/../.."
sentences=${SENTENCES:-1000}
rounds=${ROUNDS:-2}
threads=${THREADS:-1 2}
pairs=${PAIRS:-../shared/eval/sts22/train.csv}
models=${STORYLINE_MODELS:-models}
bin=${STORYLINE_BIN:-target/release/storyline}
[ -x "$bin" ] || cargo build --release --locked -p storyline --quiet
[ -s "$models/minilm/model.safetensors" ] || { echo "minilm is not installed in $models (scripts/setup.d/20-models.sh)" >&2; exit 1; }
venv=target/embed-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import onnxruntime, onnx, tokenizers, safetensors' 2>/dev/null ||
    "$venv/bin/pip" install -q onnxruntime==1.31.1 onnx==1.23.2 tokenizers==0.23.3 safetensors==0.8.0 numpy==2.4.6
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "embedding $sentences sentences of $pairs with all-MiniLM-L6-v2, $rounds rounds alternating"
for round in $(seq "$rounds"); do
    for n in $threads; do
        RAYON_NUM_THREADS=$n "$bin" --json bench embed --models "$models" --model minilm --no-eval \
            --pairs "$pairs" --sentences "$sentences" --write-vectors "$work/storyline.jsonl" > "$work/storyline.json"
        RAYON_NUM_THREADS=$n OMP_NUM_THREADS=$n "$venv/bin/python" scripts/peers/minilm_onnx.py \
            "$models/minilm" "$work/storyline.jsonl" "$n" > "$work/onnx.json"
        python3 - "$work" "$round" "$n" <<'PY'
import json, sys
work, round_, n = sys.argv[1:]
(st,) = json.load(open(f"{work}/storyline.json"))
ox = json.load(open(f"{work}/onnx.json"))
print(f"round {round_}, {n} thread(s): storyline {st['sentences_per_second']:.0f} sentences/s | "
      f"onnxruntime {ox['onnxruntime']} {ox['sentences_per_second']:.0f} sentences/s | "
      f"ratio {st['sentences_per_second'] / ox['sentences_per_second']:.2f}x | "
      f"cosine of the two vectors: mean {ox['cosine_mean']:.6f}, min {ox['cosine_min']:.6f} ({ox['sentences']} sentences)")
PY
    done
done
