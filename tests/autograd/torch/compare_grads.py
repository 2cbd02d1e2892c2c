#!/usr/bin/env python3
"""Checks fusor's gradients against PyTorch's autograd on the same inputs (issue 23; needs
torch, so not in CI). Runs build/bin/fusor-grad-dump into a private temporary directory and,
for each case, recomputes the output and the gradients of sum(output * w) in float64.

  venv/bin/python tests/autograd/torch/compare_grads.py [--build build]
"""
import argparse
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

T = torch.tensor


def idx(values):
    return torch.tensor(values, dtype=torch.int64)


CASES = {
    "gelu": lambda x: F.gelu(x[0]),
    "gelu_tanh": lambda x: F.gelu(x[0], approximate="tanh"),
    "tanh_sigmoid": lambda x: torch.tanh(x[0]) * torch.sigmoid(x[1]),
    "log_sqrt": lambda x: torch.log(x[0]) + torch.sqrt(x[0]),
    "div_pow": lambda x: torch.pow(x[0] / x[1], 3),
    "maximum_where": lambda x: torch.where(x[0] > 0, torch.maximum(x[0], x[1]), x[1] * 2),
    "sum_mean_dims": lambda x: x[0].sum((0, 2), keepdim=True) + x[0].mean(1, keepdim=True).sum(2, keepdim=True),
    "prod": lambda x: x[0].prod(1),
    "amax": lambda x: x[0].amax(1),
    "max_dim": lambda x: x[0].max(0).values,
    "softmax": lambda x: torch.softmax(x[0], 1),
    "log_softmax": lambda x: torch.log_softmax(x[0], 0),
    "layer_norm": lambda x: F.layer_norm(x[0], (6,), x[1], x[2]),
    "matmul_batched": lambda x: torch.matmul(x[0], x[1]),
    "matmul_vector": lambda x: torch.matmul(x[0], x[1]),
    "linear": lambda x: F.linear(x[0], x[1], x[2]),
    "conv2d": lambda x: F.conv2d(x[0], x[1], x[2], (2, 1), (1, 1), (1, 2), 2),
    "max_pool2d": lambda x: F.max_pool2d(x[0], (3, 3), (2, 2), (1, 1), (1, 1), ceil_mode=True),
    "avg_pool2d": lambda x: F.avg_pool2d(x[0], (3, 2), (2, 2), (1, 1), ceil_mode=True, count_include_pad=False),
    "index_select": lambda x: torch.index_select(x[0], 0, idx([4, 0, 4, 2])),
    "gather": lambda x: torch.gather(x[0], 1, idx([[0, 3], [3, 1], [2, 2]])),
    "cat_pad": lambda x: F.pad(torch.cat([x[0], x[1]], 1), (1, 2, 0, 1)),
    "movement": lambda x: x[0].permute(2, 0, 1).reshape(4, 6)[:, 1:6:2].unsqueeze(0).expand(3, 4, 3),
    "cross_entropy": lambda x: F.cross_entropy(x[0], idx([3, 0, 1, 1, 2])),
    "mse_bce": lambda x: F.mse_loss(x[0], x[1])
    + F.binary_cross_entropy_with_logits(x[0], torch.sigmoid(x[1].detach())),
}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build")
    a = p.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="fusor-grads-") as tmp:
        names = subprocess.run([f"{a.build}/bin/fusor-grad-dump", tmp], check=True, capture_output=True,
                               text=True).stdout.split()
        missing = set(CASES) ^ set(names)
        if missing:
            sys.exit(f"cases differ between fusor-grad-dump and this script: {sorted(missing)}")
        d = pathlib.Path(tmp)
        for name in names:
            inputs = []
            while (d / f"{name}.in{len(inputs)}.npy").exists():
                inputs.append(torch.from_numpy(np.load(d / f"{name}.in{len(inputs)}.npy")).requires_grad_())
            w = torch.from_numpy(np.load(d / f"{name}.w.npy"))
            out = CASES[name](inputs)
            grads = torch.autograd.grad((out * w).sum(), inputs)
            worst = np.abs(out.detach().numpy() - np.load(d / f"{name}.out.npy")).max(initial=0)
            for i, g in enumerate(grads):
                ours = np.load(d / f"{name}.grad{i}.npy")
                worst = max(worst, np.abs(g.numpy() - ours).max(initial=0) / (1 + np.abs(g.numpy()).max(initial=0)))
            ok = worst < 1e-9
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {name:16s} max relative difference {worst:.2e}")
    print(f"{len(names) - failures}/{len(names)} cases match PyTorch")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
