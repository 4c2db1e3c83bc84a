#!/usr/bin/python3
"""Times PyTorch on the ops of benchmarks/tensor_test.go, same shapes.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
        /usr/bin/python3 benchmarks/reference/tensor_ops.py [THREADS] [REPEATS]

Prints one line per op: "torch <name> <median ms> <min ms> <max ms>
<median CPU ms>", wall-clock times and the process's CPU time (all
threads) per call.
Forward-only ops run under torch.inference_mode(); training ops with
autograd. float32 throughout, as the Go side.
"""
import statistics
import sys
import time

import torch
import torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 10
torch.set_num_threads(threads)
try:
    import threadpoolctl
    threadpoolctl.threadpool_limits(threads)
except ImportError:
    pass
torch.manual_seed(0)


def timeit(name, fn, n=repeats):
    for _ in range(2):
        fn()
    ts, cs = [], []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
        cs.append((time.process_time() - c0) * 1e3)
    print(f"torch {name} {statistics.median(ts):.4f} {min(ts):.4f} {max(ts):.4f} {statistics.median(cs):.4f}", flush=True)


r = torch.randn
with torch.inference_mode():
    x, y = r(1 << 20), r(1 << 20)
    timeit("Add", lambda: x + y)
    m, bias = r(512, 1024), r(1024)
    timeit("BiasAdd", lambda: m + bias)
    timeit("GELU", lambda: F.gelu(x))
    s = r(1024, 1024)
    timeit("Softmax", lambda: torch.softmax(s, -1))
    ln, w, b = r(4096, 768), r(768), r(768)
    timeit("LayerNorm", lambda: F.layer_norm(ln, (768,), w, b, 1e-5))
    timeit("SumRows", lambda: ln.sum(0))
    for (mm, k, n) in [(512, 512, 512), (1024, 768, 3072)]:
        a, bb = r(mm, k), r(k, n)
        timeit(f"MatMul/{mm}x{k}x{n}", lambda: a @ bb)
    q, kk = r(8, 12, 128, 64), r(8, 12, 128, 64)
    timeit("AttentionScores", lambda: q @ kk.transpose(-1, -2))

xl = r(4096, 768, requires_grad=True)
wl, bl = r(768, requires_grad=True), r(768, requires_grad=True)
gl = r(4096, 768)


def ln_bwd():
    xl.grad = wl.grad = bl.grad = None
    F.layer_norm(xl, (768,), wl, bl, 1e-5).backward(gl)


timeit("LayerNormBackward", ln_bwd)

logits = r(1024, 8192, requires_grad=True)
ids = torch.arange(1024) * 7 % 8192


def ce():
    logits.grad = None
    F.cross_entropy(logits, ids).backward()


timeit("CrossEntropy", ce)

xm = r(256, 784)
ym = torch.arange(256) % 10
params = [(r(784, 512) * 0.05).requires_grad_(), (r(512) * 0.05).requires_grad_(), (r(512) * 0.05).requires_grad_(),
          (r(512, 512) * 0.05).requires_grad_(), (r(512) * 0.05).requires_grad_(),
          (r(512, 10) * 0.05).requires_grad_(), (r(10) * 0.05).requires_grad_()]
opt = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)


def mlp_step():
    w1, b1, lnw, w2, b2, w3, b3 = params
    h = F.gelu(F.layer_norm(xm @ w1 + b1, (512,), lnw, None, 1e-5))
    h = F.gelu(h @ w2 + b2)
    loss = F.cross_entropy(h @ w3 + b3, ym)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


timeit("MLPStep", mlp_step)
