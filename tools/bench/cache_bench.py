#!/usr/bin/env python3
"""Disk-cache benchmark (issue 24): fusor-demo's first call in a fresh process, cold (an empty
FUSOR_CACHE_DIR) beside warm (the directory the cold run filled), alternated over rounds;
then 8 processes started together on one empty directory.

For each process it reads fusor-demo's first line of figures: the first call's milliseconds
(the attention + MLP network at batch 8, timed after the input exists) and the cache counters
(compiles, MLIR passes). It also times the whole process. The table shows medians over rounds.

  python3 tools/bench/cache_bench.py [--build build] [--rounds 5]
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

LINE = re.compile(r"batch\s+(\d+): checksum (\S+) .*?([\d.]+) ms\s+cache: (\d+) hits, (\d+) misses \((\d+) from disk\), "
                  r"(\d+) compiles \((\d+) MLIR passes\)")


def run_demo(demo, cache_dir):
    env = dict(os.environ, FUSOR_CACHE_DIR=cache_dir)
    env.pop("FUSOR_CACHE", None)
    start = time.perf_counter()
    out = subprocess.run([demo], env=env, capture_output=True, text=True, check=True).stdout
    wall = (time.perf_counter() - start) * 1e3
    return parse(out, wall)


def parse(out, wall):
    rows = [LINE.search(line) for line in out.splitlines()]
    rows = [r for r in rows if r]
    if len(rows) != 4:
        sys.exit("unexpected fusor-demo output:\n" + out)
    first, last = rows[0], rows[-1]
    return {"first_ms": float(first.group(3)), "wall_ms": wall, "compiles": int(last.group(7)),
            "passes": int(last.group(8)), "disk_hits": int(last.group(6)),
            "checksums": [r.group(2) for r in rows]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    demo = os.path.join(args.build, "bin", "fusor-demo")
    scratch = tempfile.mkdtemp(prefix="fusor-cache-bench-")
    try:
        cold, warm = [], []
        for r in range(args.rounds):
            directory = os.path.join(scratch, f"round{r}")
            os.mkdir(directory)
            cold.append(run_demo(demo, directory))
            warm.append(run_demo(demo, directory))
            if warm[-1]["checksums"] != cold[-1]["checksums"]:
                sys.exit(f"round {r}: the warm process computed other values")

        def med(runs, key):
            return statistics.median(x[key] for x in runs)

        print(f"fusor-demo, {args.rounds} alternated rounds (medians)")
        print(f"{'process':<8} {'first call ms':>14} {'process ms':>11} {'compiles':>9} {'MLIR passes':>12} {'disk hits':>10}")
        for name, runs in (("cold", cold), ("warm", warm)):
            print(f"{name:<8} {med(runs, 'first_ms'):>14.1f} {med(runs, 'wall_ms'):>11.1f} {med(runs, 'compiles'):>9.0f} "
                  f"{med(runs, 'passes'):>12.0f} {med(runs, 'disk_hits'):>10.0f}")
        print(f"first call, cold / warm: {med(cold, 'first_ms') / med(warm, 'first_ms'):.1f}x; "
              f"whole process: {med(cold, 'wall_ms') / med(warm, 'wall_ms'):.1f}x")

        directory = os.path.join(scratch, "together")
        os.mkdir(directory)
        env = dict(os.environ, FUSOR_CACHE_DIR=directory)
        env.pop("FUSOR_CACHE", None)
        start = time.perf_counter()
        procs = [subprocess.Popen([demo], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(8)]
        results = [p.communicate() for p in procs]
        together_ms = (time.perf_counter() - start) * 1e3
        right = sum(p.returncode == 0 and not err and parse(out, 0)["checksums"] == cold[0]["checksums"]
                    for p, (out, err) in zip(procs, results))
        after = run_demo(demo, directory)
        entries = sum(len(files) for _, _, files in os.walk(directory))
        print(f"8 processes on one empty directory: {right}/8 right, {together_ms:.0f} ms in all; "
              f"then a 9th process: {after['compiles']} compiles, {after['disk_hits']} disk hits "
              f"({entries} files in the store)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
