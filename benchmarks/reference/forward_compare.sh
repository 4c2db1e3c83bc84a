# Sourced by bert_compare.sh and gpt_compare.sh: alternates a goformer
# benchmark and its PyTorch script, ROUNDS times each side, then prints a
# table of medians, min–max and ratios of wall time and CPU time per call
# (layers_summary.py). The sourcing script sets
#   ROUNDS THREADS ITERS  rounds, threads of each side, calls per round
#   QUIET                 with N > 0, each side first waits up to N seconds
#                         for the CPUs to be 85 % idle over 2 s
# and calls compare NAME BENCH SCRIPT: the test binary is built as
# /tmp/NAME_bench.test from the benchmarks package, BENCH is its -test.bench
# pattern, SCRIPT the PyTorch side under reference/, run with THREADS and
# ITERS. PyTorch runs on the OpenMP OpenBLAS (see ../shared/BENCHMARKING.md);
# goformer with GOMAXPROCS=THREADS and GOFORMER_THREADS=THREADS. The load
# average before each side goes to stderr.

# quiet waits for a quiet machine when QUIET asks for it.
quiet() {
  [ "$QUIET" -gt 0 ] || return 0
  /usr/bin/python3 - "$QUIET" <<'PY'
import sys, time
def snap():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[3] + v[4], sum(v)
deadline = time.time() + float(sys.argv[1])
while time.time() < deadline:
    i0, t0 = snap(); time.sleep(2); i1, t1 = snap()
    if (i1 - i0) / max(t1 - t0, 1) >= 0.85:
        sys.exit(0)
print("# machine still busy; measuring anyway", file=sys.stderr)
PY
}

compare() {
  cd "$(dirname "$0")/.."
  go test -c -o "/tmp/$1_bench.test" . >/dev/null
  OUT=$(mktemp)
  for i in $(seq "$ROUNDS"); do
    quiet
    echo "# round $i goformer: load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    GOMAXPROCS=$THREADS GOFORMER_THREADS=$THREADS "/tmp/$1_bench.test" -test.run XXX \
      -test.bench "$2" -test.benchtime "${ITERS}x" | grep '^Benchmark' | sed 's/^/goformer\t/' >>"$OUT"
    quiet
    echo "# round $i pytorch: load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
      /usr/bin/python3 "reference/$3" "$THREADS" "$ITERS" 2>/dev/null | sed 's/^/pytorch\t/' >>"$OUT"
  done
  /usr/bin/python3 reference/layers_summary.py <"$OUT"
  rm -f "$OUT"
}
