#!/usr/bin/env bash
# Builds what entity extraction needs, under the git-ignored models/ folder:
#   - models/ner.bin: the named-entity tagger, trained on CoNLL-2003 English
#     (../shared/eval/ner/conll2003.train.txt) with the release binary built by 50-build.sh;
#   - models/ner/LANG.bin for de, es, fr, it, nl, pl, pt, ru: each language's own tagger, and
#     models/ner/xx.bin, the multilingual one for languages without their own, trained on the fit
#     parts of ../shared/eval/ner/{conll2002,wikiann,wikineural} (`storyline train-ner --lang`;
#     which corpora per language: docs/EVALUATION.md). Those trained on WikiNEuRal are for
#     non-commercial use only (CC BY-NC-SA 4.0), as each model file says (`train-ner --check`);
#   - models/entities/given-names.tsv: words that open person names and hardly any others, counted
#     on the fit parts of the same corpora (`storyline train-ner --given-names`);
#   - models/entities/places.tsv: country names and adjectives, and the names of cities of at
#     least 15,000 people in Latin, Arabic and Cyrillic script, derived from the GeoNames data
#     that 10-geonames.sh installs in models/geonames/ (skipped when that data is absent).
# Idempotent: a file already in place is kept (a model trained with another build's features, or
# a language's tagger trained on other data than its recipe now names, is trained again). STORYLINE_MODELS overrides the models folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
models="${STORYLINE_MODELS:-models}"
mkdir -p "$models/entities"

bin=./target/release/storyline
[[ -x "$bin" ]] || cargo build --release --locked -p storyline
if [[ -s "$models/ner.bin" ]] && "$bin" train-ner --check --out "$models/ner.bin" >/dev/null 2>&1; then
  echo "ner: model already in $models/ner.bin"
else
  [[ -s "$models/ner.bin" ]] && echo "ner: $models/ner.bin was trained with other features; training again"
  train=../shared/eval/ner/conll2003.train.txt
  if [[ ! -s "$train" ]]; then
    echo "ner: $train not found; entities will be skipped at ingest" >&2
  else
    "$bin" train-ner --train "$train" --out "$models/ner.bin.part"
    mv "$models/ner.bin.part" "$models/ner.bin"  # an interrupted run leaves no half model behind
  fi
fi

# The languages' taggers, two at a time (each trains on one thread). STORYLINE_NER_DATA overrides
# the corpora folder.
data="${STORYLINE_NER_DATA:-../shared/eval/ner}"
if [[ ! -d "$data/wikineural" || ! -d "$data/conll2002" || ! -d "$data/wikiann" ]]; then
  echo "ner: $data/{wikineural,conll2002,wikiann} not all found; other languages get the English tagger" >&2
else
  mkdir -p "$models/ner"
  todo=()
  for lang in de es fr it nl pl pt ru xx; do
    out="$models/ner/$lang.bin"
    if [[ -s "$out" ]] && "$bin" train-ner --check --lang "$lang" --data "$data" --out "$out" >/dev/null 2>&1; then
      echo "ner: $lang model already in $out"
    else
      todo+=("$lang")
    fi
  done
  if ((${#todo[@]})); then
    started=$SECONDS
    printf '%s\n' "${todo[@]}" | xargs -P 2 -I{} sh -c \
      '"$1" train-ner --lang "$2" --data "$3" --out "$4/ner/$2.bin.part" >/dev/null 2>"$4/ner/$2.log" && mv "$4/ner/$2.bin.part" "$4/ner/$2.bin" && rm -f "$4/ner/$2.log"' \
      _ "$bin" {} "$data" "$models" || {
      echo "ner: training failed; what it said:" >&2
      cat "$models"/ner/*.log >&2
      exit 1
    }
    echo "ner: trained ${todo[*]} in $((SECONDS - started)) s"
  fi
fi

# Given names (words that open person names and hardly any others), learnt from the same
# corpora's fit parts: entity extraction reads a name that opens with one as a person's.
given="$models/entities/given-names.tsv"
if [[ -s "$given" ]]; then
  echo "entities: given names already in $given"
elif [[ -d "$data" ]]; then
  "$bin" train-ner --given-names --data "$data" --out "$given.part"
  mv "$given.part" "$given"
fi

places="$models/entities/places.tsv"
geonames="$models/geonames"
if [[ -s "$places" ]]; then
  echo "entities: gazetteer already in $places"
elif [[ ! -s "$geonames/cities500.json" || ! -s "$geonames/countries.json" ]]; then
  echo "entities: $geonames not installed (10-geonames.sh); using the built-in country list" >&2
else
  python3 - "$geonames" "$places.part" <<'PY'
import glob, json, os, re, sys
src, out = sys.argv[1], sys.argv[2]
non_latin = re.compile(r"[\u0600-\u06FF\u0400-\u04FF]")   # Arabic, Cyrillic
latin_name = re.compile(r"^[A-Z][^\d]{2,}$")
rows = set()
def add(kind, ident, country, population, canonical, name):
    name = name.strip().replace("\t", " ")
    if name:
        rows.add((kind, str(ident), country, str(population), canonical, name))
countries = json.load(open(os.path.join(src, "countries.json"), encoding="utf-8"))
for code, c in countries.items():
    add("country", code, code, c.get("population", 0), c["name"], c["name"])
for path in glob.glob(os.path.join(src, "countryinfo", "*.json")):
    info = json.load(open(path, encoding="utf-8"))
    code = (info.get("ISO") or {}).get("alpha2")
    if code not in countries:
        continue
    canonical = countries[code]["name"]
    for alt in info.get("altSpellings") or []:
        if len(alt) > 3 and not alt.isupper():
            add("country", code, code, 0, canonical, alt)
    if info.get("demonym"):
        add("adjective", code, code, 0, canonical, info["demonym"])
names_yaml = os.path.join(src, "countrynames.yaml")
if os.path.exists(names_yaml):
    code = None
    for line in open(names_yaml, encoding="utf-8"):
        m = re.match(r"^([A-Z]{2}):\s*$", line)
        if m:
            code = m.group(1) if m.group(1) in countries else None
            continue
        m = re.match(r"^\s+-\s+(.*?)\s*$", line)
        if code and m:
            name = m.group(1).strip("\"'")
            if non_latin.search(name):
                add("country", code, code, 0, countries[code]["name"], name)
cities = json.load(open(os.path.join(src, "cities500.json"), encoding="utf-8"))
for c in cities.values():
    if c.get("population", 0) < 15000:
        continue
    names = {c["name"]}
    for alt in c.get("alternatenames") or []:
        if non_latin.search(alt) or (latin_name.match(alt) and not alt.isupper()):
            names.add(alt)
    for name in names:
        add("city", c["geonameid"], c["countrycode"], c["population"], c["name"], name)
with open(out, "w", encoding="utf-8") as f:
    f.write("# kind\tid\tcountry\tpopulation\tcanonical\tname (derived from GeoNames data by 60-ner-model.sh)\n")
    for row in sorted(rows):
        f.write("\t".join(row) + "\n")
PY
  mv "$places.part" "$places"
  echo "entities: gazetteer of $(wc -l < "$places") names in $places"
fi
