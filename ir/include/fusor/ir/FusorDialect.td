#ifndef FUSOR_DIALECT_TD
#define FUSOR_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"

def Fusor_Dialect : Dialect {
  let name = "fusor";
  let cppNamespace = "::mlir::fusor";
  let summary = "Tensor ops of the fusor engine, with NumPy broadcasting and torch semantics";
  let description = [{
    The fusor dialect is the shared language of fusor's JIT, `fusor-opt` and the ahead-of-time
    compiler. Its ops work on ranked tensors whose dims are static or dynamic (`?`), with
    element types f16, bf16, f32, f64, i1, i8, i32 and i64 (integers are signless and read as
    signed; i1 is bool). Ops are pure: they have value semantics and no side effects.

    Operands of one op share an element type: type promotion is the frontend's job and shows
    up as explicit `fusor.cast` ops. Binary ops broadcast as NumPy does. Every op's result
    type is inferred from its operands and attributes by the same C++ shape rules the graph IR
    uses; the verifier checks the written result type against it and names the operand types
    when they do not fit together.
  }];
  let hasConstantMaterializer = 1;
}

//===----------------------------------------------------------------------===//
// Element and tensor type constraints
//===----------------------------------------------------------------------===//

def Fusor_FloatDType : AnyTypeOf<[F16, BF16, F32, F64], "float (f16, bf16, f32, f64)">;
def Fusor_IntDType : AnyTypeOf<[I8, I32, I64], "integer (i8, i32, i64)">;
def Fusor_NumericDType : AnyTypeOf<[Fusor_FloatDType, Fusor_IntDType],
                                   "number (f16, bf16, f32, f64, i8, i32, i64)">;
def Fusor_AnyDType : AnyTypeOf<[Fusor_NumericDType, I1],
                               "fusor dtype (f16, bf16, f32, f64, i1, i8, i32, i64)">;

def Fusor_Tensor : RankedTensorOf<[Fusor_AnyDType]>;
def Fusor_FloatTensor : RankedTensorOf<[Fusor_FloatDType]>;
def Fusor_NumericTensor : RankedTensorOf<[Fusor_NumericDType]>;
def Fusor_BoolTensor : RankedTensorOf<[I1]>;
def Fusor_IndexTensor : RankedTensorOf<[I32, I64]>;
def Fusor_I64Tensor : RankedTensorOf<[I64]>;

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Fusor_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "how gelu computes the Gaussian CDF", [
      I32EnumAttrCase<"none", 0>,   // 0.5 * x * (1 + erf(x / sqrt(2)))
      I32EnumAttrCase<"tanh", 1>    // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
    ]> {
  let cppNamespace = "::mlir::fusor";
}

#endif // FUSOR_DIALECT_TD
