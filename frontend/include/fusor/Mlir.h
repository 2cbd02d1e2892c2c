// fusor-dialect text in and out: export a traced C++ function, run an exported one.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "fusor/Tensor.h"

namespace fusor {

using TensorFunction = std::function<std::vector<Tensor>(const std::vector<Tensor> &)>;

// Traces `fn` on placeholders shaped like `examples` and writes it to `path` as a fusor-dialect
// module with one function, @main (tensors it captured, such as weights, become constants).
// fusor-opt reads the file, fusor::run_mlir and fusor-run run it.
void export_mlir(const TensorFunction &fn, const std::vector<Tensor> &examples,
                 const std::string &path, Where where = Where::current());

// The same as text. With `weights`, the tensors `fn` captured are not compiled in: @main takes
// them after its inputs, and they are appended to `weights` in that order.
std::string trace_to_mlir(const TensorFunction &fn, const std::vector<Tensor> &examples,
                          std::vector<Tensor> *weights = nullptr, Where where = Where::current());

// Runs the public function of a fusor-dialect file (@main if there are several) on `inputs`:
// its `?` sizes take the inputs' sizes, and the JIT compiles it for the CPU (CUDA inputs are
// copied to the host; the results are CPU tensors). Bad text, a wrong number of inputs or
// inputs of the wrong type are a fusor::Error.
std::vector<Tensor> run_mlir(const std::string &path, const std::vector<Tensor> &inputs,
                             Where where = Where::current());

}  // namespace fusor
