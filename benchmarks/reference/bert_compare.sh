#!/bin/sh
# Alternates goformer's BenchmarkBertForward and PyTorch (bert_torch.py) on
# BERT-base, b=8, t=128, ROUNDS times each side, then prints a table of
# medians, min–max and ratios of wall time and CPU time per forward pass:
#   QUIET=600 sh benchmarks/reference/bert_compare.sh [ROUNDS] [THREADS] [ITERS]
# Run from the repository root. PyTorch runs in its best configuration here
# (the OpenMP OpenBLAS: apt-get install libopenblas0-openmp python3-threadpoolctl,
# see ../shared/BENCHMARKING.md) with THREADS threads; goformer with
# GOMAXPROCS=THREADS and GOFORMER_THREADS=THREADS. With QUIET=N each side
# first waits up to N seconds for the CPUs to be 85 % idle over 2 s; the
# load average before each side goes to stderr (forward_compare.sh).
set -e
ROUNDS=${1:-5}
THREADS=${2:-2}
ITERS=${3:-5}
QUIET=${QUIET:-0}
. "$(dirname "$0")/forward_compare.sh"
compare bert 'BertForward' bert_torch.py
