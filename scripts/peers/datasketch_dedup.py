"""The datasketch peer of `storyline dedup`: MinHash + MinHashLSH over the same word 5-shingles
(words folded as storyline folds them: NFKD, marks dropped, lowercase), 100 permutations (as
storyline's 20 bands x 5 rows), threshold 0.8. Articles arrive in file order; each is queried
against those before it, then inserted. A candidate pair counts when its estimated Jaccard
reaches the threshold (LSH alone also returns pairs below it).

Usage: datasketch_dedup.py PAIRS_OUT FILE.jsonl...   (prints one JSON line: docs, seconds, pairs)
"""
import json
import re
import resource
import sys
import time
import unicodedata

from datasketch import MinHash, MinHashLSH

THRESHOLD = 0.8
PERMUTATIONS = 100
SHINGLE = 5
WORD = re.compile(r"\w+", re.UNICODE)


def fold(word):
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def shingles(text):
    words = [fold(w) for w in WORD.findall(text)]
    if len(words) < SHINGLE:
        return {" ".join(words)}
    return {" ".join(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def main():
    out, files = sys.argv[1], sys.argv[2:]
    docs = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                record = json.loads(line)
                docs.append((record["id"], record["text"]))
    started = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=PERMUTATIONS)
    signatures = {}
    pairs = []
    for doc_id, text in docs:
        m = MinHash(num_perm=PERMUTATIONS)
        m.update_batch([s.encode("utf-8") for s in shingles(text)])
        for other in lsh.query(m):
            if m.jaccard(signatures[other]) >= THRESHOLD:
                pairs.append((other, doc_id))
        lsh.insert(doc_id, m)
        signatures[doc_id] = m
    seconds = time.perf_counter() - started
    with open(out, "w", encoding="utf-8") as f:
        for a, b in pairs:
            f.write(f"{a}\t{b}\n")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"docs": len(docs), "seconds": seconds, "docs_per_second": len(docs) / seconds,
                      "pairs": len(pairs), "peak_mb": peak_mb}))


if __name__ == "__main__":
    main()
