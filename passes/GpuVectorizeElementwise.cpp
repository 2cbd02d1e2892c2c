// fusor-gpu-vectorize-elementwise: elementwise ops over whole contiguous buffers -> one
// scf.parallel over 128-bit groups with vector loads and stores.
#include "fusor/passes/Passes.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSORGPUVECTORIZEELEMENTWISE
#include "fusor/passes/Passes.h.inc"

namespace {

constexpr unsigned kVectorBits = 128;

// The lanes of a 128-bit group if `op` can be vectorized, else 0.
unsigned lanesFor(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumReductionLoops() != 0 || op.getNumLoops() == 0)
    return 0;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic)) return 0;
  unsigned bits = 0;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !type.getLayout().isIdentity() || type.getShape() != ArrayRef<int64_t>(ranges) ||
        !op.getMatchingIndexingMap(&operand).isIdentity())
      return 0;
    Type element = type.getElementType();
    if (!element.isIntOrFloat() || element.isIndex()) return 0;
    unsigned width = element.getIntOrFloatBitWidth();
    if ((width != 32 && width != 64) || (bits && width != bits)) return 0;
    bits = width;
  }
  if (!op.getRegion().front().getOps<linalg::IndexOp>().empty()) return 0;
  int64_t numel = 1;
  for (int64_t r : ranges) numel *= r;
  unsigned lanes = kVectorBits / bits;
  return numel % lanes == 0 ? lanes : 0;
}

// `buffer` as one dimension (a view).
Value flatten(OpBuilder &b, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  if (type.getRank() == 1) return buffer;
  ReassociationIndices all;
  for (int64_t d = 0; d < type.getRank(); ++d) all.push_back(d);
  return memref::CollapseShapeOp::create(b, loc, buffer, ArrayRef<ReassociationIndices>{all});
}

void rewrite(linalg::GenericOp op, unsigned lanes) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  int64_t numel = 1;
  for (int64_t r : op.getStaticLoopRanges()) numel *= r;
  SmallVector<Value> flat;
  for (Value v : op->getOperands()) flat.push_back(flatten(b, loc, v));
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value groups = arith::ConstantIndexOp::create(b, loc, numel / lanes);
  auto loop = scf::ParallelOp::create(b, loc, ValueRange{zero}, ValueRange{groups}, ValueRange{one});
  b.setInsertionPointToStart(loop.getBody());
  Value base = arith::MulIOp::create(b, loc, loop.getInductionVars()[0],
                                     arith::ConstantIndexOp::create(b, loc, lanes));
  Block &body = op.getRegion().front();
  // Every operand whose value the body reads is loaded as one vector, split into lanes.
  SmallVector<SmallVector<Value>> laneValues(op->getNumOperands());
  for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
    if (body.getArgument(i).use_empty()) continue;
    Type element = cast<MemRefType>(operand.getType()).getElementType();
    auto vectorType = VectorType::get({static_cast<int64_t>(lanes)}, element);
    Value vector = vector::LoadOp::create(b, loc, vectorType, flat[i], ValueRange{base});
    for (unsigned l = 0; l < lanes; ++l)
      laneValues[i].push_back(vector::ExtractOp::create(b, loc, vector, static_cast<int64_t>(l)));
  }
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  SmallVector<SmallVector<Value>> results(yield.getNumOperands());
  for (unsigned l = 0; l < lanes; ++l) {
    IRMapping map;
    for (auto [i, arg] : llvm::enumerate(body.getArguments()))
      if (!arg.use_empty()) map.map(arg, laneValues[i][l]);
    for (Operation &inner : body.without_terminator()) b.clone(inner, map);
    for (auto [r, v] : llvm::enumerate(yield.getOperands())) results[r].push_back(map.lookupOrDefault(v));
  }
  unsigned inputs = op.getNumDpsInputs();
  for (auto [r, values] : llvm::enumerate(results)) {
    Value target = flat[inputs + r];
    auto vectorType = VectorType::get({static_cast<int64_t>(lanes)},
                                      cast<MemRefType>(target.getType()).getElementType());
    Value vector = vector::FromElementsOp::create(b, loc, vectorType, values);
    vector::StoreOp::create(b, loc, vector, target, ValueRange{base});
  }
  op.erase();
}

struct GpuVectorizeElementwisePass
    : impl::FusorGpuVectorizeElementwiseBase<GpuVectorizeElementwisePass> {
  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, unsigned>> found;
    getOperation().walk([&](linalg::GenericOp op) {
      if (unsigned lanes = lanesFor(op)) found.push_back({op, lanes});
    });
    for (auto [op, lanes] : found) rewrite(op, lanes);
  }
};

}  // namespace
}  // namespace mlir::fusor
