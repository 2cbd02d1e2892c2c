#include "base/ConstantWeights.h"

#include "fusor/runtime/ConstantWeights.h"

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <tuple>

namespace fusor::runtime {
namespace {

struct Range {
  const char *end;
  int models = 0;  // how many live models registered it (two instances share embedded weights)
  // Packed copies keyed by (kind, B, row stride, column stride, k, n).
  std::map<std::tuple<PackedKind, const float *, int64_t, int64_t, int64_t, int64_t>,
           std::shared_ptr<const float>> packed;
};

// Shared by lookups, exclusive for changes: every thread of a GEMM looks its weights up at
// once, and with one plain mutex the loser slept in the kernel (mobilenet_v2 through the JIT,
// whose 137 weights are as many ranges: 16 context switches a run, 3-5% slower at 2 threads).
std::shared_mutex mutex;
std::atomic<bool> anyRegistered{false};  // ranges() is not empty (written under the mutex)
std::map<const char *, Range> &ranges() {  // by first byte
  static auto *r = new std::map<const char *, Range>();  // never destroyed: used until exit
  return *r;
}

}  // namespace

bool anyConstantWeights() { return anyRegistered.load(std::memory_order_relaxed); }

void registerConstantWeights(const void *begin, size_t bytes) {
  if (!begin || bytes == 0) return;
  std::unique_lock lock(mutex);
  const char *first = static_cast<const char *>(begin);
  Range &range = ranges()[first];
  if (range.models == 0 || range.end != first + bytes) range = Range{first + bytes, 0, {}};
  ++range.models;
  anyRegistered = true;
}

void forgetConstantWeights(const void *begin) {
  std::unique_lock lock(mutex);
  auto it = ranges().find(static_cast<const char *>(begin));
  if (it != ranges().end() && --it->second.models <= 0) ranges().erase(it);
  anyRegistered = !ranges().empty();
}

std::shared_ptr<const float> packedWeights(const float *b, int64_t rsB, int64_t csB, int64_t k, int64_t n,
                                           size_t floats, PackInto pack, PackedKind kind) {
  const auto key = std::make_tuple(kind, b, rsB, csB, k, n);
  // The range holding b, with B's last element inside it too; or null.
  auto rangeOf = [&]() -> Range * {
    if (ranges().empty()) return nullptr;
    auto it = ranges().upper_bound(reinterpret_cast<const char *>(b));
    if (it == ranges().begin()) return nullptr;
    --it;
    const char *last = reinterpret_cast<const char *>(b + (k - 1) * rsB + (n - 1) * csB + 1);
    return last > it->second.end ? nullptr : &it->second;
  };
  {
    std::shared_lock lock(mutex);
    Range *range = rangeOf();
    if (!range) return nullptr;
    auto found = range->packed.find(key);
    if (found != range->packed.end() && found->second) return found->second;
  }
  std::unique_lock lock(mutex);  // packed by the first caller; the others find it
  Range *range = rangeOf();
  if (!range) return nullptr;
  auto &slot = range->packed[key];
  if (!slot) {
    size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
    auto *data = static_cast<float *>(std::aligned_alloc(64, bytes));
    if (!data) return nullptr;  // no room: the caller packs as usual
    pack(data);
    slot = std::shared_ptr<const float>(data, [](const float *x) { std::free(const_cast<float *>(x)); });
  }
  return slot;
}

}  // namespace fusor::runtime
