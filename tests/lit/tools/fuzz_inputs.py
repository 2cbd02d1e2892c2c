"""Feeds fusor-opt truncated, mutated and random inputs; each run must end with status 0 or 1
and no crash report. Deterministic (fixed seed).

usage: fuzz_inputs.py FUSOR_OPT FILE.mlir...
"""
import concurrent.futures
import os
import random
import re
import subprocess
import sys
import tempfile

tool, sources = sys.argv[1], sys.argv[2:]
rng = random.Random(20261122)
cases = []
for source in sources:
    text = open(source, "rb").read()
    # Every prefix would take minutes; cut at ~120 points, biased to token boundaries.
    cuts = sorted(set(rng.randrange(len(text)) for _ in range(120)))
    cases += [(f"{source} cut at {n}", text[:n]) for n in cuts]
    for i in range(40):  # a few bytes flipped, swapped or dropped
        data = bytearray(text)
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(len(data))
            choice = rng.random()
            if choice < 0.4:
                data[at] = rng.choice(b"%:<>[](){}x?,=0123456789-.\" \n\\")
            elif choice < 0.7:
                del data[at:at + rng.randint(1, 20)]
            else:
                data[at:at] = rng.choice([b"?", b"x0", b"-1", b"9223372036854775807", b"tensor<",
                                          b"dense<", b"fusor.", b"\x00", b"\xff"])
        cases.append((f"{source} mutation {i}", bytes(data)))
    numbers = [m for m in re.finditer(rb"-?\d+", text)]
    extremes = [b"0", b"1", b"-1", b"2", b"7", b"100000", b"4611686018427387904",
                b"9223372036854775807", b"-9223372036854775808"]
    for i in range(60):  # sizes, dims and attribute values replaced by extreme ones
        data = text
        for m in sorted(rng.sample(numbers, min(len(numbers), rng.randint(1, 3))),
                        key=lambda m: -m.start()):
            data = data[:m.start()] + rng.choice(extremes) + data[m.end():]
        cases.append((f"{source} numbers {i}", data))
for i in range(40):  # random bytes, and random tokens
    cases.append((f"random bytes {i}", os.urandom(rng.randint(1, 400))))
    words = [b"func.func", b"@f", b"(", b")", b"%0", b"=", b"fusor.add", b"fusor.matmul",
             b"tensor<2x?xf32>", b":", b",", b"->", b"return", b"{", b"}", b"dims", b"[1]"]
    cases.append((f"random tokens {i}", b" ".join(rng.choice(words) for _ in range(40))))


def run(case):
    name, data = case
    with tempfile.NamedTemporaryFile(suffix=".mlir") as f:
        f.write(data)
        f.flush()
        r = subprocess.run([tool, f.name, "--canonicalize", "--fusor-refine-shapes"],
                           capture_output=True, timeout=60)
    crashed = r.returncode not in (0, 1) or b"Stack dump" in r.stderr or b"PLEASE submit" in r.stderr
    return name, r.returncode, crashed, r.stderr.decode(errors="replace")[-2000:]


failures = 0
with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
    for name, status, crashed, stderr in pool.map(run, cases):
        if crashed:
            failures += 1
            print(f"FAIL {name}: status {status}\n{stderr}")
print(f"{len(cases)} inputs, {failures} crashes")
sys.exit(1 if failures else 0)
