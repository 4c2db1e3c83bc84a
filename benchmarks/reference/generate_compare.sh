#!/bin/sh
# Alternates goformer's generation benchmarks (BenchmarkGPT2Generate,
# BenchmarkLlamaGenerate) and PyTorch (generate_torch.py) on the same
# shapes, ROUNDS times each side, then prints medians, min–max and ratios:
#   sh benchmarks/reference/generate_compare.sh [ROUNDS] [THREADS] [ITERS]
# Run from the repository root. PyTorch runs in its best configuration here
# (the OpenMP OpenBLAS, see ../shared/BENCHMARKING.md) with THREADS threads;
# goformer with GOMAXPROCS=THREADS and GOFORMER_THREADS=THREADS.
set -e
ROUNDS=${1:-5}
THREADS=${2:-2}
ITERS=${3:-3}
cd "$(dirname "$0")/.."
go test -c -o /tmp/generate_bench.test . >/dev/null
OUT=$(mktemp)
echo "# load before: $(uptime)" >&2
for i in $(seq "$ROUNDS"); do
  GOMAXPROCS=$THREADS GOFORMER_THREADS=$THREADS /tmp/generate_bench.test -test.run XXX \
    -test.bench 'GPT2Generate|LlamaGenerate' -test.benchtime "${ITERS}x" | grep '^Benchmark' | sed 's/^/goformer\t/' >>"$OUT"
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
    /usr/bin/python3 reference/generate_torch.py "$THREADS" "$ITERS" 2>/dev/null | sed 's/^/pytorch\t/' >>"$OUT"
done
echo "# load after: $(uptime)" >&2
/usr/bin/python3 reference/layers_summary.py <"$OUT"
rm -f "$OUT"
