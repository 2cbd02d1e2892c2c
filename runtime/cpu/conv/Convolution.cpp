// The implicit-GEMM convolution (see fusor/runtime/abi/Calls.h): a GEMM per image and group,
// the weights as A, read in place, and the patches as B, packed from the input block by block.
#include "fusor/runtime/abi/Calls.h"

#include "cpu/conv/ConvolutionDirect.h"
#include "cpu/gemm/GemmKernel.h"
#include "cpu/gemm/GemmThreads.h"

using namespace fusor::runtime;

extern "C" void fusor_rt_conv2d_f32(const fusor_rt_conv2d_problem *problem, const fusor_rt_epilogue *e) {
  const auto [x, offsetX, strideXN, strideXC, strideXH, strideXW, batch, channels, height, width, w, offsetW,
              strideWG, strideWO, groups, outChannels, kernelH, kernelW, y, offsetY, outHeight, outWidth, stepH,
              stepW, dilationH, dilationW, padTop, padLeft] = *problem;
  (void)strideXW;  // 1
  const float *input = reinterpret_cast<const float *>(x) + offsetX;
  const float *weights = reinterpret_cast<const float *>(w) + offsetW;
  float *output = reinterpret_cast<float *>(y) + offsetY;
  const int64_t cg = channels / groups, og = outChannels / groups, positions = outHeight * outWidth;
  const int64_t depth = cg * kernelH * kernelW;
  if (og == 0 || positions == 0) return;
  const GemmEpilogueOp epilogue = epilogueFrom(*e);
  // (Convolutions take a bias per output channel, or none.)
  if (epilogue.biasKind != fusor::abi::kBiasPerColumn &&
      convolutionDirect3x3(ConvolutionProblem{input, strideXN, strideXC, strideXH, batch, channels, height, width,
                                              weights, strideWG, strideWO, groups, outChannels, kernelH, kernelW,
                                              output, outHeight, outWidth, stepH, stepW, dilationH, dilationW, padTop,
                                              padLeft, epilogue.bias, epilogue.residual, epilogue.lo, epilogue.hi}))
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
