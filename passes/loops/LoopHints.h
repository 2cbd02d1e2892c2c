// What fusor-linalg-to-loops decides per loop nest: whether to thread it, and which loops to
// mark for LLVM's vectorizer.
#pragma once

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::fusor {

// What a `?` loop extent counts as where code is shaped by sizes (threads, vectorization): a
// program with `?` sizes serves a batch or a sequence, rarely a handful (docs/cpu-pipeline.md).
constexpr int64_t kDynamicExtentHint = 64;

// A static extent, or kDynamicExtentHint for a `?` one.
inline int64_t extentHint(int64_t extent) { return ShapedType::isDynamic(extent) ? kDynamicExtentHint : extent; }

// Whether `op` is worth sharing between threads: its parallel loops give two chunks or more
// and all its loops together run at least `threshold` iterations (a layernorm's 128 rows of
// 768 are; starting threads would cost more than 128 rows of 8 save).
bool worthThreads(linalg::LinalgOp op, int64_t threshold);

// Asks LLVM to vectorize `loop`, a loop over a parallel dim, even where its cost model or a
// short trip count would not: fusor cannot tell LLVM that its buffers do not overlap (inside
// OpenMP's outlined functions every pointer comes from a struct), so LLVM guards the vector
// loop with runtime overlap checks, which it refuses for short loops unless asked.
void markVectorizable(Operation *loop);

}  // namespace mlir::fusor
