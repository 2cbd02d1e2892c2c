#!/usr/bin/env python3
"""Two builds of fusor side by side on the models of onnx_models.py (not part of CI).

For a change that should not move speed (a refactor) or to measure one that should: exports
the four models once, compiles each with both builds' fusor-compile, then alternates the
builds round by round (JIT: fusor-run model.onnx; AOT: fusor-run on the library), so the
machine's slow spells fall on both. Prints each build's median of the rounds' medians, the
ratio (before / after: above 1, the after build is faster), and each round's paired ratio.
Also checks that both builds' outputs agree.

  venv/bin/python tools/bench/compare_builds.py --before OLD_BUILD --after build [--rounds 7] [--threads 2]

A build directory needs bin/fusor-run, bin/fusor-compile and lib/libfusor_runtime.so.
"""
import argparse
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_models import fusor_compile, fusor_run, models, prepare  # noqa: E402


def median(values):
    return sorted(values)[len(values) // 2]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--before", required=True)
    p.add_argument("--after", default="build")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    args = p.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    builds = {"before": args.before, "after": args.after}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, module, x in models():
            onnx_path, x_path = prepare(tmp, name, module, x)
            libraries = {label: fusor_compile(os.path.join(build, "bin", "fusor-compile"), onnx_path,
                                              os.path.join(tmp, label, name), name)
                         for label, build in builds.items()}
            times = {(label, kind): [] for label in builds for kind in ("JIT", "AOT")}
            outputs = {}
            for _ in range(args.rounds):
                for label, build in builds.items():
                    tool = os.path.join(build, "bin", "fusor-run")
                    for kind, model in (("JIT", onnx_path), ("AOT", libraries[label])):
                        out = os.path.join(tmp, f"{name}_{label}_{kind}.npy")
                        times[(label, kind)].append(fusor_run(tool, model, x_path, out, args.runs))
                        outputs[(label, kind)] = out
            reference = np.load(outputs[("before", "JIT")])
            scale = float(np.abs(reference).max()) or 1.0
            error = max(float(np.abs(np.load(f) - reference).max()) / scale for f in outputs.values())
            rows.append((name, times, error))
            print(f"{name}: done", file=sys.stderr)

    print(f"threads: {args.threads}; median of {args.rounds} rounds' medians of {args.runs} runs; "
          "builds alternated round by round")
    print(f"{'model':14} {'kind':4} {'before ms':>10} {'after ms':>9} {'ratio':>6}   per round: median [lowest, highest]")
    for name, times, error in rows:
        for kind in ("JIT", "AOT"):
            before, after = times[("before", kind)], times[("after", kind)]
            paired = sorted(b / a for b, a in zip(before, after))
            print(f"{name:14} {kind:4} {median(before):10.2f} {median(after):9.2f} {median(before) / median(after):6.2f}"
                  f"   {median(paired):.3f} [{paired[0]:.3f}, {paired[-1]:.3f}]")
        print(f"{'':14} largest difference between the builds' outputs: {error:.1e} of the largest value")
    print("ratio = before / after (above 1: the after build is faster)")


if __name__ == "__main__":
    main()
