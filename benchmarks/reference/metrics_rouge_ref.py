#!/usr/bin/python3
"""A pure-Python port of Google rouge-score 0.1.2's scoring algorithm, used
as the Python reference of BenchmarkROUGE (rouge-score itself cannot be
installed here: it is on PyPI only, which this machine cannot reach, and nltk
has no ROUGE).

It follows rouge_scorer.RougeScorer(['rouge1', 'rouge2', 'rougeL']).score step
by step, written for this project: the same tokenizer (lowercase; runs of
characters outside [a-z0-9] separate tokens; optional nltk PorterStemmer on
tokens longer than 3 characters), collections.Counter n-gram counts with the
same clipping, and the same full LCS table built from Python lists, so its
speed is that of rouge-score's own code path. Its mean F-scores are printed
so that they can be compared with the Go side.

Usage: /usr/bin/python3 metrics_rouge_ref.py PAIRS.jsonl [--stem]
Prints: "rouge-ref seconds=S cpu=C stem=B rouge1=F rouge2=F rougeL=F pairs=N"
(wall and CPU seconds).
"""
import collections
import json
import re
import sys
import time

NON_ALNUM = re.compile(r"[^a-z0-9]+")
SPACES = re.compile(r"\s+")
VALID = re.compile(r"^[a-z0-9]+$")


def tokenize(text, stemmer):
    text = NON_ALNUM.sub(" ", text.lower())
    tokens = SPACES.split(text)
    if stemmer is not None:
        tokens = [stemmer.stem(t) if len(t) > 3 else t for t in tokens]
    return [t for t in tokens if VALID.match(t)]


def ngrams(tokens, n):
    counts = collections.Counter()
    for g in (tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)):
        counts[g] += 1
    return counts


def f_measure(p, r):
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def score_n(target, prediction, n):
    t, p = ngrams(target, n), ngrams(prediction, n)
    hits = 0
    for g in t:
        hits += min(t[g], p[g])
    prec = hits / max(sum(p.values()), 1)
    rec = hits / max(sum(t.values()), 1)
    return prec, rec, f_measure(prec, rec)


def lcs_table(a, b):
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                table[i][j] = table[i - 1][j - 1] + 1
            else:
                table[i][j] = max(table[i - 1][j], table[i][j - 1])
    return table


def score_l(target, prediction):
    if not target or not prediction:
        return 0, 0, 0
    lcs = lcs_table(target, prediction)[-1][-1]
    prec = lcs / len(prediction)
    rec = lcs / len(target)
    return prec, rec, f_measure(prec, rec)


def main():
    stem = "--stem" in sys.argv[2:]
    stemmer = None
    if stem:
        from nltk.stem import porter
        stemmer = porter.PorterStemmer()
    pairs = []
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            pairs.append((d["ref"], d["hyp"]))
    sums = [0.0, 0.0, 0.0]
    t0, c0 = time.perf_counter(), time.process_time()
    for target, prediction in pairs:
        tt = tokenize(target, stemmer)
        pt = tokenize(prediction, stemmer)
        scores = (score_n(tt, pt, 1), score_n(tt, pt, 2), score_l(tt, pt))
        for k in range(3):
            sums[k] += scores[k][2]
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    n = len(pairs)
    print(f"rouge-ref seconds={dt:.4f} cpu={dc:.4f} stem={stem} rouge1={sums[0] / n!r} "
          f"rouge2={sums[1] / n!r} rougeL={sums[2] / n!r} pairs={n}")


if __name__ == "__main__":
    main()
