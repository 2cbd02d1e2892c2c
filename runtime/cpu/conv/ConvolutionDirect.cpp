// A 3x3 convolution over few input channels per group (an image's 3 colors: mobilenet's and
// efficientnet's stride-2 stems) with AVX-512, read straight from the input: per output row,
// sixteen columns (one vector) by sixteen output channels in sixteen sums, each window row's
// three taps read once (DirectRows.h) and multiplied into all sixteen channels.
//
// The implicit GEMM (Convolution.cpp) is K = 27 deep here: it packed 27 rows of im2col for
// every 16 columns and stored each tile after 27 steps, and took 2x ONNX Runtime's time on
// mobilenet_v2's stem.
#include "cpu/conv/ConvolutionDirect.h"

#include "cpu/DirectRows.h"
#include "cpu/gemm/GemmKernel.h"

#include <omp.h>

#include <vector>

namespace fusor::runtime {
namespace {

constexpr int64_t kMaxChannels = 4;
// Narrower output rows go to the implicit GEMM: one thread, 3 to 32 channels, 12 and 13
// columns measured level with it, 8 columns slower (4 against 3 us).
constexpr int64_t kMinOutWidth = 14;
constexpr int64_t kChunk = 16;        // output channels summed at once

// Sixteen output channels (`count` of them stored) of output row i. weights[t * 16 + o], for
// tap t = (c * 3 + p) * 3 + q, is the chunk's channel o's weight at input channel c, window
// row p and column q (zero past the group's last channel).
template <int Step>
__attribute__((target("avx512f"))) void chunkRow(const ConvolutionProblem &p, const RowBlocks &blocks,
                                                 const float *x, const float *weights, int64_t channels, int64_t i,
                                                 float *y, const float *residual, const float *bias, int64_t count) {
  const int64_t outPlane = p.outHeight * p.outWidth, rowAt = i * p.outWidth;
  const __m512 lo = _mm512_set1_ps(p.lo), hi = _mm512_set1_ps(p.hi);
  for (int64_t b = 0; b < blocks.count(); ++b) {
    __m512 acc[kChunk];
#pragma GCC unroll 16
    for (int o = 0; o < kChunk; ++o) acc[o] = _mm512_setzero_ps();
    for (int64_t c = 0; c < channels; ++c)
      for (int pr = 0; pr < 3; ++pr) {
        const int64_t r = i * Step + pr - p.padTop;
        const float *row = r < 0 || r >= p.height ? blocks.zeros.data() : x + c * p.strideXC + r * p.strideXH;
        __m512 t[3];
        rowTaps<Step>(row, blocks, b, t);
        const float *w = weights + (c * 3 + pr) * 3 * kChunk;
#pragma GCC unroll 3
        for (int q = 0; q < 3; ++q)
#pragma GCC unroll 16
          for (int o = 0; o < kChunk; ++o) acc[o] = _mm512_fmadd_ps(_mm512_set1_ps(w[q * kChunk + o]), t[q], acc[o]);
      }
    const __mmask16 mask = blocks.storeMasks[b];
    const int64_t at = rowAt + b * kDirectLanes;
#pragma GCC unroll 16
    for (int o = 0; o < kChunk; ++o) {
      if (o >= count) break;
      const __m512 v = directEpilogue(acc[o], _mm512_set1_ps(bias ? bias[o] : 0.0f),
                                      residual ? residual + o * outPlane + at : nullptr, mask, lo, hi);
      _mm512_mask_storeu_ps(y + o * outPlane + at, mask, v);
    }
  }
}

}  // namespace

bool convolutionDirect3x3(const ConvolutionProblem &p) {
  const int64_t cg = p.channels / p.groups, og = p.outChannels / p.groups;
  if (!useAvx512() || p.kernelH != 3 || p.kernelW != 3 || p.dilationH != 1 || p.dilationW != 1 ||
      p.stepH != p.stepW || (p.stepH != 1 && p.stepH != 2) || cg > kMaxChannels || p.outWidth < kMinOutWidth)
    return false;
  const RowBlocks blocks(p.width, p.outWidth, p.stepW, p.padLeft);
  // Each group's chunks of output channels, their weights as chunkRow reads them.
  const int64_t chunks = (og + kChunk - 1) / kChunk, taps = cg * 9;
  std::vector<float> weights(p.groups * chunks * taps * kChunk, 0.0f);
  for (int64_t g = 0; g < p.groups; ++g)
    for (int64_t o = 0; o < og; ++o)
      for (int64_t t = 0; t < taps; ++t)
        weights[((g * chunks + o / kChunk) * taps + t) * kChunk + o % kChunk] = p.w[g * p.strideWG + o * p.strideWO + t];
  // Work items: an output row of a chunk of an image's group.
  const int64_t outPlane = p.outHeight * p.outWidth, items = p.batch * p.groups * chunks * p.outHeight;
  const int64_t work = items * kChunk * p.outWidth * taps;  // multiply-adds
  const int threads = omp_in_parallel() || work < (int64_t{1} << 16) ? 1 : omp_get_max_threads();
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t item = 0; item < items; ++item) {
    const int64_t i = item % p.outHeight, chunk = item / p.outHeight % chunks, g = item / p.outHeight / chunks % p.groups,
                  n = item / p.outHeight / chunks / p.groups;
    const int64_t first = n * p.outChannels + g * og + chunk * kChunk, count = std::min(kChunk, og - chunk * kChunk);
    const float *x = p.x + n * p.strideXN + g * cg * p.strideXC;
    const float *w = weights.data() + (g * chunks + chunk) * taps * kChunk;
    float *y = p.y + first * outPlane;
    const float *residual = p.residual ? p.residual + first * outPlane : nullptr;
    const float *bias = p.bias ? p.bias + first : nullptr;
    if (p.stepH == 1) chunkRow<1>(p, blocks, x, w, cg, i, y, residual, bias, count);
    else chunkRow<2>(p, blocks, x, w, cg, i, y, residual, bias, count);
  }
  return true;
}

}  // namespace fusor::runtime
