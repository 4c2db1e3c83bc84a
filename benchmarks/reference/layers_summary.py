#!/usr/bin/python3
"""Summarises layers_compare.sh's output: for each benchmark, the median
and min–max of wall time and CPU time per op on each side, and the ratio
of goformer's median to PyTorch's (below 1: goformer is faster)."""
import re
import statistics
import sys
from collections import defaultdict

wall = defaultdict(list)
cpu = defaultdict(list)
for line in sys.stdin:
    parts = line.rstrip("\n").split("\t")
    if len(parts) < 3:
        continue
    side, name = parts[0], re.sub(r"-\d+$", "", parts[1].strip())
    text = "\t".join(parts[2:])
    m = re.search(r"([\d.]+) ns/op", text)
    c = re.search(r"([\d.]+) cpu-ms/op", text)
    if m:
        wall[(name, side)].append(float(m.group(1)) / 1e6)
    if c:
        cpu[(name, side)].append(float(c.group(1)))

names = sorted({n for n, _ in wall})
print("| benchmark | goformer ms (min–max) | PyTorch ms (min–max) | ratio | goformer cpu-ms | PyTorch cpu-ms | cpu ratio |")
print("|---|---|---|---|---|---|---|")
for n in names:
    g, p = wall.get((n, "goformer"), []), wall.get((n, "pytorch"), [])
    gc, pc = cpu.get((n, "goformer"), []), cpu.get((n, "pytorch"), [])
    if not g or not p:
        continue
    mg, mp = statistics.median(g), statistics.median(p)
    mgc, mpc = statistics.median(gc), statistics.median(pc)
    print(f"| {n} | {mg:.1f} ({min(g):.1f}–{max(g):.1f}) | {mp:.1f} ({min(p):.1f}–{max(p):.1f}) | {mg / mp:.2f}× "
          f"| {mgc:.0f} | {mpc:.0f} | {mgc / mpc:.2f}× |")
