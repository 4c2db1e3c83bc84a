#!/bin/sh
# Alternates goformer and sentencepiece (Debian python3-sentencepiece 0.1.97)
# on the same inputs, ROUNDS times each, and prints every figure:
#   sh benchmarks/reference/unigram_compare.sh [ROUNDS] [encode|train|all]
# Run from the repository root. Encoding: the SOTU addresses (10.8 MB) with
# the sotu_nfkc_4k and albert_30k_clean fixture models, one thread each side,
# then 2 threads/goroutines. Training: vocabulary 8000 on the 20 MB corpus
# written by unigram_train.py, sentencepiece with 16 threads (its default)
# and 2, goformer on 2 goroutines.
set -e
ROUNDS=${1:-3}
WHAT=${2:-all}
cd "$(dirname "$0")/.."
go test -c -o /tmp/unigram_bench.test . >/dev/null
PY=/usr/bin/python3
if [ "$WHAT" = encode ] || [ "$WHAT" = all ]; then
  for i in $(seq "$ROUNDS"); do
    for m in sotu_nfkc_4k:sotu4k albert_30k_clean:albert30k; do
      model=${m%%:*}; name=${m##*:}
      /tmp/unigram_bench.test -test.run XXX -test.bench "UnigramEncode/$name" -test.benchtime 3x | grep Benchmark
      $PY reference/unigram_encode.py ../tokenize/unigram/testdata/$model.model 1 1 | sed "s/^/$name /"
      $PY reference/unigram_encode.py ../tokenize/unigram/testdata/$model.model 2 1 | sed "s/^/$name /"
    done
  done
fi
if [ "$WHAT" = train ] || [ "$WHAT" = all ]; then
  $PY reference/unigram_train.py 2 0 >/dev/null # writes the corpus if missing
  for i in $(seq "$ROUNDS"); do
    /tmp/unigram_bench.test -test.run XXX -test.bench 'UnigramTrain/threads16' -test.benchtime 1x | grep Benchmark
    $PY reference/unigram_train.py 16 1
    /tmp/unigram_bench.test -test.run XXX -test.bench 'UnigramTrain/threads2' -test.benchtime 1x | grep Benchmark
    $PY reference/unigram_train.py 2 1
  done
fi
