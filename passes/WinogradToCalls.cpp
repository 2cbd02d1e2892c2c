// fusor-winograd-to-calls: Winograd's input and output transforms on buffers (the generics
// fusor-lower-to-linalg tags `fusor.kernel`) -> calls to the CPU runtime's vectorized ones.
// Where the chain is whole (the input transform, the 16 GEMMs as one batched matmul on
// buffers used by nothing else, the output transform), all of it becomes one call
// (fusor_rt_winograd_conv3x3_f32), which keeps the tiles and products in cache; otherwise
// each transform becomes its own (fusor_rt_winograd_input_f32 / _output_f32). An elementwise
// op after the output transform that adds a bias per channel and/or a residual and clamps
// becomes part of the call.
#include "fusor/passes/Passes.h"
#include "BufferRoots.h"
#include "RuntimeCalls.h"
#include "gemm/CpuEpilogue.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORWINOGRADTOCALLS
#include "fusor/passes/Passes.h.inc"

namespace {

// An f32 buffer with row-major strides (any offset).
bool isDenseF32(Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  return type.getElementType().isF32() && isRowMajor(type);
}

// Every input of `op` is the one buffer (the transform's 16 reads of it).
Value onlyInput(linalg::GenericOp op) {
  Value input = op.getDpsInputs()[0];
  return llvm::all_of(op.getDpsInputs(), [&](Value v) { return v == input; }) ? input : Value();
}

bool isTagged(Operation *op, StringRef kernel) {
  auto tag = op->getAttrOfType<StringAttr>("fusor.kernel");
  return tag && tag.getValue() == kernel;
}

// products[b, i, j] += weights[b, i, k] * tiles[b, k, j], as lowering writes the 16 GEMMs.
bool isBatchMatmul(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 || op.getNumLoops() != 4 || op.getNumReductionLoops() != 1)
    return false;
  MLIRContext *context = op.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, context); };
  SmallVector<AffineMap> expected{AffineMap::get(4, 0, {d(0), d(1), d(3)}, context),
                                  AffineMap::get(4, 0, {d(0), d(3), d(2)}, context),
                                  AffineMap::get(4, 0, {d(0), d(1), d(2)}, context)};
  if (op.getIndexingMapsArray() != expected || op.getIteratorTypesArray()[3] != utils::IteratorType::reduction)
    return false;
  return isMultiplyAccumulate(op);
}

// One Winograd convolution as lowering leaves it on buffers, whole.
struct Chain {
  linalg::GenericOp input, matmul, output;
  linalg::FillOp fill;
  memref::CollapseShapeOp tilesView;
  memref::ExpandShapeOp productsView;
  memref::AllocOp tiles, products;
  Value padded, weights;  // [n, c, 2 th + 2, 2 tw + 2]; [16, o, c]
  // The weights' transform, where only this chain reads what it writes: the weights as they
  // are ([o, c, 3, 3]), which the call then transforms itself, else null.
  Value rawWeights;
  linalg::GenericOp weightRows, weightColumns;
  memref::CollapseShapeOp weightsView;
  memref::AllocOp halfTransformed, transformed;
};

// Whether `op` writes all of the buffer `alloc` (a later convolution's tiles or products).
bool overwritesAll(Operation *op, Value alloc) {
  if (auto fill = dyn_cast<linalg::FillOp>(op)) return fill.getDpsInits()[0] == alloc;
  auto generic = dyn_cast<linalg::GenericOp>(op);
  return generic && generic.getDpsInits()[0] == alloc &&
         (isTagged(generic, "winograd_input") || isTagged(generic, "winograd_weights_rows") ||
          isTagged(generic, "winograd_weights"));
}

// The allocation `buffer` is, if no op but the chain's (`from` to `to`) touches it in between
// and the first op after them that does overwrites all of it: what the chain writes there is
// read by no one else. (Bufferization reuses one such buffer for several convolutions.)
memref::AllocOp chainOwnedAlloc(Value buffer, Operation *from, Operation *to, ArrayRef<Operation *> chainOps) {
  auto alloc = buffer.getDefiningOp<memref::AllocOp>();
  if (!alloc || alloc->getBlock() != to->getBlock()) return nullptr;
  Operation *next = nullptr;
  for (OpOperand &use : alloc->getUses()) {
    Operation *user = use.getOwner();
    if (isa<memref::DeallocOp>(user)) continue;
    // A view (the chain's, or one that CSE shares with other convolutions) counts as the ops
    // that use it.
    SmallVector<Operation *> touching{user};
    if (isInertOp(user)) touching.assign(user->getUsers().begin(), user->getUsers().end());
    for (Operation *op : touching) {
      if (llvm::is_contained(chainOps, op)) continue;
      if (op->getBlock() != to->getBlock()) return nullptr;
      if (op->isBeforeInBlock(from)) continue;
      if (!to->isBeforeInBlock(op)) return nullptr;  // between the chain's ops
      if (!next || op->isBeforeInBlock(next)) next = op;
    }
  }
  if (next && !overwritesAll(next, alloc)) return nullptr;
  return alloc;
}

// The last op writing `buffer` (as its one output) before `before`, in its block: a reused
// buffer has other convolutions' writes too.
Operation *lastWriterBefore(Value buffer, Operation *before) {
  Operation *last = nullptr;
  for (Operation *user : buffer.getUsers()) {
    auto dps = dyn_cast<DestinationStyleOpInterface>(user);
    bool writes = dps && dps.getNumDpsInits() == 1 && dps.getDpsInits()[0] == buffer;
    if (writes && user->getBlock() == before->getBlock() && user->isBeforeInBlock(before) &&
        (!last || last->isBeforeInBlock(user)))
      last = user;
  }
  return last;
}

// The two generics that transform the chain's weights (rows, then columns) from the weights as
// they are, where nothing else reads what they write: the call can take those weights instead.
void matchWeightTransform(Chain &chain) {
  auto view = chain.weights.getDefiningOp<memref::CollapseShapeOp>();
  if (!view) return;
  Value transformed = view.getSrc();
  auto columns = dyn_cast_or_null<linalg::GenericOp>(lastWriterBefore(transformed, chain.matmul));
  if (!columns || !isTagged(columns, "winograd_weights")) return;
  Value half = onlyInput(columns);
  auto rows = half ? dyn_cast_or_null<linalg::GenericOp>(lastWriterBefore(half, columns)) : nullptr;
  if (!rows || !isTagged(rows, "winograd_weights_rows")) return;
  Value raw = onlyInput(rows);
  auto rawType = raw ? dyn_cast<MemRefType>(raw.getType()) : nullptr;
  if (!rawType || !rawType.hasStaticShape() || rawType.getRank() != 4 || !isDenseF32(raw) ||
      writtenBetween(rows, chain.output, bufferRootOf(raw)))
    return;
  memref::AllocOp halfAlloc = chainOwnedAlloc(half, rows, columns, {rows, columns});
  memref::AllocOp transformedAlloc = chainOwnedAlloc(transformed, columns, chain.matmul, {columns, view, chain.matmul});
  if (!halfAlloc || !transformedAlloc) return;
  chain.rawWeights = raw;
  chain.weightRows = rows, chain.weightColumns = columns, chain.weightsView = view;
  chain.halfTransformed = halfAlloc, chain.transformed = transformedAlloc;
}

std::optional<Chain> matchChain(linalg::GenericOp output) {
  Chain chain;
  chain.output = output;
  Value products = onlyInput(output);
  chain.productsView = products ? products.getDefiningOp<memref::ExpandShapeOp>() : nullptr;
  if (!chain.productsView) return std::nullopt;
  Value flatProducts = chain.productsView.getSrc();
  chain.matmul = dyn_cast_or_null<linalg::GenericOp>(lastWriterBefore(flatProducts, output));
  if (!chain.matmul || !isBatchMatmul(chain.matmul)) return std::nullopt;
  chain.fill = dyn_cast_or_null<linalg::FillOp>(lastWriterBefore(flatProducts, chain.matmul));
  if (!chain.fill || !matchPattern(chain.fill.getInputs()[0], m_AnyZeroFloat())) return std::nullopt;

  chain.weights = chain.matmul.getDpsInputs()[0];
  chain.tilesView = chain.matmul.getDpsInputs()[1].getDefiningOp<memref::CollapseShapeOp>();
  if (!chain.tilesView) return std::nullopt;
  Value tiles = chain.tilesView.getSrc();
  chain.input = dyn_cast_or_null<linalg::GenericOp>(lastWriterBefore(tiles, chain.matmul));
  if (!chain.input || !isTagged(chain.input, "winograd_input")) return std::nullopt;
  chain.padded = onlyInput(chain.input);
  auto weightsType = cast<MemRefType>(chain.weights.getType());
  if (!chain.padded || !cast<MemRefType>(chain.padded.getType()).getElementType().isF32() ||
      !weightsType.hasStaticShape() || !isDenseF32(chain.weights) || !isDenseF32(output.getDpsInits()[0]))
    return std::nullopt;
  // In order in one block, with the input and weights unchanged until the output is written.
  Block *block = output->getBlock();
  for (Operation *op : {chain.input.getOperation(), chain.fill.getOperation(), chain.matmul.getOperation()})
    if (op->getBlock() != block) return std::nullopt;
  if (!chain.input->isBeforeInBlock(chain.matmul) || !chain.fill->isBeforeInBlock(chain.matmul) ||
      !chain.matmul->isBeforeInBlock(output) || writtenBetween(chain.input, output, bufferRootOf(chain.padded)) ||
      writtenBetween(chain.matmul, output, bufferRootOf(chain.weights)))
    return std::nullopt;
  SmallVector<Operation *> ops{chain.input, chain.tilesView, chain.fill, chain.matmul, chain.productsView, output};
  Operation *first = chain.fill->isBeforeInBlock(chain.input) ? chain.fill.getOperation() : chain.input.getOperation();
  chain.tiles = chainOwnedAlloc(chain.tilesView.getSrc(), first, output, ops);
  chain.products = chainOwnedAlloc(flatProducts, first, output, ops);
  if (!chain.tiles || !chain.products) return std::nullopt;
  matchWeightTransform(chain);
  return chain;
}

struct WinogradToCallsPass : impl::FusorWinogradToCallsBase<WinogradToCallsPass> {
  using FusorWinogradToCallsBase::FusorWinogradToCallsBase;

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> inputs, outputs;
    getOperation().walk([&](linalg::GenericOp op) {
      auto kernel = op->getAttrOfType<StringAttr>("fusor.kernel");
      if (!kernel || !op.hasPureBufferSemantics() || op.getNumDpsInputs() != 16 || op.getNumDpsInits() != 1) return;
      if (kernel.getValue() == "winograd_input") inputs.push_back(op);
      if (kernel.getValue() == "winograd_output") outputs.push_back(op);
    });
    SmallVector<linalg::GenericOp> apart;
    for (linalg::GenericOp op : outputs) {
      std::optional<Chain> chain = matchChain(op);
      if (!chain) declined(op, "the output transform is not at the end of one input transform, zero fill and batched matmul in one block; the transforms become calls of their own");
      if (!chain || !rewriteChain(*chain)) apart.push_back(op);
      else llvm::erase(inputs, chain->input);
    }
    for (linalg::GenericOp op : inputs) rewriteInput(op);
    for (linalg::GenericOp op : apart) rewriteOutput(op);
  }

  void declined(Operation *op, const Twine &why) { DeclineExplainer(getArgument(), explain)(op, why); }

  // The epilogue after the output transform that its call can apply, if any, where the call
  // reads the buffer `read` (a root) while it writes.
  std::optional<CpuEpilogue> epilogueAfter(linalg::GenericOp op, Value read) {
    Value out = op.getDpsInits()[0];
    auto y = cast<MemRefType>(out.getType()).getShape();
    std::optional<CpuEpilogue> epilogue = matchCpuEpilogue(op, out, y[0] * y[1], y[2] * y[3]);
    // A bias per output position stays apart.
    if (epilogue && (epilogue->biasKind == kBiasPerColumn || bufferRootOf(epilogue->output) == read))
      epilogue.reset();
    return epilogue;
  }

  // The whole convolution as one call, where it writes no buffer it reads.
  bool rewriteChain(Chain &chain) {
    linalg::GenericOp op = chain.output;
    Value out = op.getDpsInits()[0];
    Value weights = chain.rawWeights ? chain.rawWeights : chain.weights;
    Value inputRoot = bufferRootOf(chain.padded), weightsRoot = bufferRootOf(weights);
    std::optional<CpuEpilogue> epilogue = epilogueAfter(op, inputRoot);
    if (epilogue && bufferRootOf(epilogue->output) == weightsRoot) epilogue.reset();
    Value written = epilogue ? epilogue->output : out;
    if (bufferRootOf(out) == inputRoot || bufferRootOf(out) == weightsRoot || bufferRootOf(written) == inputRoot) {
      declined(op, "the convolution writes the buffer of its input or weights; the transforms become calls of their own");
      return false;
    }
    auto tiles = chain.tiles.getType().getShape(), y = cast<MemRefType>(out.getType()).getShape();
    OpBuilder b(epilogue ? epilogue->op.getOperation() : op.getOperation());
    Location loc = op.getLoc();
    Value result = epilogue ? outputAsC(b, *epilogue, cast<MemRefType>(out.getType())) : out;
    BufferView x = viewOf(b, loc, chain.padded), u = viewOf(b, loc, weights), yv = viewOf(b, loc, result);
    auto constant = [&](int64_t v) { return i64Constant(b, loc, v); };
    using F = ::fusor::abi::WinogradField;
    Problem<F> problem(b, loc);
    setInput(problem, x);
    problem.set(F::batch, constant(tiles[3])), problem.set(F::channels, constant(tiles[2]));
    problem.set(F::tilesH, constant(tiles[4])), problem.set(F::tilesW, constant(tiles[5]));
    problem.set(F::u, u.pointer), problem.set(F::offsetU, u.offset);
    problem.set(F::rawWeights, constant(chain.rawWeights ? 1 : 0)), problem.set(F::outChannels, constant(y[1]));
    problem.set(F::y, yv.pointer), problem.set(F::offsetY, yv.offset);
    problem.set(F::outHeight, constant(y[2])), problem.set(F::outWidth, constant(y[3]));
    SmallVector<Value> args{problem.address()};
    callWithEpilogue(b, loc, op, RuntimeEntry::WinogradConv3x3F32, args, epilogue, result);
    for (Operation *dead : {op.getOperation(), chain.matmul.getOperation(), chain.fill.getOperation(),
                            chain.input.getOperation()})
      dead->erase();
    SmallVector<Operation *> views{chain.productsView, chain.tilesView};
    SmallVector<memref::AllocOp> buffers{chain.products, chain.tiles};
    if (chain.rawWeights) {
      chain.weightColumns->erase();
      chain.weightRows->erase();
      views.push_back(chain.weightsView);
      buffers.append({chain.transformed, chain.halfTransformed});
    }
    // The views, like the buffers, go once no other convolution uses them.
    for (Operation *view : views)
      if (view->use_empty()) view->erase();
    // The buffers go once no other convolution uses them.
    for (memref::AllocOp alloc : buffers) {
      if (llvm::any_of(alloc->getUsers(), [](Operation *user) { return !isa<memref::DeallocOp>(user); })) continue;
      for (Operation *user : llvm::make_early_inc_range(alloc->getUsers())) user->erase();
      alloc->erase();
    }
    return true;
  }

  // tiles[4, 4, c, n, th, tw] from the padded input [n, c, 2 th + 2, 2 tw + 2].
  void rewriteInput(linalg::GenericOp op) {
    Value padded = onlyInput(op), tiles = op.getDpsInits()[0];
    if (!padded || !isDenseF32(tiles) || !cast<MemRefType>(padded.getType()).getElementType().isF32() ||
        bufferRootOf(padded) == bufferRootOf(tiles)) {
      declined(op, "the input transform does not read one f32 buffer into another, dense one");
      return;
    }
    auto shape = cast<MemRefType>(tiles.getType()).getShape();
    OpBuilder b(op);
    Location loc = op.getLoc();
    BufferView x = viewOf(b, loc, padded), v = viewOf(b, loc, tiles);
    SmallVector<Value> args{x.pointer, x.offset};
    args.append(x.strides);
    for (int64_t size : {shape[3], shape[2], shape[4], shape[5]}) args.push_back(i64Constant(b, loc, size));
    args.append({v.pointer, v.offset});
    func::CallOp::create(
        b, loc, declareRuntimeFunction(op->getParentOfType<ModuleOp>(), RuntimeEntry::WinogradInputF32),
        args);
    op.erase();
  }

  // y[n, o, oh, ow] from products[4, 4, o, n, th, tw], with the epilogue after it if any.
  void rewriteOutput(linalg::GenericOp op) {
    Value products = onlyInput(op), out = op.getDpsInits()[0];
    if (!products || !isDenseF32(products) || !isDenseF32(out) || bufferRootOf(products) == bufferRootOf(out)) {
      declined(op, "the output transform does not read one dense f32 buffer into another");
      return;
    }
    auto in = cast<MemRefType>(products.getType()).getShape(), y = cast<MemRefType>(out.getType()).getShape();
    std::optional<CpuEpilogue> epilogue = epilogueAfter(op, bufferRootOf(products));
    OpBuilder b(epilogue ? epilogue->op.getOperation() : op.getOperation());
    Location loc = op.getLoc();
    Value result = epilogue ? outputAsC(b, *epilogue, cast<MemRefType>(out.getType())) : out;
    BufferView m = viewOf(b, loc, products), written = viewOf(b, loc, result);
    SmallVector<Value> args{m.pointer, m.offset};
    for (int64_t size : {in[3], in[2], in[4], in[5]}) args.push_back(i64Constant(b, loc, size));
    args.append({written.pointer, written.offset, i64Constant(b, loc, y[2]), i64Constant(b, loc, y[3])});
    callWithEpilogue(b, loc, op, RuntimeEntry::WinogradOutputF32, args, epilogue, result);
    op.erase();
  }
};

}  // namespace
}  // namespace mlir::fusor
