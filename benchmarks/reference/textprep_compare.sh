#!/bin/sh
# Alternates goformer's text-preprocessing benchmarks and their Python
# references (textprep_ref.py: nltk 3.8, PyStemmer 2.2, CPython 3.11) on the
# same workloads, ROUNDS times each, and prints every figure:
#   sh benchmarks/reference/textprep_compare.sh [ROUNDS]
# Run from anywhere (the apt packages of setup.sh: python3-nltk,
# python3-stemmer). Both sides run on one thread.
set -e
ROUNDS=${1:-5}
. "$(dirname "$0")/ref.sh"
cd "$ROOT/benchmarks"
B=$BENCH/textprep_bench.test
go test -c -o "$B" . >/dev/null
for i in $(seq "$ROUNDS"); do
  echo "== round $i"
  $B -test.run XXX -test.bench Textprep -test.benchtime 1s -test.cpu 1 | grep Benchmark
  /usr/bin/python3 reference/textprep_ref.py 2>/dev/null
done
