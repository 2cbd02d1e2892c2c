#!/usr/bin/env python3
"""Training-step benchmark (issue 23): fusor::jit train steps beside PyTorch eager and
torch.compile, for an MLP (batch 256, 1024-4096-1024, GELU) and a pre-LN transformer encoder
block (batch 8, seq 256, d 512, 8 heads, MLP 2048), both with AdamW and an MSE loss.

Each measurement is a fresh process (so first-step times include compiling, with torch.compile's
on-disk caches as they are); rounds alternate the engines, and the table shows medians over
rounds of each process's median step. PyTorch gets its best CPU settings: the same thread count
through torch.set_num_threads, fused scaled_dot_product_attention, AdamW(foreach=True), and
glibc kept from returning large blocks to the system (MALLOC_MMAP_MAX_=0,
MALLOC_TRIM_THRESHOLD_ large), as fusor's own allocator does.

Memory: resident set after two warm-up steps, and how far its peak rose above that during the
timed steps (/proc/self/status VmRSS and VmHWM, the peak reset through /proc/self/clear_refs).

  python3 -m venv venv && venv/bin/pip install torch numpy
  venv/bin/python tools/bench/train_bench.py [--build build] [--rounds 3] [--steps 10] [--threads 1 2]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def resident_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return -1


def torch_worker(model_name, mode, threads, steps):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    torch.manual_seed(0)

    class Mlp(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2 = nn.Linear(1024, 4096), nn.Linear(4096, 1024)

        def forward(self, x):
            return self.fc2(F.gelu(self.fc1(x)))

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(512), nn.LayerNorm(512)
            self.qkv, self.proj = nn.Linear(512, 1536), nn.Linear(512, 512)
            self.fc1, self.fc2 = nn.Linear(512, 2048), nn.Linear(2048, 512)

        def forward(self, x):
            b, s, _ = x.shape
            q, k, v = self.qkv(self.ln1(x)).reshape(b, s, 3, 8, 64).permute(2, 0, 3, 1, 4)
            heads = F.scaled_dot_product_attention(q, k, v).permute(0, 2, 1, 3).reshape(b, s, 512)
            h = x + self.proj(heads)
            return h + self.fc2(F.gelu(self.fc1(self.ln2(h))))

    if model_name == "mlp":
        model, shape = Mlp(), (256, 1024)
    else:
        model, shape = Encoder(), (8, 256, 512)
    x, target = torch.randn(shape), torch.randn(shape)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, foreach=True)

    def train_step(x, target):
        opt.zero_grad()
        loss = F.mse_loss(model(x), target)
        loss.backward()
        opt.step()
        return loss

    step = torch.compile(train_step) if mode == "compile" else train_step
    start = time.perf_counter()
    first = step(x, target).item()
    first_s = time.perf_counter() - start
    step(x, target).item()
    resting = resident_kb("VmRSS:")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    times = []
    last = first
    for _ in range(steps):
        t0 = time.perf_counter()
        last = step(x, target).item()
        times.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({"first_step_s": first_s, "median_step_ms": statistics.median(times),
                      "resting_mb": resting / 1024, "step_peak_growth_mb": (resident_kb("VmHWM:") - resting) / 1024,
                      "first_loss": first, "last_loss": last}))


def run(command, env=None):
    out = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800)
    if out.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--models", nargs="+", default=["mlp", "encoder"])
    p.add_argument("--worker", nargs=3, metavar=("MODEL", "MODE", "THREADS"), help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker:
        torch_worker(a.worker[0], a.worker[1], int(a.worker[2]), a.steps)
        return
    torch_env = dict(os.environ, MALLOC_MMAP_MAX_="0", MALLOC_TRIM_THRESHOLD_=str(1 << 40))
    engines = {
        # FUSOR_CACHE=0: fusor's first step compiles in every round (no disk cache).
        "fusor jit": lambda m, t: run([f"{a.build}/bin/fusor-train-bench", f"--model={m}", f"--num-threads={t}",
                                       f"--steps={a.steps}"], dict(os.environ, FUSOR_CACHE="0")),
        "torch eager": lambda m, t: run([sys.executable, __file__, "--steps", str(a.steps), "--worker", m, "eager", str(t)],
                                        torch_env),
        "torch.compile": lambda m, t: run([sys.executable, __file__, "--steps", str(a.steps), "--worker", m, "compile",
                                           str(t)], torch_env),
    }
    print("| workload | threads | engine | step ms | first step s | resting MB | step peak growth MB | fusor speedup |")
    print("|---|---|---|---|---|---|---|---|")
    for model in a.models:
        for threads in a.threads:
            results = {name: [] for name in engines}
            for _ in range(a.rounds):
                for name, f in engines.items():
                    results[name].append(f(model, threads))
            med = {name: {k: statistics.median(r[k] for r in rs) for k in rs[0] if isinstance(rs[0][k], (int, float))}
                   for name, rs in results.items()}
            ours = med["fusor jit"]["median_step_ms"]
            for name, m in med.items():
                ratio = "" if name == "fusor jit" else f"{m['median_step_ms'] / ours:.2f}x"
                print(f"| {model} | {threads} | {name} | {m['median_step_ms']:.1f} | {m['first_step_s']:.2f} | "
                      f"{m['resting_mb']:.0f} | {m['step_peak_growth_mb']:.0f} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
