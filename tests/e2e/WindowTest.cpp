// conv2d, max_pool2d, avg_pool2d and batch_norm vs direct double-precision loops.
#include "Reference.h"

namespace fusor::testing {
namespace {

struct Geometry {
  int64_t kernel[2], stride[2], pads[4], dilation[2];
  bool ceil = false;
};

// A convolution's input and weight shapes, window and groups.
struct ConvolutionCase {
  std::vector<int64_t> input, weight;
  Geometry g;
  int64_t groups;
};

int64_t extent(int64_t in, int64_t k, int64_t s, int64_t lo, int64_t hi, int64_t d, bool ceil) {
  int64_t span = in + lo + hi - (d * (k - 1) + 1);
  int64_t out = (ceil ? (span + s - 1) / s : span / s) + 1;
  if (ceil && (out - 1) * s >= in + lo) --out;
  return out;
}

double at(const Ref &x, int64_t n, int64_t c, int64_t h, int64_t w) {
  const auto &s = x.shape;
  return x.v[((n * s[1] + c) * s[2] + h) * s[3] + w];
}

Ref convRef(const Ref &x, const Ref &w, const Geometry &g, int64_t groups) {
  int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  int64_t O = w.shape[0], Cg = C / groups, Og = O / groups;
  int64_t OH = extent(H, g.kernel[0], g.stride[0], g.pads[0], g.pads[2], g.dilation[0], false);
  int64_t OW = extent(W, g.kernel[1], g.stride[1], g.pads[1], g.pads[3], g.dilation[1], false);
  Ref y{{N, O, OH, OW}, std::vector<double>(N * O * OH * OW)};
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t i = 0; i < OH; ++i)
        for (int64_t j = 0; j < OW; ++j) {
          double acc = 0;
          int64_t group = o / Og;
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t p = 0; p < g.kernel[0]; ++p)
              for (int64_t q = 0; q < g.kernel[1]; ++q) {
                int64_t h = i * g.stride[0] - g.pads[0] + p * g.dilation[0];
                int64_t v = j * g.stride[1] - g.pads[1] + q * g.dilation[1];
                if (h < 0 || h >= H || v < 0 || v >= W) continue;
                acc += at(x, n, group * Cg + c, h, v) * at(w, o, c, p, q);
              }
          y.v[((n * O + o) * OH + i) * OW + j] = acc;
        }
  return y;
}

// Max (avg = false) or average pooling; `countPad` counts padding (not ceil overhang) in the mean.
Ref poolRef(const Ref &x, const Geometry &g, bool avg, bool countPad) {
  int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  int64_t OH = extent(H, g.kernel[0], g.stride[0], g.pads[0], g.pads[2], g.dilation[0], g.ceil);
  int64_t OW = extent(W, g.kernel[1], g.stride[1], g.pads[1], g.pads[3], g.dilation[1], g.ceil);
  Ref y{{N, C, OH, OW}, std::vector<double>(N * C * OH * OW)};
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < OH; ++i)
        for (int64_t j = 0; j < OW; ++j) {
          double acc = avg ? 0.0 : -INFINITY;
          int64_t count = 0;
          for (int64_t p = 0; p < g.kernel[0]; ++p)
            for (int64_t q = 0; q < g.kernel[1]; ++q) {
              int64_t h = i * g.stride[0] - g.pads[0] + p * g.dilation[0];
              int64_t v = j * g.stride[1] - g.pads[1] + q * g.dilation[1];
              bool inside = h >= 0 && h < H && v >= 0 && v < W;
              bool inPadding = h >= -g.pads[0] && h < H + g.pads[2] && v >= -g.pads[1] && v < W + g.pads[3];
              if (inside) {
                acc = avg ? acc + at(x, n, c, h, v) : std::max(acc, at(x, n, c, h, v));
                ++count;
              } else if (avg && countPad && inPadding) {
                ++count;
              }
            }
          y.v[((n * C + c) * OH + i) * OW + j] = avg ? acc / count : acc;
        }
  return y;
}

TEST(Windows, Conv2dOverStridesPadsDilationsAndGroups) {
  std::vector<ConvolutionCase> cases = {
      {{1, 3, 7, 7}, {5, 3, 3, 3}, {{3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}}, 1},
      {{2, 4, 11, 13}, {6, 2, 3, 3}, {{3, 3}, {2, 2}, {1, 0, 2, 1}, {1, 1}}, 2},   // asymmetric pads
      {{1, 6, 9, 9}, {6, 1, 3, 3}, {{3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}}, 6},     // depthwise
      {{2, 8, 5, 5}, {16, 8, 1, 1}, {{1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}}, 1},    // pointwise
      {{1, 2, 13, 17}, {3, 2, 3, 5}, {{3, 5}, {3, 2}, {2, 2, 2, 2}, {2, 1}}, 1},   // dilated
      {{1, 1, 1, 1}, {1, 1, 1, 1}, {{1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}}, 1},
      {{1, 3, 32, 32}, {8, 3, 7, 7}, {{7, 7}, {2, 2}, {3, 3, 3, 3}, {1, 1}}, 1},   // a stem
  };
  for (const ConvolutionCase &c : cases) {
    Tensor x = randomTensor(c.input), w = randomTensor(c.weight), b = randomTensor({c.weight[0]});
    Tensor y = conv2d(x, w, b, {c.g.stride[0], c.g.stride[1]},
                      {c.g.pads[0], c.g.pads[1], c.g.pads[2], c.g.pads[3]},
                      {c.g.dilation[0], c.g.dilation[1]}, c.groups);
    Ref expected = zip(convRef(toRef(x), toRef(w), c.g, c.groups),
                       Ref{{1, c.weight[0], 1, 1}, toRef(b).v}, std::plus<double>());
    expectClose(y, expected, 1e-5, 1e-5, "conv2d " + shapeString(c.input) + " * " + shapeString(c.weight));
    // f64 and bf16 take the same path (bf16 accumulates in f32).
    expectClose(conv2d(x.to(kFloat64), w.to(kFloat64), {}, {c.g.stride[0], c.g.stride[1]},
                       {c.g.pads[0], c.g.pads[1], c.g.pads[2], c.g.pads[3]}, {c.g.dilation[0], c.g.dilation[1]},
                       c.groups),
                convRef(toRef(x), toRef(w), c.g, c.groups), 1e-12, 1e-12, "conv2d f64");
  }
  EXPECT_THROW(conv2d(randomTensor({1, 3, 5, 5}), randomTensor({4, 2, 3, 3})), Error);  // channels
  EXPECT_THROW(conv2d(randomTensor({1, 4, 5, 5}), randomTensor({3, 2, 3, 3}), {}, {1}, {0}, {1}, 2), Error);
  EXPECT_THROW(conv2d(randomTensor({1, 3, 2, 2}), randomTensor({4, 3, 3, 3})), Error);  // too small
  EXPECT_THROW(conv2d(randomInts({1, 1, 3, 3}, 0, 5), randomInts({1, 1, 1, 1}, 0, 5)), Error);
}

// conv2d with a bias against the reference, then with a residual added and clamped to [0, 6]
// (the epilogue the runtime's kernels apply as they store).
void expectConvolutionMatches(const std::vector<int64_t> &input, const std::vector<int64_t> &weight, const Geometry &g,
                              int64_t groups, const std::string &name) {
  Tensor x = randomTensor(input), w = randomTensor(weight), b = randomTensor({weight[0]});
  auto y = [&] {
    return conv2d(x, w, b, {g.stride[0], g.stride[1]}, {g.pads[0], g.pads[1], g.pads[2], g.pads[3]},
                  {g.dilation[0], g.dilation[1]}, groups);
  };
  Ref conv = zip(convRef(toRef(x), toRef(w), g, groups), Ref{{1, weight[0], 1, 1}, toRef(b).v}, std::plus<double>());
  double tol = 1e-5 * std::sqrt(double(weight[1] * weight[2] * weight[3]));
  expectClose(y(), conv, tol, tol, name);
  Tensor skip = randomTensor(conv.shape), six = scalar_tensor(6.0, kFloat32), zero = scalar_tensor(0.0, kFloat32);
  auto relu6 = [](double v) { return std::min(std::max(v, 0.0), 6.0); };
  expectClose(minimum(maximum(add(y(), skip), zero), six), map(zip(conv, toRef(skip), std::plus<double>()), relu6), tol,
              tol, name + " + skip, relu6");
}

TEST(Windows, ImplicitGemmConvolutionsMatchReference) {
  // f32 convolutions other than Winograd's and depthwise ones run on the CPU runtime's
  // implicit GEMM, which gathers each 16-column panel of the im2col matrix from the input as
  // it packs it: one masked load per run of columns along an output row (unit stride), two
  // and a shuffle (stride 2), a gather (larger strides), zeros past the input's edges.
  struct Case {
    std::vector<int64_t> input, weight;
    Geometry g;
    int64_t groups;
    const char *why;
  };
  std::vector<Case> cases = {
      {{1, 5, 64, 63}, {11, 5, 3, 3}, {{3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}}, 1, "stride 2, runs across rows"},
      {{2, 96, 40, 40}, {9, 96, 3, 3}, {{3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}}, 1, "K over 768, 400 columns"},
      {{1, 24, 7, 7}, {20, 12, 3, 3}, {{3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}}, 2, "49 columns: a dot column"},
      {{1, 4, 23, 26}, {6, 4, 3, 3}, {{3, 3}, {3, 3}, {2, 0, 1, 3}, {2, 2}}, 1, "stride 3, dilated"},
      {{1, 3, 17, 1}, {7, 3, 5, 1}, {{5, 1}, {1, 1}, {2, 0, 2, 0}, {1, 1}}, 1, "one column: a run per lane"},
      {{1, 16, 29, 31}, {8, 16, 1, 1}, {{1, 1}, {2, 2}, {0, 0, 0, 0}, {1, 1}}, 1, "1x1 at stride 2"},
      {{1, 2, 9, 37}, {5, 2, 2, 4}, {{2, 4}, {1, 2}, {0, 3, 1, 2}, {3, 1}}, 1, "strides 1 and 2, dilated rows"},
  };
  for (const Case &c : cases)
    expectConvolutionMatches(c.input, c.weight, c.g, c.groups,
                             std::string("implicit GEMM conv2d (") + c.why + ") " + shapeString(c.input) + " * " +
                                 shapeString(c.weight));
}

TEST(Windows, FewChannelConvolutionsMatchReference) {
  // With AVX-512, f32 3x3 convolutions over at most 4 input channels per group at strides 1
  // and 2 (an image's stem) run straight from the input, sixteen output channels and columns
  // at a time: a batch, output channels past a multiple of 16, groups, asymmetric and no
  // padding, one output row, the bias, residual and clamp. (Other CPUs take the implicit GEMM.)
  std::vector<ConvolutionCase> cases = {
      {{2, 3, 45, 47}, {20, 3, 3, 3}, {{3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}}, 1},
      {{1, 4, 17, 31}, {32, 4, 3, 3}, {{3, 3}, {1, 1}, {1, 0, 0, 1}, {1, 1}}, 1},
      {{1, 6, 20, 40}, {9, 2, 3, 3}, {{3, 3}, {2, 2}, {0, 0, 1, 1}, {1, 1}}, 3},
      {{1, 3, 1, 16}, {5, 3, 3, 3}, {{3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}}, 1},
      {{1, 1, 30, 70}, {17, 1, 3, 3}, {{3, 3}, {2, 2}, {0, 0, 0, 0}, {1, 1}}, 1},
  };
  for (const ConvolutionCase &c : cases)
    expectConvolutionMatches(c.input, c.weight, c.g, c.groups,
                             "few-channel conv2d " + shapeString(c.input) + " * " + shapeString(c.weight) + " stride " +
                                 std::to_string(c.g.stride[0]));
}

TEST(Windows, ConvolutionEpiloguesMatchReference) {
  // On the CPU the GEMM adds the bias and a residual and clamps as it stores the result: bias
  // per output channel (a row of the GEMM), per feature for linear (a column).
  struct Case {
    std::vector<int64_t> input, weight;
    int64_t pad;
  };
  std::vector<Case> cases = {{{1, 5, 7, 11}, {13, 5, 1, 1}, 0},
                             {{2, 3, 9, 9}, {7, 3, 3, 3}, 1},
                             {{1, 17, 3, 3}, {1, 17, 1, 1}, 0},
                             {{1, 8, 23, 29}, {31, 8, 1, 1}, 0},
                             {{1, 800, 5, 5}, {6, 800, 1, 1}, 0}};  // more than one K slice (768)
  auto clampRef = [](double v) { return std::min(std::max(v, -0.5), 0.5); };
  auto reluRef = [](double v) { return v > 0 ? v : 0.0; };
  for (const Case &c : cases) {
    Tensor x = randomTensor(c.input), w = randomTensor(c.weight), b = randomTensor({c.weight[0]});
    Geometry g{{c.weight[2], c.weight[3]}, {1, 1}, {c.pad, c.pad, c.pad, c.pad}, {1, 1}};
    Ref conv = zip(convRef(toRef(x), toRef(w), g, 1), Ref{{1, c.weight[0], 1, 1}, toRef(b).v}, std::plus<double>());
    Tensor skip = randomTensor(conv.shape);
    Ref withSkip = zip(conv, toRef(skip), std::plus<double>());
    auto y = [&] { return conv2d(x, w, b, {1, 1}, {c.pad, c.pad, c.pad, c.pad}); };
    std::string name = "conv2d " + shapeString(c.input) + " * " + shapeString(c.weight);
    double tol = 1e-5 * std::sqrt(double(c.weight[1] * c.weight[2] * c.weight[3]));
    expectClose(minimum(maximum(y(), scalar_tensor(-0.5, kFloat32)), scalar_tensor(0.5, kFloat32)),
                map(conv, clampRef), tol, tol, name + " clamped");
    expectClose(relu(add(y(), skip)), map(withSkip, reluRef), tol, tol, name + " + skip, relu");
    expectClose(add(skip, y()), withSkip, tol, tol, name + " + skip");
    // The convolution kept as a result beside its activation: no epilogue.
    Tensor kept = y(), activated = relu(kept);
    realize({kept, activated});
    expectClose(kept, conv, tol, tol, name + " kept");
    expectClose(activated, map(conv, reluRef), tol, tol, name + " kept, relu");
  }
}

TEST(Windows, WinogradConvolutionsMatchReference) {
  // f32 3x3 convolutions with unit strides, at least 16 channels each way and 32 output tiles
  // of 2x2 run as Winograd's F(2x2, 3x3) on the CPU: odd output sizes (cropped tiles),
  // asymmetric and no padding, a batch, prime channel counts, and the bias, residual and relu
  // fused into the output transform. The runtime's transforms take eight tiles of a row at a
  // time: rows of 5, 7, 16 and 28 tiles cover its whole and partial blocks.
  struct Case {
    std::vector<int64_t> input, weight;
    int64_t pads[4];
  };
  std::vector<Case> cases = {{{1, 16, 9, 13}, {16, 16, 3, 3}, {1, 1, 1, 1}},
                             {{2, 17, 12, 10}, {19, 17, 3, 3}, {0, 0, 0, 0}},
                             {{1, 23, 11, 15}, {29, 23, 3, 3}, {1, 0, 2, 1}},
                             {{1, 64, 56, 56}, {64, 64, 3, 3}, {1, 1, 1, 1}},
                             // Rows of 16 tiles (whole vectors only), and 16 cropped to 31 columns.
                             {{1, 16, 32, 32}, {16, 16, 3, 3}, {1, 1, 1, 1}},
                             {{1, 16, 8, 31}, {17, 16, 3, 3}, {1, 1, 1, 1}}};
  for (const Case &c : cases) {
    Tensor x = randomTensor(c.input), w = randomTensor(c.weight), b = randomTensor({c.weight[0]});
    Geometry g{{3, 3}, {1, 1}, {c.pads[0], c.pads[1], c.pads[2], c.pads[3]}, {1, 1}};
    Ref conv = zip(convRef(toRef(x), toRef(w), g, 1), Ref{{1, c.weight[0], 1, 1}, toRef(b).v}, std::plus<double>());
    std::string name = "winograd conv2d " + shapeString(c.input) + " * " + shapeString(c.weight);
    // The transforms add up to 4x4 inputs before the products: a few ulps of the largest terms.
    double tol = 4e-6 * std::sqrt(double(c.weight[1] * 9));
    auto y = [&] { return conv2d(x, w, b, {1, 1}, {c.pads[0], c.pads[1], c.pads[2], c.pads[3]}); };
    expectClose(y(), conv, tol, tol, name);
    Tensor skip = randomTensor(conv.shape);
    expectClose(relu(add(y(), skip)), map(zip(conv, toRef(skip), std::plus<double>()), [](double v) { return v > 0 ? v : 0.0; }),
                tol, tol, name + " + skip, relu");
  }
}

TEST(Windows, DepthwiseConvolutionsMatchReference) {
  // f32 depthwise convolutions run on the CPU runtime's direct kernels, which pad as they read
  // and apply the bias and clamp. Small and strided maps go eight channels at a time (the
  // channel counts here leave a last group short; a batch; 32x32, the largest strided map it
  // takes). With AVX-512, 3x3 windows at strides 1 and 2 with output rows of 7 or more go
  // straight from the input, strips of sixteen columns walking down bands of rows, two or three
  // side by side (here: rows of one to six strips, the last partly filled, 7 columns, odd
  // heights, several bands at both strides, asymmetric and no padding, in place: copying each
  // plane, or not where a plane is one walk, rows padded above or below). Narrower rows go across channels (a
  // 6-column row here). Other maps go a plane at a time: mobilenet's 3x3 at strides 1 and
  // 2 (their own path, also under FUSOR_CPU_ISA=avx2) and other windows (the general one).
  // All meet other windows, strides and dilations, asymmetric and no padding, rows narrower
  // than a vector and not a multiple of one.
  struct Case {
    std::vector<int64_t> input;
    int64_t kernel[2];
    Geometry g;
  };
  std::vector<Case> cases = {
      {{1, 24, 56, 56}, {3, 3}, {{3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}}},
      {{1, 13, 17, 19}, {3, 3}, {{3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}}},
      {{2, 5, 9, 11}, {3, 3}, {{3, 3}, {2, 2}, {0, 1, 2, 1}, {1, 1}}},
      {{1, 7, 15, 13}, {5, 5}, {{5, 5}, {1, 1}, {2, 2, 2, 2}, {2, 2}}},
      {{1, 3, 10, 10}, {3, 3}, {{3, 3}, {3, 3}, {1, 1, 1, 1}, {1, 1}}},
      {{1, 16, 23, 40}, {7, 3}, {{7, 3}, {2, 1}, {3, 1, 3, 1}, {1, 1}}},
      {{1, 6, 8, 33}, {3, 3}, {{3, 3}, {1, 1}, {0, 0, 0, 0}, {1, 1}}},
      {{1, 8, 7, 7}, {1, 1}, {{1, 1}, {2, 2}, {0, 0, 0, 0}, {1, 1}}},
      {{1, 4, 1, 1}, {3, 3}, {{3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}}},
      {{1, 960, 7, 7}, {3, 3}, {{3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}}},
      {{2, 17, 14, 14}, {3, 3}, {{3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}}},
      {{1, 9, 64, 63}, {3, 3}, {{3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}}},
      {{1, 5, 67, 70}, {3, 3}, {{3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}}},
      {{1, 3, 41, 37}, {5, 5}, {{5, 5}, {1, 1}, {2, 2, 2, 2}, {1, 1}}},
      {{1, 3, 9, 47}, {3, 3}, {{3, 3}, {2, 2}, {0, 0, 1, 1}, {1, 1}}},
      {{2, 4, 33, 17}, {3, 3}, {{3, 3}, {1, 1}, {1, 0, 0, 1}, {1, 1}}},
      {{1, 2, 5, 130}, {3, 3}, {{3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}}},
      {{1, 3, 1, 31}, {3, 3}, {{3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}}},
      {{1, 3, 101, 90}, {3, 3}, {{3, 3}, {1, 1}, {1, 0, 1, 1}, {1, 1}}},
      {{1, 11, 13, 13}, {3, 3}, {{3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}}},
      {{1, 2, 23, 112}, {3, 3}, {{3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}}},
      {{1, 3, 9, 20}, {3, 3}, {{3, 3}, {1, 1}, {2, 1, 0, 1}, {1, 1}}},
      {{1, 5, 7, 7}, {3, 3}, {{3, 3}, {1, 1}, {0, 1, 2, 1}, {1, 1}}},
      {{1, 5, 12, 12}, {3, 3}, {{3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}}},
  };
  auto relu6 = [](double v) { return std::min(std::max(v, 0.0), 6.0); };
  for (const Case &c : cases) {
    int64_t channels = c.input[1];
    Tensor x = randomTensor(c.input), w = randomTensor({channels, 1, c.kernel[0], c.kernel[1]}),
           b = randomTensor({channels});
    const Geometry &g = c.g;
    auto y = [&](const Tensor &in) {
      return conv2d(in, w, b, {g.stride[0], g.stride[1]}, {g.pads[0], g.pads[1], g.pads[2], g.pads[3]},
                    {g.dilation[0], g.dilation[1]}, channels);
    };
    auto reference = [&](const Ref &in) {
      return zip(convRef(in, toRef(w), g, channels), Ref{{1, channels, 1, 1}, toRef(b).v}, std::plus<double>());
    };
    Ref conv = reference(toRef(x));
    std::string name = "depthwise conv2d " + shapeString(c.input) + " kernel " + std::to_string(c.kernel[0]) + "x" +
                       std::to_string(c.kernel[1]) + " stride " + std::to_string(g.stride[0]);
    double tol = 1e-5 * std::sqrt(double(c.kernel[0] * c.kernel[1]));
    expectClose(y(x), conv, tol, tol, name);
    Tensor six = scalar_tensor(6.0, kFloat32), zero = scalar_tensor(0.0, kFloat32);
    expectClose(minimum(maximum(y(x), zero), six), map(conv, relu6), tol, tol, name + ", relu6");
    Tensor skip = randomTensor(conv.shape);
    expectClose(add(y(x), skip), zip(conv, toRef(skip), std::plus<double>()), tol, tol, name + " + skip");
    // The input made in the graph (dead after the convolution): its buffer may take the output.
    Tensor made = relu(add(x, x));
    Ref madeRef = map(toRef(x), [](double v) { return v > 0 ? 2 * v : 0.0; });
    expectClose(minimum(maximum(y(made), zero), six), map(reference(madeRef), relu6), tol, tol, name + " of relu");
  }
}

TEST(Windows, MaxAndAveragePooling) {
  std::vector<std::pair<std::vector<int64_t>, Geometry>> cases = {
      {{1, 3, 8, 8}, {{2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}}},
      {{2, 5, 11, 7}, {{3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}}},
      {{1, 2, 9, 10}, {{3, 2}, {2, 3}, {1, 0, 1, 1}, {1, 1}, true}},   // ceil mode
      {{1, 1, 6, 6}, {{3, 3}, {2, 2}, {0, 0, 0, 0}, {1, 1}, true}},    // ceil overhang
      {{1, 4, 1, 1}, {{1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}}},
      {{2, 3, 37, 70}, {{3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}}},        // resnet's, wide rows
      {{1, 2, 20, 41}, {{2, 5}, {3, 1}, {0, 2, 1, 2}, {1, 1}}},        // stride 3 down, 1 across
  };
  for (auto &[shape, g] : cases) {
    Tensor x = randomTensor(shape);
    std::vector<int64_t> k = {g.kernel[0], g.kernel[1]}, s = {g.stride[0], g.stride[1]};
    std::vector<int64_t> p = {g.pads[0], g.pads[1], g.pads[2], g.pads[3]};
    std::string what = shapeString(shape) + (g.ceil ? " ceil" : "");
    expectClose(max_pool2d(x, k, s, p, {1, 1}, g.ceil), poolRef(toRef(x), g, false, false), 0, 0, "max " + what);
    for (bool countPad : {false, true})
      expectClose(avg_pool2d(x, k, s, p, g.ceil, countPad), poolRef(toRef(x), g, true, countPad), 1e-6, 1e-6,
                  "avg " + what + (countPad ? " counting pads" : ""));
  }
  Geometry dilated{{3, 3}, {1, 1}, {2, 2, 2, 2}, {2, 2}};
  Tensor x = randomTensor({1, 2, 9, 9});
  expectClose(max_pool2d(x, {3, 3}, {1, 1}, {2, 2}, {2, 2}), poolRef(toRef(x), dilated, false, false), 0, 0,
              "dilated max");
  Tensor nan = from_vector<float>({1, NAN, 3, 4}, {1, 1, 2, 2});
  EXPECT_TRUE(std::isnan(max_pool2d(nan, {2, 2}).item<float>()));  // NaN propagates, as in torch
  // Also inside a row's vectors: exactly the windows holding the NaN give NaN.
  std::vector<float> wide = randomTensor({1, 1, 4, 40}).to_vector<float>();
  wide[40 + 17] = NAN;
  std::vector<float> pooled = max_pool2d(from_vector<float>(wide, {1, 1, 4, 40}), {2, 2}, {1, 1}).to_vector<float>();
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 39; ++j)
      EXPECT_EQ(std::isnan(pooled[i * 39 + j]), i <= 1 && (j == 16 || j == 17)) << "pooled (" << i << ", " << j << ")";
  EXPECT_THROW(max_pool2d(randomTensor({3, 8, 8}), {2, 2}), Error);  // rank 3
  EXPECT_THROW(avg_pool2d(randomTensor({1, 1, 2, 2}), {3, 3}), Error);
}

TEST(Windows, BatchNormInference) {
  Tensor x = randomTensor({2, 5, 3, 4}), mean = randomTensor({5});
  Tensor var = abs(randomTensor({5})) + 0.5, w = randomTensor({5}), b = randomTensor({5});
  Ref r = toRef(x), m = toRef(mean), v = toRef(var), wr = toRef(w), br = toRef(b);
  Ref expected = r;
  for (int64_t i = 0; i < r.numel(); ++i) {
    int64_t c = (i / 12) % 5;
    expected.v[i] = (r.v[i] - m.v[c]) / std::sqrt(v.v[c] + 1e-5) * wr.v[c] + br.v[c];
  }
  expectClose(batch_norm(x, mean, var, w, b), expected, 1e-5, 1e-5, "batch_norm");
  EXPECT_THROW(batch_norm(x, randomTensor({4}), var), Error);
}

}  // namespace
}  // namespace fusor::testing
