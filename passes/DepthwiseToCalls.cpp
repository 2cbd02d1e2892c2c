// fusor-depthwise-to-calls: f32 depthwise convolutions on buffers -> calls to the CPU runtime's
// direct kernel (fusor_rt_depthwise_conv2d_f32), which pads as it reads, so the zero-padded
// copy of the input goes too, and applies the elementwise op after it (bias, residual, clamp)
// as it stores.
#include "fusor/passes/Passes.h"
#include "BufferRoots.h"
#include "RuntimeCalls.h"
#include "gemm/CpuEpilogue.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include "llvm/ADT/SetVector.h"

#include <optional>

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORDEPTHWISETOCALLS
#include "fusor/passes/Passes.h.inc"

namespace {

// `e` as c_out * out + c_k * k for loop dims `out` and `k`: {c_out, c_k}, or nullopt.
std::optional<std::pair<int64_t, int64_t>> windowCoefficients(AffineExpr e, unsigned out, unsigned k) {
  int64_t coefficient[2] = {0, 0};
  SmallVector<AffineExpr> terms{e};
  while (!terms.empty()) {
    AffineExpr t = terms.pop_back_val();
    auto binary = dyn_cast<AffineBinaryOpExpr>(t);
    if (binary && t.getKind() == AffineExprKind::Add) {
      terms.append({binary.getLHS(), binary.getRHS()});
      continue;
    }
    int64_t scale = 1;
    if (binary && t.getKind() == AffineExprKind::Mul) {
      auto c = dyn_cast<AffineConstantExpr>(binary.getRHS());
      if (!c) return std::nullopt;
      scale = c.getValue();
      t = binary.getLHS();
    }
    auto d = dyn_cast<AffineDimExpr>(t);
    if (!d || (d.getPosition() != out && d.getPosition() != k)) return std::nullopt;
    coefficient[d.getPosition() == out ? 0 : 1] += scale;
  }
  if (coefficient[0] < 1 || coefficient[1] < 1) return std::nullopt;
  return std::pair{coefficient[0], coefficient[1]};
}

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
  Block &body = op.getRegion().front();
  if (body.getOperations().size() != 3) return std::nullopt;
  auto mul = dyn_cast<arith::MulFOp>(&body.front());
  auto add = dyn_cast<arith::AddFOp>(body.front().getNextNode());
  Value x = body.getArgument(0), w = body.getArgument(1), acc = body.getArgument(2);
  if (!mul || !add || body.getTerminator()->getOperand(0) != add.getResult() ||
      !((mul.getLhs() == x && mul.getRhs() == w) || (mul.getLhs() == w && mul.getRhs() == x)) ||
      !((add.getLhs() == acc && add.getRhs() == mul) || (add.getLhs() == mul && add.getRhs() == acc)))
    return std::nullopt;
  return dw;
}

// The zero-padded copy the convolution reads: a buffer whose interior a memref.copy fills
// from `source` and whose border only zero fills write. Bufferization may reuse the buffer
// for several padded values (each with its copy and fills, each read by depthwise
// convolutions): the copy that counts is the last one before the convolution.
struct PaddedCopy {
  Value source;
  int64_t top, left;
  memref::AllocOp buffer;
};

bool isZeroFill(Operation *op) {
  auto fill = dyn_cast<linalg::FillOp>(op);
  auto value = fill ? fill.getInputs()[0].getDefiningOp<arith::ConstantOp>() : nullptr;
  auto f = value ? dyn_cast<FloatAttr>(value.getValue()) : nullptr;
  return f && f.getValue().isZero();
}

// Whether static subviews `a` and `b` of one buffer share no element.
bool disjoint(memref::SubViewOp a, memref::SubViewOp b) {
  for (auto [oa, sa, ob, sb] : llvm::zip(a.getStaticOffsets(), a.getStaticSizes(), b.getStaticOffsets(), b.getStaticSizes())) {
    if (llvm::any_of(SmallVector<int64_t>{oa, sa, ob, sb}, ShapedType::isDynamic)) return false;
    if (oa + sa <= ob || ob + sb <= oa) return true;
  }
  return false;
}

std::optional<PaddedCopy> matchPaddedCopy(Value padded, linalg::GenericOp conv, linalg::FillOp init) {
  auto alloc = padded.getDefiningOp<memref::AllocOp>();
  if (!alloc || alloc->getBlock() != conv->getBlock()) return std::nullopt;
  // Every use: a depthwise convolution reading it, a dealloc, a zero fill, or a subview that
  // only copies and zero fills write.
  SmallVector<memref::SubViewOp> copiedInto;
  for (Operation *user : alloc->getUsers()) {
    auto reader = dyn_cast<linalg::GenericOp>(user);
    if (isa<memref::DeallocOp>(user) || isZeroFill(user) ||
        (reader && matchDepthwise(reader) && reader.getDpsInputs()[0] == padded && reader.getDpsInits()[0] != padded))
      continue;
    auto view = dyn_cast<memref::SubViewOp>(user);
    if (!view) return std::nullopt;
    for (Operation *writer : view->getUsers()) {
      auto copy = dyn_cast<memref::CopyOp>(writer);
      if (!(copy && copy.getTarget() == view) && !isZeroFill(writer)) return std::nullopt;
      if (copy) copiedInto.push_back(view);
    }
  }
  memref::CopyOp copy;
  for (Operation *op = conv->getPrevNode(); op && !copy; op = op->getPrevNode())
    if (auto c = dyn_cast<memref::CopyOp>(op); c && bufferRootOf(c.getTarget()) == alloc.getResult()) copy = c;
  if (!copy) return std::nullopt;
  // The interior: the whole source, at unit strides, offset only along H and W.
  auto interior = copy.getTarget().getDefiningOp<memref::SubViewOp>();
  auto source = cast<MemRefType>(copy.getSource().getType());
  if (!interior || !source.hasStaticShape() || !interior.hasUnitStride() || interior.getStaticSizes() != source.getShape() ||
      interior.getStaticOffsets()[0] != 0 || interior.getStaticOffsets()[1] != 0 ||
      ShapedType::isDynamic(interior.getStaticOffsets()[2]) || ShapedType::isDynamic(interior.getStaticOffsets()[3]))
    return std::nullopt;
  // Every copy into the buffer writes that interior (one padded value after another).
  for (memref::SubViewOp view : copiedInto)
    if (view.getStaticOffsets() != interior.getStaticOffsets() || view.getStaticSizes() != interior.getStaticSizes() ||
        !view.hasUnitStride())
      return std::nullopt;
  PaddedCopy p{copy.getSource(), interior.getStaticOffsets()[2], interior.getStaticOffsets()[3], alloc};
  // Between the copy and the convolution: zero fills of the border only, and nothing writing
  // the source but the convolution's own zero fill (which goes); views, allocations, and
  // linalg ops writing other buffers.
  Value root = bufferRootOf(p.source);
  for (Operation *op = copy->getNextNode(); op != conv; op = op->getNextNode()) {
    if (isInertOp(op) || op == init) continue;
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (!linalgOp || !linalgOp.hasPureBufferSemantics()) return std::nullopt;
    for (Value out : linalgOp.getDpsInits()) {
      if (bufferRootOf(out) == root) return std::nullopt;
      if (bufferRootOf(out) != alloc.getResult()) continue;
      auto view = out.getDefiningOp<memref::SubViewOp>();
      if (!view || !disjoint(view, interior)) return std::nullopt;
    }
  }
  return p;
}

// A padded buffer no convolution reads any more, with everything that writes it.
void erasePaddedBuffer(memref::AllocOp alloc) {
  for (Operation *user : alloc->getUsers()) {
    auto view = dyn_cast<memref::SubViewOp>(user);
    bool written = isa<memref::DeallocOp>(user) || isZeroFill(user) ||
                   (view && llvm::all_of(view->getUsers(), [&](Operation *w) { return isa<memref::CopyOp>(w) || isZeroFill(w); }));
    if (!written) return;  // still read
  }
  for (Operation *user : llvm::make_early_inc_range(alloc->getUsers())) {
    for (Operation *writer : llvm::make_early_inc_range(user->getUsers())) writer->erase();
    user->erase();
  }
  alloc->erase();
}

struct DepthwiseToCallsPass : impl::FusorDepthwiseToCallsBase<DepthwiseToCallsPass> {
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
    if (!inType.hasStaticShape() || !isRowMajor(outType) || !isRowMajor(cast<MemRefType>(weight.getType())))
      return nullptr;
    linalg::FillOp init = zeroFillBefore(op, out);
    if (!init) return nullptr;
    int64_t batch = outType.getDimSize(0), channels = outType.getDimSize(1);
    int64_t outHeight = outType.getDimSize(2), outWidth = outType.getDimSize(3);
    auto kernel = cast<MemRefType>(weight.getType()).getShape();

    // Read the input before padding, where that is what fills the padded buffer.
    std::optional<PaddedCopy> padded = matchPaddedCopy(input, op, init);
    Value source = padded ? padded->source : input;
    int64_t top = padded ? padded->top : 0, left = padded ? padded->left : 0;

    std::optional<CpuEpilogue> epilogue = matchCpuEpilogue(op, out, batch * channels, outHeight * outWidth);
    if (epilogue && epilogue->biasKind == 2) epilogue.reset();  // a bias per output position: kept apart
    Value written = epilogue ? epilogue->output : out;
    // The kernel reads each input plane whole before writing the output's: the output may be
    // the input itself, but no other view of it.
    if (bufferRootOf(written) == bufferRootOf(source) && !sameView(written, source)) {
      if (!padded || bufferRootOf(written) == bufferRootOf(input)) return nullptr;
      padded.reset();
      source = input, top = left = 0;
    }

    OpBuilder b(epilogue ? epilogue->op.getOperation() : op.getOperation());
    Location loc = op.getLoc();
    auto constant = [&](int64_t v) { return i64Constant(b, loc, v); };
    Value result = epilogue ? outputAsC(b, *epilogue, outType) : out;
    BufferView x = viewOf(b, loc, source), w = viewOf(b, loc, weight), y = viewOf(b, loc, result);
    auto sourceShape = cast<MemRefType>(source.getType()).getShape();
    SmallVector<Value> args{x.pointer, x.offset};
    args.append(x.strides);
    for (int64_t size : sourceShape) args.push_back(constant(size));
    args.append({w.pointer, w.offset, constant(kernel[1]), constant(kernel[2]), y.pointer, y.offset,
                 constant(outHeight), constant(outWidth), constant(dw.steps[0]), constant(dw.steps[1]),
                 constant(dw.dilations[0]), constant(dw.dilations[1]), constant(top), constant(left)});
    appendEpilogueArguments(b, loc, epilogue, result, args);
    func::FuncOp callee =
        declareRuntimeFunction(op->getParentOfType<ModuleOp>(), "fusor_rt_depthwise_conv2d_f32", args.size() - 2, 2);
    func::CallOp::create(b, loc, callee, args);
    if (epilogue) epilogue->op.erase();
    op.erase();
    init.erase();
    return padded ? padded->buffer.getOperation() : nullptr;
  }
};

}  // namespace
}  // namespace mlir::fusor
