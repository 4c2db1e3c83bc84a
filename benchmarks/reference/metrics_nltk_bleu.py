#!/usr/bin/python3
"""Times nltk 3.8's corpus_bleu on the benchmark pairs (reference side of
BenchmarkCorpusBLEU/nltk).

Usage: /usr/bin/python3 metrics_nltk_bleu.py PAIRS.jsonl
PAIRS.jsonl is written by `GOFORMER_METRICS_PAIRS=... go test -run
TestMetricsWritePairs ./benchmarks/`. Tokens are the whitespace split of each
line, done before the clock starts, exactly as the Go side does. nltk is
single-threaded. Prints one line:
"nltk corpus_bleu seconds=S cpu=C score=X" (wall and CPU seconds).
"""
import json
import sys
import time
import warnings

from nltk.translate.bleu_score import corpus_bleu

warnings.simplefilter("ignore")


def main():
    hyps, refs = [], []
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            hyps.append(d["hyp"].split())
            refs.append([d["ref"].split()])
    t0, c0 = time.perf_counter(), time.process_time()
    score = corpus_bleu(refs, hyps)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    print(f"nltk corpus_bleu seconds={dt:.4f} cpu={dc:.4f} score={score!r} pairs={len(hyps)}")


if __name__ == "__main__":
    main()
