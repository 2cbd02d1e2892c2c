// NumPy .npy files <-> tensors (format 1.0/2.0, little-endian, C order).
#pragma once

#include <string>

#include "fusor/Tensor.h"

namespace fusor {

// Reads a .npy file (f2, f4, f8, i1, i4, i8, b1) as a realized tensor; anything else is a
// fusor::Error naming the file.
Tensor load_npy(const std::string &path);
// Writes `t` (realizing it); float16 and bfloat16 (which NumPy lacks) are written as float32.
void save_npy(const Tensor &t, const std::string &path);

}  // namespace fusor
