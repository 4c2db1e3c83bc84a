#!/usr/bin/python3
"""PyTorch CPU on the shapes of goformer's BenchmarkTrainStep: one training
step (forward, cross-entropy, backward, AdamW step, zero_grad) of

  bert-base-frozen  BERT-base sequence classifier (2 classes), b=8, t=128,
                    embeddings and encoder frozen: pooler and classifier train
  bert-base-full    the same with every parameter trained
  gpt2-small        GPT-2 small language model (tied head), b=4, t=128

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \\
        /usr/bin/python3 benchmarks/reference/train_torch.py [THREADS] [ITERS] [NAMES...]

Debian has no `transformers`: the two models are written here in plain torch
with Hugging Face's module structure and formulas (BertModel with post-LN
layers, exact GELU, dropout 0.1, a tanh pooler; GPT-2 with pre-LN blocks,
Conv1D-style fused QKV, tanh GELU, dropout 0.1, the LM head tied to wte).
Both run in training mode (dropout on), as goformer's side does. This is
PyTorch's best configuration here (see BENCHMARKING.md): the OpenMP
OpenBLAS, torch.set_num_threads plus threadpoolctl, warm-up steps.
Output is `go test -bench` lines with the Go benchmarks' names, including
the process CPU time per step.
"""
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

import torchthreads

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
iters = int(sys.argv[2]) if len(sys.argv) > 2 else 5
names = sys.argv[3:] or ["bert-base-frozen", "bert-base-full", "gpt2-small"]
torchthreads.limit(threads)


class BertSelfAttention(nn.Module):
    def __init__(self, d, h, p):
        super().__init__()
        self.h = h
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.dropout = nn.Dropout(p)

    def forward(self, x, bias):
        b, t, d = x.shape
        split = lambda y: y.view(b, t, self.h, d // self.h).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        s = q @ k.transpose(-1, -2) / math.sqrt(d // self.h) + bias
        a = self.dropout(s.softmax(-1))
        return (a @ v).transpose(1, 2).reshape(b, t, d)


class BertLayer(nn.Module):
    def __init__(self, d, h, f, p):
        super().__init__()
        self.attention = BertSelfAttention(d, h, p)
        self.attn_out, self.ln1 = nn.Linear(d, d), nn.LayerNorm(d, eps=1e-12)
        self.intermediate, self.output, self.ln2 = nn.Linear(d, f), nn.Linear(f, d), nn.LayerNorm(d, eps=1e-12)
        self.dropout = nn.Dropout(p)

    def forward(self, x, bias):
        x = self.ln1(x + self.dropout(self.attn_out(self.attention(x, bias))))
        return self.ln2(x + self.dropout(self.output(F.gelu(self.intermediate(x)))))


class BertClassifier(nn.Module):
    def __init__(self, vocab=30522, d=768, layers=12, h=12, f=3072, positions=512, classes=2, p=0.1):
        super().__init__()
        self.word, self.pos, self.token_type = nn.Embedding(vocab, d), nn.Embedding(positions, d), nn.Embedding(2, d)
        self.emb_ln, self.emb_drop = nn.LayerNorm(d, eps=1e-12), nn.Dropout(p)
        self.layers = nn.ModuleList([BertLayer(d, h, f, p) for _ in range(layers)])
        self.pooler = nn.Linear(d, d)
        self.drop, self.classifier = nn.Dropout(p), nn.Linear(d, classes)

    def forward(self, ids, mask):
        t = ids.shape[1]
        x = self.word(ids) + self.pos(torch.arange(t)) + self.token_type(torch.zeros_like(ids))
        x = self.emb_drop(self.emb_ln(x))
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for l in self.layers:
            x = l(x, bias)
        return self.classifier(self.drop(torch.tanh(self.pooler(x[:, 0]))))


class GPT2Block(nn.Module):
    def __init__(self, d, h, p):
        super().__init__()
        self.h = h
        self.ln_1, self.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.c_attn, self.c_proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.c_fc, self.mlp_proj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
        self.attn_drop, self.resid_drop = nn.Dropout(p), nn.Dropout(p)

    def forward(self, x, causal):
        b, t, d = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(d, dim=2)
        split = lambda y: y.view(b, t, self.h, d // self.h).transpose(1, 2)
        q, k, v = split(q), split(k), split(v)
        s = (q @ k.transpose(-1, -2) / math.sqrt(d // self.h)).masked_fill(causal[:t, :t], torch.finfo(torch.float32).min)
        a = self.attn_drop(s.softmax(-1))
        x = x + self.resid_drop(self.c_proj((a @ v).transpose(1, 2).reshape(b, t, d)))
        return x + self.resid_drop(self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh")))


class GPT2LM(nn.Module):
    def __init__(self, vocab=50257, d=768, layers=12, h=12, positions=1024, p=0.1):
        super().__init__()
        self.wte, self.wpe, self.drop = nn.Embedding(vocab, d), nn.Embedding(positions, d), nn.Dropout(p)
        self.h = nn.ModuleList([GPT2Block(d, h, p) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d)
        self.register_buffer("causal", torch.ones(positions, positions, dtype=torch.bool).triu(1))

    def forward(self, ids):
        x = self.drop(self.wte(ids) + self.wpe(torch.arange(ids.shape[1])))
        for blk in self.h:
            x = blk(x, self.causal)
        return self.ln_f(x) @ self.wte.weight.T


def bench(name, step, tokens):
    for _ in range(2):
        step()
    times, cpus = [], []
    for _ in range(iters):
        c0, t0 = time.process_time(), time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    times.sort()
    cpus.sort()
    ns = times[len(times) // 2] * 1e9
    print(f"BenchmarkTrainStep/{name}-{threads}\t{iters}\t{ns:.0f} ns/op\t{ns / 1e6:.1f} ms/step\t"
          f"{cpus[len(cpus) // 2] * 1e3:.1f} cpu-ms/op\t{tokens / (ns / 1e9):.0f} tokens/s", flush=True)


for name in names:
    if name.startswith("bert-base"):
        b, t = 8, 128
        model = BertClassifier().train()
        if name == "bert-base-frozen":
            for mod in [model.word, model.pos, model.token_type, model.emb_ln, model.layers]:
                for prm in mod.parameters():
                    prm.requires_grad_(False)
        ids = torch.randint(0, 30522, (b, t))
        mask = torch.ones(b, t, dtype=torch.long)
        labels = torch.randint(0, 2, (b,))
        opt = torch.optim.AdamW([q for q in model.parameters() if q.requires_grad], lr=2e-5, weight_decay=0.01)

        def step():
            loss = F.cross_entropy(model(ids, mask), labels)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
    elif name == "gpt2-small":
        b, t = 4, 128
        model = GPT2LM().train()
        ids = torch.randint(0, 50257, (b, t + 1))
        opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.1)

        def step():
            logits = model(ids[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
    else:
        sys.exit(f"unknown benchmark {name}")
    bench(name, step, b * t)
