// Realizing tensors: the pending graph behind them is looked up in the compile cache (by
// structure, attributes and input shapes/dtypes), compiled on a miss, and run.
#pragma once

#include <cstdint>
#include <mutex>
#include <span>

#include "fusor/codegen/CpuJit.h"
#include "fusor/driver/Compiler.h"
#include "fusor/driver/Program.h"
#include "fusor/ir/Graph.h"

namespace fusor::driver {

// Computes every node of `roots` that is not yet realized, in one compiled program; each
// becomes a Buffer node afterwards.
void realize(std::span<ir::Node *const> roots);

// The compiled program for `captured`: from memory, the disk cache, or compiled now (counted
// as a hit or a miss). Thread-safe: when several threads ask for one program that is not
// ready, one compiles it and the others wait for it (counted as hits).
Compiled lookupOrCompile(const CapturedProgram &captured);

// Runs `compiled` on the buffers of `inputs` and fresh buffers for the outputs (on `device`),
// which it returns; `sizes`: the values of its dynamic sizes (dynamicSizes()). `into[j]`, where given, is output j's buffer instead: for each of
// compiled.donations, the input's own buffer, which the caller gives up.
std::vector<std::shared_ptr<runtime::Buffer>> run(const Compiled &compiled,
                                                  const std::vector<runtime::Buffer *> &inputs,
                                                  const std::vector<const ir::Node *> &outputs,
                                                  int device,
                                                  const std::vector<std::shared_ptr<runtime::Buffer>> &into = {},
                                                  const std::vector<int64_t> &sizes = {});

// The values of `compiled`'s dynamic sizes (Compiled::dynamicDims) for `program`'s inputs and
// outputs, as run() takes them.
std::vector<int64_t> dynamicSizes(const Compiled &compiled, const ir::Program &program);

// Counts a hit that skipped the cache lookup (fusor::jit replaying a trace).
void noteHit();

struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;      // not in memory: then found on disk, or compiled
  uint64_t diskHits = 0;    // host programs loaded from the disk cache
  uint64_t diskMisses = 0;  // host programs not there (compiled, then stored)
  uint64_t compiles = 0;    // real compiles
  double compileMs = 0.0;  // total time spent compiling
  uint64_t entries = 0;    // programs held now
};

CacheStats cacheStats();
void clearCache();

}  // namespace fusor::driver
