// Realizing tensors: the pending graph behind them is looked up in the compile cache (by
// structure, attributes and input shapes/dtypes), compiled on a miss, and run.
#pragma once

#include <cstdint>
#include <span>

#include "fusor/ir/Graph.h"

namespace fusor::jit {

// Computes every node of `roots` that is not yet realized, in one compiled program; each
// becomes a Buffer node afterwards.
void realize(std::span<ir::Node *const> roots);

struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t compiles = 0;
  double compileMs = 0.0;  // total time spent compiling
  uint64_t entries = 0;    // programs held now
};

CacheStats cacheStats();
void clearCache();

}  // namespace fusor::jit
