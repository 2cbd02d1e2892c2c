// Building blocks shared by the GPU reduction passes: recognizing a reduction generic's
// combiner, and emitting a block-wide reduction (warp shuffles + a workgroup buffer).
#pragma once

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::fusor::gpu_reduce {

// A linalg.generic that folds one value per reduced element into its single output.
struct Reduction {
  Operation *combiner;    // the body's one combining op (addf, maximumf, ...)
  unsigned valueOperand;  // the combiner operand that is not the output's running value
  TypedAttr identity;     // the combiner's neutral element
  unsigned parallel;      // leading parallel loops; the rest reduce
};

// `op` as a reduction over trailing dims of static size (at least `minReduced` elements per
// output), its output indexed by the parallel loops in order; or nullopt.
std::optional<Reduction> matchReduction(linalg::GenericOp op, int64_t minReduced);

// Threads in a block of fusor-gpu-block-reductions.
constexpr int64_t kBlockReductionThreads = 256;

// How many blocks of kBlockReductionThreads each of `rows` rows of `reduced` elements should
// be split over so that few long rows (a full sum) still fill the GPU: 1 (no split) for many
// or short rows.
int64_t splitsPerRow(int64_t rows, int64_t reduced);

// Row-major delinearization of `linear` over `sizes`.
SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value linear, ArrayRef<int64_t> sizes);

// The indices `map` (dims and constants only) gives for loop indices `loops`.
SmallVector<Value> applyMap(OpBuilder &b, Location loc, AffineMap map, ArrayRef<Value> loops);

// Clones `op`'s body (not its terminator, not `skip`) into `b`, after the caller mapped the
// block arguments it needs in `map`; linalg.index becomes `loops[dim]`.
void cloneBody(OpBuilder &b, linalg::GenericOp op, IRMapping &map, ArrayRef<Value> loops,
               Operation *skip = nullptr);

// The combiner applied to (value, running) in the positions the body used.
Value combine(OpBuilder &b, const Reduction &r, Value value, Value running);

// Combines every thread's `partial` across a block of `threads` (a power of two, 32..1024):
// warp shuffles, then one slot per warp in `shared` (workgroup memory, threads / 32 elements).
// `atThreadZero` builds the code that consumes the total; it runs in thread 0 only.
void blockReduce(OpBuilder &b, Location loc, const Reduction &r, Value partial, Value tid,
                 Value shared, int64_t threads,
                 function_ref<void(OpBuilder &, Value total)> atThreadZero);

}  // namespace mlir::fusor::gpu_reduce
