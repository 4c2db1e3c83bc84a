#!/bin/sh
# Alternates goformer's layers benchmarks and PyTorch (layers_torch.py) on
# the same layers and sizes, ROUNDS times each side, then prints a table
# of medians, min–max and ratios of wall time and CPU time per op:
#   sh benchmarks/reference/layers_compare.sh [ROUNDS] [THREADS] [ITERS] [GROUP...]
# GROUPs (default: mha encoder): mha (BenchmarkMultiHeadAttention), encoder
# (BenchmarkEncoderLayer), stack (BenchmarkStack: GPT-2-small and
# BERT-base-shaped forward passes), train (BenchmarkTrainStep/mlp and
# /gpt-char).
# Run from anywhere (the apt packages of setup.sh: python3-torch,
# libopenblas0-openmp). PyTorch runs in its best configuration here (the
# OpenMP OpenBLAS, see benchmarks/README.md) with THREADS threads; goformer
# with GOMAXPROCS=THREADS and GOFORMER_THREADS=THREADS.
set -e
ROUNDS=${1:-5}
THREADS=${2:-2}
ITERS=${3:-10}
shift 3 2>/dev/null || shift $#
GROUPS=${*:-mha encoder}
pattern() {
  case $1 in
  mha) echo 'MultiHeadAttention' ;;
  encoder) echo 'EncoderLayer' ;;
  stack) echo 'Stack' ;;
  train) echo 'TrainStep/(mlp|gpt-char)$' ;;
  *) echo "unknown group $1 (want mha, encoder, stack, train)" >&2; exit 2 ;;
  esac
}
for g in $GROUPS; do pattern "$g" >/dev/null; done
. "$(dirname "$0")/ref.sh"
cd "$ROOT/benchmarks"
B=$BENCH/layers_bench.test
go test -c -o "$B" . >/dev/null
OUT=$(mktemp)
for i in $(seq "$ROUNDS"); do
  echo "round $i, load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  for g in $GROUPS; do
    GOMAXPROCS=$THREADS GOFORMER_THREADS=$THREADS "$B" -test.run XXX \
      -test.bench "$(pattern "$g")" -test.benchtime "${ITERS}x" | grep '^Benchmark' | sed 's/^/goformer\t/' >>"$OUT"
  done
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
    /usr/bin/python3 reference/layers_torch.py "$THREADS" "$ITERS" $GROUPS 2>/dev/null | sed 's/^/pytorch\t/' >>"$OUT"
done
/usr/bin/python3 reference/layers_summary.py <"$OUT"
rm -f "$OUT"
