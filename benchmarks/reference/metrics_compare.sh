#!/bin/sh
# Compares goformer's metrics with the Python references on the same
# 100,000 sentence pairs, alternating the sides round by round:
#   nltk 3.8 corpus_bleu        vs BenchmarkCorpusBLEU
#   rouge-score port (Python)   vs BenchmarkROUGE (without and with stemming)
# Usage, from anywhere:
#   sh benchmarks/reference/metrics_compare.sh [ROUNDS]
# Needs Go and Debian's /usr/bin/python3 with python3-nltk (setup.sh). Writes the raw
# timings to .scratch/metrics/compare.log and prints a summary table
# (medians, min-max, ratios).
set -eu
rounds=${1:-3}
. "$(dirname "$0")/ref.sh"
cd "$ROOT"
dir=.scratch/metrics
mkdir -p "$dir"
pairs=$PWD/$dir/pairs.jsonl
log=$PWD/$dir/compare.log
: > "$log"

echo "== pairs and the scores of both sides" | tee -a "$log"
GOFORMER_METRICS_PAIRS=$pairs go test -count=1 -run 'TestMetricsWritePairs|TestMetricsPrintScores' -v ./benchmarks/ | grep '^goformer' | tee -a "$log"
go test -c -o "$dir/benchmarks.test" ./benchmarks/

i=1
while [ "$i" -le "$rounds" ]; do
	echo "== round $i" | tee -a "$log"
	/usr/bin/python3 benchmarks/reference/metrics_nltk_bleu.py "$pairs" | tee -a "$log"
	(cd benchmarks && "../$dir/benchmarks.test" -test.run '^$' -test.bench 'CorpusBLEU' -test.benchtime 5x -test.benchmem) | grep '^Benchmark' | tee -a "$log"
	/usr/bin/python3 benchmarks/reference/metrics_rouge_ref.py "$pairs" | tee -a "$log"
	/usr/bin/python3 benchmarks/reference/metrics_rouge_ref.py "$pairs" --stem | tee -a "$log"
	(cd benchmarks && "../$dir/benchmarks.test" -test.run '^$' -test.bench 'ROUGE' -test.benchtime 5x -test.benchmem) | grep '^Benchmark' | tee -a "$log"
	i=$((i + 1))
done

/usr/bin/python3 - "$log" <<'PY'
import re, statistics, sys
wall, cpu = {}, {}
for line in open(sys.argv[1]):
    m = re.match(r"nltk corpus_bleu seconds=([\d.]+) cpu=([\d.]+)", line)
    if m:
        wall.setdefault("nltk corpus_bleu", []).append(float(m[1]))
        cpu.setdefault("nltk corpus_bleu", []).append(float(m[2]))
    m = re.match(r"rouge-ref seconds=([\d.]+) cpu=([\d.]+) stem=(\w+)", line)
    if m:
        k = "rouge-score port stem=" + m[3]
        wall.setdefault(k, []).append(float(m[1]))
        cpu.setdefault(k, []).append(float(m[2]))
    m = re.match(r"(Benchmark\S+?)(-\d+)?\s+\d+\s+(\d+) ns/op", line)
    if m:
        wall.setdefault(m[1], []).append(int(m[3]) / 1e9)
        c = re.search(r"([\d.]+) cpu-s/op", line)
        if c:
            cpu.setdefault(m[1], []).append(float(c[1]))
def cell(d, k):
    v = d.get(k)
    if not v:
        return "-"
    return f"{statistics.median(v):.3f} ({min(v):.3f}-{max(v):.3f})"
print("\n| side | wall s, median (min-max) | CPU s, median (min-max) | rounds |")
print("|---|---|---|---|")
for k in wall:
    print(f"| {k} | {cell(wall, k)} | {cell(cpu, k)} | {len(wall[k])} |")
print("\n| comparison | wall ratio | CPU ratio |")
print("|---|---|---|")
pairs = [
    ("nltk corpus_bleu", "BenchmarkCorpusBLEU/nltk"),
    ("nltk corpus_bleu", "BenchmarkCorpusBLEU/sacrebleu/workers=1"),
    ("nltk corpus_bleu", "BenchmarkCorpusBLEU/sacrebleu/workers=all"),
    ("rouge-score port stem=False", "BenchmarkROUGE/nostem/workers=1"),
    ("rouge-score port stem=False", "BenchmarkROUGE/nostem/workers=all"),
    ("rouge-score port stem=True", "BenchmarkROUGE/stem/workers=1"),
]
def ratio(d, a, b):
    if d.get(a) and d.get(b):
        return f"{statistics.median(d[a]) / statistics.median(d[b]):.1f}x"
    return "-"
for py, go in pairs:
    print(f"| {py} / {go} | {ratio(wall, py, go)} | {ratio(cpu, py, go)} |")
PY
