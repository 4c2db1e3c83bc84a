#!/usr/bin/python3
"""PyTorch CPU on the shapes of the CPU benchmark suite: SGEMM, softmax,
layer norm and GELU.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
        /usr/bin/python3 benchmarks/reference/cpu_torch.py [THREADS] [SECONDS] [FILTER]

This is PyTorch's best configuration here (see BENCHMARKING.md): the
OpenMP build of OpenBLAS, torch.set_num_threads and threadpoolctl limits,
torch.inference_mode, warm-up runs. Each op is timed through its public
function and through its out= variant where one exists (no allocation of
the result); the faster is printed. Output is `go test -bench` lines with
the same names and units as the Go benchmarks: GFLOP/s for SGEMM, GB/s
(bytes read + written: 8 per element) for the row kernels.
"""
import sys
import time

import torch
import torch.nn.functional as F

import torchthreads

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
only = sys.argv[3] if len(sys.argv) > 3 else ""
torchthreads.limit(threads)


def bench(fn):
    for _ in range(3):
        fn()
    iters = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(iters):
            fn()
        dt = time.perf_counter() - t0
        if dt >= seconds or iters >= 1 << 20:
            return dt / iters * 1e9, iters
        iters = max(iters + 1, min(iters * 100, int(iters * seconds * 1.2 / max(dt, 1e-9))))


def best(*fns):
    results = [bench(f) for f in fns]
    return min(results)


def report(name, ns, iters, value, unit):
    print(f"{name}\t{iters}\t{ns:.0f} ns/op\t{value:.2f} {unit}", flush=True)


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

with torch.inference_mode():
    for name, m, n, k in SHAPES:
        full = f"BenchmarkSgemm/{name}"
        if only and only not in full:
            continue
        a = torch.rand(m, k) * 2 - 1
        b = torch.rand(k, n) * 2 - 1
        c = torch.empty(m, n)
        ns, iters = best(lambda: torch.matmul(a, b, out=c))
        report(full, ns, iters, 2 * m * n * k / ns, "GFLOP/s")

    for rows, cols in [(1024, 768), (8192, 768)]:
        x = torch.randn(rows, cols) * 3
        y = torch.empty_like(x)
        w = torch.linspace(1, 2, cols)
        bias = torch.linspace(0, 1, cols)
        nbytes = 8 * rows * cols
        ops = [
            ("Softmax", [lambda: torch.softmax(x, -1), lambda: torch._softmax(x, -1, False, out=y)]),
            ("LayerNorm", [lambda: F.layer_norm(x, (cols,), w, bias, 1e-5)]),
            ("GELU", [lambda: F.gelu(x), lambda: torch._C._nn.gelu(x, out=y)]),
            ("GELUTanh", [lambda: F.gelu(x, approximate="tanh"), lambda: torch._C._nn.gelu(x, approximate="tanh", out=y)]),
        ]
        for op, fns in ops:
            full = f"Benchmark{op}/{rows}x{cols}"
            if only and only not in full:
                continue
            ns, iters = best(*fns)
            report(full, ns, iters, nbytes / ns, "GB/s")
