// fusor-depthwise-to-calls: f32 depthwise convolutions on buffers -> calls to the CPU runtime's
// direct kernel (fusor_rt_depthwise_conv2d_f32), which pads as it reads, so the zero-padded
// copy of the input goes too, and applies the elementwise op after it (bias, residual, clamp)
// as it stores.
#include "fusor/passes/Passes.h"
#include "BufferRoots.h"
#include "PaddedInputs.h"
#include "RuntimeCalls.h"
#include "gemm/CpuEpilogue.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include "llvm/ADT/SetVector.h"

#include <optional>

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORDEPTHWISETOCALLS
#include "fusor/passes/Passes.h.inc"

namespace {

// Two views of the same memory, laid out alike: the same value, or whole (identity-layout)
// views of one buffer with the same shape.
bool sameView(Value a, Value b) {
  if (a == b) return true;
  auto ta = cast<MemRefType>(a.getType()), tb = cast<MemRefType>(b.getType());
  return bufferRootOf(a) == bufferRootOf(b) && ta == tb && ta.getLayout().isIdentity();
}

// The f32 depthwise convolution fusor-lower-to-linalg builds: over (n, c, oh, ow, kh, kw),
// out[n, c, oh, ow] += x[n, c, oh * sh + kh * dh, ow * sw + kw * dw] * w[c, kh, kw].
struct Depthwise {
  int64_t steps[2], dilations[2];
};

std::optional<Depthwise> matchDepthwise(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 || op.getNumLoops() != 6)
    return std::nullopt;
  auto iterators = op.getIteratorTypesArray();
  for (unsigned d = 0; d < 6; ++d)
    if (iterators[d] != (d < 4 ? utils::IteratorType::parallel : utils::IteratorType::reduction)) return std::nullopt;
  for (Value v : op->getOperands())
    if (!cast<MemRefType>(v.getType()).getElementType().isF32()) return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  MLIRContext *ctx = op.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  if (maps[2] != AffineMap::get(6, 0, {d(0), d(1), d(2), d(3)}, ctx) || maps[1] != AffineMap::get(6, 0, {d(1), d(4), d(5)}, ctx) ||
      maps[0].getNumResults() != 4 || maps[0].getResult(0) != d(0) || maps[0].getResult(1) != d(1))
    return std::nullopt;
  Depthwise dw;
  for (int i = 0; i < 2; ++i) {
    auto c = windowCoefficients(maps[0].getResult(2 + i), 2 + i, 4 + i);
    if (!c) return std::nullopt;
    dw.steps[i] = c->first, dw.dilations[i] = c->second;
  }
  // The body: yield(out + x * w), either way round.
  if (!isMultiplyAccumulate(op)) return std::nullopt;
  return dw;
}

struct DepthwiseToCallsPass : impl::FusorDepthwiseToCallsBase<DepthwiseToCallsPass> {
  using FusorDepthwiseToCallsBase::FusorDepthwiseToCallsBase;

  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, Depthwise>> candidates;
    getOperation().walk([&](linalg::GenericOp op) {
      if (auto dw = matchDepthwise(op)) candidates.push_back({op, *dw});
    });
    llvm::SetVector<Operation *> paddedBuffers;
    for (auto [op, dw] : candidates)
      if (auto buffer = rewrite(op, dw)) paddedBuffers.insert(buffer);
    for (Operation *buffer : paddedBuffers) erasePaddedBuffer(cast<memref::AllocOp>(buffer));
  }

  // The padded buffer the call no longer reads, if any.
  Operation *rewrite(linalg::GenericOp op, const Depthwise &dw) {
    Value input = op.getDpsInputs()[0], weight = op.getDpsInputs()[1], out = op.getDpsInits()[0];
    auto inType = cast<MemRefType>(input.getType()), outType = cast<MemRefType>(out.getType());
    DeclineExplainer declined(getArgument(), explain);
    if (!inType.hasStaticShape() || !isRowMajor(outType) || !isRowMajor(cast<MemRefType>(weight.getType()))) {
      declined(op, "the input's shape is dynamic, or the weights or the output are not dense row-major");
      return nullptr;
    }
    linalg::FillOp init = zeroFillBefore(op, out);
    if (!init) {
      declined(op, "its output is not zero-filled just before it");
      return nullptr;
    }
    int64_t batch = outType.getDimSize(0), channels = outType.getDimSize(1);
    int64_t outHeight = outType.getDimSize(2), outWidth = outType.getDimSize(3);
    auto kernel = cast<MemRefType>(weight.getType()).getShape();

    // Read the input before padding, where that is what fills the padded buffer.
    std::optional<PaddedCopy> padded = matchPaddedCopy(input, op, init);
    Value source = padded ? padded->source : input;
    int64_t top = padded ? padded->top : 0, left = padded ? padded->left : 0;

    std::optional<CpuEpilogue> epilogue = matchCpuEpilogue(op, out, batch * channels, outHeight * outWidth);
    if (epilogue && epilogue->biasKind == kBiasPerColumn) epilogue.reset();  // a bias per output position: kept apart
    Value written = epilogue ? epilogue->output : out;
    // The kernel reads each input plane whole before writing the output's: the output may be
    // the input itself, but no other view of it.
    if (bufferRootOf(written) == bufferRootOf(source) && !sameView(written, source)) {
      if (!padded || bufferRootOf(written) == bufferRootOf(input)) {
        declined(op, "it writes a different view of the buffer it reads");
        return nullptr;
      }
      padded.reset();
      source = input, top = left = 0;
    }

    OpBuilder b(epilogue ? epilogue->op.getOperation() : op.getOperation());
    Location loc = op.getLoc();
    auto constant = [&](int64_t v) { return i64Constant(b, loc, v); };
    Value result = epilogue ? outputAsC(b, *epilogue, outType) : out;
    BufferView x = viewOf(b, loc, source), w = viewOf(b, loc, weight), y = viewOf(b, loc, result);
    auto inShape = cast<MemRefType>(source.getType()).getShape();
    using F = ::fusor::abi::DepthwiseField;
    Problem<F> problem(b, loc);
    setInput(problem, x);
    problem.set(F::batch, constant(inShape[0])), problem.set(F::channels, constant(inShape[1]));
    problem.set(F::height, constant(inShape[2])), problem.set(F::width, constant(inShape[3]));
    problem.set(F::w, w.pointer), problem.set(F::offsetW, w.offset);
    problem.set(F::kernelH, constant(kernel[1])), problem.set(F::kernelW, constant(kernel[2]));
    problem.set(F::y, y.pointer), problem.set(F::offsetY, y.offset);
    problem.set(F::outHeight, constant(outHeight)), problem.set(F::outWidth, constant(outWidth));
    problem.set(F::stepH, constant(dw.steps[0])), problem.set(F::stepW, constant(dw.steps[1]));
    problem.set(F::dilationH, constant(dw.dilations[0])), problem.set(F::dilationW, constant(dw.dilations[1]));
    problem.set(F::padTop, constant(top)), problem.set(F::padLeft, constant(left));
    SmallVector<Value> args{problem.address()};
    callWithEpilogue(b, loc, op, RuntimeEntry::DepthwiseConv2dF32, args, epilogue, result);
    op.erase();
    init.erase();
    return padded ? padded->buffer.getOperation() : nullptr;
  }
};

}  // namespace
}  // namespace mlir::fusor
