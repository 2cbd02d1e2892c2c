#include "fusor/runtime/HostAlloc.h"

#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

namespace {

constexpr size_t kHeader = 64;                        // keeps the user pointer 64-byte aligned
constexpr size_t kSmallest = size_t{64} << 10;        // smaller blocks go straight to malloc
constexpr size_t kMaxCachedBytes = size_t{1} << 30;

// What precedes every pointer handed out: the block's size and where the block starts.
struct Header {
  size_t blockBytes;
  size_t offset;
};

struct FreeBlock {
  size_t bytes;
  void *block;
};

struct Cache {
  std::mutex mutex;
  std::vector<FreeBlock> free;  // in the order freed
  size_t cached = 0;
};

Cache &cache() {
  static Cache *c = new Cache();  // outlives compiled code running at exit
  return *c;
}

size_t roundUp(size_t bytes) { return bytes < kSmallest ? bytes : (bytes + 4095) / 4096 * 4096; }

// A cached block of at least `blockBytes` and at most twice that, the one freed last (its lines
// the likeliest still in cache, which the caller's first writes then hit), or a new one;
// `blockBytes` becomes the block's size. A model's buffers are of many sizes, and one freed
// early in a run (see fusor-early-deallocs) is taken by the next allocation that fits.
void *takeBlock(size_t &blockBytes) {
  if (blockBytes >= kSmallest) {
    Cache &c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    for (size_t i = c.free.size(); i-- > 0;) {
      const FreeBlock candidate = c.free[i];
      if (candidate.bytes < blockBytes || candidate.bytes / 2 > blockBytes) continue;
      c.free.erase(c.free.begin() + static_cast<std::ptrdiff_t>(i));
      c.cached -= candidate.bytes;
      blockBytes = candidate.bytes;
      return candidate.block;
    }
  }
  return std::aligned_alloc(kHeader, (blockBytes + kHeader - 1) / kHeader * kHeader);
}

void *allocate(size_t alignment, size_t bytes) {
  size_t extra = alignment > kHeader ? alignment : 0;
  size_t blockBytes = roundUp(kHeader + extra + bytes);
  auto *block = static_cast<char *>(takeBlock(blockBytes));
  if (!block) return nullptr;  // compiled code sees a null pointer, as from malloc
  uintptr_t user = reinterpret_cast<uintptr_t>(block) + kHeader;
  if (extra) user = (user + alignment - 1) / alignment * alignment;
  auto *header = reinterpret_cast<Header *>(user - sizeof(Header));
  header->blockBytes = blockBytes;
  header->offset = user - reinterpret_cast<uintptr_t>(block);
  return reinterpret_cast<void *>(user);
}

}  // namespace

extern "C" {

void *_mlir_memref_to_llvm_alloc(size_t bytes) { return allocate(kHeader, bytes); }

void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t bytes) { return allocate(alignment, bytes); }

void _mlir_memref_to_llvm_free(void *pointer) {
  if (!pointer) return;
  auto *header = reinterpret_cast<Header *>(static_cast<char *>(pointer) - sizeof(Header));
  size_t blockBytes = header->blockBytes;
  void *block = static_cast<char *>(pointer) - header->offset;
  if (blockBytes >= kSmallest) {
    Cache &c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.cached + blockBytes <= kMaxCachedBytes) {
      c.free.push_back({blockBytes, block});
      c.cached += blockBytes;
      return;
    }
  }
  std::free(block);
}

}  // extern "C"
