#!/usr/bin/env bash
# gpucheck.sh: the GPU check of the cuda package, for a machine with an
# NVIDIA GPU and driver but no Go. Build the test binaries on a
# development machine first (from the repository root):
#
#   go test -c -tags goformer_noemu -o .gpu/cuda.test ./cuda
#   go test -c -tags goformer_noemu -o .gpu/bench.test ./benchmarks
#
# (goformer_noemu leaves the CPU kernel emulator out, so the binaries need
# only glibc >= 2.34), carry .gpu/ to the GPU machine and run, from the
# repository root:
#
#   bash cuda/gpucheck.sh
#
# It runs every kernel test against the CPU backend on the GPU, the GPT
# training-step comparison, NVRTC, and the GPU benchmarks, each step under
# a time limit, going on after a failure, and ends with a summary. Logs go
# to $OUT (or .gpu/logs). Every step has a time limit; all together they
# allow at most about five minutes, and a healthy run takes about two.
set -u
cd "$(dirname "$0")/.."
LOGS=${OUT:-.gpu/logs}
mkdir -p "$LOGS"
SUMMARY=()
FAILED=0

# step NAME LIMIT DIR CMD...: run CMD in DIR under a time limit, log it.
step() {
	local name=$1 limit=$2 dir=$3
	shift 3
	local log="$LOGS/$name.log" start end rc
	echo "== $name (limit ${limit}s)"
	start=$(date +%s)
	(cd "$dir" && timeout --kill-after=10 "$limit" "$@") >"$log" 2>&1
	rc=$?
	end=$(date +%s)
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		SUMMARY+=("$name: TIMED OUT after $((end - start))s")
		FAILED=1
	elif [ $rc -ne 0 ]; then
		SUMMARY+=("$name: FAILED (exit $rc) in $((end - start))s")
		FAILED=1
	else
		SUMMARY+=("$name: ok in $((end - start))s")
	fi
	return 0
}

step gpu-info 20 . bash -c 'nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total,clocks.max.sm --format=csv; nvidia-smi -L; uname -m; ldd --version | head -1'
cat "$LOGS/gpu-info.log"

for bin in .gpu/cuda.test .gpu/bench.test; do
	if [ ! -x "$bin" ]; then
		echo "missing $bin: build it first (see the top of this script)"
		SUMMARY+=("$bin: MISSING")
		FAILED=1
	fi
done

if [ -x .gpu/cuda.test ]; then
	# Real GPU only (GOFORMER_CUDA_TEST=gpu); every kernel against the CPU.
	step cuda-tests 120 cuda env GOFORMER_CUDA_TEST=gpu ../.gpu/cuda.test -test.v -test.count=1 -test.timeout=110s
	log="$LOGS/cuda-tests.log"
	echo "-- kernel inventory (registers, spills):"
	grep -E "inventory_test|GPU 0:|loaded [0-9]+ kernels" "$log" | head -n 120
	echo "-- NVRTC:"
	grep -E "nvrtc_test" "$log" | head -n 10
	echo "-- GPT step:"
	grep -E "gpt_test|TestGPT" "$log" | head -n 10
	pass=$(grep -c -- "--- PASS" "$log")
	fail=$(grep -c -- "--- FAIL" "$log")
	skip=$(grep -c -- "--- SKIP" "$log")
	echo "-- cuda tests: $pass passed, $fail failed, $skip skipped"
	if [ "$fail" -gt 0 ]; then
		echo "-- failures (first 60 lines):"
		grep -E -- "--- FAIL|_test.go:[0-9]+:" "$log" | grep -v -E "inventory_test|gpt_test.go:[0-9]+: loss" | head -n 60
	fi
	grep -E "^(panic|fatal error|FAIL|ok|PASS)" "$log" | tail -n 5
	SUMMARY+=("cuda tests: $pass passed, $fail failed, $skip skipped")
fi

if [ -x .gpu/bench.test ]; then
	step cuda-bench 60 benchmarks ../.gpu/bench.test -test.run "^$" -test.bench CUDA -test.benchtime 20x -test.timeout 55s
	grep -E "^Benchmark|^(ok|FAIL|PASS)|panic" "$LOGS/cuda-bench.log" | head -n 40
	# The other SGEMM tile shapes, for choosing the default.
	for tile in 128x64 64; do
		step "cuda-sgemm-$tile" 30 benchmarks env GOFORMER_CUDA_GEMM_TILE=$tile ../.gpu/bench.test -test.run "^$" -test.bench CUDASgemm -test.benchtime 10x -test.timeout 25s
		grep -E "^Benchmark" "$LOGS/cuda-sgemm-$tile.log" | sed "s/^/[$tile] /" | head -n 10
	done
fi

# PyTorch at the same shapes, for the ratios (when PyTorch is installed).
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' >/dev/null 2>&1; then
	step torch-bench 60 . python3 benchmarks/reference/cuda_torch.py --iters 20
	grep -E "^(Benchmark|#)|Error|error" "$LOGS/torch-bench.log" | head -n 30
else
	SUMMARY+=("torch-bench: skipped (no PyTorch with CUDA)")
fi

echo
echo "== summary"
for s in "${SUMMARY[@]}"; do echo "  $s"; done
exit $FAILED
