#include "ConstantWeights.h"

#include "fusor/runtime/ConstantWeights.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <tuple>

namespace fusor::runtime {
namespace {

struct Range {
  const char *end;
  int models = 0;  // how many live models registered it (two instances share embedded weights)
  // Copies made from weights keyed by (what they are, the weights, row stride, column stride,
  // rows, columns).
  std::map<std::tuple<int, const float *, int64_t, int64_t, int64_t, int64_t>, std::shared_ptr<const float>> made;
};

std::mutex mutex;
std::map<const char *, Range> &ranges() {  // by first byte
  static auto *r = new std::map<const char *, Range>();  // never destroyed: used until exit
  return *r;
}

}  // namespace

void registerConstantWeights(const void *begin, size_t bytes) {
  if (!begin || bytes == 0) return;
  std::lock_guard<std::mutex> lock(mutex);
  const char *first = static_cast<const char *>(begin);
  Range &range = ranges()[first];
  if (range.models == 0 || range.end != first + bytes) range = Range{first + bytes, 0, {}};
  ++range.models;
}

void forgetConstantWeights(const void *begin) {
  std::lock_guard<std::mutex> lock(mutex);
  auto it = ranges().find(static_cast<const char *>(begin));
  if (it != ranges().end() && --it->second.models <= 0) ranges().erase(it);
}

namespace {

enum Kind { kPackedB, kWinograd };

// What `make` writes from the rows x cols matrix at `first` (its rows `rowStride` apart, its
// columns `colStride`), made once while all of it lies in registered weights; else null.
std::shared_ptr<const float> madeFromWeights(Kind kind, const float *first, int64_t rowStride, int64_t colStride,
                                             int64_t rows, int64_t cols, size_t floats,
                                             const std::function<void(float *)> &make) {
  std::lock_guard<std::mutex> lock(mutex);
  if (ranges().empty()) return nullptr;
  // The range holding the first element, and the last element inside it too.
  auto it = ranges().upper_bound(reinterpret_cast<const char *>(first));
  if (it == ranges().begin()) return nullptr;
  --it;
  const char *last = reinterpret_cast<const char *>(first + (rows - 1) * rowStride + (cols - 1) * colStride + 1);
  if (last > it->second.end) return nullptr;
  auto &slot = it->second.made[{kind, first, rowStride, colStride, rows, cols}];
  if (!slot) {
    size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
    auto *data = static_cast<float *>(std::aligned_alloc(64, bytes));
    if (!data) return nullptr;  // no room: the caller computes as usual
    make(data);
    slot = std::shared_ptr<const float>(data, [](const float *x) { std::free(const_cast<float *>(x)); });
  }
  return slot;
}

}  // namespace

std::shared_ptr<const float> packedWeights(const float *b, int64_t rsB, int64_t csB, int64_t k, int64_t n,
                                           size_t floats, const std::function<void(float *)> &pack) {
  return madeFromWeights(kPackedB, b, rsB, csB, k, n, floats, pack);
}

std::shared_ptr<const float> winogradWeights(const float *weights, int64_t outChannels, int64_t inChannels,
                                             size_t floats, const std::function<void(float *)> &transform) {
  return madeFromWeights(kWinograd, weights, inChannels * 9, 1, outChannels, inChannels * 9, floats, transform);
}

}  // namespace fusor::runtime
