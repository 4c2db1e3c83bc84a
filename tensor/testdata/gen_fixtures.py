#!/usr/bin/python3
"""Writes torch_fixtures.safetensors: PyTorch's outputs and gradients for
small composite programs, the parity fixtures of package tensor.

Run by hand with Debian's python3-torch (1.13), never by CI:

    /usr/bin/python3 tensor/testdata/gen_fixtures.py

The file is a safetensors file (8-byte little-endian header length, JSON
header, raw little-endian data) written by this script without the
safetensors package. Tensor names are "<program>/<name>"; the programs are
described in README.md beside this script.
"""
import json
import os
import struct

import torch
import torch.nn.functional as F

torch.manual_seed(20240601)
torch.set_num_threads(1)
out = {}


def put(name, t):
    t = t.detach().clone().contiguous()  # a copy: later in-place steps must not change it
    if t.dtype == torch.int64:
        t = t.to(torch.int32)
    out[name] = t


def randn(*shape):
    return torch.randn(*shape, dtype=torch.float32)


def leaf(*shape):
    return randn(*shape).requires_grad_(True)


# 1. A two-layer perceptron: Linear, LayerNorm, GELU, Linear, cross-entropy
#    with an ignored row and label smoothing; and the same with tanh-GELU
#    and plain targets.
x, w1, b1 = leaf(8, 16), leaf(16, 32), leaf(32)
lnw, lnb = (1 + 0.1 * randn(32)).requires_grad_(True), leaf(32)
w2, b2 = leaf(32, 10), leaf(10)
tgt = torch.tensor([3, 0, 9, -100, 5, 5, 1, 7])
for prog, gelu, smooth in [("mlp", "none", 0.1), ("mlp_tanh", "tanh", 0.0)]:
    for p in (x, w1, b1, lnw, lnb, w2, b2):
        p.grad = None
    h = x @ w1 + b1
    h = F.layer_norm(h, (32,), lnw, lnb, 1e-5)
    h = F.gelu(h, approximate=gelu)
    logits = h @ w2 + b2
    loss = F.cross_entropy(logits, tgt, ignore_index=-100, label_smoothing=smooth)
    loss.backward()
    for n, v in dict(x=x, w1=w1, b1=b1, lnw=lnw, lnb=lnb, w2=w2, b2=b2).items():
        put(f"{prog}/{n}", v)
        put(f"{prog}/grad_{n}", v.grad)
    put(f"{prog}/targets", tgt)
    put(f"{prog}/logits", logits)
    put(f"{prog}/loss", loss)

# 2. Batched matmul with broadcast batch dims and a transposed operand.
a, b, c = leaf(2, 1, 3, 4), leaf(5, 4, 6), leaf(5, 6, 4)
y1 = a @ b                    # [2, 5, 3, 6]
y2 = a @ c.transpose(-1, -2)  # [2, 5, 3, 6]
r1, r2 = randn(*y1.shape), randn(*y2.shape)
((y1 * r1).sum() + (y2 * r2).sum()).backward()
for n, v in dict(a=a, b=b, c=c, y1=y1, y2=y2, r1=r1, r2=r2).items():
    put(f"bmm/{n}", v)
for n, v in dict(a=a, b=b, c=c).items():
    put(f"bmm/grad_{n}", v.grad)

# 3. Softmax and log-softmax over axes other than the last.
x = leaf(3, 4, 5)
s0, s1, l1 = torch.softmax(x, 0), torch.softmax(x, 1), torch.log_softmax(x, 1)
rs = [randn(3, 4, 5) for _ in range(3)]
((s0 * rs[0]).sum() + (s1 * rs[1]).sum() + (l1 * rs[2]).sum()).backward()
for n, v in dict(x=x, s0=s0, s1=s1, l1=l1, r0=rs[0], r1=rs[1], r2=rs[2], grad_x=x.grad).items():
    put(f"softmax/{n}", v)

# 4. Causal masked fill with -inf, then log-softmax.
scores = leaf(2, 4, 4)
mask = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)
lp = torch.log_softmax(scores.masked_fill(mask, float("-inf")), -1)
r = randn(2, 4, 4)
torch.where(mask, torch.zeros(()), lp * r).sum().backward()
for n, v in dict(scores=scores, mask=mask.to(torch.int32), logp=lp, r=r, grad_scores=scores.grad).items():
    put(f"masked/{n}", v)

# 5. Assorted ops, each contracted with its own random weights.
x = leaf(4, 6)
w = (1 + 0.1 * randn(6)).requires_grad_(True)
ys = {
    "var1": x.var(1),
    "lse0": torch.logsumexp(x, 0),
    "amax1": x.amax(1),
    "rms": x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * w,
    "silu": F.silu(x),
    "sigmoid": torch.sigmoid(x),
    "tanh": torch.tanh(x),
    "gelu_tanh": F.gelu(x, approximate="tanh"),
    "pow3": x.pow(3),
    "clamp": x.clamp(-0.5, 0.5),
    "maximum": torch.maximum(x, x.flip(1)),
    "mean0": x.mean(0),
}
total = 0
for n, y in ys.items():
    r = randn(*y.shape)
    put(f"misc/{n}", y)
    put(f"misc/r_{n}", r)
    total = total + (y * r).sum()
total.backward()
put("misc/x", x)
put("misc/w", w)
put("misc/grad_x", x.grad)
put("misc/grad_w", w.grad)

# 6. Embedding lookup with repeated ids, and its scatter-add gradient.
wt = leaf(10, 4)
ids = torch.tensor([[1, 7, 1], [0, 9, 7]])
e = F.embedding(ids, wt)
r = randn(*e.shape)
(e * r).sum().backward()
for n, v in dict(weight=wt, ids=ids, out=e, r=r, grad_weight=wt.grad).items():
    put(f"embedding/{n}", v)

# 7. Three AdamW steps (torch.optim.AdamW, single-tensor path).
p = leaf(5, 7)
put("adamw/p0", p)
opt = torch.optim.AdamW([p], lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1, foreach=False)
for step in range(1, 4):
    g = randn(5, 7)
    p.grad = g.clone()
    opt.step()
    put(f"adamw/g{step}", g)
    put(f"adamw/p{step}", p)

# Write the safetensors file.
dtypes = {torch.float32: "F32", torch.float64: "F64", torch.int32: "I32"}
header, blobs, offset = {}, [], 0
for name in sorted(out):
    t = out[name]
    raw = t.numpy().tobytes()
    header[name] = {"dtype": dtypes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
    blobs.append(raw)
    offset += len(raw)
header["__metadata__"] = {"generator": "tensor/testdata/gen_fixtures.py", "torch": torch.__version__}
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * (-len(h) % 8)
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_fixtures.safetensors")
with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(h)))
    f.write(h)
    for raw in blobs:
        f.write(raw)
print(f"wrote {path}: {len(out)} tensors, {offset} bytes of data")
