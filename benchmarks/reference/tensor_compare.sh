#!/bin/sh
# Alternates goformer's tensor benchmarks and PyTorch on the same ops and
# shapes, ROUNDS times each side, then prints a table of medians, min–max
# and ratios:
#   sh benchmarks/reference/tensor_compare.sh [ROUNDS] [THREADS]
# Run from the repository root. PyTorch runs in its best configuration here
# (the OpenMP OpenBLAS, see ../shared/BENCHMARKING.md) with THREADS threads;
# goformer with GOFORMER_THREADS=THREADS.
set -e
ROUNDS=${1:-5}
THREADS=${2:-2}
cd "$(dirname "$0")/.."
go test -c -o /tmp/tensor_bench.test . >/dev/null
OUT=$(mktemp)
for i in $(seq "$ROUNDS"); do
  GOFORMER_THREADS=$THREADS /tmp/tensor_bench.test -test.run XXX -test.bench 'Tensor' -test.benchtime 10x | grep '^BenchmarkTensor' >>"$OUT"
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
    /usr/bin/python3 reference/tensor_ops.py "$THREADS" 10 >>"$OUT"
done
/usr/bin/python3 reference/tensor_summarize.py <"$OUT"
rm -f "$OUT"
