#!/usr/bin/python3
"""Writes the PyTorch parity fixtures of goformer's nn, embed, attention and
transformer packages, and a numpy-written safetensors file for the reader.

Run from the repository root with Debian's Python (python3-torch 1.13,
python3-numpy):

    /usr/bin/python3 nn/testdata/gen_fixtures.py

It is never run by the tests or by CI: its outputs are committed. Every
fixture is a safetensors file written here by hand with struct and json,
following the published format (8-byte little-endian header length, JSON
header with dtype, shape and data_offsets, "__metadata__"), since Debian
has no safetensors package.

A fixture file holds, for each case, under the prefix "<case>/":
  param.<name>   the module's parameters (PyTorch's state_dict names)
  in.<name>      the inputs
  out            the output
  gout           the upstream gradient used for the backward pass
  grad.<name>    the gradient of every parameter (grad.param.<name>) and
                 of every floating input (grad.in.<name>)
and the header's metadata maps "<case>" to a JSON object describing it.
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

DTYPES = {
    np.dtype("float64"): "F64", np.dtype("float32"): "F32", np.dtype("float16"): "F16",
    np.dtype("int64"): "I64", np.dtype("int32"): "I32", np.dtype("int16"): "I16",
    np.dtype("int8"): "I8", np.dtype("uint8"): "U8", np.dtype("uint16"): "U16",
    np.dtype("uint32"): "U32", np.dtype("uint64"): "U64", np.dtype("bool"): "BOOL",
}


class BF16:
    """Marks a float32 array to be stored as bfloat16 (its top 16 bits,
    rounded to nearest even), which numpy lacks."""

    def __init__(self, a):
        a = np.ascontiguousarray(a, dtype=np.float32)
        u = a.view(np.uint32).astype(np.uint64)
        rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
        self.bits = rounded.astype(np.uint16)
        self.shape = a.shape


def save_safetensors(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        if isinstance(t, BF16):
            dtype, shape, data = "BF16", list(t.shape), t.bits.astype("<u2").tobytes()
        else:
            t = np.asarray(t)  # np.ascontiguousarray would make scalars 1-D
            if not t.flags.c_contiguous:
                t = t.copy(order="C")
            dtype, shape = DTYPES[t.dtype], list(t.shape)
            data = t.astype(t.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes)")


class Fixture:
    def __init__(self):
        self.tensors = {}
        self.meta = {}

    def case(self, name, module, inputs, run, info, dtype):
        """Runs run(module, **inputs) -> output, back-propagates a random
        upstream gradient, and records everything under name/."""
        module = module.to(dtype)
        ins = {}
        for k, v in inputs.items():
            if torch.is_tensor(v) and v.is_floating_point():
                v = v.to(dtype).detach().requires_grad_(True)
            ins[k] = v
        for k, p in module.state_dict().items():
            self.tensors[f"{name}/param.{k}"] = p.detach().cpu().numpy()
        for k, v in ins.items():
            if torch.is_tensor(v):
                self.tensors[f"{name}/in.{k}"] = v.detach().cpu().numpy()
        out = run(module, **ins)
        extra = {}
        if isinstance(out, tuple):
            out, extra = out
        gout = torch.randn(out.shape, dtype=torch.float64).to(dtype)
        (out * gout).sum().backward()
        self.tensors[f"{name}/out"] = out.detach().numpy()
        self.tensors[f"{name}/gout"] = gout.numpy()
        for k, v in extra.items():
            self.tensors[f"{name}/{k}"] = v.detach().numpy()
        for k, p in module.named_parameters():
            if p.grad is not None:
                self.tensors[f"{name}/grad.param.{k}"] = p.grad.numpy()
        for k, v in ins.items():
            if torch.is_tensor(v) and v.is_floating_point() and v.grad is not None:
                self.tensors[f"{name}/grad.in.{k}"] = v.grad.numpy()
        info = dict(info)
        info["dtype"] = "float64" if dtype == torch.float64 else "float32"
        self.meta[name] = json.dumps(info, sort_keys=True)

    def save(self, path):
        save_safetensors(path, self.tensors, self.meta)


DT = {"f32": torch.float32, "f64": torch.float64}


# ---------------------------------------------------------------- nn ----

class RMSNorm(torch.nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class MLP(torch.nn.Module):
    """goformer's nn.MLP: linear2(act(linear1(x))) or, gated,
    linear2(act(gate(x)) * linear1(x))."""

    def __init__(self, d, hidden, act, gated, bias=True):
        super().__init__()
        self.linear1 = torch.nn.Linear(d, hidden, bias=bias)
        if gated:
            self.gate = torch.nn.Linear(d, hidden, bias=bias)
        self.linear2 = torch.nn.Linear(hidden, d, bias=bias)
        self.act, self.gated = act, gated

    def forward(self, x):
        if self.gated:
            h = self.act(self.gate(x)) * self.linear1(x)
        else:
            h = self.act(self.linear1(x))
        return self.linear2(h)


class Loss(torch.nn.Module):
    """Holds no parameters: the loss's input is the thing differentiated."""

    def __init__(self, f):
        super().__init__()
        self.f = f

    def forward(self, **kw):
        return self.f(**kw)


def nn_fixtures():
    fx = Fixture()
    for dn, dt in DT.items():
        torch.manual_seed(1)
        lin = torch.nn.Linear(6, 5)
        fx.case(f"linear_{dn}", lin, {"x": torch.randn(2, 3, 6)}, lambda m, x: m(x), {"layer": "linear", "in": 6, "out": 5, "bias": True}, dt)
        lin = torch.nn.Linear(6, 5, bias=False)
        fx.case(f"linear_nobias_{dn}", lin, {"x": torch.randn(4, 6)}, lambda m, x: m(x), {"layer": "linear", "in": 6, "out": 5, "bias": False}, dt)
        ln = torch.nn.LayerNorm(7, eps=1e-5)
        with torch.no_grad():
            ln.weight.normal_()
            ln.bias.normal_()
        fx.case(f"layernorm_{dn}", ln, {"x": torch.randn(3, 4, 7) * 3 + 1}, lambda m, x: m(x), {"layer": "layernorm", "dim": 7, "eps": 1e-5}, dt)
        rms = RMSNorm(7, 1e-6)
        with torch.no_grad():
            rms.weight.normal_()
        fx.case(f"rmsnorm_{dn}", rms, {"x": torch.randn(3, 4, 7) * 3 + 1}, lambda m, x: m(x), {"layer": "rmsnorm", "dim": 7, "eps": 1e-6}, dt)
        for act, f in [("relu", F.relu), ("gelu", F.gelu), ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh")), ("silu", F.silu)]:
            for gated in (False, True):
                if gated and act in ("relu", "gelu_tanh"):
                    continue
                mlp = MLP(6, 10, f, gated)
                fx.case(f"mlp_{act}_{'gated' if gated else 'plain'}_{dn}", mlp, {"x": torch.randn(2, 3, 6)}, lambda m, x: m(x),
                        {"layer": "mlp", "dim": 6, "hidden": 10, "act": act, "gated": gated}, dt)
        # Losses: the logits are the input whose gradient is recorded.
        targets = torch.tensor([2, -100, 0, 4, 1, -100], dtype=torch.int64)
        for ls in (0.0, 0.2):
            fx.case(f"cross_entropy_ls{ls}_{dn}", Loss(lambda logits, targets: F.cross_entropy(logits, targets, ignore_index=-100, label_smoothing=ls)),
                    {"logits": torch.randn(6, 5) * 2, "targets": targets.to(torch.int32)},
                    lambda m, logits, targets: m(logits=logits, targets=targets.long()), {"loss": "cross_entropy", "label_smoothing": ls, "ignore_index": -100}, dt)
        fx.case(f"mse_{dn}", Loss(lambda pred, target: F.mse_loss(pred, target)), {"pred": torch.randn(3, 4), "target": torch.randn(3, 4)},
                lambda m, pred, target: m(pred=pred, target=target), {"loss": "mse"}, dt)
        fx.case(f"bce_{dn}", Loss(lambda logits, target, weight, pos_weight: F.binary_cross_entropy_with_logits(logits, target, weight=weight, pos_weight=pos_weight)),
                {"logits": torch.randn(3, 4) * 4, "target": torch.rand(3, 4), "weight": torch.rand(3, 4) + 0.5, "pos_weight": torch.rand(4) + 0.5},
                lambda m, logits, target, weight, pos_weight: m(logits=logits, target=target, weight=weight.detach(), pos_weight=pos_weight.detach()), {"loss": "bce_with_logits"}, dt)
    fx.save(os.path.join(ROOT, "nn", "testdata", "torch_layers.safetensors"))


def numpy_fixture():
    """A file written with numpy arrays of many dtypes, for the reader, with
    the expected values beside each as float64."""
    rng = np.random.default_rng(7)
    f32 = rng.standard_normal((3, 4)).astype(np.float32)
    t = {
        "f32": f32,
        "f64": rng.standard_normal(5),
        "f16": np.array([0.5, -2.0, 65504.0, 1e-7, -0.0], dtype=np.float16),
        "bf16": BF16(f32),
        "i64": np.array([[1, -2], [3, 2**31 - 1]], dtype=np.int64),
        "i32": np.array([7, -8, 9], dtype=np.int32),
        "i16": np.array([-300, 300], dtype=np.int16),
        "i8": np.array([-128, 127], dtype=np.int8),
        "u8": np.array([0, 255], dtype=np.uint8),
        "bool": np.array([True, False, True]),
        "scalar": np.array(3.25, dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }
    expect = {}
    for k, v in list(t.items()):
        if isinstance(v, BF16):
            vals = (v.bits.astype(np.uint32) << 16).view(np.float32).astype(np.float64).reshape(v.shape)
        else:
            vals = v.astype(np.float64)
        expect["expect." + k] = vals
    t.update(expect)
    save_safetensors(os.path.join(ROOT, "nn", "safetensors", "testdata", "numpy.safetensors"), t, {"format": "np", "written_by": "gen_fixtures.py"})


# ------------------------------------------------------------- embed ----

def embed_fixtures():
    fx = Fixture()
    for dn, dt in DT.items():
        torch.manual_seed(2)
        e = torch.nn.Embedding(7, 3, padding_idx=2)
        ids = torch.tensor([[1, 2, 3], [2, 6, 1]], dtype=torch.int32)
        fx.case(f"embedding_pad_{dn}", e, {"ids": ids}, lambda m, ids: m(ids.long()), {"layer": "embedding", "vocab": 7, "dim": 3, "padding_idx": 2}, dt)

        # Rotary embeddings as Hugging Face's LLaMA applies them
        # (rotate_half), and GPT-J's interleaved form.
        class Rope(torch.nn.Module):
            def __init__(self, dim, base, interleaved):
                super().__init__()
                self.dim, self.base, self.interleaved = dim, base, interleaved

            def forward(self, x, offset):
                t = x.shape[-2]
                inv = 1.0 / (self.base ** (torch.arange(0, self.dim, 2, dtype=torch.float64) / self.dim))
                ang = torch.outer(torch.arange(offset, offset + t, dtype=torch.float64), inv)
                cos, sin = ang.cos().to(x.dtype), ang.sin().to(x.dtype)
                rot, rest = x[..., :self.dim], x[..., self.dim:]
                if self.interleaved:
                    e, o = rot[..., 0::2], rot[..., 1::2]
                    out = torch.stack((e * cos - o * sin, o * cos + e * sin), -1).flatten(-2)
                else:
                    h = self.dim // 2
                    x1, x2 = rot[..., :h], rot[..., h:]
                    out = torch.cat((x1 * cos - x2 * sin, x2 * cos + x1 * sin), -1)
                return torch.cat((out, rest), -1)

        for inter in (False, True):
            fx.case(f"rotary_{'interleaved' if inter else 'half'}_{dn}", Rope(6, 10000.0, inter), {"x": torch.randn(2, 3, 5, 8)},
                    lambda m, x: m(x, 4), {"layer": "rotary", "dim": 6, "base": 10000.0, "interleaved": inter, "offset": 4, "max_len": 16}, dt)
    fx.save(os.path.join(ROOT, "embed", "testdata", "torch_embed.safetensors"))


# --------------------------------------------------------- attention ----

def mha_fixtures():
    fx = Fixture()
    B, T, S, D, H = 2, 5, 6, 16, 4
    for dn, dt in DT.items():
        torch.manual_seed(3)
        x, mem = torch.randn(B, T, D), torch.randn(B, S, D)
        kpm_t = torch.tensor([[False] * T, [False] * (T - 2) + [True] * 2])
        kpm_s = torch.tensor([[False] * S, [False] * (S - 3) + [True] * 3])
        causal = torch.nn.Transformer.generate_square_subsequent_mask(T)  # float, -inf above the diagonal
        blocked = torch.rand(T, T) < 0.3
        blocked.fill_diagonal_(False)
        bias = torch.randn(B * H, T, T)

        def mha(**kw):
            m = torch.nn.MultiheadAttention(D, H, batch_first=True, **kw)
            with torch.no_grad():
                if m.in_proj_bias is not None:
                    m.in_proj_bias.normal_()
                if m.out_proj.bias is not None:
                    m.out_proj.bias.normal_()
            return m

        def self_run(mask=None, kpm=None):
            def run(m, x):
                out, w = m(x, x, x, attn_mask=mask, key_padding_mask=kpm, need_weights=True, average_attn_weights=False)
                return out, {"weights": w}
            return run

        fx.case(f"mha_self_kpm_{dn}", mha(), {"x": x, "key_mask": (~kpm_t).to(torch.int32)}, lambda m, x, key_mask: self_run(kpm=kpm_t)(m, x),
                {"kind": "self", "dim": D, "heads": H, "mask": "key_padding"}, dt)
        fx.case(f"mha_self_causal_{dn}", mha(), {"x": x}, self_run(mask=causal.to(dt)), {"kind": "self", "dim": D, "heads": H, "mask": "causal"}, dt)
        fx.case(f"mha_self_causal_kpm_{dn}", mha(), {"x": x, "key_mask": (~kpm_t).to(torch.int32)},
                lambda m, x, key_mask: self_run(mask=causal.to(dt), kpm=kpm_t)(m, x), {"kind": "self", "dim": D, "heads": H, "mask": "causal+key_padding"}, dt)
        fx.case(f"mha_self_bool_{dn}", mha(), {"x": x, "allowed": (~blocked).to(torch.int32)},
                lambda m, x, allowed: self_run(mask=blocked)(m, x), {"kind": "self", "dim": D, "heads": H, "mask": "allowed"}, dt)
        fx.case(f"mha_self_bias_{dn}", mha(), {"x": x, "bias": bias},
                lambda m, x, bias: self_run(mask=bias.detach())(m, x), {"kind": "self", "dim": D, "heads": H, "mask": "bias"}, dt)

        def cross_run(m, x, mem, key_mask):
            out, w = m(x, mem, mem, key_padding_mask=kpm_s, need_weights=True, average_attn_weights=False)
            return out, {"weights": w}

        fx.case(f"mha_cross_{dn}", mha(), {"x": x, "mem": mem, "key_mask": (~kpm_s).to(torch.int32)}, cross_run,
                {"kind": "cross", "dim": D, "heads": H, "mask": "key_padding"}, dt)
        fx.case(f"mha_nobias_{dn}", mha(bias=False), {"x": x}, self_run(mask=causal.to(dt)),
                {"kind": "self", "dim": D, "heads": H, "mask": "causal", "bias": False}, dt)
        # kdim and vdim differ from the model width: separate projections.
        m = torch.nn.MultiheadAttention(D, H, batch_first=True, kdim=10, vdim=7)
        kin, vin = torch.randn(B, S, 10), torch.randn(B, S, 7)

        def kv_run(m, x, k, v, key_mask):
            out, w = m(x, k, v, key_padding_mask=kpm_s, need_weights=True, average_attn_weights=False)
            return out, {"weights": w}

        fx.case(f"mha_kvdim_{dn}", m, {"x": x, "k": kin, "v": vin, "key_mask": (~kpm_s).to(torch.int32)}, kv_run,
                {"kind": "kvdim", "dim": D, "heads": H, "kdim": 10, "vdim": 7, "mask": "key_padding"}, dt)
    fx.save(os.path.join(ROOT, "attention", "testdata", "torch_mha.safetensors"))


# -------------------------------------------------------- transformer ----

def transformer_fixtures():
    fx = Fixture()
    B, T, S, D, H, FF = 2, 5, 6, 12, 3, 24
    for dn, dt in DT.items():
        torch.manual_seed(4)
        src, tgt = torch.randn(B, S, D), torch.randn(B, T, D)
        kpm_s = torch.tensor([[False] * S, [False] * (S - 2) + [True] * 2])
        kpm_t = torch.tensor([[False] * T, [False] * (T - 1) + [True]])
        causal = torch.nn.Transformer.generate_square_subsequent_mask(T)

        def randomise(m):
            with torch.no_grad():
                for n, p in m.named_parameters():
                    if "norm" in n or n.endswith("bias"):
                        p.normal_(mean=1.0 if n.endswith("weight") else 0.0, std=0.3)
            return m

        for norm_first in (False, True):
            for act in ("relu", "gelu"):
                tag = f"{'pre' if norm_first else 'post'}_{act}"
                enc = randomise(torch.nn.TransformerEncoderLayer(D, H, FF, dropout=0.0, activation=act, batch_first=True, norm_first=norm_first))
                fx.case(f"encoder_layer_{tag}_{dn}", enc, {"src": src, "key_mask": (~kpm_s).to(torch.int32)},
                        lambda m, src, key_mask: m(src, src_key_padding_mask=kpm_s),
                        {"kind": "encoder_layer", "dim": D, "heads": H, "hidden": FF, "act": act, "norm_first": norm_first}, dt)
                dec = randomise(torch.nn.TransformerDecoderLayer(D, H, FF, dropout=0.0, activation=act, batch_first=True, norm_first=norm_first))
                fx.case(f"decoder_layer_{tag}_{dn}", dec,
                        {"tgt": tgt, "mem": src, "tgt_key_mask": (~kpm_t).to(torch.int32), "mem_key_mask": (~kpm_s).to(torch.int32)},
                        lambda m, tgt, mem, tgt_key_mask, mem_key_mask: m(tgt, mem, tgt_mask=causal.to(tgt.dtype), tgt_key_padding_mask=kpm_t, memory_key_padding_mask=kpm_s),
                        {"kind": "decoder_layer", "dim": D, "heads": H, "hidden": FF, "act": act, "norm_first": norm_first}, dt)
        for norm_first in (False, True):
            tr = randomise(torch.nn.Transformer(D, H, 2, 2, FF, dropout=0.0, batch_first=True, norm_first=norm_first, activation="gelu"))
            fx.case(f"transformer_{'pre' if norm_first else 'post'}_{dn}", tr,
                    {"src": src, "tgt": tgt, "src_key_mask": (~kpm_s).to(torch.int32), "tgt_key_mask": (~kpm_t).to(torch.int32)},
                    lambda m, src, tgt, src_key_mask, tgt_key_mask: m(src, tgt, tgt_mask=causal.to(src.dtype), src_key_padding_mask=kpm_s,
                                                                      tgt_key_padding_mask=kpm_t, memory_key_padding_mask=kpm_s),
                    {"kind": "transformer", "dim": D, "heads": H, "hidden": FF, "act": "gelu", "norm_first": norm_first, "encoder_layers": 2, "decoder_layers": 2}, dt)
    fx.save(os.path.join(ROOT, "transformer", "testdata", "torch_transformer.safetensors"))


if __name__ == "__main__":
    print("torch", torch.__version__, "numpy", np.__version__, file=sys.stderr)
    torch.use_deterministic_algorithms(True)
    nn_fixtures()
    numpy_fixture()
    embed_fixtures()
    mha_fixtures()
    transformer_fixtures()
