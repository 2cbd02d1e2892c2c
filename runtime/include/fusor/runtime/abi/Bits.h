// Numbers that compiled code passes to the runtime and both sides must read alike: the kinds
// and flags of the GEMM and convolution epilogues. Included by the passes that emit the calls
// and by the kernels that take them (as IREE's exported_bits.h is). No MLIR, no LLVM.
#pragma once

#include <cstdint>

namespace fusor::abi {

// Where the CPU kernels' fused epilogue finds its bias (the `biasKind` argument).
enum BiasKind : int64_t {
  kBiasNone = 0,
  kBiasPerRow = 1,     // bias[i] for row i of C (an output channel of a convolution)
  kBiasPerColumn = 2,  // bias[j] for column j of C (the GEMM only; convolutions decline it)
};

// What the CUDA GEMM applies to each result element (cuBLASLt epilogues), as bits: a bias per
// column of C (indexed by n), then at most one activation.
enum GemmEpilogueBits : int64_t { kEpilogueBias = 1, kEpilogueRelu = 2, kEpilogueGeluTanh = 4 };

}  // namespace fusor::abi
