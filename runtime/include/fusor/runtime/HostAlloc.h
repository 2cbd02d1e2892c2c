// The allocation functions compiled CPU code calls for its temporaries (MLIR's generic
// allocation ABI): freed blocks are kept for reuse, so repeated runs of a program do not map
// and fault fresh pages for every large temporary.
#pragma once

#include <cstddef>

extern "C" {
void *_mlir_memref_to_llvm_alloc(size_t bytes);
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t bytes);
void _mlir_memref_to_llvm_free(void *pointer);
}
