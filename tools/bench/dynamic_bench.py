#!/usr/bin/env python3
"""Automatic dynamic dims benchmark (issue 24), on fusor-dynamic-bench (a pre-LN transformer
block's forward, width 256, 4 heads, MLP 1024):

- sweep: every batch size 1..32 x 16 sequence lengths (8..128) in one process: the programs
  compiled for the block and the time spent compiling them;
- speed: per (batch, tokens) pair, the block run by its '?' program (dims gone dynamic) beside
  a program compiled for exactly those sizes (FUSOR_DYNAMIC_DIMS=0), in separate processes,
  alternated over rounds; the table shows medians over rounds of each process's median, and
  the ratio static / dynamic time (at least 0.93 is the target).

The disk cache is off (FUSOR_CACHE=0): every process compiles what it runs.

  python3 tools/bench/dynamic_bench.py [--build build] [--rounds 5] [--runs 15]
"""
import argparse
import json
import os
import statistics
import subprocess


def run(bench, args, dynamic):
    env = dict(os.environ, FUSOR_CACHE="0", FUSOR_DYNAMIC_DIMS="1" if dynamic else "0")
    out = subprocess.run([bench] + args, env=env, capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    bench = os.path.join(args.build, "bin", "fusor-dynamic-bench")

    sweeps = [run(bench, ["sweep"], True)[0] for _ in range(args.rounds)]
    print(f"sweep: batch 1..32 x 16 sequence lengths = {sweeps[0]['calls']} calls, {args.rounds} processes (medians)")
    print(f"  programs compiled for the block: {statistics.median(s['compiles'] for s in sweeps):.0f}; "
          f"compiling: {statistics.median(s['compile_ms'] for s in sweeps):.0f} ms; "
          f"whole sweep: {statistics.median(s['total_ms'] for s in sweeps):.0f} ms")

    times = {True: {}, False: {}}
    for _ in range(args.rounds):
        for dynamic in (True, False):
            for row in run(bench, ["time", str(args.runs)], dynamic):
                if "batch" in row:
                    times[dynamic].setdefault((row["batch"], row["tokens"]), []).append(row["ms"])
    print(f"\nspeed: {args.rounds} alternated rounds, median of {args.runs} calls per process")
    print(f"{'batch':>5} {'tokens':>6} {'? program ms':>13} {'static ms':>10} {'static/?':>9}")
    for pair in sorted(times[True]):
        d, s = statistics.median(times[True][pair]), statistics.median(times[False][pair])
        print(f"{pair[0]:>5} {pair[1]:>6} {d:>13.3f} {s:>10.3f} {s / d:>9.2f}")


if __name__ == "__main__":
    main()
