"""Summarize the output of tokenize_compare.sh: median and min-max MB/s per
side, and the ratio of goformer's median to each reference's.

    sh benchmarks/reference/tokenize_compare.sh 5 all | tee .scratch/bench/tokenize.txt
    python3 benchmarks/reference/tokenize_summary.py .scratch/bench/tokenize.txt

Standard library only.
"""
import re
import statistics
import sys
from collections import defaultdict

figs = defaultdict(list)
for line in open(sys.argv[1]):
    m = re.match(r"Benchmark(\w+)/?(\S*?)-\d+\s.*?([\d.]+) MB/s", line)
    if m:
        kind, sub = m.group(1), m.group(2) or ""
        key = f"goformer {kind} {sub}".strip()
        if kind.startswith("Train"):
            s = re.search(r"([\d.]+) s/train", line)
            figs[key + " (s)"].append(float(s.group(1)))
        figs[key].append(float(m.group(3)))
        continue
    m = re.match(r"(\S+) (\S+) (single|batch) ([\d.]+) MB/s", line)
    if m:
        figs[f"{m.group(1)} {m.group(2)} {m.group(3)}"].append(float(m.group(4)))
        continue
    m = re.match(r"hf-train (\S+) ([\d.]+) s ([\d.]+) MB/s", line)
    if m:
        figs[f"hf train {m.group(1)} (s)"].append(float(m.group(2)))
        figs[f"hf train {m.group(1)}"].append(float(m.group(3)))

med = {k: statistics.median(v) for k, v in figs.items()}
print(f"{'side':40} {'n':>3} {'median':>9} {'min':>9} {'max':>9}")
for k in sorted(figs):
    v = figs[k]
    print(f"{k:40} {len(v):3} {med[k]:9.2f} {min(v):9.2f} {max(v):9.2f}")
print()
pairs = [
    ("goformer Encode r50k", ["tiktoken r50k single", "gpt-tokenizer r50k single", "js-tiktoken r50k single", "hf r50k single"]),
    ("goformer Encode cl100k", ["tiktoken cl100k single", "gpt-tokenizer cl100k single", "js-tiktoken cl100k single"]),
    ("goformer Encode o200k", ["tiktoken o200k single", "gpt-tokenizer o200k single", "js-tiktoken o200k single"]),
    ("goformer Encode wordpiece", ["hf wordpiece single"]),
    ("goformer EncodeBatch r50k", ["hf r50k batch"]),
    ("goformer EncodeBatch wordpiece", ["hf wordpiece batch"]),
    ("goformer TrainBPE", ["hf train bpe"]),
    ("goformer TrainWordPiece", ["hf train wordpiece"]),
]
for g, refs in pairs:
    for r in refs:
        if g in med and r in med:
            print(f"{g:32} / {r:28} = {med[g] / med[r]:6.2f}x")
