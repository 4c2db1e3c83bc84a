#!/usr/bin/python3
"""Writes optim/testdata/optim_torch.safetensors, the PyTorch reference
trajectories of goformer's optimizers, schedules, clipping, parameter groups,
gradient accumulation and frozen parameters.

Run from the repository root with Debian's Python (python3-torch 1.13):

    /usr/bin/python3 optim/testdata/gen_optim.py

It is never run by the tests or by CI: its output is committed.

The problem. Six parameters named as in a small transformer (embeddings,
two layers with a dense weight, a bias and a norm weight, a head) start
from seeded normal draws. The gradient of micro-batch k is that of the
separable quadratic 0.5·Σ a·(p - c_k)², set directly as
grad = (p - c_k)·a, so that both sides compute it with the same two
rounded operations and any difference comes from the optimizer alone;
the targets c_k cycle over four draws, so gradient accumulation averages
different gradients. The curvatures a are uniform in [0.2, 3].

Every case runs 100 steps of:

    for each of `accum` micro-batches: p.grad += (p - c_k)·a    (trainable p)
    if accum > 1: p.grad.mul_(1/accum)
    clip_grad_norm_ / clip_grad_value_ (when set)
    opt.step(); scheduler.step() (ReduceLROnPlateau: step(metric[k]))
    opt.zero_grad(set_to_none=True)

with torch.optim's SGD, Adam, AdamW, RMSprop and Adagrad, torch.optim.
lr_scheduler's LambdaLR (with the Hugging Face warm-up formulas), StepLR and
ReduceLROnPlateau, and torch.nn.utils' clipping. torch 1.13 has no Lion: its
update is written here in plain torch after Chen et al. (2023), as the
authors' reference code lion-pytorch does it.

The file holds, in float64 (problem data, shared by every case):
  problem/init.<name>, problem/a.<name>, problem/c<k>.<name>, problem/metric
and for each case, in the case's dtype:
  <case>/traj             [len(steps), 35] the parameters after each step of
                          STEPS, flattened and joined in the order above
  <case>/lr               [100, groups] the learning rate of each group used by each step
with the case's description (JSON) in the metadata under "<case>", and the
list of steps under "steps".
"""
import json
import math
import os
import struct

import torch

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "optim", "testdata", "optim_torch.safetensors")

STEPS = [1, 2, 3, 5, 10, 20, 30, 50, 75, 100]
N = 100
NTARGETS = 4

SHAPES = [
    ("embeddings.weight", (4, 2)),
    ("layers.0.dense.weight", (3, 2)),
    ("layers.0.dense.bias", (3,)),
    ("layers.1.dense.weight", (3, 3)),
    ("layers.1.norm.weight", (3,)),
    ("head.weight", (2, 3)),
]
NUM_LAYERS = 2

g = torch.Generator().manual_seed(20240601)
INIT = {n: torch.randn(s, generator=g, dtype=torch.float64) for n, s in SHAPES}
A = {n: 0.2 + 2.8 * torch.rand(s, generator=g, dtype=torch.float64) for n, s in SHAPES}
C = [{n: torch.randn(s, generator=g, dtype=torch.float64) for n, s in SHAPES} for _ in range(NTARGETS)]
# A validation metric for ReduceLROnPlateau: falls, then stalls with noise.
METRIC = torch.tensor([max(1.0 - 0.03 * k, 0.4) + 0.01 * math.sin(1.7 * k) for k in range(N)], dtype=torch.float64)


def layer_of(name):
    """The layer id of layer-wise learning-rate decay: embeddings 0, layers.i
    i+1, everything else (head, final norm) NUM_LAYERS+1."""
    if name.startswith("embeddings."):
        return 0
    if name.startswith("layers."):
        return int(name.split(".")[1]) + 1
    return NUM_LAYERS + 1


def groups_for(case, names):
    """The parameter groups (names, lr, weight decay) of a case, in the
    order goformer's optim helpers produce them."""
    lr, wd = case["lr"], case.get("wd", 0.0)
    kind = case.get("groups", "single")
    if kind == "single":
        return [{"params": names, "lr": lr, "weight_decay": wd}]
    rank = dict(SHAPES)
    decay = lambda n: len(rank[n]) >= 2
    if kind == "default":
        gs = [{"params": [n for n in names if decay(n)], "lr": lr, "weight_decay": wd},
              {"params": [n for n in names if not decay(n)], "lr": lr, "weight_decay": 0.0}]
        return [g for g in gs if g["params"]]
    if kind == "layerwise":
        ld = case["layer_decay"]
        gs = []
        for layer in range(NUM_LAYERS + 2):
            scale = ld ** (NUM_LAYERS + 1 - layer)
            for dec in (True, False):
                ps = [n for n in names if layer_of(n) == layer and decay(n) == dec]
                if ps:
                    gs.append({"params": ps, "lr": lr * scale, "weight_decay": wd if dec else 0.0})
        return gs
    raise ValueError(kind)


class Lion(torch.optim.Optimizer):
    """Lion (Chen et al., 2023, "Symbolic Discovery of Optimization
    Algorithms"), as its authors' lion-pytorch writes the update."""

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["exp_avg"] = torch.zeros_like(p)
                exp_avg = state["exp_avg"]
                beta1, beta2 = group["betas"]
                p.mul_(1 - group["lr"] * group["weight_decay"])
                update = exp_avg.clone().mul_(beta1).add(p.grad, alpha=1 - beta1).sign_()
                p.add_(update, alpha=-group["lr"])
                exp_avg.mul_(beta2).add_(p.grad, alpha=1 - beta2)


def make_optimizer(o, groups):
    kind = o["name"]
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=groups[0]["lr"], momentum=o.get("momentum", 0.0),
                               dampening=o.get("dampening", 0.0), nesterov=o.get("nesterov", False))
    if kind in ("adam", "adamw"):
        cls = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
        return cls(groups, lr=groups[0]["lr"], betas=(o.get("beta1", 0.9), o.get("beta2", 0.999)),
                   eps=o.get("eps", 1e-8), amsgrad=o.get("amsgrad", False))
    if kind == "rmsprop":
        return torch.optim.RMSprop(groups, lr=groups[0]["lr"], alpha=o.get("alpha", 0.99), eps=o.get("eps", 1e-8),
                                   momentum=o.get("momentum", 0.0), centered=o.get("centered", False))
    if kind == "adagrad":
        return torch.optim.Adagrad(groups, lr=groups[0]["lr"], lr_decay=o.get("lr_decay", 0.0),
                                   initial_accumulator_value=o.get("initial_accumulator", 0.0), eps=o.get("eps", 1e-10))
    if kind == "lion":
        return Lion(groups, lr=groups[0]["lr"], betas=(o.get("beta1", 0.9), o.get("beta2", 0.99)))
    raise ValueError(kind)


def make_schedule(s, opt):
    """Hugging Face's schedule formulas (transformers.optimization) as
    LambdaLR, and torch's StepLR and ReduceLROnPlateau."""
    kind = s["name"]
    warm = s.get("warmup", 0)
    total = s.get("total", N)
    if kind == "constant":
        f = lambda k: k / max(1.0, warm) if k < warm else 1.0
    elif kind == "linear":
        f = lambda k: k / max(1, warm) if k < warm else max(0.0, (total - k) / max(1, total - warm))
    elif kind == "cosine":
        def f(k):
            if k < warm:
                return k / max(1, warm)
            progress = (k - warm) / max(1, total - warm)
            return max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))
    elif kind == "inverse_sqrt":
        timescale = s.get("timescale") or warm or 10000

        def f(k):
            if k < warm:
                return k / max(1, warm)
            return 1.0 / math.sqrt((k + timescale - warm) / timescale)
    elif kind == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=s["step_size"], gamma=s["gamma"])
    elif kind == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, mode=s.get("mode", "min"), factor=s["factor"], patience=s["patience"],
            threshold=s.get("threshold", 1e-4), threshold_mode=s.get("threshold_mode", "rel"),
            cooldown=s.get("cooldown", 0), min_lr=s.get("min_lr", 0.0))
    else:
        raise ValueError(kind)
    return torch.optim.lr_scheduler.LambdaLR(opt, f)


def run(case, dtype):
    frozen = set(case.get("frozen", []))
    params = {n: INIT[n].clone().to(dtype).requires_grad_(n not in frozen) for n, _ in SHAPES}
    a = {n: A[n].to(dtype) for n, _ in SHAPES}
    c = [{n: ck[n].to(dtype) for n, _ in SHAPES} for ck in C]
    names = [n for n, _ in SHAPES if n not in frozen]
    groups = groups_for(case, names)
    tgroups = [dict(gr, params=[params[n] for n in gr["params"]]) for gr in groups]
    opt = make_optimizer(case["opt"], tgroups)
    sched = make_schedule(case["schedule"], opt) if "schedule" in case else None
    accum = case.get("accum", 1)
    traj, lrs = [], []
    trainable = [params[n] for n in names]
    for k in range(N):
        for micro in range(accum):
            ck = c[(k * accum + micro) % NTARGETS]
            with torch.no_grad():
                for n in names:
                    p = params[n]
                    gk = (p - ck[n]) * a[n]
                    p.grad = gk if p.grad is None else p.grad + gk
        with torch.no_grad():
            if accum > 1:
                for p in trainable:
                    p.grad.mul_(1.0 / accum)
        if "clip_norm" in case:
            torch.nn.utils.clip_grad_norm_(trainable, case["clip_norm"])
        if "clip_value" in case:
            torch.nn.utils.clip_grad_value_(trainable, case["clip_value"])
        lrs.append([gr["lr"] for gr in opt.param_groups])
        opt.step()
        if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
            sched.step(float(METRIC[k]))
        elif sched is not None:
            sched.step()
        opt.zero_grad(set_to_none=True)
        if k + 1 in STEPS:
            traj.append(torch.cat([params[n].detach().reshape(-1) for n, _ in SHAPES]))
    out = {"traj": torch.stack(traj), "lr": torch.tensor(lrs, dtype=torch.float64)}
    desc = dict(case, dtype=str(dtype).replace("torch.", ""), groups_out=groups)
    return out, desc


CASES = {
    # optimizers
    "sgd": {"opt": {"name": "sgd"}, "lr": 0.1},
    "sgd_momentum": {"opt": {"name": "sgd", "momentum": 0.9}, "lr": 0.05},
    "sgd_dampening": {"opt": {"name": "sgd", "momentum": 0.9, "dampening": 0.5}, "lr": 0.05},
    "sgd_nesterov_decay": {"opt": {"name": "sgd", "momentum": 0.9, "nesterov": True}, "lr": 0.05, "wd": 0.01},
    "sgd_decay": {"opt": {"name": "sgd"}, "lr": 0.1, "wd": 0.05},
    "adam": {"opt": {"name": "adam"}, "lr": 0.05},
    "adam_decay": {"opt": {"name": "adam", "beta1": 0.8, "beta2": 0.99, "eps": 1e-6}, "lr": 0.05, "wd": 0.1},
    "adam_amsgrad": {"opt": {"name": "adam", "amsgrad": True}, "lr": 0.05, "wd": 0.01},
    "adamw": {"opt": {"name": "adamw"}, "lr": 0.05, "wd": 0.1},
    "adamw_amsgrad": {"opt": {"name": "adamw", "amsgrad": True}, "lr": 0.05, "wd": 0.05},
    "rmsprop": {"opt": {"name": "rmsprop"}, "lr": 0.01},
    "rmsprop_centered_momentum": {"opt": {"name": "rmsprop", "alpha": 0.9, "momentum": 0.8, "centered": True, "eps": 1e-6}, "lr": 0.005, "wd": 0.01},
    "adagrad": {"opt": {"name": "adagrad"}, "lr": 0.3},
    "adagrad_decay": {"opt": {"name": "adagrad", "lr_decay": 0.01, "initial_accumulator": 0.1}, "lr": 0.5, "wd": 0.01},
    "lion": {"opt": {"name": "lion"}, "lr": 0.01, "wd": 0.1},
    # schedules
    "sched_constant_warmup": {"opt": {"name": "adamw"}, "lr": 0.05, "wd": 0.01, "schedule": {"name": "constant", "warmup": 10}},
    "sched_linear": {"opt": {"name": "adamw"}, "lr": 0.05, "wd": 0.01, "schedule": {"name": "linear", "warmup": 10, "total": 100}},
    "sched_cosine": {"opt": {"name": "adamw"}, "lr": 0.05, "wd": 0.01, "schedule": {"name": "cosine", "warmup": 10, "total": 100}},
    "sched_inverse_sqrt": {"opt": {"name": "adamw"}, "lr": 0.05, "wd": 0.01, "schedule": {"name": "inverse_sqrt", "warmup": 10}},
    "sched_step": {"opt": {"name": "sgd", "momentum": 0.9}, "lr": 0.05, "schedule": {"name": "step", "step_size": 30, "gamma": 0.5}},
    "sched_plateau": {"opt": {"name": "adamw"}, "lr": 0.05, "wd": 0.01, "schedule": {"name": "plateau", "factor": 0.5, "patience": 3, "cooldown": 2}},
    "sched_plateau_abs_max": {"opt": {"name": "sgd", "momentum": 0.5}, "lr": 0.1, "schedule": {"name": "plateau", "mode": "max", "factor": 0.3, "patience": 2, "threshold": 0.01, "threshold_mode": "abs", "min_lr": 0.005}},
    # clipping
    "clip_norm_sgd": {"opt": {"name": "sgd", "momentum": 0.9}, "lr": 0.05, "clip_norm": 0.5},
    "clip_norm_adamw": {"opt": {"name": "adamw"}, "lr": 0.05, "wd": 0.01, "clip_norm": 1.0},
    "clip_value_sgd": {"opt": {"name": "sgd"}, "lr": 0.1, "clip_value": 0.3},
    # parameter groups
    "groups_default": {"opt": {"name": "adamw"}, "lr": 0.05, "wd": 0.2, "groups": "default"},
    "groups_layerwise": {"opt": {"name": "adamw"}, "lr": 0.05, "wd": 0.1, "groups": "layerwise", "layer_decay": 0.7,
                         "schedule": {"name": "linear", "warmup": 5, "total": 100}},
    "groups_layerwise_sgd": {"opt": {"name": "sgd", "momentum": 0.9, "nesterov": True}, "lr": 0.05, "wd": 0.01, "groups": "layerwise", "layer_decay": 0.5},
    # accumulation and frozen parameters
    "accumulate": {"opt": {"name": "adamw"}, "lr": 0.05, "wd": 0.01, "accum": 4, "clip_norm": 2.0},
    "frozen": {"opt": {"name": "adamw"}, "lr": 0.05, "wd": 0.01, "frozen": ["embeddings.weight", "layers.0.dense.bias"], "groups": "default"},
}


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        dt = {torch.float64: "F64", torch.float32: "F32"}[t.dtype]
        data = t.numpy().tobytes()
        header[name] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def main():
    tensors, meta = {}, {"steps": json.dumps(STEPS)}
    for n, _ in SHAPES:
        tensors[f"problem/init.{n}"] = INIT[n]
        tensors[f"problem/a.{n}"] = A[n]
        for k in range(NTARGETS):
            tensors[f"problem/c{k}.{n}"] = C[k][n]
    tensors["problem/metric"] = METRIC
    meta["problem"] = json.dumps({"params": [[n, list(s)] for n, s in SHAPES], "targets": NTARGETS, "num_layers": NUM_LAYERS})
    for name, case in CASES.items():
        for dtype in (torch.float64, torch.float32):
            key = f"{name}_{str(dtype).replace('torch.', '')}"
            out, desc = run(case, dtype)
            for k, v in out.items():
                tensors[f"{key}/{k}"] = v
            meta[key] = json.dumps(desc)
    write_safetensors(OUT, tensors, meta)
    print(f"wrote {OUT}: {len(meta) - 2} cases, {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
