#ifndef FUSOR_INTERFACES_TD
#define FUSOR_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Fusor_InferResultTypeOpInterface : OpInterface<"InferResultTypeOpInterface"> {
  let cppNamespace = "::mlir::fusor";
  let description = [{
    An op whose result type follows from its operands and attributes (and, for ops such as
    reshape whose target shape is their result type, from that type's static sizes). The
    inference calls fusor's shared C++ shape rules. The verifier checks the written result
    type against the inferred one; `--fusor-refine-shapes` uses it to make `?` dims static.
  }];
  let methods = [
    InterfaceMethod<[{
        Infers the result type, or returns the reason the operands do not fit together.
      }],
      "::mlir::fusor::InferredType", "inferResultType", (ins)>,
  ];
  let verify = [{ return ::mlir::fusor::verifyInferredResultType($_op); }];
}

#endif // FUSOR_INTERFACES_TD
