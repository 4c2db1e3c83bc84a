#!/usr/bin/python3
"""SGEMM through numpy (Debian's OpenBLAS) on the shapes of BenchmarkSgemm.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 \
        /usr/bin/python3 benchmarks/reference/cpu_numpy.py [THREADS] [SECONDS]

Run it with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for OpenBLAS's
AVX-512 kernel (its best here), or as set by the machine for the AVX2 one.
Prints `go test -bench` lines (name, iterations, ns/op, GFLOP/s) so that
cpu_compare.py parses both sides alike, and the OpenBLAS kernel on stderr.
np.matmul writes into a preallocated float32 C, like the Go benchmark.
"""
import sys
import time

import numpy as np

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
try:
    import threadpoolctl

    threadpoolctl.threadpool_limits(threads)
    info = [i for i in threadpoolctl.threadpool_info() if i.get("internal_api") == "openblas"]
    for i in info:
        print(f"# openblas {i.get('version')} architecture={i.get('architecture')} threads={i.get('num_threads')}", file=sys.stderr)
except ImportError:
    print("# threadpoolctl missing: set OPENBLAS_NUM_THREADS", file=sys.stderr)

SHAPES = [
    ("n=256", 256, 256, 256),
    ("n=512", 512, 512, 512),
    ("n=1024", 1024, 1024, 1024),
    ("n=2048", 2048, 2048, 2048),
    ("m=512,k=768,n=768", 512, 768, 768),
    ("m=512,k=768,n=3072", 512, 3072, 768),
    ("m=512,k=3072,n=768", 512, 768, 3072),
    ("m=512,k=768,n=2304", 512, 2304, 768),
]

only = sys.argv[3] if len(sys.argv) > 3 else ""
rng = np.random.default_rng(1)
for name, m, n, k in SHAPES:
    if only and only not in name:
        continue
    a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
    c = np.empty((m, n), dtype=np.float32)
    for _ in range(3):
        np.matmul(a, b, out=c)
    # Grow the iteration count until a run takes `seconds`, as go test does.
    iters = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(iters):
            np.matmul(a, b, out=c)
        dt = time.perf_counter() - t0
        if dt >= seconds or iters >= 1 << 20:
            break
        iters = max(iters + 1, min(iters * 100, int(iters * seconds * 1.2 / max(dt, 1e-9))))
    ns = dt / iters * 1e9
    gflops = 2 * m * n * k / ns
    print(f"BenchmarkSgemm/{name}\t{iters}\t{ns:.0f} ns/op\t{gflops:.1f} GFLOP/s", flush=True)
