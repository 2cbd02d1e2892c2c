// Winograd F(2x2, 3x3)'s input and output transforms, eight tiles of a tile row at a time.
// A tile starts every other column, so the input transform splits sixteen columns of each
// input row into even and odd ones (column 2tx and 2tx + 1 for eight tiles, and again two
// columns on for 2tx + 2 and 2tx + 3), and the output transform interleaves each tile's two
// output columns back. The adds and subtracts then run on whole vectors; the last few tiles
// of a row (and any input with a column stride) go one tile at a time. (Written as linalg,
// these reads of every other column were scalar loops: about a quarter of each convolution.)
// The whole convolution in one call transforms a block of tile rows, multiplies it and
// transforms it back while its tiles and products are still in cache: as three calls, each
// went through memory (3.2 MB of tiles and of products for a 64-channel 56x56 map).
#include "fusor/runtime/abi/Calls.h"

#include "base/ConstantWeights.h"
#include "cpu/EvenOddSplit.h"
#include "cpu/gemm/GemmKernel.h"
#include "cpu/PartialVectors.h"
#include "cpu/PlaneThreads.h"

#include <immintrin.h>

#include <algorithm>
#include <vector>

namespace fusor::runtime {
namespace {

constexpr int64_t kLanes = 8;

// B^T d B for one tile: d[r][j] at rows r, columns j; out[e1 * 4 + e2].
// T: float, or __m256 (eight tiles; GCC's vector extensions give it + and -).
template <typename T>
__attribute__((always_inline)) inline void inputTile(const T (&d)[4][4], T (&out)[16]) {
  T t[4][4];
  for (int j = 0; j < 4; ++j) {
    t[0][j] = d[0][j] - d[2][j];
    t[1][j] = d[1][j] + d[2][j];
    t[2][j] = d[2][j] - d[1][j];
    t[3][j] = d[1][j] - d[3][j];
  }
  for (int i = 0; i < 4; ++i) {
    out[i * 4 + 0] = t[i][0] - t[i][2];
    out[i * 4 + 1] = t[i][1] + t[i][2];
    out[i * 4 + 2] = t[i][2] - t[i][1];
    out[i * 4 + 3] = t[i][1] - t[i][3];
  }
}

// A^T M A for one tile: m[e1 * 4 + e2]; y[i][j].
template <typename T>
__attribute__((always_inline)) inline void outputTile(const T (&m)[16], T (&y)[2][2]) {
  T s[2][4];
  for (int j = 0; j < 4; ++j) {
    s[0][j] = m[j] + m[4 + j] + m[8 + j];
    s[1][j] = m[4 + j] - m[8 + j] - m[12 + j];
  }
  for (int i = 0; i < 2; ++i) {
    y[i][0] = s[i][0] + s[i][1] + s[i][2];
    y[i][1] = s[i][1] - s[i][2] - s[i][3];
  }
}

// Eight even and eight odd columns of the sixteen from `at`.
__attribute__((target("avx2,fma"), always_inline)) inline void splitColumns(const float *at, __m256 &even, __m256 &odd) {
  splitEvenOdd(_mm256_loadu_ps(at), _mm256_loadu_ps(at + kLanes), even, odd);
}

struct InputPlane {
  const float *x;  // the padded plane: rows rowStride apart, columns colStride apart
  int64_t rowStride, colStride;
  float *v;         // V[0][c][first tile of the plane]
  int64_t vStride;  // between V[e] and V[e + 1]
};

// Tiles [0, tilesW) of tile row ty of a plane, eight at a time from whole rows; returns
// where it stopped (the rest go one at a time).
__attribute__((target("avx2,fma"))) int64_t inputRowAvx2(const InputPlane &p, int64_t ty, int64_t tilesW) {
  const float *rows[4];
  for (int r = 0; r < 4; ++r) rows[r] = p.x + (2 * ty + r) * p.rowStride;
  float *v = p.v + ty * tilesW;
  int64_t tx = 0;
  for (; tx + kLanes <= tilesW; tx += kLanes) {
    __m256 d[4][4], out[16];
    for (int r = 0; r < 4; ++r) {
      splitColumns(rows[r] + 2 * tx, d[r][0], d[r][1]);
      splitColumns(rows[r] + 2 * tx + 2, d[r][2], d[r][3]);
    }
    inputTile(d, out);
    for (int e = 0; e < 16; ++e) _mm256_storeu_ps(v + e * p.vStride + tx, out[e]);
  }
  if (tx == tilesW) return tx;
  // The last few tiles (all of them in a row shorter than eight, as 14x14 maps have): the
  // columns they need, zeros past them (a copy into a zeroed row, then vector loads of it,
  // was 3% of resnet18 on its own).
  int64_t count = tilesW - tx, columns = 2 * count + 2;
  __m256 d[4][4], out[16];
  for (int r = 0; r < 4; ++r) {
    const float *at = rows[r] + 2 * tx;
    splitEvenOdd(loadFirst(at, columns), loadFirst(at + kLanes, columns - kLanes), d[r][0], d[r][1]);
    splitEvenOdd(loadFirst(at + 2, columns - 2), loadFirst(at + kLanes + 2, columns - kLanes - 2), d[r][2], d[r][3]);
  }
  inputTile(d, out);
  for (int e = 0; e < 16; ++e) storeFirst(v + e * p.vStride + tx, out[e], count);
  return tilesW;
}

// Tiles [from, tilesW) of tile row ty, one at a time.
void inputRowScalar(const InputPlane &p, int64_t ty, int64_t from, int64_t tilesW) {
  const float *rows[4];
  for (int r = 0; r < 4; ++r) rows[r] = p.x + (2 * ty + r) * p.rowStride;
  float *v = p.v + ty * tilesW;
  for (int64_t tx = from; tx < tilesW; ++tx) {
    float d[4][4], out[16];
    for (int r = 0; r < 4; ++r)
      for (int j = 0; j < 4; ++j) d[r][j] = rows[r][(2 * tx + j) * p.colStride];
    inputTile(d, out);
    for (int e = 0; e < 16; ++e) v[e * p.vStride + tx] = out[e];
  }
}

struct OutputPlane {
  const float *m;   // M[0][o][first tile of the plane]
  int64_t mStride;  // between M[e] and M[e + 1]
  float *y;         // outHeight x outWidth
  const float *residual;  // laid out as y, or null
  float bias;
};

// Output rows 2ty and 2ty + 1 (where inside the output) of a plane, eight tiles at a time
// while their sixteen columns lie inside it; returns where it stopped.
__attribute__((target("avx2,fma"))) int64_t outputRowAvx2(const OutputPlane &p, int64_t ty, int64_t tilesW,
                                                          int64_t outHeight, int64_t outWidth, float lo, float hi) {
  const float *m = p.m + ty * tilesW;
  int rowsInside = 2 * ty + 1 < outHeight ? 2 : 1;
  const __m256 bias = _mm256_set1_ps(p.bias), low = _mm256_set1_ps(lo), high = _mm256_set1_ps(hi);
  int64_t tx = 0;
  for (; tx + kLanes <= tilesW && 2 * (tx + kLanes) <= outWidth; tx += kLanes) {
    __m256 in[16], y[2][2];
    for (int e = 0; e < 16; ++e) in[e] = _mm256_loadu_ps(m + e * p.mStride + tx);
    outputTile(in, y);
    for (int i = 0; i < rowsInside; ++i) {
      // Each tile's two columns side by side: [a0 b0 a1 b1 ...] from [a0 a1 ...], [b0 b1 ...].
      __m256 lower = _mm256_unpacklo_ps(y[i][0], y[i][1]), upper = _mm256_unpackhi_ps(y[i][0], y[i][1]);
      __m256 halves[2] = {_mm256_permute2f128_ps(lower, upper, 0x20), _mm256_permute2f128_ps(lower, upper, 0x31)};
      int64_t at = (2 * ty + i) * outWidth + 2 * tx;
      for (int h = 0; h < 2; ++h) {
        __m256 v = _mm256_add_ps(halves[h], bias);
        if (p.residual) v = _mm256_add_ps(v, _mm256_loadu_ps(p.residual + at + h * kLanes));
        _mm256_storeu_ps(p.y + at + h * kLanes, _mm256_min_ps(high, _mm256_max_ps(low, v)));  // NaN stays NaN
      }
    }
  }
  if (tx == tilesW) return tx;
  // The last few tiles (or those the output crops): their products read by masked loads,
  // zeros past them, the results stored a value at a time.
  int64_t count = tilesW - tx;
  __m256 in[16], y[2][2];
  alignas(32) float lanes[kLanes];
  for (int e = 0; e < 16; ++e) in[e] = loadFirst(m + e * p.mStride + tx, count);
  outputTile(in, y);
  for (int i = 0; i < rowsInside; ++i)
    for (int j = 0; j < 2; ++j) {
      _mm256_store_ps(lanes, y[i][j]);
      for (int64_t k = 0; k < count && 2 * (tx + k) + j < outWidth; ++k) {
        int64_t at = (2 * ty + i) * outWidth + 2 * (tx + k) + j;
        float v = lanes[k] + p.bias + (p.residual ? p.residual[at] : 0.0f);
        v = v < lo ? lo : v;  // NaN stays NaN, as in the GEMM
        p.y[at] = hi < v ? hi : v;
      }
    }
  return tilesW;
}

// Tiles [from, tilesW) of tile row ty, one at a time, cropped to the output.
void outputRowScalar(const OutputPlane &p, int64_t ty, int64_t from, int64_t tilesW, int64_t outHeight,
                     int64_t outWidth, float lo, float hi) {
  const float *m = p.m + ty * tilesW;
  for (int64_t tx = from; tx < tilesW; ++tx) {
    float in[16], y[2][2];
    for (int e = 0; e < 16; ++e) in[e] = m[e * p.mStride + tx];
    outputTile(in, y);
    for (int i = 0; i < 2 && 2 * ty + i < outHeight; ++i)
      for (int j = 0; j < 2 && 2 * tx + j < outWidth; ++j) {
        int64_t at = (2 * ty + i) * outWidth + 2 * tx + j;
        float v = y[i][j] + p.bias + (p.residual ? p.residual[at] : 0.0f);
        v = v < lo ? lo : v;  // NaN stays NaN, as in the GEMM
        p.y[at] = hi < v ? hi : v;
      }
  }
}

// Tile rows [0, rows) of a plane: eight tiles at a time where the columns are contiguous.
void inputPlaneRows(const InputPlane &plane, int64_t rows, int64_t tilesW, bool vectorized) {
  for (int64_t ty = 0; ty < rows; ++ty)
    inputRowScalar(plane, ty, vectorized ? inputRowAvx2(plane, ty, tilesW) : 0, tilesW);
}

// Tile rows [0, rows) of a plane, cropped to outHeight x outWidth.
void outputPlaneRows(const OutputPlane &plane, int64_t rows, int64_t tilesW, int64_t outHeight, int64_t outWidth,
                     float lo, float hi, bool avx2) {
  for (int64_t ty = 0; ty < rows; ++ty)
    outputRowScalar(plane, ty, avx2 ? outputRowAvx2(plane, ty, tilesW, outHeight, outWidth, lo, hi) : 0, tilesW,
                    outHeight, outWidth, lo, hi);
}

}  // namespace
}  // namespace fusor::runtime

using namespace fusor::runtime;

extern "C" void fusor_rt_winograd_input_f32(intptr_t x, int64_t offsetX, int64_t strideXN, int64_t strideXC,
                                            int64_t strideXH, int64_t strideXW, int64_t batch, int64_t channels,
                                            int64_t tilesH, int64_t tilesW, intptr_t v, int64_t offsetV) {
  int64_t planes = batch * channels, tiles = batch * tilesH * tilesW;
  if (planes == 0 || tiles == 0) return;
  const float *px = reinterpret_cast<const float *>(x) + offsetX;
  float *pv = reinterpret_cast<float *>(v) + offsetV;
  bool avx2 = hasGemmKernelF32();
#pragma omp parallel for num_threads(threadsForPlanes(planes, planes * tilesH * tilesW * 16)) schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    int64_t n = p / channels, c = p % channels;
    InputPlane plane{px + n * strideXN + c * strideXC, strideXH, strideXW, pv + c * tiles + n * tilesH * tilesW,
                     channels * tiles};
    inputPlaneRows(plane, tilesH, tilesW, avx2 && strideXW == 1);
  }
}

extern "C" void fusor_rt_winograd_output_f32(intptr_t m, int64_t offsetM, int64_t batch, int64_t outChannels,
                                             int64_t tilesH, int64_t tilesW, intptr_t y, int64_t offsetY,
                                             int64_t outHeight, int64_t outWidth, const fusor_rt_epilogue *e) {
  const GemmEpilogueOp epilogue = epilogueFrom(*e);
  int64_t planes = batch * outChannels, tiles = batch * tilesH * tilesW, outPlane = outHeight * outWidth;
  if (planes == 0 || outPlane == 0) return;
  const float *pm = reinterpret_cast<const float *>(m) + offsetM;
  float *py = reinterpret_cast<float *>(y) + offsetY;
  bool avx2 = hasGemmKernelF32();
#pragma omp parallel for num_threads(threadsForPlanes(planes, planes * tilesH * tilesW * 16)) schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    int64_t n = p / outChannels, o = p % outChannels;
    OutputPlane plane{pm + o * tiles + n * tilesH * tilesW, outChannels * tiles, py + p * outPlane,
                      epilogue.residual ? epilogue.residual + p * outPlane : nullptr,
                      epilogue.bias ? epilogue.bias[p] : 0.0f};
    outputPlaneRows(plane, tilesH, tilesW, outHeight, outWidth, epilogue.lo, epilogue.hi, avx2);
  }
}

namespace fusor::runtime {
namespace {

// What a block's transformed tiles and products may take (per thread): well inside L2. Blocks
// have at least kMinTiles tiles (narrower GEMMs are slow), and are shared between threads
// only where there are at least kBlocksPerThread each (else the threads share each block).
constexpr int64_t kBlockBytes = 768 * 1024, kMinTiles = 48, kBlocksPerThread = 4;

// One block: tile rows [ty0, ty0 + rows) of image n, `count` tiles, into tiles[16][c][count]
// and products[16][o][count], then y.
struct Block {
  int64_t n, ty0, rows, count;
  float *tiles, *products;
};

struct Convolution {
  const float *x;
  int64_t strideXN, strideXC, strideXH, strideXW, channels, tilesW;
  const float *u;
  int64_t outChannels;
  float *y;
  int64_t outHeight, outWidth;
  const float *bias, *residual;
  float lo, hi;
  bool avx2;

  void input(const Block &b, int64_t c) const {
    // The block as if it were a whole (shorter) map: its planes start at tile row ty0.
    InputPlane plane{x + b.n * strideXN + c * strideXC + 2 * b.ty0 * strideXH, strideXH, strideXW,
                     b.tiles + c * b.count, channels * b.count};
    inputPlaneRows(plane, b.rows, tilesW, avx2 && strideXW == 1);
  }

  // products[e] (outChannels x count) = u[e] (outChannels x channels) tiles[e] (channels x count).
  void product(const Block &b, int64_t e) const {
    const float *pa = u + e * outChannels * channels, *pb = b.tiles + e * channels * b.count;
    float *pc = b.products + e * outChannels * b.count;
    if (hasGemmKernelF32())
      return gemmKernelF32(pa, channels, 1, pb, b.count, 1, pc, b.count, outChannels, b.count, channels, false,
                           GemmEpilogueOp{});
    for (int64_t o = 0; o < outChannels; ++o)
      for (int64_t t = 0; t < b.count; ++t) {
        float sum = 0.0f;
        for (int64_t i = 0; i < channels; ++i) sum += pa[o * channels + i] * pb[i * b.count + t];
        pc[o * b.count + t] = sum;
      }
  }

  void output(const Block &b, int64_t o) const {
    int64_t p = b.n * outChannels + o, at = p * outHeight * outWidth + 2 * b.ty0 * outWidth;
    int64_t height = std::min(outHeight - 2 * b.ty0, 2 * b.rows);
    OutputPlane plane{b.products + o * b.count, outChannels * b.count, y + at, residual ? residual + at : nullptr,
                      bias ? bias[p] : 0.0f};
    outputPlaneRows(plane, b.rows, tilesW, height, outWidth, lo, hi, avx2);
  }
};

// G g G^T for each 3x3 filter g = w[o][c], as u[e1 * 4 + e2][o][c] (G's rows: (1, 0, 0),
// (1, 1, 1) / 2, (1, -1, 1) / 2, (0, 0, 1)).
void transformWeights(const float *w, int64_t outChannels, int64_t channels, float *u) {
  const int64_t filters = outChannels * channels;
#pragma omp parallel for schedule(static) if (filters >= 4096 && !omp_in_parallel())
  for (int64_t o = 0; o < outChannels; ++o)
    for (int64_t c = 0; c < channels; ++c) {
      const float *g = w + (o * channels + c) * 9;
      float rows[4][3];  // G g
      for (int j = 0; j < 3; ++j) {
        rows[0][j] = g[j];
        rows[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
        rows[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
        rows[3][j] = g[6 + j];
      }
      float *at = u + o * channels + c;
      for (int i = 0; i < 4; ++i) {
        const float *r = rows[i];
        at[(i * 4 + 0) * filters] = r[0];
        at[(i * 4 + 1) * filters] = 0.5f * (r[0] + r[1] + r[2]);
        at[(i * 4 + 2) * filters] = 0.5f * (r[0] - r[1] + r[2]);
        at[(i * 4 + 3) * filters] = r[2];
      }
    }
}

}  // namespace
}  // namespace fusor::runtime

using namespace fusor::runtime;

extern "C" void fusor_rt_winograd_conv3x3_f32(const fusor_rt_winograd_problem *problem,
                                              const fusor_rt_epilogue *e) {
  const auto [x, offsetX, strideXN, strideXC, strideXH, strideXW, batch, channels, tilesH, tilesW, u, offsetU,
              rawWeights, outChannels, y, offsetY, outHeight, outWidth] = *problem;
  const GemmEpilogueOp epilogue = epilogueFrom(*e);
  if (batch == 0 || outChannels == 0 || outHeight == 0 || outWidth == 0 || tilesH == 0 || tilesW == 0) return;
  const float *weights = reinterpret_cast<const float *>(u) + offsetU;
  // Raw weights are transformed here: once for a model's constant weights (kept with them,
  // as the GEMM keeps its packed B), else on every call.
  std::shared_ptr<const float> kept;
  thread_local std::vector<float> transformed;
  if (rawWeights) {
    const int64_t floats = 16 * outChannels * channels;
    auto transform = [&](float *out) { transformWeights(weights, outChannels, channels, out); };
    kept = packedWeights(weights, channels * 9, 1, outChannels, channels * 9, size_t(floats), PackInto(transform),
                         PackedKind::kWinogradWeights);
    if (!kept) {
      transformed.resize(floats);
      transform(transformed.data());
    }
    weights = kept ? kept.get() : transformed.data();
  }
  Convolution conv{reinterpret_cast<const float *>(x) + offsetX,
                   strideXN, strideXC, strideXH, strideXW, channels, tilesW,
                   weights, outChannels,
                   reinterpret_cast<float *>(y) + offsetY, outHeight, outWidth,
                   epilogue.bias, epilogue.residual, epilogue.lo, epilogue.hi, hasGemmKernelF32()};
  int64_t rowBytes = 16 * (channels + outChannels) * tilesW * int64_t(sizeof(float));
  int64_t rowsPerBlock = std::clamp<int64_t>(std::max(kBlockBytes / rowBytes, (kMinTiles + tilesW - 1) / tilesW), 1, tilesH);
  int64_t blocksPerImage = (tilesH + rowsPerBlock - 1) / rowsPerBlock, blocks = batch * blocksPerImage;
  int64_t work = 16 * channels * outChannels * batch * tilesH * tilesW;
  int threads = omp_in_parallel() || work < (int64_t{1} << 18) ? 1 : omp_get_max_threads();
  if (threads == 1 || blocks >= kBlocksPerThread * threads) {
    // Blocks shared out, each one thread's from its tiles to its outputs.
#pragma omp parallel num_threads(int(std::min<int64_t>(threads, blocks)))
    {
      thread_local std::vector<float> tiles, products;
      tiles.resize(16 * channels * rowsPerBlock * tilesW);
      products.resize(16 * outChannels * rowsPerBlock * tilesW);
#pragma omp for schedule(static)
      for (int64_t index = 0; index < blocks; ++index) {
        int64_t n = index / blocksPerImage, ty0 = index % blocksPerImage * rowsPerBlock;
        int64_t rows = std::min(rowsPerBlock, tilesH - ty0);
        Block block{n, ty0, rows, rows * tilesW, tiles.data(), products.data()};
        for (int64_t c = 0; c < channels; ++c) conv.input(block, c);
        for (int64_t e = 0; e < 16; ++e) conv.product(block, e);
        for (int64_t o = 0; o < outChannels; ++o) conv.output(block, o);
      }
    }
    return;
  }
  // Too few blocks to share (small maps): a whole image at a time, its channels, GEMMs and
  // output channels shared between the threads in turn.
  int64_t count = tilesH * tilesW;
  thread_local std::vector<float> tiles, products;  // the calling thread's, kept: no zeroing per call
  tiles.resize(16 * channels * count);
  products.resize(16 * outChannels * count);
  for (int64_t n = 0; n < batch; ++n) {
    Block block{n, 0, tilesH, count, tiles.data(), products.data()};
#pragma omp parallel num_threads(threads)
    {
#pragma omp for schedule(static)
      for (int64_t c = 0; c < channels; ++c) conv.input(block, c);
#pragma omp for schedule(static)
      for (int64_t e = 0; e < 16; ++e) conv.product(block, e);
#pragma omp for schedule(static)
      for (int64_t o = 0; o < outChannels; ++o) conv.output(block, o);
    }
  }
}
