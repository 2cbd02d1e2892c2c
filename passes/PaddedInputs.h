// What the passes that hand convolutions to the CPU runtime share: reading a window's affine
// coordinate, and finding (then removing) the zero-padded copy of an input the runtime's
// kernels no longer need, since they pad as they read.
#pragma once

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <optional>
#include <utility>

namespace mlir::fusor {

// `e` as c_out * out + c_k * k for loop dims `out` and `k` (both coefficients at least 1):
// {c_out, c_k} (a window's stride and dilation), or nullopt.
std::optional<std::pair<int64_t, int64_t>> windowCoefficients(AffineExpr e, unsigned out, unsigned k);

// The zero-padded copy a convolution reads: a buffer whose interior a memref.copy fills from
// `source` and whose border only zero fills write. Bufferization may reuse the buffer for
// several padded values (each with its copy and fills, each read by convolutions): the copy
// that counts is the last one before `reader`, the op that reads the padded value.
struct PaddedCopy {
  Value source;
  int64_t top, left;
  memref::AllocOp buffer;
};

// The padded copy `padded` is, as `reader` sees it: every other use of the buffer only reads
// it (a linalg op taking it as an input), deallocates it, or writes it as above, and between
// the copy and `reader` nothing but `allowed` (when given) writes the source.
std::optional<PaddedCopy> matchPaddedCopy(Value padded, Operation *reader, Operation *allowed);

// Erases `alloc` with its copies and fills, unless something still reads it.
void erasePaddedBuffer(memref::AllocOp alloc);

}  // namespace mlir::fusor
