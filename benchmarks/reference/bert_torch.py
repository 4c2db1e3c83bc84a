#!/usr/bin/python3
"""PyTorch CPU on the shape of goformer's BenchmarkBertForward: BERT-base
(12 layers, hidden 768, 12 heads, feed-forward 3072) over 8 sequences of
128 tokens, encoder and pooler, as transformers' BertModel computes it.
There is no transformers package here: the model is the plain-torch BERT of
models/bert/testdata/gen_bert.py (transformers' module structure and
formulas), imported from there.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
        /usr/bin/python3 benchmarks/reference/bert_torch.py [THREADS] [ITERS]

PyTorch's best configuration here (see BENCHMARKING.md): the OpenMP build
of OpenBLAS, torch.set_num_threads and threadpoolctl limits, three warm-up
runs, evaluation mode under torch.inference_mode. Output is `go test
-bench` lines with the Go benchmark's name and units, including the
process CPU time per op.
"""
import os
import sys
import time

import torch

import torchthreads

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models", "bert", "testdata"))
import gen_bert  # noqa: E402

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
iters = int(sys.argv[2]) if len(sys.argv) > 2 else 5
torchthreads.limit(threads)

c = gen_bert.Cfg(vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 intermediate_size=3072, max_position_embeddings=512)
model = gen_bert.BertModel(c).eval()
b, t = 8, 128
ids = (1000 + (torch.arange(b * t) * 7919) % 20000).view(b, t)
types = torch.zeros(b, t, dtype=torch.long)
mask = torch.ones(b, t, dtype=torch.long)
h, f, n = 768, 3072, b * t
flops = 12 * 2 * (n * (4 * h * h + 2 * h * f) + 2 * n * t * h) + 2 * b * h * h

with torch.inference_mode():
    for _ in range(3):
        model(ids, types, mask)
    c0, t0 = time.process_time(), time.perf_counter()
    for _ in range(iters):
        model(ids, types, mask)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
ns = dt / iters * 1e9
print(f"BenchmarkBertForward/b={b},t={t}-{threads}\t{iters}\t{ns:.0f} ns/op\t{dc / iters * 1e3:.1f} cpu-ms/op\t"
      f"{ns / 1e6:.1f} ms/op\t{flops / ns:.2f} GFLOP/s\t{n / (ns / 1e9):.0f} tokens/s", flush=True)
