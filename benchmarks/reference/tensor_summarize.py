#!/usr/bin/python3
"""Reads the lines tensor_compare.sh collects (go test -bench lines and
"torch <name> <median ms> <min> <max> <cpu ms>" lines) and prints two
Markdown tables: per op, goformer's and PyTorch's median wall time over
rounds with min–max, and the same for CPU time (all threads), each with
the ratio PyTorch/goformer (above 1: goformer is faster)."""
import re
import statistics
import sys

go, torch, gocpu, torchcpu = {}, {}, {}, {}
for line in sys.stdin:
    m = re.match(r"BenchmarkTensor(\S+?)(-\d+)?\s+\d+\s+([\d.]+) ns/op", line)
    if m:
        go.setdefault(m.group(1), []).append(float(m.group(3)) / 1e6)
        c = re.search(r"([\d.]+) cpu-ms/op", line)
        if c:
            gocpu.setdefault(m.group(1), []).append(float(c.group(1)))
        continue
    f = line.split()
    if len(f) >= 3 and f[0] == "torch":
        torch.setdefault(f[1], []).append(float(f[2]))
        if len(f) >= 6:
            torchcpu.setdefault(f[1], []).append(float(f[5]))


def table(title, a, b):
    print(f"| op | goformer {title} ms (median, min–max) | PyTorch {title} ms (median, min–max) | PyTorch/goformer |")
    print("| --- | --- | --- | --- |")
    for name in a:
        g = a[name]
        t = b.get(name)
        gs = f"{statistics.median(g):.3f} ({min(g):.3f}–{max(g):.3f})"
        if not t:
            print(f"| {name} | {gs} | – | – |")
            continue
        ts = f"{statistics.median(t):.3f} ({min(t):.3f}–{max(t):.3f})"
        print(f"| {name} | {gs} | {ts} | {statistics.median(t) / statistics.median(g):.2f} |")
    print()


table("wall", go, torch)
if gocpu and torchcpu:
    table("CPU", gocpu, torchcpu)
