// Parses fusor IR, refines its shapes and canonicalizes it, then runs tensor code through the
// JIT: all through the installed library.
#include <iostream>

#include "fusor/fusor.h"

#include "fusor/ir/FusorOps.h"
#include "fusor/passes/Passes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

int main() {
  mlir::MLIRContext context;
  context.loadDialect<mlir::fusor::FusorDialect, mlir::func::FuncDialect>();
  auto module = mlir::parseSourceString<mlir::ModuleOp>(R"mlir(
    func.func @f(%x: tensor<2x3xf32>) -> tensor<?x?xf32> {
      %one = fusor.constant dense<1.0> : tensor<f32>
      %0 = fusor.mul %x, %one : tensor<2x3xf32>, tensor<f32> -> tensor<?x?xf32>
      %1 = fusor.exp %0 : tensor<?x?xf32>
      return %1 : tensor<?x?xf32>
    })mlir", &context);
  if (!module) return 1;
  mlir::PassManager pm(&context, mlir::ModuleOp::getOperationName());
  pm.addNestedPass<mlir::func::FuncOp>(mlir::fusor::createFusorRefineShapes());
  pm.addPass(mlir::createCanonicalizerPass());
  if (mlir::failed(pm.run(*module))) return 1;
  module->print(llvm::outs());
  llvm::outs() << "\n";
  // x * 1 folded away; the result type is now static.
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  bool ok = text.find("fusor.mul") == std::string::npos &&
            text.find("-> tensor<2x3xf32>") != std::string::npos;
  // And the tensor API, compiled by the installed JIT.
  fusor::Tensor x = fusor::from_vector<float>({1, 2, 3, 4}, {2, 2});
  float total = fusor::matmul(x, x).sum().item<float>();  // [[7, 10], [15, 22]]
  ok = ok && total == 54.0f;
  std::cout << (ok ? "consumer: ok" : "consumer: unexpected output") << "\n";
  return ok ? 0 : 1;
}
