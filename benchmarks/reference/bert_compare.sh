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
# load average before each side goes to stderr.
set -e
ROUNDS=${1:-5}
THREADS=${2:-2}
ITERS=${3:-5}
QUIET=${QUIET:-0}
cd "$(dirname "$0")/.."
go test -c -o /tmp/bert_bench.test . >/dev/null
OUT=$(mktemp)
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
for i in $(seq "$ROUNDS"); do
  quiet
  echo "# round $i goformer: load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  GOMAXPROCS=$THREADS GOFORMER_THREADS=$THREADS /tmp/bert_bench.test -test.run XXX \
    -test.bench 'BertForward' -test.benchtime "${ITERS}x" | grep '^Benchmark' | sed 's/^/goformer\t/' >>"$OUT"
  quiet
  echo "# round $i pytorch: load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
    /usr/bin/python3 reference/bert_torch.py "$THREADS" "$ITERS" 2>/dev/null | sed 's/^/pytorch\t/' >>"$OUT"
done
/usr/bin/python3 reference/layers_summary.py <"$OUT"
rm -f "$OUT"
