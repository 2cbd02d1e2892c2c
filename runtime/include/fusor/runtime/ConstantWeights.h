// Memory that holds a model's weights for as long as the model lives, unchanged: the GEMM packs
// a B operand read from there once and keeps the packed copy (as ONNX Runtime prepacks its
// weights), instead of packing it on every run. A model library registers its weights when it
// is created and forgets them when it is destroyed, which drops the packed copies.
#pragma once

#include <cstddef>

namespace fusor::runtime {

void registerConstantWeights(const void *begin, size_t bytes);
void forgetConstantWeights(const void *begin);

}  // namespace fusor::runtime
