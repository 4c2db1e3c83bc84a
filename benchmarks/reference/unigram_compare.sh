#!/bin/sh
# Alternates goformer and sentencepiece (Debian python3-sentencepiece 0.1.97)
# on the same inputs, ROUNDS times each, and prints every figure:
#   sh benchmarks/reference/unigram_compare.sh [ROUNDS] [encode|train|all]
# Run from anywhere, after sh benchmarks/reference/setup.sh. Encoding: the SOTU addresses (10.8 MB) with
# the sotu_nfkc_4k and albert_30k_clean fixture models, one thread each side,
# then 2 threads/goroutines. Training: vocabulary 8000 on the 20 MB corpus
# written by setup.sh (unigram_train.py), sentencepiece with 16 threads (its default)
# and 2, goformer on 2 goroutines.
set -e
ROUNDS=${1:-3}
WHAT=${2:-all}
. "$(dirname "$0")/ref.sh"
need_ref
cd "$ROOT/benchmarks"
B=$BENCH/unigram_bench.test
go test -c -o "$B" . >/dev/null
export GOFORMER_BENCH_SOTU="$SOTU"
export GOFORMER_BENCH_UNIGRAM_TRAIN="$REF/data/unigram-train20.txt"
PY=/usr/bin/python3
if [ "$WHAT" = encode ] || [ "$WHAT" = all ]; then
  for i in $(seq "$ROUNDS"); do
    for m in sotu_nfkc_4k:sotu4k albert_30k_clean:albert30k; do
      model=${m%%:*}; name=${m##*:}
      $B -test.run XXX -test.bench "UnigramEncode/$name" -test.benchtime 3x | grep Benchmark
      $PY reference/unigram_encode.py ../tokenize/unigram/testdata/$model.model 1 1 | sed "s/^/$name /"
      $PY reference/unigram_encode.py ../tokenize/unigram/testdata/$model.model 2 1 | sed "s/^/$name /"
    done
  done
fi
if [ "$WHAT" = train ] || [ "$WHAT" = all ]; then
  $PY reference/unigram_train.py --corpus-only # writes the corpus if missing
  for i in $(seq "$ROUNDS"); do
    $B -test.run XXX -test.bench 'UnigramTrain/threads16' -test.benchtime 1x | grep Benchmark
    $PY reference/unigram_train.py 16 1
    $B -test.run XXX -test.bench 'UnigramTrain/threads2' -test.benchtime 1x | grep Benchmark
    $PY reference/unigram_train.py 2 1
  done
fi
