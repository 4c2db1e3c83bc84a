#!/usr/bin/python3
"""PyTorch CPU on the shapes of goformer's layers benchmarks
(benchmarks/layers_test.go), in groups chosen on the command line:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
        /usr/bin/python3 benchmarks/reference/layers_torch.py [THREADS] [ITERS] [GROUP...]

  mha      nn.MultiheadAttention (b=8, t=512, d=768, 12 heads) forward and
           forward+backward
  encoder  nn.TransformerEncoderLayer (b=8, t=128, d=768, 12 heads,
           feed-forward 3072, GELU, post-LN) forward
  stack    whole forward passes: GPT-2 small (transformers' GPT2LMHeadModel
           in plain torch, models/gpt/testdata/gen_fixtures.py, through the
           tied LM head) at b=1,t=128 and b=8,t=128; BERT-base (12 post-LN
           layers, embeddings with their LayerNorm, no pooler) at b=8,t=128,
           both as transformers' BertModel computes it (eager, from
           models/bert/testdata/gen_bert.py) and through nn.TransformerEncoder's
           fused inference path, of which the faster counts
  train    training steps: the 784-512-512-10 MLP (batch 256) and nanoGPT's
           character-level GPT (6 layers, d 384, 6 heads, context 256,
           batch 8, vocabulary 65, tied head, dropout 0): forward,
           cross-entropy, backward, torch.optim.AdamW

(default: mha encoder). This is PyTorch's best configuration here (see
BENCHMARKING.md): the OpenMP build of OpenBLAS, torch.set_num_threads and
threadpoolctl limits, warm-up runs, and for the forward passes evaluation
mode under torch.inference_mode, where PyTorch 1.13 takes its fused "fast
path" (torch._native_multi_head_attention,
torch._transformer_encoder_layer_fwd) where it has one. Output is `go test
-bench` lines with the names and units of the Go benchmarks, including the
process CPU time per op.
"""
import importlib.util
import math
import os
import resource
import sys
import time

import torch

import torchthreads

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
iters = int(sys.argv[2]) if len(sys.argv) > 2 else 10
groups = set(sys.argv[3:]) or {"mha", "encoder"}
torchthreads.limit(threads)
HERE = os.path.dirname(os.path.abspath(__file__))


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


def run_mha():
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


def run_encoder():
    b, t, d, h = 8, 128, 768, 12
    layer = torch.nn.TransformerEncoderLayer(d, h, 4 * d, dropout=0.1, activation="gelu", batch_first=True)
    layer.eval()
    x = torch.randn(b, t, d)
    with torch.inference_mode():
        bench(f"BenchmarkEncoderLayer/b={b},t={t},d={d}/forward", lambda: layer(x), mha_flops(b, t, d) + 2 * 2 * b * t * d * 4 * d, b * t)


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, "..", "..", *path))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def ids_of(b, t, vocab):
    return (torch.arange(b * t) * 7919 + 13).remainder(vocab).reshape(b, t)


def forward_bench(name, fn, tokens):
    # The forward passes report ms/op and tokens/s, as BenchmarkStack.
    for _ in range(2):
        fn()
    c0, t0 = time.process_time(), time.perf_counter()
    for _ in range(iters):
        fn()
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    ns = dt / iters * 1e9
    print(f"{name}-{threads}\t{iters}\t{ns:.0f} ns/op\t{dc / iters * 1e3:.1f} cpu-ms/op\t{tokens / (ns / 1e9):.0f} tokens/s", flush=True)
    return ns, dc / iters * 1e3


def run_stack():
    gpt = load(("models", "gpt", "testdata", "gen_fixtures.py"), "gpt2_reference")
    config = {
        "vocab_size": 50257, "n_positions": 1024, "n_embd": 768, "n_layer": 12, "n_head": 12, "n_inner": None,
        "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5, "scale_attn_weights": True,
    }
    model = gpt.GPT2LMHeadModel(config).eval()
    with torch.inference_mode():
        for b in (1, 8):
            ids = ids_of(b, 128, 50257)
            mask = torch.ones_like(ids)
            forward_bench(f"BenchmarkStack/gpt2-small/b={b},t=128",
                          lambda: model.lm_head(model.transformer(ids, mask)[0]), b * 128)
    sys.path.insert(0, os.path.join(HERE, "..", "..", "models", "bert", "testdata"))
    import gen_bert  # noqa: E402
    c = gen_bert.Cfg(vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                     intermediate_size=3072, max_position_embeddings=512)
    bert = gen_bert.BertModel(c, add_pooling_layer=False).eval()
    b, t = 8, 128
    ids = ids_of(b, t, 30522)
    types, mask = torch.zeros(b, t, dtype=torch.long), torch.ones(b, t, dtype=torch.long)
    layer = torch.nn.TransformerEncoderLayer(768, 12, 3072, dropout=0.1, activation="gelu", batch_first=True,
                                             layer_norm_eps=1e-12)
    fast = torch.nn.TransformerEncoder(layer, 12, enable_nested_tensor=False).eval()
    with torch.inference_mode():
        eager = forward_bench("BenchmarkStack/bert-base-eager/b=8,t=128", lambda: bert(ids, types, mask), b * t)
        fused = forward_bench("BenchmarkStack/bert-base-fastpath/b=8,t=128",
                              lambda: fast(bert.embeddings(ids, types)), b * t)
    best, cpu = min(eager, fused)
    print(f"BenchmarkStack/bert-base/b=8,t=128-{threads}\t{iters}\t{best:.0f} ns/op\t{cpu:.1f} cpu-ms/op\t"
          f"{b * t / (best / 1e9):.0f} tokens/s", flush=True)


class CharBlock(torch.nn.Module):
    """A pre-LN GPT block as nanoGPT's (bias on, dropout 0)."""

    def __init__(self, d, h, ctx):
        super().__init__()
        self.h = h
        self.ln_1, self.ln_2 = torch.nn.LayerNorm(d), torch.nn.LayerNorm(d)
        self.c_attn, self.c_proj = torch.nn.Linear(d, 3 * d), torch.nn.Linear(d, d)
        self.c_fc, self.c_out = torch.nn.Linear(d, 4 * d), torch.nn.Linear(4 * d, d)
        self.register_buffer("mask", torch.tril(torch.ones(ctx, ctx)).view(1, 1, ctx, ctx))

    def attn(self, x):
        b, t, d = x.shape
        q, k, v = self.c_attn(x).split(d, dim=2)
        q, k, v = (z.view(b, t, self.h, d // self.h).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.mask[:, :, :t, :t] == 0, float("-inf")).softmax(-1)
        return self.c_proj((att @ v).transpose(1, 2).contiguous().view(b, t, d))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.c_out(torch.nn.functional.gelu(self.c_fc(self.ln_2(x))))


class CharGPT(torch.nn.Module):
    def __init__(self, vocab, ctx, d, h, layers):
        super().__init__()
        self.wte, self.wpe = torch.nn.Embedding(vocab, d), torch.nn.Embedding(ctx, d)
        self.blocks = torch.nn.ModuleList(CharBlock(d, h, ctx) for _ in range(layers))
        self.ln_f = torch.nn.LayerNorm(d)

    def forward(self, ids):
        x = self.wte(ids) + self.wpe(torch.arange(ids.size(1)))
        for blk in self.blocks:
            x = blk(x)
        return self.ln_f(x) @ self.wte.weight.t()


def train_bench(name, step, tokens):
    for _ in range(2):
        step()
    c0, t0 = time.process_time(), time.perf_counter()
    for _ in range(iters):
        step()
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    ns = dt / iters * 1e9
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{name}-{threads}\t{iters}\t{ns:.0f} ns/op\t{dc / iters * 1e3:.1f} cpu-ms/op\t{ns / 1e6:.1f} ms/step"
          f"\t{rss:.1f} peak-RSS-MB\t{tokens / (ns / 1e9):.0f} tokens/s", flush=True)


def groups_of(model, wd):
    decay = [p for p in model.parameters() if p.dim() >= 2]
    other = [p for p in model.parameters() if p.dim() < 2]
    return [{"params": decay, "weight_decay": wd}, {"params": other, "weight_decay": 0.0}]


def run_train():
    F = torch.nn.functional
    mlp = torch.nn.ModuleDict({"l1": torch.nn.Linear(784, 512), "l2": torch.nn.Linear(512, 512),
                               "l3": torch.nn.Linear(512, 10), "ln": torch.nn.LayerNorm(512, elementwise_affine=True)})
    opt = torch.optim.AdamW(mlp.parameters(), lr=1e-3, weight_decay=0.01)
    x, y = torch.randn(256, 784), torch.arange(256) % 10

    def mlp_step():
        h = F.gelu(mlp["ln"](mlp["l1"](x)))
        h = F.gelu(mlp["l2"](h))
        loss = F.cross_entropy(mlp["l3"](h), y)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    train_bench("BenchmarkTrainStep/mlp", mlp_step, 256)
    vocab, ctx, batch = 65, 256, 8
    gpt = CharGPT(vocab, ctx, 384, 6, 6)
    opt2 = torch.optim.AdamW(groups_of(gpt, 0.1), lr=1e-3)
    ids, tgt = ids_of(batch, ctx, vocab), (ids_of(batch, ctx, vocab) * 31 + 7).remainder(vocab)

    def gpt_step():
        loss = F.cross_entropy(gpt(ids).view(-1, vocab), tgt.view(-1))
        loss.backward()
        opt2.step()
        opt2.zero_grad(set_to_none=True)

    train_bench("BenchmarkTrainStep/gpt-char", gpt_step, batch * ctx)


for g, f in (("mha", run_mha), ("encoder", run_encoder), ("stack", run_stack), ("train", run_train)):
    if g in groups:
        f()
