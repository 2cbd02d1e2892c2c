// The allocator compiled code calls for its buffers: alignment, and reuse of the block freed
// last among those of the size asked for up to twice that.
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

// Large blocks are cached: of two freed blocks of one size, the next allocation takes the one
// freed last (the likelier in cache); a larger size takes neither.
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

// A smaller allocation takes a freed block of up to twice its size, the one freed last among
// those; a block more than twice its size stays for larger ones.
TEST(HostAlloc, SmallerSizesTakeABlockUpToTwiceTheirSize) {
  const size_t mib = size_t{1} << 20;
  void *large = _mlir_memref_to_llvm_alloc(11 * mib), *medium = _mlir_memref_to_llvm_alloc(7 * mib);
  void *small = _mlir_memref_to_llvm_alloc(6 * mib);
  _mlir_memref_to_llvm_free(medium);
  _mlir_memref_to_llvm_free(large);
  _mlir_memref_to_llvm_free(small);
  void *tiny = _mlir_memref_to_llvm_alloc(2 * mib);  // none is at most twice its size
  EXPECT_NE(tiny, large);
  EXPECT_NE(tiny, medium);
  EXPECT_NE(tiny, small);
  void *a = _mlir_memref_to_llvm_alloc(5 * mib);  // 11 MiB is too large; of 7 and 6, 6 was freed last
  EXPECT_EQ(a, small);
  void *b = _mlir_memref_to_llvm_alloc(5 * mib);  // then 7 MiB (11 is still too large)
  EXPECT_EQ(b, medium);
  std::memset(b, 1, 7 * mib - 4096);  // the whole block is the caller's, past the size asked for too
  void *c = _mlir_memref_to_llvm_alloc(8 * mib);
  EXPECT_EQ(c, large);
  for (void *p : {tiny, a, b, c}) _mlir_memref_to_llvm_free(p);
}

}  // namespace
