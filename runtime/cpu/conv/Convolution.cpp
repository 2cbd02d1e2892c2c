// The implicit-GEMM convolution (see fusor/runtime/abi/Calls.h): a GEMM per image and group,
// the weights as A, read in place, and the patches as B, packed from the input block by block.
#include "fusor/runtime/abi/Calls.h"

#include "cpu/conv/ConvolutionDirect.h"
#include "cpu/gemm/GemmKernel.h"
#include "cpu/gemm/GemmThreads.h"

using namespace fusor::runtime;

extern "C" void fusor_rt_conv2d_f32(intptr_t x, int64_t offsetX, int64_t strideXN, int64_t strideXC,
                                    int64_t strideXH, int64_t /*strideXW: 1*/, int64_t batch, int64_t channels,
                                    int64_t height, int64_t width, intptr_t w, int64_t offsetW, int64_t strideWG,
                                    int64_t strideWO, int64_t groups, int64_t outChannels, int64_t kernelH,
                                    int64_t kernelW, intptr_t y, int64_t offsetY, int64_t outHeight,
                                    int64_t outWidth, int64_t stepH, int64_t stepW, int64_t dilationH,
                                    int64_t dilationW, int64_t padTop, int64_t padLeft, int64_t biasKind,
                                    intptr_t bias, int64_t biasOffset, intptr_t residual, int64_t residualOffset,
                                    float lo, float hi) {
  const float *input = reinterpret_cast<const float *>(x) + offsetX;
  const float *weights = reinterpret_cast<const float *>(w) + offsetW;
  float *output = reinterpret_cast<float *>(y) + offsetY;
  const int64_t cg = channels / groups, og = outChannels / groups, positions = outHeight * outWidth;
  const int64_t depth = cg * kernelH * kernelW;
  if (og == 0 || positions == 0) return;
  const GemmEpilogueOp epilogue = epilogueFromArguments(biasKind, bias, biasOffset, residual, residualOffset, lo, hi);
  // (Convolutions take a bias per output channel, or none.)
  if (epilogue.biasKind != fusor::abi::kBiasPerColumn &&
      convolutionDirect3x3(ConvolutionProblem{input, strideXN, strideXC, strideXH, batch, channels, height, width,
                                              weights, strideWG, strideWO, groups, outChannels, kernelH, kernelW,
                                              output, outHeight, outWidth, stepH, stepW, dilationH, dilationW, padTop,
                                              padLeft, epilogue.bias, epilogue.residual, lo, hi}))
    return;
  // One GEMM per image and group: og x positions, depth deep. Its rows are rows
  // n * outChannels + g * og on of the output seen as a matrix (the bias's and residual's index).
  batchedGemm(batch * groups, og, positions, depth, [&](int64_t image) {
    const int64_t n = image / groups, g = image % groups, firstRow = n * outChannels + g * og;
    Im2colB patches{input + n * strideXN + g * cg * strideXC, strideXC, strideXH, height, width, kernelH, kernelW,
                    outWidth, stepH, stepW, dilationH, dilationW, padTop, padLeft};
    const float *a = weights + g * strideWG;
    inPanels(og, positions, depth, CTiling{6, 16, true, true}, [&](int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
      GemmEpilogueOp panel = epilogue;
      if (panel.biasKind == fusor::abi::kBiasPerRow) panel.bias += firstRow + i0;
      const int64_t corner = (firstRow + i0) * positions + j0;
      if (panel.residual) panel.residual += corner;
      convGemmKernelF32(a + i0 * strideWO, strideWO, patches, j0, output + corner, positions, i1 - i0, j1 - j0, depth,
                        panel);
    });
  });
}
