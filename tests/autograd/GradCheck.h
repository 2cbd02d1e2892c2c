// Gradient checks: autograd against float64 central finite differences, and the dot-product
// identity <J u, v> = <u, J^T v>.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "fusor/fusor.h"

namespace fusor::testing {

using Function = std::function<Tensor(const std::vector<Tensor> &)>;

struct GradCheckOptions {
  double eps = 1e-6, atol = 1e-5, rtol = 1e-3;
  // Inputs up to this many elements are checked element by element; all get the dot-product test.
  int64_t elementwiseLimit = 200;
};

// Checks d f / d inputs[i] for every float64 input (leaves are made from copies of them).
// Reports failures through gtest, naming `what`.
void gradcheck(const Function &f, const std::vector<Tensor> &inputs, const std::string &what,
               GradCheckOptions options = {});

// Checks the second derivative: gradcheck of x -> autograd::grad(f(x), x, v, create_graph).
void gradgradcheck(const Function &f, const std::vector<Tensor> &inputs, const std::string &what,
                   GradCheckOptions options = {});

// The message of the fusor::Error `f` throws, or "no error".
std::string errorOf(const std::function<void()> &f);

// Random float64 values, normal times `scale` plus `shift`.
Tensor randomDouble(std::vector<int64_t> shape, double scale = 1.0, double shift = 0.0);

}  // namespace fusor::testing
