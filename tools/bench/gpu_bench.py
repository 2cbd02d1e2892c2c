#!/usr/bin/env python3
"""The GPU benchmark of issue 4, run on a GPU machine beside PyTorch eager and torch.compile.

The workloads were compiled ahead of time by tools/bench/gpu_prepare.sh into DIR/lib*.so (CUDA
kernels and launch plans; they need only libfusor_runtime.so, no MLIR or LLVM). This script
loads them with ctypes, runs them on tensors PyTorch allocated on the GPU (device pointers, no
copies), checks each result against PyTorch, and prints median times from the same run with
ratios, and for memory-bound workloads the bandwidth as a share of a device copy's.

usage: python3 gpu_bench.py DIR [--runs 50]
"""
import argparse
import ctypes
import math
import os
import time

import torch
import torch.nn.functional as F


def sizes(small):
    if small:
        return dict(chain=4096, soft=(64, 128), ln=(64, 256), mlp=(16, 64), attn=(2, 16, 64, 4))
    return dict(chain=64 << 20, soft=(8192, 8192), ln=(16384, 4096), mlp=(4096, 4096), attn=(8, 1024, 1024, 16))


def workloads(s):
    dev = "cuda"
    r = lambda *shape: torch.randn(*shape, device=dev)
    n = s["chain"]
    yield "chain", [r(n), r(n)], lambda x, y: torch.relu(x * 1.5 + y) * 0.5 - y, 3 * n * 4
    yield "mse", [r(n), r(n)], lambda x, y: ((x - y) ** 2).mean(), 2 * n * 4
    rows, cols = s["soft"]
    yield "softmax", [r(rows, cols)], lambda x: torch.softmax(x, -1), 2 * rows * cols * 4
    rows, cols = s["ln"]
    yield "layernorm", [r(rows, cols), r(cols), r(cols)], \
        lambda x, w, b: F.layer_norm(x, (cols,), w, b), 2 * rows * cols * 4
    batch, width = s["mlp"]
    scale = 1 / math.sqrt(width)
    yield "mlp", [r(batch, width), r(width, width) * scale, r(width), r(width, width) * scale, r(width)], \
        lambda x, w1, b1, w2, b2: F.linear(F.gelu(F.linear(x, w1, b1)), w2, b2), None
    b, t, m, h = s["attn"]
    scale = 1 / math.sqrt(m)

    def attention(x, wqkv, bqkv, wo, bo):
        q, k, v = F.linear(x, wqkv, bqkv).split(m, dim=2)
        q, k, v = (z.reshape(b, t, h, m // h).transpose(1, 2) for z in (q, k, v))
        a = torch.softmax(q @ k.transpose(2, 3) / math.sqrt(m // h), -1) @ v
        return F.linear(a.transpose(1, 2).reshape(b, t, m), wo, bo)
    yield "attention", [r(b, t, m), r(3 * m, m) * scale, r(3 * m), r(m, m) * scale, r(m)], attention, None


class FusorModel:
    def __init__(self, directory, name):
        self.lib = ctypes.CDLL(os.path.join(directory, f"lib{name}.so"))
        self.lib.fusor_model_descriptor.restype = ctypes.c_void_p
        self.lib.fusor_aot_create.restype = ctypes.c_void_p
        self.lib.fusor_aot_create.argtypes = [ctypes.c_void_p]
        self.lib.fusor_aot_last_error.restype = ctypes.c_char_p
        self.lib.fusor_aot_run_device.argtypes = [ctypes.c_void_p] * 3
        self.lib.fusor_aot_synchronize.argtypes = [ctypes.c_void_p]
        self.model = self.lib.fusor_aot_create(self.lib.fusor_model_descriptor())
        if not self.model:
            raise RuntimeError(self.lib.fusor_aot_last_error().decode())

    def run(self, inputs, outputs):
        ins = (ctypes.c_void_p * len(inputs))(*[t.data_ptr() for t in inputs])
        outs = (ctypes.c_void_p * len(outputs))(*[t.data_ptr() for t in outputs])
        if self.lib.fusor_aot_run_device(self.model, ins, outs) != 0:
            raise RuntimeError(self.lib.fusor_aot_last_error().decode())

    def synchronize(self):
        self.lib.fusor_aot_synchronize(self.model)


def median_ms(fn, sync, runs):
    for _ in range(3):
        fn()
    sync()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - start) * 1e3)
    return sorted(times)[len(times) // 2]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--runs", type=int, default=50)
    args = p.parse_args()
    small = open(os.path.join(args.dir, "SIZES")).read().strip() == "small"
    torch.backends.cuda.matmul.allow_tf32 = False  # fusor uses no TF32 either
    torch.backends.cudnn.allow_tf32 = False
    copy_src = torch.empty(1 << 28, device="cuda")
    copy_dst = torch.empty_like(copy_src)
    copy_ms = median_ms(lambda: copy_dst.copy_(copy_src), torch.cuda.synchronize, args.runs)
    copy_gbs = 2 * copy_src.numel() * 4 / copy_ms / 1e6
    print(f"{torch.cuda.get_device_name()}; device copy {copy_gbs:.0f} GB/s; median of {args.runs} runs")
    print(f"{'workload':10} {'fusor ms':>9} {'eager ms':>9} {'compile ms':>11} {'vs eager':>9} "
          f"{'vs compile':>11} {'fusor GB/s':>11} {'% of copy':>10} {'max rel err':>12}")
    for name, inputs, fn, bytes_moved in workloads(sizes(small)):
        expected = fn(*inputs)
        output = torch.empty_like(expected)
        model = FusorModel(args.dir, name)
        torch.cuda.synchronize()
        model.run(inputs, [output])
        model.synchronize()
        error = ((output - expected).abs().max() / expected.abs().max()).item()
        fusor_ms = median_ms(lambda: model.run(inputs, [output]), model.synchronize, args.runs)
        eager_ms = median_ms(lambda: fn(*inputs), torch.cuda.synchronize, args.runs)
        compiled = torch.compile(fn)
        compile_ms = median_ms(lambda: compiled(*inputs), torch.cuda.synchronize, args.runs)
        gbs = f"{bytes_moved / fusor_ms / 1e6:11.0f}" if bytes_moved else f"{'-':>11}"
        share = f"{100 * bytes_moved / fusor_ms / 1e6 / copy_gbs:9.0f}%" if bytes_moved else f"{'-':>10}"
        print(f"{name:10} {fusor_ms:9.3f} {eager_ms:9.3f} {compile_ms:11.3f} {eager_ms / fusor_ms:9.2f} "
              f"{compile_ms / fusor_ms:11.2f} {gbs} {share} {error:12.1e}")
    print("vs eager / vs compile: their time over fusor's (above 1: fusor is faster)")


if __name__ == "__main__":
    main()
