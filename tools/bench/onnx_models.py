#!/usr/bin/env python3
"""Real models, fusor against ONNX Runtime on this machine (not part of CI).

Exports with PyTorch (random weights, nothing downloaded) torchvision's resnet18 and
mobilenet_v2, a BERT-style encoder layer and a GPT-2-style decoder block to ONNX, then runs each
through fusor's JIT (fusor-run) and ahead of time (fusor-compile, then fusor-run on the library),
and through onnxruntime with the same thread count. Prints the max error relative to the
largest reference value, median times side by side with the ratio, and each round's ratio
(the engines alternate round by round, so a slow spell of the machine falls on both sides of
a round's ratio).

  python3 -m venv venv && venv/bin/pip install torch torchvision onnx onnxruntime numpy
  venv/bin/python tools/bench/onnx_models.py [--build build] [--runs 20] [--rounds 3] [--threads 2]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort
import torch
import torchvision


class DecoderBlock(torch.nn.Module):
    """GPT-2 style: pre-norm causal self-attention and a GELU MLP, with residuals."""

    def __init__(self, d=768, heads=12):
        super().__init__()
        self.heads = heads
        self.ln1 = torch.nn.LayerNorm(d)
        self.qkv = torch.nn.Linear(d, 3 * d)
        self.proj = torch.nn.Linear(d, d)
        self.ln2 = torch.nn.LayerNorm(d)
        self.fc = torch.nn.Linear(d, 4 * d)
        self.out = torch.nn.Linear(4 * d, d)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        shape = (b, t, self.heads, d // self.heads)
        q, k, v = (z.reshape(shape).transpose(1, 2) for z in (q, k, v))
        scores = q @ k.transpose(-2, -1) / (d // self.heads) ** 0.5
        mask = torch.tril(torch.ones(t, t, dtype=torch.bool, device=x.device))
        scores = scores.masked_fill(~mask, float("-inf"))
        attn = torch.softmax(scores, dim=-1) @ v
        x = x + self.proj(attn.transpose(1, 2).reshape(b, t, d))
        return x + self.out(torch.nn.functional.gelu(self.fc(self.ln2(x))))


class EncoderLayer(torch.nn.Module):
    """BERT style: self-attention and a GELU MLP, each followed by residual and LayerNorm."""

    def __init__(self, d=768, heads=12, ff=3072):
        super().__init__()
        self.heads = heads
        self.qkv = torch.nn.Linear(d, 3 * d)
        self.proj = torch.nn.Linear(d, d)
        self.ln1 = torch.nn.LayerNorm(d)
        self.fc = torch.nn.Linear(d, ff)
        self.out = torch.nn.Linear(ff, d)
        self.ln2 = torch.nn.LayerNorm(d)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=2)
        shape = (b, t, self.heads, d // self.heads)
        q, k, v = (z.reshape(shape).transpose(1, 2) for z in (q, k, v))
        attn = torch.softmax(q @ k.transpose(-2, -1) / (d // self.heads) ** 0.5, dim=-1) @ v
        x = self.ln1(x + self.proj(attn.transpose(1, 2).reshape(b, t, d)))
        return self.ln2(x + self.out(torch.nn.functional.gelu(self.fc(x))))


def models():
    torch.manual_seed(0)
    yield "resnet18", torchvision.models.resnet18(weights=None), torch.randn(1, 3, 224, 224)
    yield "mobilenet_v2", torchvision.models.mobilenet_v2(weights=None), torch.randn(1, 3, 224, 224)
    yield "bert_layer", EncoderLayer(), torch.randn(1, 128, 768)
    yield "gpt2_block", DecoderBlock(), torch.randn(1, 128, 768)


def export(module, x, path):
    """`module` on example input `x` to ONNX at `path`: opset 17, input "x", output "y"."""
    module.eval()
    with torch.no_grad():
        torch.onnx.export(module, (x,), path, input_names=["x"], output_names=["y"], opset_version=17, dynamo=False)


def write_npy(path, array):
    np.save(path, np.ascontiguousarray(array, dtype=np.float32))


def prepare(tmp, name, module, x):
    """`module` exported to TMP/NAME.onnx and its input `x` to TMP/NAME_x.npy; both paths."""
    onnx_path = os.path.join(tmp, name + ".onnx")
    export(module, x, onnx_path)
    x_path = os.path.join(tmp, name + "_x.npy")
    write_npy(x_path, x.numpy())
    return onnx_path, x_path


def fusor_compile(tool, onnx_path, out_dir, name):
    """The model compiled ahead of time by fusor-compile into OUT_DIR; the library's path."""
    done = subprocess.run([tool, onnx_path, "-o", out_dir, "--name", name], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{tool} {onnx_path} failed:\n{done.stderr}")
    return os.path.join(out_dir, "lib" + name + ".so")


def fusor_run(tool, model, x_path, out_path, runs):
    done = subprocess.run([tool, model, "--input", "x=" + x_path, "--output", out_path, "--bench", str(runs)],
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{tool} {model} failed:\n{done.stderr}")
    out = done.stdout
    return float(re.search(r"median ([0-9.]+) ms", out).group(1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default="build")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    args = p.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    run_tool = os.path.join(args.build, "bin", "fusor-run")
    compile_tool = os.path.join(args.build, "bin", "fusor-compile")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, module, x in models():
            onnx_path, x_path = prepare(tmp, name, module, x)

            options = ort.SessionOptions()
            options.intra_op_num_threads = args.threads
            options.inter_op_num_threads = 1
            session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
            feed = {"x": x.numpy()}
            reference = session.run(None, feed)[0]
            # Rounds alternate the engines, so a slow spell of this (shared, noisy) machine
            # falls on both; each figure is the median of the rounds' medians.
            compiled = fusor_compile(compile_tool, onnx_path, os.path.join(tmp, name), name)
            jit_out = os.path.join(tmp, name + "_jit.npy")
            aot_out = os.path.join(tmp, name + "_aot.npy")
            ort_rounds, jit_rounds, aot_rounds = [], [], []
            for _ in range(args.rounds):
                times = []
                for _ in range(args.runs):
                    start = time.perf_counter()
                    session.run(None, feed)
                    times.append((time.perf_counter() - start) * 1e3)
                ort_rounds.append(sorted(times)[len(times) // 2])
                jit_rounds.append(fusor_run(run_tool, onnx_path, x_path, jit_out, args.runs))
                aot_rounds.append(fusor_run(run_tool, compiled, x_path, aot_out, args.runs))
            ort_ms, jit_ms, aot_ms = (sorted(r)[len(r) // 2] for r in (ort_rounds, jit_rounds, aot_rounds))
            # Each round's ratio, its engines timed back to back: the machine's slow and fast
            # spells fall on both sides of a ratio, where they skew the medians above.
            paired = [[o / f for o, f in zip(ort_rounds, rounds)] for rounds in (jit_rounds, aot_rounds)]

            scale = float(np.abs(reference).max())
            errors = [float(np.abs(np.load(f) - reference).max()) / scale for f in (jit_out, aot_out)]
            rows.append((name, ort_ms, jit_ms, aot_ms, errors, paired))
            print(f"{name}: done", file=sys.stderr)

    print(f"threads: {args.threads}; median of {args.rounds} rounds' medians of {args.runs} runs; "
          "error = max |fusor - ort| / max |ort|")
    print(f"{'model':14} {'onnxruntime ms':>15} {'fusor JIT ms':>13} {'ratio':>6} {'fusor AOT ms':>13} "
          f"{'ratio':>6} {'JIT error':>10} {'AOT error':>10}")
    for name, ort_ms, jit_ms, aot_ms, (jit_err, aot_err), _ in rows:
        print(f"{name:14} {ort_ms:15.2f} {jit_ms:13.2f} {ort_ms / jit_ms:6.2f} {aot_ms:13.2f} "
              f"{ort_ms / aot_ms:6.2f} {jit_err:10.1e} {aot_err:10.1e}")
    print("ratio = onnxruntime time / fusor time (above 1: fusor is faster)")
    print("per round (each round's ratio of the medians timed back to back): median [lowest, highest], "
          "rounds fusor was faster")
    for name, *_, paired in rows:
        cells = []
        for label, ratios in zip(("JIT", "AOT"), paired):
            r = sorted(ratios)
            cells.append(f"{label} {r[len(r) // 2]:.2f} [{r[0]:.2f}, {r[-1]:.2f}] {sum(x > 1 for x in r)}/{len(r)}")
        print(f"{name:14} " + "   ".join(cells))


if __name__ == "__main__":
    main()
