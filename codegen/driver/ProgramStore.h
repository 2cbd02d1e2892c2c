// Compiled CPU programs kept on disk (runtime::DiskCache, kind "cpu"), so that a second
// process starts warm: a hit links the stored object into the JIT, with no MLIR and no LLVM
// optimization. Keyed by the program's signature (graph, input types, donations), the
// digest of fusor's compiler sources, LLVM's version and the host CPU and its features.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fusor/driver/Compiler.h"
#include "fusor/driver/Program.h"

namespace fusor::driver {

// The stored program with `signature` (a host program's), loaded; nullopt on a miss.
std::optional<Compiled> loadStoredProgram(const Signature &signature);

// Keeps `compiled` (from `object`) for later processes.
void storeProgram(const Signature &signature, const Compiled &compiled, const std::string &object);

// Which input dims (input, dim) of a graph structure went dynamic in an earlier process, so
// that this one starts with them; empty if none is stored.
std::vector<std::pair<int, int>> loadDynamicDims(const Signature &structure);
void storeDynamicDims(const Signature &structure, const std::vector<std::pair<int, int>> &dims);

// Whether the disk cache is on (FUSOR_CACHE is not 0).
bool programStoreEnabled();

}  // namespace fusor::driver
