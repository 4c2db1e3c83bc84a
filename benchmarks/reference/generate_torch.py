#!/usr/bin/python3
"""PyTorch CPU greedy generation with a KV cache, the reference of
BenchmarkGPT2Generate and BenchmarkLlamaGenerate:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
        /usr/bin/python3 benchmarks/reference/generate_torch.py [THREADS] [ITERS]

The models are Hugging Face's GPT2LMHeadModel (GPT-2 small: 12 layers,
768 wide, 12 heads, 50257 tokens, 1024 positions) and LlamaForCausalLM at
SmolLM-135M's shape (30 layers, 576 wide, 9 heads, 3 key/value heads,
MLP 1536, 49152 tokens, tied embeddings), written here in plain torch with
transformers' algorithms and its cache (past keys and values concatenated
at each step, eager attention), random weights, float32, under
torch.inference_mode. One op is a whole greedy generation: a 32-token
prompt (one forward pass) then 64 new tokens, one token a step; tokens/s
counts the 64 new tokens over the op's wall time. Output is `go test
-bench` lines with the Go benchmarks' names, with the CPU time per op.
"""
import math
import sys
import time

import torch
import torch.nn.functional as F

import torchthreads

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
iters = int(sys.argv[2]) if len(sys.argv) > 2 else 3
torchthreads.limit(threads)

PROMPT, NEW = 32, 64


class GPT2:
    """GPT2LMHeadModel's forward with past_key_values (Conv1D weights
    [in, out], tied head, GELU tanh, eager attention with the causal bias)."""

    def __init__(self, layers=12, d=768, heads=12, vocab=50257, positions=1024):
        s = 0.02
        self.d, self.h = d, heads
        self.wte = torch.randn(vocab, d) * s
        self.wpe = torch.randn(positions, d) * s
        self.blocks = []
        for _ in range(layers):
            self.blocks.append(dict(
                ln1=(torch.ones(d), torch.zeros(d)), ln2=(torch.ones(d), torch.zeros(d)),
                attn_w=torch.randn(d, 3 * d) * s, attn_b=torch.zeros(3 * d),
                proj_w=torch.randn(d, d) * s, proj_b=torch.zeros(d),
                fc_w=torch.randn(d, 4 * d) * s, fc_b=torch.zeros(4 * d),
                out_w=torch.randn(4 * d, d) * s, out_b=torch.zeros(d),
            ))
        self.lnf = (torch.ones(d), torch.zeros(d))
        self.bias = torch.tril(torch.ones(positions, positions, dtype=torch.bool)).view(1, 1, positions, positions)

    def forward(self, ids, past):
        b, t = ids.shape
        start = past[0][0].shape[-2] if past else 0
        pos = torch.arange(start, start + t).unsqueeze(0)
        x = self.wte[ids] + self.wpe[pos]
        new_past = []
        hd = self.d // self.h
        for i, blk in enumerate(self.blocks):
            h = F.layer_norm(x, (self.d,), *blk["ln1"], eps=1e-5)
            qkv = torch.addmm(blk["attn_b"], h.view(-1, self.d), blk["attn_w"]).view(b, t, 3 * self.d)
            q, k, v = qkv.split(self.d, dim=2)
            q, k, v = (z.view(b, t, self.h, hd).permute(0, 2, 1, 3) for z in (q, k, v))
            if past:
                k = torch.cat((past[i][0], k), dim=-2)
                v = torch.cat((past[i][1], v), dim=-2)
            new_past.append((k, v))
            w = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd)
            tk = k.shape[-2]
            causal = self.bias[:, :, tk - t: tk, :tk]
            w = torch.where(causal, w, torch.tensor(torch.finfo(w.dtype).min))
            a = torch.matmul(w.softmax(dim=-1), v).permute(0, 2, 1, 3).reshape(b, t, self.d)
            x = x + torch.addmm(blk["proj_b"], a.view(-1, self.d), blk["proj_w"]).view(b, t, self.d)
            h = F.layer_norm(x, (self.d,), *blk["ln2"], eps=1e-5)
            m = F.gelu(torch.addmm(blk["fc_b"], h.view(-1, self.d), blk["fc_w"]), approximate="tanh")
            x = x + torch.addmm(blk["out_b"], m, blk["out_w"]).view(b, t, self.d)
        x = F.layer_norm(x[:, -1], (self.d,), *self.lnf, eps=1e-5)
        return x @ self.wte.t(), new_past


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


class Llama:
    """LlamaForCausalLM's forward with past_key_values (RMSNorm, RoPE,
    grouped-query attention through repeat_kv, SiLU-gated MLP, no biases)."""

    def __init__(self, layers=30, d=576, heads=9, kv_heads=3, hidden=1536, vocab=49152, theta=10000.0):
        s = 0.02
        self.d, self.h, self.kv = d, heads, kv_heads
        self.hd = d // heads
        self.embed = torch.randn(vocab, d) * s
        self.layers = []
        for _ in range(layers):
            self.layers.append(dict(
                ln1=torch.ones(d), ln2=torch.ones(d),
                q=torch.randn(d, d) * s, k=torch.randn(kv_heads * self.hd, d) * s, v=torch.randn(kv_heads * self.hd, d) * s,
                o=torch.randn(d, d) * s,
                gate=torch.randn(hidden, d) * s, up=torch.randn(hidden, d) * s, down=torch.randn(d, hidden) * s,
            ))
        self.norm = torch.ones(d)
        self.inv_freq = 1.0 / (theta ** (torch.arange(0, self.hd, 2).float() / self.hd))

    def rms(self, x, w):
        v = x.pow(2).mean(-1, keepdim=True)
        return w * (x * torch.rsqrt(v + 1e-5))

    def forward(self, ids, past):
        b, t = ids.shape
        start = past[0][0].shape[-2] if past else 0
        pos = torch.arange(start, start + t).float()
        freqs = torch.outer(pos, self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        x = self.embed[ids]
        new_past = []
        rep = self.h // self.kv
        for i, L in enumerate(self.layers):
            h = self.rms(x, L["ln1"])
            q = F.linear(h, L["q"]).view(b, t, self.h, self.hd).transpose(1, 2)
            k = F.linear(h, L["k"]).view(b, t, self.kv, self.hd).transpose(1, 2)
            v = F.linear(h, L["v"]).view(b, t, self.kv, self.hd).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            if past:
                k = torch.cat((past[i][0], k), dim=-2)
                v = torch.cat((past[i][1], v), dim=-2)
            new_past.append((k, v))
            kr = k[:, :, None].expand(b, self.kv, rep, -1, self.hd).reshape(b, self.h, -1, self.hd)
            vr = v[:, :, None].expand(b, self.kv, rep, -1, self.hd).reshape(b, self.h, -1, self.hd)
            w = torch.matmul(q, kr.transpose(2, 3)) / math.sqrt(self.hd)
            if t > 1:
                w = w + torch.full((t, t), float("-inf")).triu(1)
            a = torch.matmul(w.softmax(dim=-1), vr).transpose(1, 2).reshape(b, t, self.d)
            x = x + F.linear(a, L["o"])
            h = self.rms(x, L["ln2"])
            x = x + F.linear(F.silu(F.linear(h, L["gate"])) * F.linear(h, L["up"]), L["down"])
        x = self.rms(x[:, -1], self.norm)
        return x @ self.embed.t(), new_past


def greedy(model, prompt):
    logits, past = model.forward(prompt, None)
    out = []
    for _ in range(NEW):
        nxt = logits.argmax(-1, keepdim=True)
        out.append(nxt)
        logits, past = model.forward(nxt, past)
    return out


def bench(name, model, vocab):
    prompt = torch.randint(0, vocab, (1, PROMPT), generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        greedy(model, prompt)
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(iters):
            greedy(model, prompt)
        dt, dc = (time.perf_counter() - t0) / iters, (time.process_time() - c0) / iters
    print(f"{name}-{threads}\t{iters}\t{dt * 1e9:.0f} ns/op\t{dc * 1e3:.1f} cpu-ms/op\t{NEW / dt:.2f} tokens/s", flush=True)


which = sys.argv[3] if len(sys.argv) > 3 else "all"
if which in ("all", "gpt2"):
    bench(f"BenchmarkGPT2Generate/prompt={PROMPT},new={NEW}", GPT2(), 50257)
if which in ("all", "llama"):
    bench(f"BenchmarkLlamaGenerate/prompt={PROMPT},new={NEW}", Llama(), 49152)
