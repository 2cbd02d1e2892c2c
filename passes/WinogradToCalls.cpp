// fusor-winograd-to-calls: Winograd's input and output transforms on buffers (the generics
// fusor-lower-to-linalg tags `fusor.kernel`) -> calls to the CPU runtime's vectorized ones
// (fusor_rt_winograd_input_f32 / _output_f32); an elementwise op after the output transform
// that adds a bias per channel and/or a residual and clamps becomes part of its call.
#include "fusor/passes/Passes.h"
#include "BufferRoots.h"
#include "RuntimeCalls.h"
#include "gemm/CpuEpilogue.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

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

struct WinogradToCallsPass : impl::FusorWinogradToCallsBase<WinogradToCallsPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> inputs, outputs;
    getOperation().walk([&](linalg::GenericOp op) {
      auto kernel = op->getAttrOfType<StringAttr>("fusor.kernel");
      if (!kernel || !op.hasPureBufferSemantics() || op.getNumDpsInputs() != 16 || op.getNumDpsInits() != 1) return;
      if (kernel.getValue() == "winograd_input") inputs.push_back(op);
      if (kernel.getValue() == "winograd_output") outputs.push_back(op);
    });
    for (linalg::GenericOp op : inputs) rewriteInput(op);
    for (linalg::GenericOp op : outputs) rewriteOutput(op);
  }

  // tiles[4, 4, c, n, th, tw] from the padded input [n, c, 2 th + 2, 2 tw + 2].
  void rewriteInput(linalg::GenericOp op) {
    Value padded = onlyInput(op), tiles = op.getDpsInits()[0];
    if (!padded || !isDenseF32(tiles) || !cast<MemRefType>(padded.getType()).getElementType().isF32() ||
        bufferRootOf(padded) == bufferRootOf(tiles))
      return;
    auto shape = cast<MemRefType>(tiles.getType()).getShape();
    OpBuilder b(op);
    Location loc = op.getLoc();
    BufferView x = viewOf(b, loc, padded), v = viewOf(b, loc, tiles);
    SmallVector<Value> args{x.pointer, x.offset};
    args.append(x.strides);
    for (int64_t size : {shape[3], shape[2], shape[4], shape[5]}) args.push_back(i64Constant(b, loc, size));
    args.append({v.pointer, v.offset});
    func::CallOp::create(
        b, loc, declareRuntimeFunction(op->getParentOfType<ModuleOp>(), "fusor_rt_winograd_input_f32", args.size()),
        args);
    op.erase();
  }

  // y[n, o, oh, ow] from products[4, 4, o, n, th, tw], with the epilogue after it if any.
  void rewriteOutput(linalg::GenericOp op) {
    Value products = onlyInput(op), out = op.getDpsInits()[0];
    if (!products || !isDenseF32(products) || !isDenseF32(out) || bufferRootOf(products) == bufferRootOf(out)) return;
    auto in = cast<MemRefType>(products.getType()).getShape(), y = cast<MemRefType>(out.getType()).getShape();
    std::optional<CpuEpilogue> epilogue = matchCpuEpilogue(op, out, y[0] * y[1], y[2] * y[3]);
    // A bias per output position stays apart; the kernel reads the products while it writes.
    if (epilogue && (epilogue->biasKind == 2 || bufferRootOf(epilogue->output) == bufferRootOf(products)))
      epilogue.reset();
    OpBuilder b(epilogue ? epilogue->op.getOperation() : op.getOperation());
    Location loc = op.getLoc();
    Value result = epilogue ? outputAsC(b, *epilogue, cast<MemRefType>(out.getType())) : out;
    BufferView m = viewOf(b, loc, products), written = viewOf(b, loc, result);
    SmallVector<Value> args{m.pointer, m.offset};
    for (int64_t size : {in[3], in[2], in[4], in[5]}) args.push_back(i64Constant(b, loc, size));
    args.append({written.pointer, written.offset, i64Constant(b, loc, y[2]), i64Constant(b, loc, y[3])});
    appendEpilogueArguments(b, loc, epilogue, result, args);
    func::CallOp::create(
        b, loc,
        declareRuntimeFunction(op->getParentOfType<ModuleOp>(), "fusor_rt_winograd_output_f32", args.size() - 2, 2),
        args);
    if (epilogue) epilogue->op.erase();
    op.erase();
  }
};

}  // namespace
}  // namespace mlir::fusor
