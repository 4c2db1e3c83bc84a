"""PyTorch reference for goformer's GPU benchmarks (benchmarks/cuda_test.go).

Times the same ops at the same shapes on GPU 0 with CUDA events, in
float32 with TF32 off (PyTorch's default for matmul), and prints lines in
the format of `go test -bench`, so that the two logs read side by side:

    python3 benchmarks/reference/cuda_torch.py [--iters 20]

cuda/gpucheck.sh runs it after goformer's benchmarks when PyTorch is
installed.
"""
import argparse

import torch
import torch.nn.functional as F


def timed(fn, iters):
    fn()
    torch.cuda.synchronize()
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(iters):
        fn()
    end.record()
    end.synchronize()
    return start.elapsed_time(end) / iters * 1e-3  # seconds per op


def report(name, iters, sec, metric, unit):
    print(f"BenchmarkTorchCUDA{name}\t{iters}\t{sec * 1e9:.0f} gpu-ns/op\t{metric:.1f} {unit}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--iters", type=int, default=20)
    args = p.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device("cuda:0")
    g = torch.Generator(device=dev).manual_seed(1)
    print(f"# torch {torch.__version__}, {torch.cuda.get_device_name(dev)}, TF32 off")

    shapes = [
        ("1024", 1, 1024, 1024, 1024, False),
        ("2048", 1, 2048, 2048, 2048, False),
        ("4096", 1, 4096, 4096, 4096, False),
        ("qkv_8192x2304x768", 1, 8192, 2304, 768, True),
        ("mlp_8192x3072x768", 1, 8192, 3072, 768, True),
        ("mlp_back_768x3072x8192", 1, 768, 3072, 8192, False),
        ("attention_96x1024x1024x64", 96, 1024, 1024, 64, True),
    ]
    for name, batch, m, n, k, trans_b in shapes:
        a = torch.randn(batch, m, k, device=dev, generator=g)
        w = torch.randn(batch, n, k, device=dev, generator=g).transpose(1, 2) if trans_b else torch.randn(batch, k, n, device=dev, generator=g)
        sec = timed(lambda: torch.matmul(a, w), args.iters)
        report(f"Sgemm/{name}", args.iters, sec, 2 * batch * m * n * k / sec / 1e9, "GFLOP/s")
        del a, w

    for rows, cols in [(8192, 1024), (1024, 50257)]:
        x = torch.randn(rows, cols, device=dev, generator=g)
        sec = timed(lambda: torch.softmax(x, -1), args.iters)
        report(f"Softmax/{rows}x{cols}", args.iters, sec, 8 * rows * cols / sec / 1e9, "GB/s")

    for rows, cols in [(8192, 768), (32768, 1024)]:
        x = torch.randn(rows, cols, device=dev, generator=g)
        w = torch.randn(cols, device=dev, generator=g)
        b = torch.randn(cols, device=dev, generator=g)
        sec = timed(lambda: F.layer_norm(x, (cols,), w, b, 1e-5), args.iters)
        report(f"LayerNorm/{rows}x{cols}", args.iters, sec, 8 * rows * cols / sec / 1e9, "GB/s")

    rows, cols = 8192, 3072
    x = torch.randn(rows, cols, device=dev, generator=g)
    bias = torch.randn(cols, device=dev, generator=g)
    sec = timed(lambda: F.gelu(x, approximate="tanh"), args.iters)
    report("Elementwise/GELUTanh", args.iters, sec, 8 * rows * cols / sec / 1e9, "GB/s")
    sec = timed(lambda: x + bias, args.iters)
    report("Elementwise/AddBias", args.iters, sec, 8 * rows * cols / sec / 1e9, "GB/s")


if __name__ == "__main__":
    main()
