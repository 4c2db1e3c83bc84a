#!/usr/bin/python3
"""Times Debian's python3-sentencepiece 0.1.97 training a unigram model.

    /usr/bin/python3 benchmarks/reference/unigram_train.py [THREADS] [ROUNDS]
    /usr/bin/python3 benchmarks/reference/unigram_train.py --corpus-only

Writes the corpus first if it is missing (--corpus-only: and stops, as
setup.sh runs it): every sentence of the State of the Union addresses
that setup.sh installs (split at sentence ends), twice, about 20 MB, one
sentence a line, to .scratch/ref/data/unigram-train20.txt.
BenchmarkUnigramTrain reads the same file when GOFORMER_BENCH_UNIGRAM_TRAIN
names it (unigram_compare.sh sets it). Trains vocabulary 8000 with
sentencepiece's defaults (nmt_nfkc) and THREADS threads, and prints the
seconds per round. The models go to .scratch/bench/unigram/ref8k_*.model.
"""
import os
import re
import sys
import time

import refpaths

SCRATCH = os.path.join(refpaths.ROOT, ".scratch", "bench", "unigram")
CORPUS = os.path.join(refpaths.DATA, "unigram-train20.txt")
SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"'A-Z0-9(])")


def write_corpus():
    sents = []
    for f in refpaths.sotu_files():
        with open(f, encoding="utf-8") as fh:
            sents.extend(s.strip() for s in SPLIT.split(fh.read()) if s.strip())
    os.makedirs(refpaths.DATA, exist_ok=True)
    with open(CORPUS + ".tmp", "w", encoding="utf-8") as f:
        for _ in range(2):
            f.write("\n".join(sents) + "\n")
    os.replace(CORPUS + ".tmp", CORPUS)


def main():
    if sys.argv[1:] == ["--corpus-only"]:
        if not os.path.exists(CORPUS):
            write_corpus()
        return
    import sentencepiece as spm

    os.makedirs(SCRATCH, exist_ok=True)
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    if not os.path.exists(CORPUS):
        write_corpus()
    size = os.path.getsize(CORPUS)
    for r in range(rounds):
        t, c = time.perf_counter(), time.process_time()
        spm.SentencePieceTrainer.train(
            input=CORPUS, model_prefix=os.path.join(SCRATCH, f"ref8k_t{threads}"),
            model_type="unigram", vocab_size=8000, num_threads=threads,
            minloglevel=2)
        dt, dc = time.perf_counter() - t, time.process_time() - c
        print(f"sentencepiece train threads={threads} {dt:.2f} s cpu {dc:.2f} s ({size} bytes)",
              flush=True)


if __name__ == "__main__":
    main()
