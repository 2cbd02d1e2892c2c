// fusor-convolutions-to-calls: f32 convolutions lowered as im2col + a contraction, on buffers
// -> calls to the CPU runtime's implicit GEMM (fusor_rt_conv2d_f32), which gathers the im2col
// matrix from the input as it packs it and pads as it reads: the im2col buffer, its copy and
// the padded copy of the input go, and the elementwise op after it (bias, residual, clamp)
// is applied as it stores.
#include "fusor/passes/Passes.h"
#include "BufferRoots.h"
#include "PaddedInputs.h"
#include "RuntimeCalls.h"
#include "gemm/CpuEpilogue.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include "llvm/ADT/SetVector.h"

#include <optional>

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORCONVOLUTIONSTOCALLS
#include "fusor/passes/Passes.h.inc"

namespace {

// The im2col copy fusor-lower-to-linalg builds: over (n, g, c, kh, kw, oh, ow), all parallel,
// patches[n, g, c, kh, kw, oh, ow] = x[n, g * Cg + c, oh * sh + kh * dh, ow * sw + kw * dw],
// into a new buffer.
struct Im2col {
  linalg::GenericOp op;
  int64_t steps[2], dilations[2];
};

std::optional<Im2col> matchIm2col(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 || op.getNumLoops() != 7 ||
      op.getNumParallelLoops() != 7)
    return std::nullopt;
  for (Value v : op->getOperands())
    if (!cast<MemRefType>(v.getType()).getElementType().isF32()) return std::nullopt;
  auto patches = cast<MemRefType>(op.getDpsInits()[0].getType());
  if (!patches.hasStaticShape() || !op.getDpsInits()[0].getDefiningOp<memref::AllocOp>()) return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  MLIRContext *ctx = op.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  int64_t cg = patches.getDimSize(2);
  if (!maps[1].isIdentity() || maps[0].getNumResults() != 4 || maps[0].getResult(0) != d(0) ||
      maps[0].getResult(1) != d(1) * cg + d(2))
    return std::nullopt;
  Im2col im2col{op, {}, {}};
  for (int i = 0; i < 2; ++i) {
    auto c = windowCoefficients(maps[0].getResult(2 + i), 5 + i, 3 + i);
    if (!c) return std::nullopt;
    im2col.steps[i] = c->first, im2col.dilations[i] = c->second;
  }
  Block &body = op.getRegion().front();
  if (body.getOperations().size() != 1 || body.getTerminator()->getOperand(0) != body.getArgument(0))
    return std::nullopt;
  return im2col;
}

// The contraction reading the patches as [n, g, Cg * KH * KW, OH * OW] (through one
// collapse_shape, their only other use): out[n, g, o, p] += weights[g, o, r] * patches[n, g, r, p].
struct Contraction {
  linalg::GenericOp op;
};

// Whether `op` (or an op nested in it) uses memory that `root` is the buffer of.
bool touches(Operation *op, Value root) {
  bool found = false;
  op->walk([&](Operation *inner) {
    for (Value v : inner->getOperands()) found |= isa<MemRefType>(v.getType()) && bufferRootOf(v) == root;
  });
  return found;
}

std::optional<Contraction> matchContraction(Im2col im2col) {
  // Bufferization may reuse one patch buffer for several convolutions: each im2col copy
  // overwrites it whole, and its contraction must be the next op to touch it (past views).
  Value patches = im2col.op.getDpsInits()[0];
  Operation *next = im2col.op->getNextNode();
  while (next && (isInertOp(next) || !touches(next, patches))) next = next->getNextNode();
  auto op = dyn_cast_or_null<linalg::GenericOp>(next);
  if (!op || !op.hasPureBufferSemantics() || !isMultiplyAccumulate(op)) return std::nullopt;
  // B is a dense [n, g, Cg * KH * KW, OH * OW] view of the patches (however unit dims were
  // grouped): their row-major order. Nothing else of the contraction's is.
  auto view = op.getDpsInputs()[1].getDefiningOp<memref::CollapseShapeOp>();
  if (!view || view.getSrc() != patches || bufferRootOf(op.getDpsInputs()[0]) == patches ||
      bufferRootOf(op.getDpsInits()[0]) == patches)
    return std::nullopt;
  ArrayRef<int64_t> shape = cast<MemRefType>(patches.getType()).getShape();
  SmallVector<int64_t> matrix = {shape[0], shape[1], shape[2] * shape[3] * shape[4], shape[5] * shape[6]};
  if (view.getType().getShape() != ArrayRef<int64_t>(matrix) || !view.getType().getLayout().isIdentity())
    return std::nullopt;
  // After it, nothing reads these patches: the buffer is next overwritten by another im2col
  // copy, or freed, or never touched again.
  for (Operation *after = op->getNextNode(); after; after = after->getNextNode()) {
    if (isInertOp(after) || !touches(after, patches)) continue;
    auto generic = dyn_cast<linalg::GenericOp>(after);
    if (isa<memref::DeallocOp>(after) || (generic && matchIm2col(generic) && generic.getDpsInits()[0] == patches)) break;
    return std::nullopt;
  }
  MLIRContext *ctx = op.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (op.getNumLoops() != 5 || op.getNumParallelLoops() != 4 || maps[0] != AffineMap::get(5, 0, {d(1), d(2), d(4)}, ctx) ||
      maps[1] != AffineMap::get(5, 0, {d(0), d(1), d(4), d(3)}, ctx) ||
      maps[2] != AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx))
    return std::nullopt;
  return Contraction{op};
}

// Whether `type`'s strides are static with a unit one along its last dim.
bool unitLastStride(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) && !strides.empty() && strides.back() == 1 &&
         llvm::none_of(strides, ShapedType::isDynamic);
}

struct ConvolutionsToCallsPass : impl::FusorConvolutionsToCallsBase<ConvolutionsToCallsPass> {
  using FusorConvolutionsToCallsBase::FusorConvolutionsToCallsBase;

  void runOnOperation() override {
    SmallVector<Im2col> candidates;
    getOperation().walk([&](linalg::GenericOp op) {
      if (auto im2col = matchIm2col(op)) candidates.push_back(*im2col);
    });
    llvm::SetVector<Operation *> paddedBuffers;
    for (Im2col im2col : candidates)
      if (auto buffer = rewrite(im2col)) paddedBuffers.insert(*buffer);
    for (Operation *buffer : paddedBuffers)
      if (buffer) erasePaddedBuffer(cast<memref::AllocOp>(buffer));
    for (Operation *buffer : patchBuffers) eraseIfUnread(buffer);
  }

  llvm::SetVector<Operation *> patchBuffers;  // the im2col buffers of the convolutions rewritten

  // Erases `alloc` with its dealloc and views if nothing else uses it any more.
  static void eraseIfUnread(Operation *alloc) {
    for (Operation *user : alloc->getUsers())
      if (!isa<memref::DeallocOp>(user) && !(isInertOp(user) && user->use_empty())) return;
    for (Operation *user : llvm::make_early_inc_range(alloc->getUsers())) user->erase();
    alloc->erase();
  }

  // nullopt if nothing changed; else the padded buffer the call no longer reads (or null).
  std::optional<Operation *> rewrite(Im2col im2col) {
    DeclineExplainer declined(getArgument(), explain);
    std::optional<Contraction> contraction = matchContraction(im2col);
    if (!contraction) {
      declined(im2col.op, "an im2col copy, but not read by one contraction with the weights into a new buffer");
      return std::nullopt;
    }
    linalg::GenericOp op = contraction->op;
    Value input = im2col.op.getDpsInputs()[0], weights = op.getDpsInputs()[0], out = op.getDpsInits()[0];
    auto inType = cast<MemRefType>(input.getType()), outType = cast<MemRefType>(out.getType());
    auto weightType = cast<MemRefType>(weights.getType());
    auto patchType = cast<MemRefType>(im2col.op.getDpsInits()[0].getType());
    if (!inType.hasStaticShape() || !isRowMajor(outType) || !weightType.hasStaticShape() || !unitLastStride(weightType)) {
      declined(op, "a dynamic shape, an output not dense row-major, or weights without a unit last stride");
      return std::nullopt;
    }
    linalg::FillOp init = zeroFillBefore(op, out);
    if (!init) {
      declined(op, "its output is not zero-filled just before it");
      return std::nullopt;
    }
    int64_t batch = outType.getDimSize(0), groups = outType.getDimSize(1), perGroup = outType.getDimSize(2);
    int64_t outHeight = patchType.getDimSize(5), outWidth = patchType.getDimSize(6);

    std::optional<CpuEpilogue> epilogue =
        matchCpuEpilogue(op, out, batch * groups * perGroup, outHeight * outWidth);
    if (epilogue && epilogue->biasKind == kBiasPerColumn) epilogue.reset();  // a bias per output position: kept apart
    // The call reads the input and the weights while it writes the output: none of them may
    // share memory (bufferization may put the output in the dead input of a padded copy), and
    // the input must be as the im2col copy read it.
    auto readable = [&](Value x, Value written) {
      Value root = bufferRootOf(x);
      return !writtenBetween(im2col.op, op, root) && bufferRootOf(written) != root;
    };
    auto safeOutput = [&](Value written) { return bufferRootOf(written) != bufferRootOf(weights); };
    if (epilogue && !safeOutput(epilogue->output)) epilogue.reset();
    Value written = epilogue ? epilogue->output : out;
    if (!safeOutput(written)) {
      declined(op, "its output shares memory with the weights");
      return std::nullopt;
    }
    // Read the input before padding, where that is what fills the padded buffer.
    std::optional<PaddedCopy> padded = matchPaddedCopy(input, im2col.op, nullptr);
    if (padded && (!unitLastStride(cast<MemRefType>(padded->source.getType())) || !readable(padded->source, written)))
      padded.reset();
    Value source = padded ? padded->source : input;
    if (!unitLastStride(cast<MemRefType>(source.getType())) || !readable(source, written)) {
      declined(op, "the input's rows are not contiguous, or it is written before the call or shares memory with the output");
      return std::nullopt;
    }
    int64_t top = padded ? padded->top : 0, left = padded ? padded->left : 0;

    OpBuilder b(epilogue ? epilogue->op.getOperation() : op.getOperation());
    Location loc = op.getLoc();
    auto constant = [&](int64_t v) { return i64Constant(b, loc, v); };
    Value result = epilogue ? outputAsC(b, *epilogue, outType) : out;
    BufferView x = viewOf(b, loc, source), w = viewOf(b, loc, weights), y = viewOf(b, loc, result);
    auto inShape = cast<MemRefType>(source.getType()).getShape();
    using F = ::fusor::abi::Conv2dField;
    Problem<F> problem(b, loc);
    setInput(problem, x);
    problem.set(F::batch, constant(inShape[0])), problem.set(F::channels, constant(inShape[1]));
    problem.set(F::height, constant(inShape[2])), problem.set(F::width, constant(inShape[3]));
    problem.set(F::w, w.pointer), problem.set(F::offsetW, w.offset);
    problem.set(F::strideWG, w.strides[0]), problem.set(F::strideWO, w.strides[1]);
    problem.set(F::groups, constant(groups)), problem.set(F::outChannels, constant(groups * perGroup));
    problem.set(F::kernelH, constant(patchType.getDimSize(3))), problem.set(F::kernelW, constant(patchType.getDimSize(4)));
    problem.set(F::y, y.pointer), problem.set(F::offsetY, y.offset);
    problem.set(F::outHeight, constant(outHeight)), problem.set(F::outWidth, constant(outWidth));
    problem.set(F::stepH, constant(im2col.steps[0])), problem.set(F::stepW, constant(im2col.steps[1]));
    problem.set(F::dilationH, constant(im2col.dilations[0])), problem.set(F::dilationW, constant(im2col.dilations[1]));
    problem.set(F::padTop, constant(top)), problem.set(F::padLeft, constant(left));
    SmallVector<Value> args{problem.address()};
    callWithEpilogue(b, loc, op, RuntimeEntry::Conv2dF32, args, epilogue, result);
    op.erase();
    init.erase();
    patchBuffers.insert(im2col.op.getDpsInits()[0].getDefiningOp());
    im2col.op.erase();
    return padded ? padded->buffer.getOperation() : nullptr;
  }
};

}  // namespace
}  // namespace mlir::fusor
