#!/bin/sh
# Alternates goformer's BenchmarkGPT2Forward and PyTorch (gpt_torch.py) on
# GPT-2 small, ROUNDS times each side, then prints a table of medians,
# min–max and ratios of wall time and CPU time per forward pass:
#   sh benchmarks/reference/gpt_compare.sh [ROUNDS] [THREADS] [ITERS]
# Run from the repository root. PyTorch runs in its best configuration here
# (the OpenMP OpenBLAS: apt-get install libopenblas0-openmp python3-threadpoolctl,
# see ../shared/BENCHMARKING.md) with THREADS threads; goformer with
# GOMAXPROCS=THREADS and GOFORMER_THREADS=THREADS.
set -e
ROUNDS=${1:-5}
THREADS=${2:-2}
ITERS=${3:-5}
cd "$(dirname "$0")/.."
go test -c -o /tmp/gpt_bench.test . >/dev/null
OUT=$(mktemp)
for i in $(seq "$ROUNDS"); do
  GOMAXPROCS=$THREADS GOFORMER_THREADS=$THREADS /tmp/gpt_bench.test -test.run XXX \
    -test.bench 'GPT2Forward' -test.benchtime "${ITERS}x" | grep '^Benchmark' | sed 's/^/goformer\t/' >>"$OUT"
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
    /usr/bin/python3 reference/gpt_torch.py "$THREADS" "$ITERS" 2>/dev/null | sed 's/^/pytorch\t/' >>"$OUT"
done
/usr/bin/python3 reference/layers_summary.py <"$OUT"
rm -f "$OUT"
