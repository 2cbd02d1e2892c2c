#!/usr/bin/env python3
"""The real models of onnx_models.py on a GPU: fusor-compile --target cuda against PyTorch.

Run on a GPU machine that has PyTorch, torchvision and onnxruntime, with fusor-compile there
(it needs MLIR and LLVM; tools/bench/gpu_session.sh brings them). Exports the four models,
compiles each for CUDA, runs the library on tensors PyTorch allocated on the GPU (device
pointers, fusor_aot_run_device), checks the result against onnxruntime on the CPU, and prints
median times beside PyTorch eager on the same GPU (TF32 off, as fusor uses none) and
onnxruntime's CUDA provider where the installed onnxruntime has one.

usage: python3 gpu_onnx_models.py --compile build/bin/fusor-compile [--runs 50] [--work DIR]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnxruntime as ort
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpu_bench import FusorModel, median_ms  # noqa: E402
from onnx_models import export, models  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--compile", default="build/bin/fusor-compile")
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--work", default=None, help="keep the exported models and libraries here")
    args = p.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    cuda_provider = "CUDAExecutionProvider" in ort.get_available_providers()
    work = args.work or tempfile.mkdtemp()
    os.makedirs(work, exist_ok=True)
    rows = []
    for name, module, x in models():
        onnx_path = os.path.join(work, name + ".onnx")
        export(module, x, onnx_path)
        reference = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"]).run(
            None, {"x": x.numpy()})[0]
        done = subprocess.run([args.compile, onnx_path, "-o", os.path.join(work, name), "--name", name,
                               "--target", "cuda"], capture_output=True, text=True)
        if done.returncode:
            print(f"{name}: fusor-compile --target cuda failed:\n{done.stderr}", flush=True)
            continue
        try:
            model = FusorModel(os.path.join(work, name), name)
            x_gpu = x.cuda()
            out = torch.full(reference.shape, float("nan"), device="cuda")
            model.run([x_gpu], [out])
            model.synchronize()
        except RuntimeError as e:
            print(f"{name}: fusor failed: {e}", flush=True)
            continue
        scale = float(np.abs(reference).max())
        error = float(np.abs(out.cpu().numpy() - reference).max()) / scale
        fusor_ms = median_ms(lambda: model.run([x_gpu], [out]), model.synchronize, args.runs)
        gpu_module = module.cuda()
        with torch.no_grad():
            eager_ms = median_ms(lambda: gpu_module(x_gpu), torch.cuda.synchronize, args.runs)
        ort_ms = None
        if cuda_provider:
            session = ort.InferenceSession(onnx_path, providers=["CUDAExecutionProvider"])
            binding = session.io_binding()
            binding.bind_input("x", "cuda", 0, np.float32, list(x.shape), x_gpu.data_ptr())
            binding.bind_output("y", "cuda", 0, np.float32, list(out.shape), out.data_ptr())
            ort_ms = median_ms(lambda: session.run_with_iobinding(binding), torch.cuda.synchronize, args.runs)
        rows.append((name, fusor_ms, eager_ms, ort_ms, error))
        print(f"{name}: done", flush=True)

    print(f"{torch.cuda.get_device_name()}; median of {args.runs} runs; error = max |fusor - ort cpu| / max |ort cpu|")
    print(f"{'model':14} {'fusor ms':>9} {'eager ms':>9} {'vs eager':>9} {'ort cuda ms':>12} {'vs ort':>7} {'error':>9}")
    for name, fusor_ms, eager_ms, ort_ms, error in rows:
        ort_cols = f"{ort_ms:12.3f} {ort_ms / fusor_ms:7.2f}" if ort_ms else f"{'-':>12} {'-':>7}"
        print(f"{name:14} {fusor_ms:9.3f} {eager_ms:9.3f} {eager_ms / fusor_ms:9.2f} {ort_cols} {error:9.1e}")
    print("vs eager / vs ort: their time over fusor's (above 1: fusor is faster)")


if __name__ == "__main__":
    main()
