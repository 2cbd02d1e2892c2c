// softmax, log_softmax, layer_norm vs a double reference.
#include "Reference.h"

namespace fusor::testing {
namespace {

Ref softmaxRef(const Ref &x, int64_t dim) {
  Ref m = reduce(x, {dim}, true, -INFINITY, [](double a, double b) { return std::max(a, b); });
  Ref e = map(zip(x, m, std::minus<double>()), [](double v) { return std::exp(v); });
  return zip(e, reduce(e, {dim}, true, 0.0, std::plus<double>()), std::divides<double>());
}

TEST(Composites, SoftmaxAndLogSoftmax) {
  for (const auto &shape : awkwardShapes()) {
    if (shape.empty()) continue;
    Tensor x = randomTensor(shape, kFloat32, 3.0);
    for (int64_t dim : {int64_t{0}, int64_t{-1}}) {
      Ref expected = softmaxRef(toRef(x), dim < 0 ? dim + shape.size() : dim);
      std::string what = shapeString(shape) + " dim " + std::to_string(dim);
      // float32 sums over a long row lose about 1e-9 relative per element.
      double rtol = 1e-5 + 2e-9 * static_cast<double>(toRef(x).numel());
      expectClose(softmax(x, dim), expected, rtol, 1e-7, "softmax " + what);
      expectClose(log_softmax(x, dim), map(expected, [](double v) { return std::log(v); }), rtol,
                  1e-5 + rtol, "log_softmax " + what);
    }
  }
  Tensor big = from_vector<float>({1000, 1001, 1002}, {3});  // exp would overflow unshifted
  expectClose(softmax(big, 0), softmaxRef(toRef(big), 0), 1e-6, 1e-7, "stable softmax");
}

TEST(Composites, LayerNorm) {
  Tensor x = randomTensor({4, 7, 33}, kFloat32, 2.0) + 1.0;
  Tensor w = randomTensor({33}), b = randomTensor({33});
  Ref r = toRef(x);
  Ref mean = map(reduce(r, {2}, true, 0.0, std::plus<double>()), [](double s) { return s / 33; });
  Ref centered = zip(r, mean, std::minus<double>());
  Ref var = map(reduce(map(centered, [](double v) { return v * v; }), {2}, true, 0.0, std::plus<double>()),
                [](double s) { return s / 33; });
  Ref norm = zip(centered, var, [](double c, double v) { return c / std::sqrt(v + 1e-5); });
  Ref expected = zip(zip(norm, toRef(w), std::multiplies<double>()), toRef(b), std::plus<double>());
  expectClose(layer_norm(x, {33}, w, b), expected, 1e-4, 1e-5, "layer_norm");
  expectClose(layer_norm(x, {33}), norm, 1e-4, 1e-5, "layer_norm without affine");
}

}  // namespace
}  // namespace fusor::testing
