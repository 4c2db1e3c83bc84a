#!/usr/bin/python3
"""Reads the output of textprep_compare.sh on stdin and prints a Markdown
table: for each case, goformer's and the references' medians and min-max
over the rounds, and the ratio of the medians (goformer / reference).

    sh benchmarks/reference/textprep_compare.sh 5 > rounds.txt
    /usr/bin/python3 benchmarks/reference/textprep_summary.py < rounds.txt        # wall clock
    /usr/bin/python3 benchmarks/reference/textprep_summary.py --cpu < rounds.txt  # CPU time
"""
import re
import statistics
import sys
from collections import defaultdict

# With --cpu, the figures per CPU second; without, per wall-clock second.
CPU = "--cpu" in sys.argv[1:]
go = defaultdict(list)    # case -> values
ref = defaultdict(list)   # (case, tool) -> values
units = {}
for line in sys.stdin:
    m = re.match(r"BenchmarkTextprep/(\S+?)(?:-\d+)?\s+\d+\s+(.*)", line)
    if m:
        for value, unit in re.findall(r"([\d.]+) (words/s|MB/s|words/cpu-s|MB/cpu-s)", m.group(2)):
            if (unit in ("words/cpu-s", "MB/cpu-s")) == CPU:
                go[m.group(1)].append(float(value))
                units[m.group(1)] = unit
        continue
    m = re.match(r"(\S+) (\S+) ([\d.]+) (words/s|MB/s|words/cpu-s|MB/cpu-s)$", line.strip())
    if m and (m.group(4) in ("words/cpu-s", "MB/cpu-s")) == CPU:
        ref[(m.group(1), m.group(2))].append(float(m.group(3)))


def fmt(v, unit):
    if unit.startswith("words"):
        return "%.2fM" % (v / 1e6) if v >= 1e6 else "%.0fk" % (v / 1e3)
    return "%.0f" % v if v >= 100 else "%.1f" % v


def cell(vals, unit):
    return "%s (%s–%s)" % (fmt(statistics.median(vals), unit), fmt(min(vals), unit), fmt(max(vals), unit))


print("| case | unit | goformer median (min–max) | reference | reference median (min–max) | ratio |")
print("| --- | --- | --- | --- | --- | --- |")
for case in go:
    unit = units[case]
    tools = [(c, t) for (c, t) in ref if c == case]
    for (c, tool) in tools or [(case, "-")]:
        rv = ref.get((c, tool))
        if rv:
            ratio = statistics.median(go[case]) / statistics.median(rv)
            print("| %s | %s | %s | %s | %s | %.1f× |" % (case, unit, cell(go[case], unit), tool, cell(rv, unit), ratio))
        else:
            print("| %s | %s | %s | - | - | - |" % (case, unit, cell(go[case], unit)))
print()
print("rounds: %d" % max(len(v) for v in go.values()))
