// The fusor dialect through its C++ API: what the JIT will use to build and fold IR.
#include <gtest/gtest.h>

#include "fusor/ir/FusorOps.h"
#include "fusor/ir/Graph.h"
#include "fusor/passes/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {

class DialectTest : public ::testing::Test {
 protected:
  DialectTest() { context.loadDialect<mlir::fusor::FusorDialect, func::FuncDialect>(); }

  OwningOpRef<ModuleOp> parse(const std::string &text) {
    return parseSourceString<ModuleOp>(text, ParserConfig(&context));
  }

  // Runs `--canonicalize` and returns the module's text.
  std::string canonicalize(ModuleOp module) {
    PassManager pm(&context, ModuleOp::getOperationName());
    pm.addPass(createCanonicalizerPass());
    EXPECT_TRUE(succeeded(pm.run(module)));
    std::string text;
    llvm::raw_string_ostream os(text);
    module.print(os);
    return text;
  }

  MLIRContext context;
};

// Ops.def names a dialect op for every graph op: each name must be a registered op (a typo,
// or an op added to one list and not the other, fails here).
TEST_F(DialectTest, EveryGraphOpIsADialectOp) {
  int ops = 0;
#define FUSOR_OP(Kind, mnemonic)                                                    \
  if (::fusor::ir::OpKind::Kind != ::fusor::ir::OpKind::Buffer) {                   \
    ++ops;                                                                          \
    const char *name = ::fusor::ir::opName(::fusor::ir::OpKind::Kind);              \
    EXPECT_TRUE(RegisteredOperationName::lookup(name, &context).has_value()) << name; \
  }
#include "fusor/ir/Ops.def"
  EXPECT_GT(ops, 50);
  EXPECT_STREQ(::fusor::ir::opName(::fusor::ir::OpKind::Buffer), "");
}

// A constant of `n` distinct f32 values, as IR text.
std::string rampConstant(const std::string &name, int n) {
  std::string text = "  %" + name + " = fusor.constant dense<[";
  for (int i = 0; i < n; ++i) text += (i ? ", " : "") + std::to_string(i) + ".0";
  return text + "]> : tensor<" + std::to_string(n) + "xf32>\n";
}

TEST_F(DialectTest, InterfaceInfersBroadcastResult) {
  OpBuilder b(&context);
  auto module = ModuleOp::create(b.getUnknownLoc());
  b.setInsertionPointToEnd(module.getBody());
  auto f32 = b.getF32Type();
  auto func = func::FuncOp::create(
      b, b.getUnknownLoc(), "f",
      b.getFunctionType({RankedTensorType::get({3, 1}, f32), RankedTensorType::get({4}, f32)}, {}));
  b.setInsertionPointToEnd(func.addEntryBlock());
  auto add = mlir::fusor::AddOp::create(b, b.getUnknownLoc(), RankedTensorType::get({3, 4}, f32),
                                  func.getArgument(0), func.getArgument(1));
  func::ReturnOp::create(b, b.getUnknownLoc());
  mlir::fusor::InferredType inferred = add.inferResultType();
  ASSERT_TRUE(inferred.type) << inferred.error;
  EXPECT_EQ(inferred.type, RankedTensorType::get({3, 4}, f32));
  EXPECT_TRUE(succeeded(verify(module)));
  module->erase();
}

TEST_F(DialectTest, VerifierNamesShapesAndLocation) {
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    llvm::raw_string_ostream os(message);
    os << d.getLocation() << ": " << d;
    return success();
  });
  auto module = parse(R"mlir(
func.func @f(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  %0 = fusor.matmul %a, %b : tensor<2x3xf32>, tensor<4x5xf32> -> tensor<2x5xf32>
  return
})mlir");
  EXPECT_FALSE(module);
  EXPECT_NE(message.find(":3:8): 'fusor.matmul' op inner dimensions differ: 3 vs 4 (operands: "
                         "'tensor<2x3xf32>', 'tensor<4x5xf32>')"),
            std::string::npos)
      << message;
}

TEST_F(DialectTest, SmallConstantsFoldLargeOnesDoNot) {
  auto small = parse("func.func @f() -> tensor<1024xf32> {\n" + rampConstant("a", 1024) +
                     "  %0 = fusor.add %a, %a : tensor<1024xf32>, tensor<1024xf32> -> "
                     "tensor<1024xf32>\n  return %0 : tensor<1024xf32>\n}");
  ASSERT_TRUE(small);
  EXPECT_EQ(canonicalize(*small).find("fusor.add"), std::string::npos);
  mlir::fusor::ConstantOp folded;
  small->walk([&](mlir::fusor::ConstantOp op) { folded = op; });
  ASSERT_TRUE(folded);
  auto values = cast<DenseElementsAttr>(folded.getValue()).getValues<float>();
  EXPECT_EQ(values[1], 2.0f);
  EXPECT_EQ(values[1023], 2046.0f);

  auto large = parse("func.func @f() -> tensor<1025xf32> {\n" + rampConstant("a", 1025) +
                     "  %0 = fusor.add %a, %a : tensor<1025xf32>, tensor<1025xf32> -> "
                     "tensor<1025xf32>\n  return %0 : tensor<1025xf32>\n}");
  ASSERT_TRUE(large);
  EXPECT_NE(canonicalize(*large).find("fusor.add"), std::string::npos);
}

TEST_F(DialectTest, TransposeOfConstantFoldsInRowMajorOrder) {
  auto module = parse(R"mlir(
func.func @f() -> tensor<3x2xi32> {
  %a = fusor.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi32>
  %0 = fusor.transpose %a perm = [1, 0] : tensor<2x3xi32> -> tensor<3x2xi32>
  return %0 : tensor<3x2xi32>
})mlir");
  ASSERT_TRUE(module);
  EXPECT_NE(canonicalize(*module).find("dense<[[1, 4], [2, 5], [3, 6]]>"), std::string::npos);
}

TEST_F(DialectTest, RefineShapesPassRunsFromCpp) {
  auto module = parse(R"mlir(
func.func @f(%x: tensor<5x7xf32>) -> tensor<?x?xf32> {
  %0 = fusor.neg %x : tensor<5x7xf32>
  %1 = fusor.transpose %0 perm = [1, 0] : tensor<5x7xf32> -> tensor<?x?xf32>
  return %1 : tensor<?x?xf32>
})mlir");
  ASSERT_TRUE(module);
  PassManager pm(&context, ModuleOp::getOperationName());
  pm.addNestedPass<func::FuncOp>(mlir::fusor::createFusorRefineShapes());
  ASSERT_TRUE(succeeded(pm.run(*module)));
  auto func = cast<func::FuncOp>(module->getBody()->front());
  EXPECT_EQ(func.getResultTypes()[0], RankedTensorType::get({7, 5}, Float32Type::get(&context)));
  EXPECT_TRUE(succeeded(verify(*module)));
}

}  // namespace
