// One CUDA device as fusor uses it: its primary context, one stream that all fusor work on the
// device is ordered on, a caching allocator, and copies. No CUDA header needed to use it.
#pragma once

#include <mutex>

#include <cstddef>
#include <cstdint>

namespace fusor::runtime::cuda {

// Makes `device`'s primary context current on this thread; throws fusor::Error if there is no
// driver or no such device.
void makeCurrent(int device);
// The stream (a CUstream) all of fusor's work on `device` goes to.
void *stream(int device);
// Held while one program's work is enqueued on the stream, so that programs run by several
// host threads go in whole, one after another (enqueueing is quick; the GPU runs them in order).
std::mutex &launchMutex(int device);
// sm_XY as XY (90 for an H100).
int computeCapability(int device);

// Device memory from a cache of freed blocks (stream-ordered reuse: everything runs on the one
// stream, so a block freed by the host can be handed out again at once).
void *allocate(int device, size_t bytes);
void release(int device, void *pointer, size_t bytes);

// Stream-ordered copies; toHost waits for the stream, so its data is ready on return.
void copyToDevice(int device, void *dst, const void *src, size_t bytes);
void copyToHost(int device, void *dst, const void *src, size_t bytes);
void copyOnDevice(int device, void *dst, const void *src, size_t bytes);
void synchronize(int device);

}  // namespace fusor::runtime::cuda
