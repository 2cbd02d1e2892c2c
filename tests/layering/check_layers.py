#!/usr/bin/env python3
"""The dependency rule, checked on every source file (docs/architecture.md).

Folders are layers, and a file may include only its own layer and those below it:

    runtime < ir < passes < codegen (cpu, cuda, aot) < codegen/driver < frontend < tools, tests

The runtime includes nothing of MLIR, LLVM or lld. And the runtime's entry points are named
only in the ABI list: no string literal outside runtime/ contains "fusor_rt_" (passes, the JIT
and the CUDA launch-plan builder take the names from fusor/runtime/abi/Entries.def).

    check_layers.py REPO_ROOT     prints each violation as file:line: message; exit 1 if any
    check_layers.py TREE --expect-problems N    exit 0 only if exactly N (the checker's own test)
"""
import os
import re
import sys

LAYERS = [  # (path prefix, rank, name); the longest matching prefix wins
    ("runtime/", 0, "runtime"),
    ("ir/", 1, "ir"),
    ("passes/", 2, "passes"),
    ("codegen/", 3, "codegen"),
    ("codegen/driver/", 4, "codegen/driver"),
    ("frontend/", 5, "frontend"),
    ("tools/", 6, "tools"),
    ("tests/", 6, "tests"),
]
# Public include prefixes and the layer that owns them.
INCLUDE_PREFIXES = [
    ("fusor/runtime/", "runtime/"),
    ("fusor/aot/", "runtime/"),
    ("fusor/Error.h", "runtime/"),
    ("fusor/ir/", "ir/"),
    ("fusor/passes/", "passes/"),
    ("fusor/codegen/", "codegen/"),
    ("fusor/driver/", "codegen/driver/"),
    ("fusor/", "frontend/"),
]
THIRD_PARTY_COMPILER = ("mlir/", "llvm/", "lld/", "llvm-c/", "mlir-c/")
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')
STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
SOURCES = (".cpp", ".h", ".def", ".c", ".td", ".inc.in")


def layer_of(path):
    best = None
    for prefix, rank, name in LAYERS:
        if path.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, rank, name)
    return best


def included_layer(root, source, include):
    """The layer of an included file of the repository, or None for one outside it."""
    for prefix, owner in INCLUDE_PREFIXES:
        if include.startswith(prefix):
            return layer_of(owner)
    # A private header: beside the file, or from the root of the file's top-level folder.
    top = source.split("/")[0]
    for base in (os.path.dirname(source), top, os.path.join(top, source.split("/")[1]) if "/" in source else top):
        candidate = os.path.normpath(os.path.join(base, include))
        if os.path.isfile(os.path.join(root, candidate)):
            return layer_of(candidate)
    return None


def main():
    args = sys.argv[1:]
    expected = None
    if "--expect-problems" in args:
        at = args.index("--expect-problems")
        expected = int(args[at + 1])
        del args[at:at + 2]
    root = os.path.abspath(args[0] if args else ".")
    problems = []
    for top in ("runtime", "ir", "passes", "codegen", "frontend", "tools", "tests"):
        for directory, folders, files in os.walk(os.path.join(root, top)):
            folders[:] = [f for f in folders if f != "Inputs"]  # test fixtures
            for name in sorted(files):
                if not name.endswith(SOURCES):
                    continue
                path = os.path.relpath(os.path.join(directory, name), root)
                mine = layer_of(path)
                if mine is None:
                    continue
                with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
                    lines = f.read().split("\n")
                for number, line in enumerate(lines, 1):
                    where = f"{path}:{number}"
                    match = INCLUDE.match(line)
                    if match:
                        include = match.group(1)
                        if mine[2] == "runtime" and include.startswith(THIRD_PARTY_COMPILER):
                            problems.append(f"{where}: the runtime includes {include} (no MLIR, LLVM or lld below ir)")
                        other = included_layer(root, path, include)
                        if other is not None and other[1] > mine[1]:
                            problems.append(f"{where}: {mine[2]} includes {include}, from {other[2]} above it")
                        continue
                    if mine[2] != "runtime" and not line.lstrip().startswith("//"):
                        for literal in STRING.findall(line):
                            if "fusor_rt_" in literal:
                                problems.append(f"{where}: a runtime entry named in a string ({literal}); "
                                                "use fusor::abi::Entry (fusor/runtime/abi/Entries.def)")
    for p in problems:
        print(p)
    print(f"check_layers: {len(problems)} problem(s)")
    if expected is not None:
        return 0 if len(problems) == expected else 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
