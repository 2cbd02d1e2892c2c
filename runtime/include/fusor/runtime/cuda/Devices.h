// fusor::cuda: whether CUDA devices can be used, as torch.cuda asks it.
#pragma once

#include <string>

namespace fusor::cuda {

bool is_available();
int device_count();
// Why is_available() is false ("no CUDA driver (libcuda.so.1: cannot open ...)"), or "".
std::string unavailable_reason();

}  // namespace fusor::cuda
