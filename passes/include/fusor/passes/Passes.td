#ifndef FUSOR_PASSES_TD
#define FUSOR_PASSES_TD

include "mlir/Pass/PassBase.td"

def FusorRefineShapes : Pass<"fusor-refine-shapes", "func::FuncOp"> {
  let summary = "Make dynamic (?) sizes static where the operands determine them";
  let description = [{
    Walks each function in order and replaces every fusor op's result type by the type the
    shared shape rules infer from its operands, where that is more static; then updates the
    function's result types to match what it returns. Run it after giving a function's
    arguments concrete shapes (as the JIT does with an imported model whose input dims are
    symbolic) to propagate them through the body.

    Example: with `%0 : tensor<2x3xf32>`,
    `fusor.exp %0 ... -> tensor<?x3xf32>` stays as written only until the rules see that
    the operand is `tensor<2x3xf32>`; afterwards the result is `tensor<2x3xf32>`.
  }];
  let dependentDialects = ["::mlir::fusor::FusorDialect"];
}

#endif // FUSOR_PASSES_TD
