#include "fusor/runtime/Buffer.h"

#include <cstdlib>
#include <new>

namespace fusor::runtime {

std::shared_ptr<Buffer> Buffer::allocate(size_t bytes) {
  constexpr size_t kAlignment = 64;  // a cache line, and an AVX-512 vector
  size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void *data = std::aligned_alloc(kAlignment, rounded ? rounded : kAlignment);
  if (!data) throw std::bad_alloc();
  return std::shared_ptr<Buffer>(new Buffer(data, bytes));
}

Buffer::~Buffer() { std::free(data_); }

}  // namespace fusor::runtime
