#include "fusor/runtime/Buffer.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>

#include "fusor/Error.h"
#ifdef FUSOR_HAS_CUDA_HEADERS
#include "fusor/runtime/cuda/Device.h"
#endif

namespace fusor::runtime {
namespace {

constexpr size_t kAlignment = 64;                  // a cache line, and an AVX-512 vector
constexpr size_t kMaxCachedBytes = size_t{1} << 30;  // freed memory kept for reuse

// Freed blocks kept for reuse: large blocks from the system are fresh mmaps whose pages fault
// and are zeroed on first touch, which cost more than the kernels writing them.
class BlockCache {
 public:
  void *take(size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.lower_bound(bytes);
    if (it == free_.end() || it->first > 2 * bytes) return nullptr;  // no waste past 2x
    void *p = it->second;
    cached_ -= it->first;
    sizes_[p] = it->first;
    free_.erase(it);
    return p;
  }
  // Keeps `p` (of `bytes`) for reuse, or returns false if the cache is full.
  bool give(void *p, size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cached_ + bytes > kMaxCachedBytes) return false;
    free_.emplace(bytes, p);
    cached_ += bytes;
    return true;
  }
  size_t blockSize(void *p, size_t requested) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = sizes_.find(p);
    if (it == sizes_.end()) return requested;
    size_t size = it->second;
    sizes_.erase(it);
    return size;
  }

 private:
  std::mutex mutex_;
  std::multimap<size_t, void *> free_;
  std::map<void *, size_t> sizes_;  // blocks handed out that are larger than asked
  size_t cached_ = 0;
};

BlockCache &cache() {
  static BlockCache *c = new BlockCache();  // outlives every buffer
  return *c;
}

size_t roundUp(size_t bytes) {
  size_t granule = bytes >= (size_t{1} << 20) ? 4096 : kAlignment;
  return ((bytes ? bytes : 1) + granule - 1) / granule * granule;
}

#ifndef FUSOR_HAS_CUDA_HEADERS
[[noreturn]] void noCuda() {
  throw Error("fusor: CUDA is not available: fusor was built without the CUDA toolkit's headers");
}
#endif

}  // namespace

std::shared_ptr<Buffer> Buffer::allocate(size_t bytes, int cudaDevice) {
  if (cudaDevice != kHost) {
#ifdef FUSOR_HAS_CUDA_HEADERS
    return std::shared_ptr<Buffer>(new Buffer(cuda::allocate(cudaDevice, bytes), bytes, cudaDevice));
#else
    noCuda();
#endif
  }
  size_t rounded = roundUp(bytes);
  void *data = cache().take(rounded);
  if (!data) data = std::aligned_alloc(kAlignment, rounded);
  if (!data) throw std::bad_alloc();
  return std::shared_ptr<Buffer>(new Buffer(data, bytes, kHost));
}

Buffer::~Buffer() {
#ifdef FUSOR_HAS_CUDA_HEADERS
  if (device_ != kHost) {
    cuda::release(device_, data_, bytes_);
    return;
  }
#endif
  size_t block = cache().blockSize(data_, roundUp(bytes_));
  if (!cache().give(data_, block)) std::free(data_);
}

void Buffer::copy(const Buffer &src, Buffer &dst) {
  size_t bytes = std::min(src.bytes(), dst.bytes());
  if (src.onHost() && dst.onHost()) {
    std::memcpy(dst.data(), src.data(), bytes);
    return;
  }
#ifdef FUSOR_HAS_CUDA_HEADERS
  if (src.onHost()) {
    cuda::copyToDevice(dst.cudaDevice(), dst.data(), src.data(), bytes);
  } else if (dst.onHost()) {
    cuda::copyToHost(src.cudaDevice(), dst.data(), src.data(), bytes);
  } else if (src.cudaDevice() == dst.cudaDevice()) {
    cuda::copyOnDevice(src.cudaDevice(), dst.data(), src.data(), bytes);
  } else {  // between devices, through the host
    std::shared_ptr<Buffer> staging = allocate(bytes);
    cuda::copyToHost(src.cudaDevice(), staging->data(), src.data(), bytes);
    cuda::copyToDevice(dst.cudaDevice(), dst.data(), staging->data(), bytes);
    cuda::synchronize(dst.cudaDevice());  // the staging buffer dies here
  }
#else
  noCuda();
#endif
}

}  // namespace fusor::runtime
