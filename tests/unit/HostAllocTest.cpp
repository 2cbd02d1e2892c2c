// The allocator compiled code calls for its buffers: alignment, sizes kept apart, and reuse of
// the block of a size freed last.
#include "fusor/runtime/HostAlloc.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

namespace {

TEST(HostAlloc, AlignsAndKeepsContents) {
  for (size_t bytes : {size_t{1}, size_t{1000}, size_t{65536}, size_t{3} << 20}) {
    auto *p = static_cast<unsigned char *>(_mlir_memref_to_llvm_alloc(bytes));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u) << bytes;
    std::memset(p, 0x5a, bytes);
    EXPECT_EQ(p[bytes - 1], 0x5a);
    _mlir_memref_to_llvm_free(p);
  }
  auto *q = static_cast<char *>(_mlir_memref_to_llvm_aligned_alloc(256, 100000));
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(q) % 256, 0u);
  _mlir_memref_to_llvm_free(q);
  _mlir_memref_to_llvm_free(nullptr);
}

// Large blocks are cached by size: of two freed blocks of one size, the next allocation takes
// the one freed last (the likelier in cache); another size takes neither.
TEST(HostAlloc, ReusesTheBlockFreedLast) {
  const size_t bytes = size_t{5} << 20;
  void *first = _mlir_memref_to_llvm_alloc(bytes), *second = _mlir_memref_to_llvm_alloc(bytes);
  ASSERT_NE(first, second);
  _mlir_memref_to_llvm_free(first);
  _mlir_memref_to_llvm_free(second);
  void *other = _mlir_memref_to_llvm_alloc(bytes + (size_t{1} << 20));
  EXPECT_NE(other, first);
  EXPECT_NE(other, second);
  void *again = _mlir_memref_to_llvm_alloc(bytes);
  EXPECT_EQ(again, second);
  void *then = _mlir_memref_to_llvm_alloc(bytes);
  EXPECT_EQ(then, first);
  for (void *p : {other, again, then}) _mlir_memref_to_llvm_free(p);
}

}  // namespace
