// Host memory of realized tensors: 64-byte aligned, shared by the tensors that view it.
#pragma once

#include <cstddef>
#include <memory>

namespace fusor::runtime {

class Buffer {
 public:
  // Uninitialized storage of `bytes` bytes (at least one byte is allocated).
  static std::shared_ptr<Buffer> allocate(size_t bytes);

  ~Buffer();
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;

  void *data() const { return data_; }
  size_t bytes() const { return bytes_; }

 private:
  Buffer(void *data, size_t bytes) : data_(data), bytes_(bytes) {}
  void *data_;
  size_t bytes_;
};

}  // namespace fusor::runtime
