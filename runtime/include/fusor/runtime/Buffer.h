// Memory of realized tensors, shared by the tensors that view it: host memory (64-byte aligned)
// or memory on a CUDA device.
#pragma once

#include <cstddef>
#include <memory>

namespace fusor::runtime {

class Buffer {
 public:
  static constexpr int kHost = -1;

  // Uninitialized storage of `bytes` bytes (at least one byte is allocated), on the host or,
  // for `cudaDevice` >= 0, on that CUDA device.
  static std::shared_ptr<Buffer> allocate(size_t bytes, int cudaDevice = kHost);

  ~Buffer();
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;

  // A host pointer, or a device address for CUDA buffers.
  void *data() const { return data_; }
  size_t bytes() const { return bytes_; }
  int cudaDevice() const { return device_; }
  bool onHost() const { return device_ == kHost; }

  // Copies min(bytes) from `src` into `dst`, across devices as needed (stream-ordered; waits
  // only when the destination is the host).
  static void copy(const Buffer &src, Buffer &dst);

 private:
  Buffer(void *data, size_t bytes, int device) : data_(data), bytes_(bytes), device_(device) {}
  void *data_;
  size_t bytes_;
  int device_;
};

}  // namespace fusor::runtime
