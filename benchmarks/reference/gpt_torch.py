#!/usr/bin/python3
"""PyTorch CPU on the shapes of goformer's BenchmarkGPT2Forward: a full
forward pass of GPT-2 small (12 layers of width 768, 12 heads, 50257-token
vocabulary, random weights) through the tied language-model head, at
b=1,t=128, b=1,t=512 and b=8,t=128.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \\
        /usr/bin/python3 benchmarks/reference/gpt_torch.py [THREADS] [ITERS]

The model is transformers' GPT2LMHeadModel as written in plain torch by
models/gpt/testdata/gen_fixtures.py (the same modules, layouts and eager
attention that transformers runs on PyTorch 1.13, which has no fused
scaled_dot_product_attention). This is PyTorch's best configuration here
(see BENCHMARKING.md): the OpenMP build of OpenBLAS with its AVX-512
kernels, torch.set_num_threads and threadpoolctl limits, evaluation under
torch.inference_mode, and warm-up passes. Output is `go test -bench`
lines with the names and units of the Go benchmark, including the
process CPU time per op.
"""
import importlib.util
import os
import sys
import time

import torch

import torchthreads

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "gpt2_reference", os.path.join(HERE, "..", "..", "models", "gpt", "testdata", "gen_fixtures.py"))
_ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ref)
GPT2LMHeadModel = _ref.GPT2LMHeadModel

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
iters = int(sys.argv[2]) if len(sys.argv) > 2 else 5
torchthreads.limit(threads)

config = {
    "vocab_size": 50257, "n_positions": 1024, "n_embd": 768, "n_layer": 12, "n_head": 12, "n_inner": None,
    "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5, "scale_attn_weights": True,
}
model = GPT2LMHeadModel(config).eval()


def flops(b, t):
    c = config
    d, n = c["n_embd"], b * t
    layer = 2 * n * d * 4 * d + 2 * n * d * 8 * d + 2 * 2 * b * t * t * d
    return c["n_layer"] * layer + 2 * n * d * c["vocab_size"]


def forward(ids):
    h, _ = model.transformer(ids, torch.ones_like(ids))
    return model.lm_head(h)


with torch.inference_mode():
    for b, t in [(1, 128), (1, 512), (8, 128)]:
        ids = (torch.arange(b * t) * 7919 + 13).remainder(config["vocab_size"]).reshape(b, t)
        for _ in range(2):
            forward(ids)
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(iters):
            forward(ids)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        ns = dt / iters * 1e9
        print(f"BenchmarkGPT2Forward/b={b},t={t}-{threads}\t{iters}\t{ns:.0f} ns/op\t{flops(b, t) / ns:.2f} GFLOP/s"
              f"\t{dc / iters * 1e3:.1f} cpu-ms/op\t{ns / 1e6:.1f} ms/op\t{b * t / (ns / 1e9):.0f} tokens/s", flush=True)
