#!/bin/sh
# Alternates goformer's BenchmarkTrainStep (bert-base-frozen, bert-base-full,
# gpt2-small) and PyTorch 1.13 (train_torch.py) on the same models, batches
# and optimizer, ROUNDS times each side, then prints a table of medians,
# min–max and ratios of wall time and CPU time per step:
#   sh benchmarks/reference/train_compare.sh [ROUNDS] [THREADS] [ITERS] [CASES]
# CASES is a regular expression over the case names (default: all three).
# Run from the repository root. PyTorch runs in its best configuration here
# (the OpenMP OpenBLAS, see ../shared/BENCHMARKING.md) with THREADS threads;
# goformer with GOMAXPROCS=THREADS and GOFORMER_THREADS=THREADS.
set -e
ROUNDS=${1:-3}
THREADS=${2:-2}
ITERS=${3:-3}
CASES=${4:-bert-base-frozen|bert-base-full|gpt2-small}
cd "$(dirname "$0")/.."
go test -c -o /tmp/train_bench.test . >/dev/null
OUT=$(mktemp)
NAMES=$(echo "$CASES" | tr '|' ' ')
for i in $(seq "$ROUNDS"); do
  echo "round $i, load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  GOMAXPROCS=$THREADS GOFORMER_THREADS=$THREADS /tmp/train_bench.test -test.run XXX \
    -test.bench "TrainStep/($CASES)\$" -test.benchtime "${ITERS}x" | grep '^Benchmark' | sed 's/^/goformer\t/' >>"$OUT"
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
    /usr/bin/python3 reference/train_torch.py "$THREADS" "$ITERS" $NAMES 2>/dev/null | sed 's/^/pytorch\t/' >>"$OUT"
done
/usr/bin/python3 reference/layers_summary.py <"$OUT"
rm -f "$OUT"
