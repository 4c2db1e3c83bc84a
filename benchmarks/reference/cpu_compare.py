#!/usr/bin/python3
"""Runs goformer's CPU kernel benchmarks and the references side by side,
alternating the sides round after round, and prints a markdown table of
medians, min–max, the ratio of the medians and the median of the per-round
ratios ("paired": both sides of a round ran seconds apart, so the slow
swings of a shared machine cancel out).

    /usr/bin/python3 benchmarks/reference/cpu_compare.py [--rounds 5] [--threads 1,2] [--seconds 1]

Sides (each with the same thread count):
  goformer        go test binaries of tensor/internal/gemm and
                  internal/vec (GOFORMER_THREADS=T), and of
                  ./benchmarks (the tensor API) when --tensor is given
  openblas-avx512 numpy with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset
  openblas-avx2   numpy with the machine's settings (OPENBLAS_CORETYPE=Haswell)
  torch           PyTorch in its best configuration (OpenMP OpenBLAS)
Run from the repository root. Needs Debian's python3-numpy, python3-torch,
python3-threadpoolctl and libopenblas0-openmp.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--rounds", type=int, default=5)
ap.add_argument("--threads", default="1,2")
ap.add_argument("--seconds", type=float, default=1.0)
ap.add_argument("--filter", default="", help="only benchmarks whose name contains this")
ap.add_argument("--tensor", action="store_true", help="also run ./benchmarks (tensor API) benchmarks")
ap.add_argument("--no-torch", action="store_true")
ap.add_argument("--quiet", type=float, default=0,
                help="before each side, wait up to this many seconds for the CPUs to be at least 85%% idle over 2 s")
args = ap.parse_args()

here = os.path.dirname(os.path.abspath(__file__))
tmp = tempfile.mkdtemp(prefix="cpu_compare")
py = "/usr/bin/python3"
line_re = re.compile(r"^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+([\d.]+) (GFLOP/s|GB/s))?")


def idle_fraction(seconds=2.0):
    def snap():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return v[3] + v[4], sum(v)  # idle + iowait, total
    i0, t0 = snap()
    time.sleep(seconds)
    i1, t1 = snap()
    return (i1 - i0) / max(1, t1 - t0)


def wait_quiet():
    if args.quiet <= 0:
        return
    deadline = time.time() + args.quiet
    while time.time() < deadline:
        if idle_fraction() >= 0.85:
            return
    print("# machine still busy; measuring anyway", file=sys.stderr)


def build(pkg, name):
    out = os.path.join(tmp, name)
    subprocess.run(["go", "test", "-c", "-o", out, pkg], check=True)
    return out


def run(cmd, env_changes, unset=()):
    env = dict(os.environ)
    for k in unset:
        env.pop(k, None)
    env.update(env_changes)
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    res = {}
    for line in p.stdout.splitlines():
        m = line_re.match(line.strip())
        if m and m.group(3):
            res[m.group(1)] = (float(m.group(3)), m.group(4))
    return res


gemm = build("./tensor/internal/gemm", "gemm.test")
vec = build("./internal/vec", "vec.test")
tensorbin = build("./benchmarks", "benchmarks.test") if args.tensor else None
bt = f"{args.seconds}s"
go_benches = [
    (gemm, "^BenchmarkSgemm$", ""),
    (vec, "^(BenchmarkSoftmax|BenchmarkLayerNorm|BenchmarkGELU|BenchmarkGELUTanh)$", ""),
]
if tensorbin:
    go_benches.append((tensorbin, "^(BenchmarkSgemm|BenchmarkSoftmax|BenchmarkLayerNorm|BenchmarkGELU)$", "tensor:"))

unset = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
sides = ["goformer", "openblas-avx512", "openblas-avx2"] + ([] if args.no_torch else ["torch"])
results = {}  # (threads, side, name) -> [values]
units = {}

for rnd in range(args.rounds):
    for t in [int(x) for x in args.threads.split(",")]:
        order = sides if rnd % 2 == 0 else list(reversed(sides))
        for side in order:
            wait_quiet()
            if side == "goformer":
                got = {}
                for binary, pattern, prefix in go_benches:
                    r = run([binary, "-test.run", "XXX", "-test.bench", pattern, "-test.benchtime", bt],
                            {"GOFORMER_THREADS": str(t)})
                    got.update({prefix + k: v for k, v in r.items()})
            elif side == "openblas-avx512":
                got = run([py, os.path.join(here, "cpu_numpy.py"), str(t), str(args.seconds)],
                          {"OPENBLAS_NUM_THREADS": str(t)}, unset)
            elif side == "openblas-avx2":
                got = run([py, os.path.join(here, "cpu_numpy.py"), str(t), str(args.seconds)],
                          {"OPENBLAS_NUM_THREADS": str(t)})
            else:
                got = run([py, os.path.join(here, "cpu_torch.py"), str(t), str(args.seconds)],
                          {"LD_LIBRARY_PATH": "/usr/lib/x86_64-linux-gnu/openblas-openmp"}, unset)
            for name, (v, unit) in got.items():
                if args.filter and args.filter not in name:
                    continue
                results.setdefault((t, side, name), []).append(v)
                units[name.removeprefix("tensor:")] = unit
        print(f"# round {rnd + 1}/{args.rounds} done", file=sys.stderr)


def fmt(vals):
    if not vals:
        return "—", None
    med = statistics.median(vals)
    return f"{med:.1f} ({min(vals):.1f}–{max(vals):.1f})", med


def paired(mine, ref):
    """The median of the per-round ratios: both sides of a round ran within
    seconds of each other, so slow drifts of the machine cancel."""
    if not ref or len(mine) != len(ref):
        return "—"
    return f"{statistics.median(a / b for a, b in zip(mine, ref)):.2f}×"


names = sorted({n for (_, _, n) in results}, key=lambda n: (n.startswith("tensor:"), n))
for t in [int(x) for x in args.threads.split(",")]:
    print(f"\n### {t} thread{'s' if t > 1 else ''}\n")
    print("| benchmark | unit | goformer | OpenBLAS AVX-512 (numpy) | ratio | paired | OpenBLAS AVX2 (numpy) | ratio | PyTorch | ratio | paired |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        base = name.removeprefix("tensor:")
        g, gm = fmt(results.get((t, "goformer", name), []))
        if gm is None:
            continue
        cells = [name.replace("tensor:", "(tensor API) "), units.get(base, ""), g]
        for side in ["openblas-avx512", "openblas-avx2", "torch"]:
            r, rm = fmt(results.get((t, side, base), []))
            cells += [r, f"{gm / rm:.2f}×" if rm else "—"]
            if side != "openblas-avx2":
                cells.append(paired(results.get((t, "goformer", name), []), results.get((t, side, base), [])))
        print("| " + " | ".join(cells) + " |")
