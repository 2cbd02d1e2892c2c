// Parses fusor IR, refines its shapes and canonicalizes it, through the installed library.
#include <iostream>

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
  std::cout << (ok ? "consumer: ok" : "consumer: unexpected output") << "\n";
  return ok ? 0 : 1;
}
