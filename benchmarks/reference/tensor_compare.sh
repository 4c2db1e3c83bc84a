#!/bin/sh
# Alternates goformer's tensor benchmarks and PyTorch on the same ops and
# shapes, ROUNDS times each side, then prints a table of medians, min–max
# and ratios:
#   sh benchmarks/reference/tensor_compare.sh [ROUNDS] [THREADS]
# Run from anywhere (the apt packages of setup.sh: python3-torch,
# libopenblas0-openmp). PyTorch runs in its best configuration here (the
# OpenMP OpenBLAS, see benchmarks/README.md) with THREADS threads; goformer
# with GOFORMER_THREADS=THREADS.
set -e
ROUNDS=${1:-5}
THREADS=${2:-2}
. "$(dirname "$0")/ref.sh"
cd "$ROOT/benchmarks"
B=$BENCH/tensor_bench.test
go test -c -o "$B" . >/dev/null
OUT=$(mktemp)
for i in $(seq "$ROUNDS"); do
  echo "round $i, load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  GOMAXPROCS=$THREADS GOFORMER_THREADS=$THREADS "$B" -test.run XXX -test.bench 'Tensor' -test.benchtime 20x | grep '^BenchmarkTensor' >>"$OUT"
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
    /usr/bin/python3 reference/tensor_ops.py "$THREADS" 10 >>"$OUT"
done
/usr/bin/python3 reference/tensor_summarize.py <"$OUT"
rm -f "$OUT"
