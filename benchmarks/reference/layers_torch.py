#!/usr/bin/python3
"""PyTorch CPU on the shapes of goformer's layers benchmarks:
nn.MultiheadAttention (b=8, t=512, d=768, 12 heads) forward and
forward+backward, and nn.TransformerEncoderLayer (b=8, t=128, d=768, 12
heads, feed-forward 3072, GELU, post-LN) forward.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
        /usr/bin/python3 benchmarks/reference/layers_torch.py [THREADS] [ITERS]

This is PyTorch's best configuration here (see BENCHMARKING.md): the
OpenMP build of OpenBLAS, torch.set_num_threads and threadpoolctl limits,
warm-up runs, and for the forward passes evaluation mode under
torch.inference_mode, where PyTorch 1.13 takes its fused "fast path"
(torch._native_multi_head_attention, torch._transformer_encoder_layer_fwd).
Output is `go test -bench` lines with the names and units of the Go
benchmarks, including the process CPU time per op.
"""
import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
iters = int(sys.argv[2]) if len(sys.argv) > 2 else 10
torch.set_num_threads(threads)
try:
    import threadpoolctl

    threadpoolctl.threadpool_limits(threads)
except ImportError:
    pass
print(f"# torch {torch.__version__} threads={torch.get_num_threads()}", file=sys.stderr)
torch.manual_seed(0)


def bench(name, fn, flops, tokens):
    for _ in range(3):
        fn()
    c0, t0 = time.process_time(), time.perf_counter()
    for _ in range(iters):
        fn()
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    ns = dt / iters * 1e9
    print(f"{name}-{threads}\t{iters}\t{ns:.0f} ns/op\t{flops / ns:.2f} GFLOP/s\t{dc / iters * 1e3:.1f} cpu-ms/op\t{tokens / (ns / 1e9):.0f} tokens/s", flush=True)


def mha_flops(b, t, d):
    return 2 * b * t * d * 4 * d + 2 * 2 * b * t * t * d


b, t, d, h = 8, 512, 768, 12
mha = torch.nn.MultiheadAttention(d, h, batch_first=True)
x = torch.randn(b, t, d)
name = f"BenchmarkMultiHeadAttention/b={b},t={t},d={d},h={h}"
mha.eval()
with torch.inference_mode():
    bench(name + "/forward", lambda: mha(x, x, x, need_weights=False), mha_flops(b, t, d), b * t)
mha.train()
xg = x.clone().requires_grad_(True)
g = torch.randn(b, t, d)


def step():
    mha.zero_grad(set_to_none=True)
    xg.grad = None
    out, _ = mha(xg, xg, xg, need_weights=False)
    out.backward(g)


bench(name + "/forward+backward", step, 3 * mha_flops(b, t, d), b * t)

b, t = 8, 128
layer = torch.nn.TransformerEncoderLayer(d, h, 4 * d, dropout=0.1, activation="gelu", batch_first=True)
layer.eval()
x = torch.randn(b, t, d)
with torch.inference_mode():
    bench(f"BenchmarkEncoderLayer/b={b},t={t},d={d}/forward", lambda: layer(x), mha_flops(b, t, d) + 2 * 2 * b * t * d * 4 * d, b * t)
