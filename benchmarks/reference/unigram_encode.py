#!/usr/bin/python3
"""Times Debian's python3-sentencepiece 0.1.97 encoding the SOTU corpus.

    /usr/bin/python3 benchmarks/reference/unigram_encode.py MODEL [THREADS] [ROUNDS]

The corpus is the same as BenchmarkUnigramEncode's with
GOFORMER_BENCH_SOTU set (unigram_compare.sh sets it): every address of the
State of the Union corpus that setup.sh installs (sorted by name), each
split at newlines (one address per line). Encoding is one batch call in C++
(no Python loop), with THREADS worker threads. Prints MB/s per round, by
wall time and by the CPU time of the process (steadier on a shared
machine).
"""
import sys
import time

import sentencepiece as spm

import refpaths


def corpus():
    lines = []
    for f in refpaths.sotu_files():
        with open(f, encoding="utf-8") as fh:
            lines.extend(l for l in fh.read().split("\n") if l)
    return lines


def main():
    model = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    sp = spm.SentencePieceProcessor(model_file=model)
    lines = corpus()
    size = sum(len(l.encode("utf-8")) for l in lines)
    for _ in range(rounds):
        t, c = time.perf_counter(), time.process_time()
        ids = sp.encode(lines, num_threads=threads)
        dt, dc = time.perf_counter() - t, time.process_time() - c
        ntok = sum(len(x) for x in ids)
        print(f"sentencepiece threads={threads} {size/dt/1e6:.2f} MB/s "
              f"{ntok/dt/1e6:.2f} Mtokens/s {size/dc/1e6:.2f} cpuMB/s "
              f"({size} bytes, {ntok} tokens, {dt:.3f} s, cpu {dc:.3f} s)",
              flush=True)


if __name__ == "__main__":
    main()
