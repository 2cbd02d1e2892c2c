#include "fusor/codegen/LaunchPlanBuilder.h"

#include <optional>

#include "fusor/runtime/abi/Entries.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

namespace fusor::codegen {
namespace {

using namespace mlir;
using runtime::cuda::GemmType;
using runtime::cuda::Instruction;
using K = Instruction::Kind;

Instruction instruction(K kind, int dst = -1, int64_t immediate = 0, std::vector<int> operands = {}) {
  Instruction i;
  i.kind = kind;
  i.dst = dst;
  i.immediate = immediate;
  i.operands = std::move(operands);
  return i;
}

// Bytes a scalar or pointer parameter takes (as the renderer declares it), or 0.
unsigned parameterBytes(Type t) {
  if (isa<MemRefType>(t) || t.isIndex()) return 8;
  if (t.isIntOrFloat()) {
    unsigned bits = t.getIntOrFloatBitWidth();
    return bits == 1 ? 1 : bits / 8;
  }
  return 0;
}

// Bytes spanned by a static memref's layout (its allocation size).
FailureOr<int64_t> spanBytes(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (!type.hasStaticShape() || failed(type.getStridesAndOffset(strides, offset)) ||
      ShapedType::isDynamic(offset) || llvm::any_of(strides, ShapedType::isDynamic))
    return failure();
  int64_t element = (type.getElementTypeBitWidth() + 7) / 8;
  if (type.getNumElements() == 0) return 0;
  int64_t last = offset;
  for (auto [size, stride] : llvm::zip(type.getShape(), strides)) last += (size - 1) * stride;
  return (last + 1) * element;
}

// Whether `type` is row-major contiguous (any static offset), and that offset.
std::optional<int64_t> contiguousOffset(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (!type.hasStaticShape() || failed(type.getStridesAndOffset(strides, offset)) ||
      ShapedType::isDynamic(offset))
    return std::nullopt;
  int64_t expected = 1;
  for (int64_t d = type.getRank() - 1; d >= 0; --d) {
    if (type.getDimSize(d) != 1 && strides[d] != expected) return std::nullopt;
    expected *= type.getDimSize(d);
  }
  return offset;
}

// The bytes of a dense constant as the kernels read them (i1 as one byte each).
FailureOr<std::string> constantBytes(DenseElementsAttr value) {
  Type element = value.getElementType();
  if (!element.isIntOrFloat()) return failure();
  unsigned bits = element.getIntOrFloatBitWidth();
  unsigned bytes = bits == 1 ? 1 : bits / 8;
  std::string out;
  out.reserve(value.getNumElements() * bytes);
  auto append = [&](const APInt &v) {
    uint64_t word = v.getZExtValue();
    out.append(reinterpret_cast<const char *>(&word), bytes);
  };
  if (isa<FloatType>(element))
    for (const APFloat &v : value.getValues<APFloat>()) append(v.bitcastToAPInt());
  else
    for (const APInt &v : value.getValues<APInt>()) append(v);
  return out;
}

class Builder {
 public:
  explicit Builder(ModuleOp module) : module_(module) {}

  FailureOr<runtime::cuda::LaunchPlan> build(func::FuncOp func) {
    for (auto [i, arg] : llvm::enumerate(func.getArguments())) {
      if (!isa<MemRefType>(arg.getType()))
        return func.emitError("cannot run on CUDA: argument ") << i << " is not a buffer";
      Instruction in = instruction(K::Argument, define(arg));
      in.immediate = static_cast<int64_t>(i);
      plan_.code.push_back(in);
    }
    plan_.arguments = static_cast<int>(func.getNumArguments());
    if (failed(block(func.getBody().front(), plan_.code))) return failure();
    plan_.registers = next_;
    return std::move(plan_);
  }

 private:
  ModuleOp module_;
  runtime::cuda::LaunchPlan plan_;
  llvm::DenseMap<Value, int> regs_;
  llvm::StringMap<int> kernels_, globals_;
  int next_ = 0;

  int define(Value v) { return regs_[v] = next_++; }
  void alias(Value result, Value source) { regs_[result] = regs_.lookup(source); }
  int constant(std::vector<Instruction> &code, int64_t value) {
    Instruction in = instruction(K::Constant, next_++);
    in.immediate = value;
    code.push_back(in);
    return in.dst;
  }
  FailureOr<int> use(Operation *op, Value v) {
    auto it = regs_.find(v);
    if (it == regs_.end()) return op->emitError("cannot run on CUDA: an operand is not a host value");
    return it->second;
  }
  InFlightDiagnostic unsupported(Operation *op) {
    return op->emitError("cannot run on CUDA: host op '") << op->getName() << "' is not supported";
  }

  LogicalResult block(Block &body, std::vector<Instruction> &code) {
    for (Operation &op : body)
      if (failed(operation(&op, code))) return failure();
    return success();
  }

  LogicalResult operation(Operation *op, std::vector<Instruction> &code) {
    if (isa<func::ReturnOp, scf::YieldOp>(op)) return success();
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      int64_t bits;
      if (auto i = dyn_cast<IntegerAttr>(c.getValue()))
        bits = i.getType().isInteger(1) ? i.getValue().getZExtValue() : i.getValue().getSExtValue();
      else if (auto f = dyn_cast<FloatAttr>(c.getValue()))
        bits = static_cast<int64_t>(f.getValue().bitcastToAPInt().getZExtValue());
      else
        return unsupported(op);
      code.push_back(instruction(K::Constant, define(c.getResult()), bits));
      return success();
    }
    if (isa<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtSIOp>(op)) {
      FailureOr<int> in = use(op, op->getOperand(0));
      if (failed(in)) return failure();
      code.push_back(instruction(K::Move, define(op->getResult(0)), 0, {*in}));
      return success();
    }
    if (isa<arith::AddIOp, arith::SubIOp, arith::MulIOp>(op)) {
      FailureOr<int> a = use(op, op->getOperand(0)), b = use(op, op->getOperand(1));
      if (failed(a) || failed(b)) return failure();
      K kind = isa<arith::AddIOp>(op) ? K::Add : isa<arith::SubIOp>(op) ? K::Sub : K::Mul;
      code.push_back(instruction(kind, define(op->getResult(0)), 0, {*a, *b}));
      return success();
    }
    if (isa<memref::AllocOp, memref::AllocaOp>(op)) {
      FailureOr<int64_t> bytes = spanBytes(cast<MemRefType>(op->getResult(0).getType()));
      if (failed(bytes) || op->getNumOperands())
        return op->emitError("cannot run on CUDA: a buffer of dynamic size");
      code.push_back(instruction(K::Alloc, define(op->getResult(0)), *bytes));
      return success();
    }
    if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
      FailureOr<int> in = use(op, dealloc.getMemref());
      if (failed(in)) return failure();
      code.push_back(instruction(K::Free, -1, 0, {*in}));
      return success();
    }
    if (auto get = dyn_cast<memref::GetGlobalOp>(op)) return global(get, code);
    // Views keep the base address: the kernels apply the static offset of the view's type.
    if (isa<memref::ExpandShapeOp, memref::CollapseShapeOp, memref::CastOp,
            memref::ReinterpretCastOp, memref::SubViewOp, memref::ExtractAlignedPointerAsIndexOp>(op)) {
      if (!regs_.count(op->getOperand(0))) return use(op, op->getOperand(0));
      alias(op->getResult(0), op->getOperand(0));
      return success();
    }
    if (auto meta = dyn_cast<memref::ExtractStridedMetadataOp>(op)) {
      SmallVector<int64_t> strides;
      int64_t offset;
      auto type = cast<MemRefType>(meta.getSource().getType());
      if (!type.hasStaticShape() || failed(type.getStridesAndOffset(strides, offset)) ||
          ShapedType::isDynamic(offset) || llvm::any_of(strides, ShapedType::isDynamic))
        return op->emitError("cannot run on CUDA: a buffer with a dynamic layout");
      if (!regs_.count(meta.getSource())) return use(op, meta.getSource());
      alias(meta.getBaseBuffer(), meta.getSource());
      code.push_back(instruction(K::Constant, define(meta.getOffset()), offset));
      for (auto [v, size] : llvm::zip(meta.getSizes(), type.getShape()))
        code.push_back(instruction(K::Constant, define(v), size));
      for (auto [v, stride] : llvm::zip(meta.getStrides(), strides))
        code.push_back(instruction(K::Constant, define(v), stride));
      return success();
    }
    if (auto copy = dyn_cast<memref::CopyOp>(op)) return copyOp(copy, code);
    if (auto launch = dyn_cast<gpu::LaunchFuncOp>(op)) return launchOp(launch, code);
    if (auto call = dyn_cast<func::CallOp>(op)) {
      // The GEMM entries run through cuBLASLt; no other runtime call runs on CUDA.
      using E = abi::Entry;
      std::optional<E> entry = abi::entryNamed(std::string_view(call.getCallee()));
      if (!entry || !llvm::is_contained({E::GemmF32, E::GemmF64, E::GemmF32Batched, E::GemmF64Batched,
                                         E::GemmF32Epilogue}, *entry))
        return unsupported(op);
      bool f64 = *entry == E::GemmF64 || *entry == E::GemmF64Batched;
      Instruction in = instruction(K::Gemm, -1, static_cast<int64_t>(f64 ? GemmType::F64 : GemmType::F32));
      for (Value v : call.getOperands()) {
        FailureOr<int> r = use(op, v);
        if (failed(r)) return failure();
        in.operands.push_back(*r);
      }
      if (in.operands.size() != abi::parameterCount(*entry)) return unsupported(op);
      code.push_back(std::move(in));
      return success();
    }
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      if (loop.getNumResults()) return op->emitError("cannot run on CUDA: a host loop with results");
      auto step = loop.getStep().getDefiningOp<arith::ConstantOp>();
      auto stepValue = step ? dyn_cast<IntegerAttr>(step.getValue()) : nullptr;
      if (!stepValue || stepValue.getInt() <= 0)
        return op->emitError("cannot run on CUDA: a host loop without a constant positive step");
      Instruction in = instruction(K::Loop);
      for (Value v : {loop.getLowerBound(), loop.getUpperBound(), loop.getStep()}) {
        FailureOr<int> r = use(op, v);
        if (failed(r)) return failure();
        in.operands.push_back(*r);
      }
      in.dst = define(loop.getInductionVar());
      if (failed(block(*loop.getBody(), in.body))) return failure();
      code.push_back(std::move(in));
      return success();
    }
    return unsupported(op);
  }

  LogicalResult global(memref::GetGlobalOp get, std::vector<Instruction> &code) {
    auto [it, inserted] = globals_.try_emplace(get.getName(), static_cast<int>(plan_.globals.size()));
    if (inserted) {
      auto global = module_.lookupSymbol<memref::GlobalOp>(get.getNameAttr());
      auto value = global ? dyn_cast_or_null<DenseElementsAttr>(global.getConstantInitValue()) : nullptr;
      FailureOr<std::string> bytes = value ? constantBytes(value) : FailureOr<std::string>(failure());
      if (failed(bytes)) return get.emitError("cannot run on CUDA: a global without dense constant data");
      plan_.globals.push_back(std::move(*bytes));
    }
    code.push_back(instruction(K::Global, define(get.getResult()), it->second));
    return success();
  }

  LogicalResult copyOp(memref::CopyOp copy, std::vector<Instruction> &code) {
    auto source = cast<MemRefType>(copy.getSource().getType());
    auto target = cast<MemRefType>(copy.getTarget().getType());
    std::optional<int64_t> from = contiguousOffset(source), to = contiguousOffset(target);
    if (!from || !to) return copy.emitError("cannot run on CUDA: a strided host copy");
    FailureOr<int> src = use(copy, copy.getSource()), dst = use(copy, copy.getTarget());
    if (failed(src) || failed(dst)) return failure();
    int64_t element = (source.getElementTypeBitWidth() + 7) / 8;
    auto offsetBy = [&](int base, int64_t elements) {
      if (!elements) return base;
      int r = next_++;
      code.push_back(instruction(K::Add, r, 0, {base, constant(code, elements * element)}));
      return r;
    };
    int s = offsetBy(*src, *from), d = offsetBy(*dst, *to);
    code.push_back(instruction(K::Copy, -1, source.getNumElements() * element, {d, s}));
    return success();
  }

  LogicalResult launchOp(gpu::LaunchFuncOp launch, std::vector<Instruction> &code) {
    if (!launch.getAsyncDependencies().empty() || launch.getAsyncToken() ||
        launch.getDynamicSharedMemorySize() || launch.hasClusterSize())
      return launch.emitError("cannot run on CUDA: an async, clustered or shared-memory launch");
    std::string name = launch.getKernelModuleName().str();
    if (launch.getKernelName() != launch.getKernelModuleName())
      name.append("_").append(launch.getKernelName().str());  // as the renderer names it
    auto [it, inserted] = kernels_.try_emplace(name, static_cast<int>(plan_.kernels.size()));
    if (inserted) plan_.kernels.push_back(name);
    Instruction in = instruction(K::Launch, -1, it->second);
    gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
    gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
    for (Value v : {grid.x, grid.y, grid.z, block.x, block.y, block.z}) {
      FailureOr<int> r = use(launch, v);
      if (failed(r)) return failure();
      in.operands.push_back(*r);
    }
    for (Value v : launch.getKernelOperands()) {
      unsigned bytes = parameterBytes(v.getType());
      if (!bytes) return launch.emitError("cannot run on CUDA: a kernel parameter of type ") << v.getType();
      FailureOr<int> r = use(launch, v);
      if (failed(r)) return failure();
      in.operands.push_back(*r);
      in.sizes.push_back(static_cast<uint8_t>(bytes));
    }
    code.push_back(std::move(in));
    return success();
  }
};

}  // namespace

FailureOr<runtime::cuda::LaunchPlan> buildLaunchPlan(ModuleOp module, llvm::StringRef function) {
  auto func = module.lookupSymbol<func::FuncOp>(function);
  if (!func || func.isExternal())
    return module.emitError("cannot run on CUDA: no host function '") << function << "'";
  return Builder(module).build(func);
}

}  // namespace fusor::codegen
