#ifndef FUSOR_OPS_TD
#define FUSOR_OPS_TD

include "fusor/ir/FusorDialect.td"
include "fusor/ir/FusorInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

class Fusor_Op<string mnemonic, list<Trait> traits = []>
    : Op<Fusor_Dialect, mnemonic, traits # [Pure]>;

// Ops whose result type is inferred by the shared shape rules.
class Fusor_InferredOp<string mnemonic, list<Trait> traits = []>
    : Fusor_Op<mnemonic,
               traits # [DeclareOpInterfaceMethods<Fusor_InferResultTypeOpInterface>]>;

//===----------------------------------------------------------------------===//
// Constant
//===----------------------------------------------------------------------===//

def Fusor_ConstantOp : Fusor_Op<"constant",
    [ConstantLike, AllTypesMatch<["value", "result"]>]> {
  let summary = "a tensor literal";
  let description = [{
    A tensor whose elements are given by a dense elements attribute. Its type is the
    attribute's type, which must have a static shape.

    Example:
    ```mlir
    %0 = fusor.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs StaticShapeTensorOf<[Fusor_AnyDType]>:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise unary
//===----------------------------------------------------------------------===//

class Fusor_UnaryOp<string mnemonic, TypeConstraint tensorType, string math,
                    list<Trait> traits = []>
    : Fusor_Op<mnemonic, traits # [SameOperandsAndResultType]> {
  let summary = "elementwise " # math;
  let description = "Computes `" # math # "` for each element; the result has the "
    # "operand's type.\n\nExample:\n```mlir\n%1 = fusor." # mnemonic
    # " %0 : tensor<4x?xf32>\n```";
  let arguments = (ins tensorType:$input);
  let results = (outs tensorType:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasFolder = 1;
}

def Fusor_NegOp : Fusor_UnaryOp<"neg", Fusor_NumericTensor, "-x">;
def Fusor_AbsOp : Fusor_UnaryOp<"abs", Fusor_NumericTensor, "|x|">;
def Fusor_ReluOp : Fusor_UnaryOp<"relu", Fusor_NumericTensor, "max(x, 0)">;
def Fusor_ExpOp : Fusor_UnaryOp<"exp", Fusor_FloatTensor, "e^x">;
def Fusor_LogOp : Fusor_UnaryOp<"log", Fusor_FloatTensor, "ln(x)">;
def Fusor_SqrtOp : Fusor_UnaryOp<"sqrt", Fusor_FloatTensor, "sqrt(x)">;
def Fusor_RsqrtOp : Fusor_UnaryOp<"rsqrt", Fusor_FloatTensor, "1 / sqrt(x)">;
def Fusor_TanhOp : Fusor_UnaryOp<"tanh", Fusor_FloatTensor, "tanh(x)">;
def Fusor_SigmoidOp : Fusor_UnaryOp<"sigmoid", Fusor_FloatTensor, "1 / (1 + e^-x)">;
def Fusor_SiluOp : Fusor_UnaryOp<"silu", Fusor_FloatTensor, "x * sigmoid(x)">;
def Fusor_SinOp : Fusor_UnaryOp<"sin", Fusor_FloatTensor, "sin(x)">;
def Fusor_CosOp : Fusor_UnaryOp<"cos", Fusor_FloatTensor, "cos(x)">;
def Fusor_ErfOp : Fusor_UnaryOp<"erf", Fusor_FloatTensor, "erf(x)">;
def Fusor_FloorOp : Fusor_UnaryOp<"floor", Fusor_FloatTensor, "floor(x)">;
def Fusor_CeilOp : Fusor_UnaryOp<"ceil", Fusor_FloatTensor, "ceil(x)">;
def Fusor_LogicalNotOp : Fusor_UnaryOp<"logical_not", Fusor_BoolTensor, "!x">;

def Fusor_GeluOp : Fusor_Op<"gelu", [SameOperandsAndResultType]> {
  let summary = "elementwise Gaussian error linear unit";
  let description = [{
    `x * Phi(x)` for each element, where `Phi` is the standard normal CDF, computed exactly
    with erf (`approximate = none`, the default) or with the tanh approximation
    (`approximate = tanh`), as torch.nn.functional.gelu.

    Example:
    ```mlir
    %1 = fusor.gelu %0 : tensor<8x?xf32>
    %2 = fusor.gelu %0 approximate = tanh : tensor<8x?xf32>
    ```
  }];
  let arguments = (ins Fusor_FloatTensor:$input,
                       DefaultValuedAttr<Fusor_GeluApproximation,
                                         "::mlir::fusor::GeluApproximation::none">:$approximate);
  let results = (outs Fusor_FloatTensor:$result);
  let assemblyFormat = "$input (`approximate` `=` $approximate^)? attr-dict `:` type($result)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise binary, with NumPy broadcasting
//===----------------------------------------------------------------------===//

class Fusor_BinaryOp<string mnemonic, TypeConstraint operandType, TypeConstraint resultType,
                     string math, list<Trait> traits = []>
    : Fusor_InferredOp<mnemonic, traits> {
  let summary = "elementwise " # math # " with broadcasting";
  let description = "Computes `" # math # "` for each pair of elements. The operands share "
    # "an element type and broadcast as NumPy does: shapes are aligned at the last dim and a "
    # "size-1 dim stretches to the other's size.\n\nExample:\n```mlir\n%2 = fusor." # mnemonic
    # " %0, %1 : tensor<3x1xf32>, tensor<4xf32> -> tensor<3x4x"
    # !if(!eq(resultType, Fusor_BoolTensor), "i1", "f32") # ">\n```";
  let arguments = (ins operandType:$lhs, operandType:$rhs);
  let results = (outs resultType:$result);
  let assemblyFormat =
    "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)";
}

class Fusor_ArithOp<string mnemonic, string math, list<Trait> traits = []>
    : Fusor_BinaryOp<mnemonic, Fusor_NumericTensor, Fusor_NumericTensor, math, traits> {
  let hasFolder = 1;
}

def Fusor_AddOp : Fusor_ArithOp<"add", "x + y", [Commutative]>;
def Fusor_SubOp : Fusor_ArithOp<"sub", "x - y">;
def Fusor_MulOp : Fusor_ArithOp<"mul", "x * y", [Commutative]>;
def Fusor_DivOp : Fusor_ArithOp<"div", "x / y (integers: truncated toward zero)">;
def Fusor_PowOp : Fusor_ArithOp<"pow", "x ^ y">;
def Fusor_MaxOp : Fusor_ArithOp<"max", "max(x, y)", [Commutative]>;
def Fusor_MinOp : Fusor_ArithOp<"min", "min(x, y)", [Commutative]>;

class Fusor_CompareOp<string mnemonic, string math, list<Trait> traits = []>
    : Fusor_BinaryOp<mnemonic, Fusor_Tensor, Fusor_BoolTensor, math, traits> {
  let hasFolder = 1;
}

def Fusor_EqOp : Fusor_CompareOp<"eq", "x == y", [Commutative]>;
def Fusor_NeOp : Fusor_CompareOp<"ne", "x != y", [Commutative]>;
def Fusor_LtOp : Fusor_CompareOp<"lt", "x < y">;
def Fusor_LeOp : Fusor_CompareOp<"le", "x <= y">;
def Fusor_GtOp : Fusor_CompareOp<"gt", "x > y">;
def Fusor_GeOp : Fusor_CompareOp<"ge", "x >= y">;

class Fusor_LogicalOp<string mnemonic, string math>
    : Fusor_BinaryOp<mnemonic, Fusor_BoolTensor, Fusor_BoolTensor, math, [Commutative]> {
  let hasFolder = 1;
}

def Fusor_LogicalAndOp : Fusor_LogicalOp<"logical_and", "x && y">;
def Fusor_LogicalOrOp : Fusor_LogicalOp<"logical_or", "x || y">;

def Fusor_SelectOp : Fusor_InferredOp<"select"> {
  let summary = "elementwise choice between two tensors (torch.where)";
  let description = [{
    Takes each element from `true_value` where `condition` holds and from `false_value`
    elsewhere. The three operands broadcast together; the two values share an element type.

    Example:
    ```mlir
    %3 = fusor.select %c, %a, %b : tensor<4x1xi1>, tensor<4x5xf32>, tensor<5xf32>
           -> tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Fusor_BoolTensor:$condition, Fusor_Tensor:$true_value,
                       Fusor_Tensor:$false_value);
  let results = (outs Fusor_Tensor:$result);
  let assemblyFormat = [{
    $condition `,` $true_value `,` $false_value attr-dict `:`
    type($condition) `,` type($true_value) `,` type($false_value) `->` type($result)
  }];
  let hasFolder = 1;
}

def Fusor_CastOp : Fusor_InferredOp<"cast"> {
  let summary = "elementwise conversion to another element type";
  let description = [{
    Converts each element as torch's `Tensor.to(dtype)` does: floats to integers truncate
    toward zero, to i1 tests `x != 0`, i1 reads as 0 or 1, and integers narrow by wrapping.

    Example:
    ```mlir
    %1 = fusor.cast %0 : tensor<2x?xf32> -> tensor<2x?xbf16>
    ```
  }];
  let arguments = (ins Fusor_Tensor:$input);
  let results = (outs Fusor_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class Fusor_ReduceOp<string mnemonic, TypeConstraint tensorType, string what>
    : Fusor_InferredOp<mnemonic> {
  let summary = what # " over a set of dims";
  let description = "Reduces `input` to the " # what # " of its elements along each dim in "
    # "`dims` (distinct, in [0, rank)). Reduced dims are dropped, or kept with size 1 if "
    # "`keepdim` is set. An empty `dims` reduces nothing.\n\nExample:\n```mlir\n%1 = fusor."
    # mnemonic # " %0 dims = [0, 2] keepdim : tensor<3x4x5xf32> -> tensor<1x4x1xf32>\n"
    # "%2 = fusor." # mnemonic # " %0 dims = [1] : tensor<3x4x5xf32> -> tensor<3x5xf32>\n```";
  let arguments = (ins tensorType:$input, DenseI64ArrayAttr:$dims, UnitAttr:$keepdim);
  let results = (outs tensorType:$result);
  let assemblyFormat = [{
    $input `dims` `=` $dims (`keepdim` $keepdim^)? attr-dict `:` type($input) `->` type($result)
  }];
  let hasFolder = 1;
}

def Fusor_ReduceSumOp : Fusor_ReduceOp<"reduce_sum", Fusor_NumericTensor, "sum">;
def Fusor_ReduceMeanOp : Fusor_ReduceOp<"reduce_mean", Fusor_FloatTensor, "mean">;
def Fusor_ReduceMaxOp : Fusor_ReduceOp<"reduce_max", Fusor_NumericTensor, "maximum">;
def Fusor_ReduceMinOp : Fusor_ReduceOp<"reduce_min", Fusor_NumericTensor, "minimum">;
def Fusor_ReduceProdOp : Fusor_ReduceOp<"reduce_prod", Fusor_NumericTensor, "product">;

def Fusor_ArgmaxOp : Fusor_InferredOp<"argmax"> {
  let summary = "index of the maximum along one dim";
  let description = [{
    The i64 index of the largest element along `dim`; the first one where several tie, as
    torch.argmax. The dim is dropped, or kept with size 1 if `keepdim` is set. (torch's
    argmax over all dims is argmax over dim 0 of the flattened tensor.)

    Example:
    ```mlir
    %1 = fusor.argmax %0 dim = 1 : tensor<3x4xf32> -> tensor<3xi64>
    ```
  }];
  let arguments = (ins Fusor_NumericTensor:$input, I64Attr:$dim, UnitAttr:$keepdim);
  let results = (outs Fusor_I64Tensor:$result);
  let assemblyFormat = [{
    $input `dim` `=` $dim (`keepdim` $keepdim^)? attr-dict `:` type($input) `->` type($result)
  }];
}

//===----------------------------------------------------------------------===//
// Contraction
//===----------------------------------------------------------------------===//

def Fusor_MatmulOp : Fusor_InferredOp<"matmul"> {
  let summary = "matrix product with torch.matmul semantics";
  let description = [{
    As torch.matmul: two 1-D operands give their dot product (rank 0); a 1-D left operand
    is a row vector and a 1-D right operand a column vector, the added dim being dropped from
    the result; operands of rank > 2 are stacks of matrices whose batch dims broadcast.

    Example:
    ```mlir
    %2 = fusor.matmul %0, %1 : tensor<8x1x16x32xf32>, tensor<5x32x64xf32>
           -> tensor<8x5x16x64xf32>
    ```
  }];
  let arguments = (ins Fusor_NumericTensor:$lhs, Fusor_NumericTensor:$rhs);
  let results = (outs Fusor_NumericTensor:$result);
  let assemblyFormat =
    "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)";
}

//===----------------------------------------------------------------------===//
// Shape and data movement
//===----------------------------------------------------------------------===//

def Fusor_ReshapeOp : Fusor_InferredOp<"reshape"> {
  let summary = "same elements, new shape (row-major order)";
  let description = [{
    Reinterprets the elements of `input`, in row-major order, with the result type's shape.
    The element counts must agree. The result may have one `?` size, which stands for what
    is left (as -1 in torch.reshape). Where the input has `?` sizes, the result may have
    several: each keeps an input `?` dim, static dims merged into it or split off it.

    Example:
    ```mlir
    %1 = fusor.reshape %0 : tensor<2x3x4xf32> -> tensor<6x4xf32>
    %2 = fusor.reshape %x : tensor<?x4xf32> -> tensor<?x2x2xf32>
    ```
  }];
  let arguments = (ins Fusor_Tensor:$input);
  let results = (outs Fusor_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def Fusor_TransposeOp : Fusor_InferredOp<"transpose"> {
  let summary = "permutation of dims (torch.permute)";
  let description = [{
    Result dim `i` is input dim `perm[i]`.

    Example:
    ```mlir
    %1 = fusor.transpose %0 perm = [0, 2, 1] : tensor<2x3x4xf32> -> tensor<2x4x3xf32>
    ```
  }];
  let arguments = (ins Fusor_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Fusor_Tensor:$result);
  let assemblyFormat =
    "$input `perm` `=` $perm attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Fusor_BroadcastToOp : Fusor_InferredOp<"broadcast_to"> {
  let summary = "broadcast to the result's shape (torch.broadcast_to / expand)";
  let description = [{
    Stretches `input` to the result type's shape by NumPy's rules: leading dims are added and
    size-1 dims repeat.

    Example:
    ```mlir
    %1 = fusor.broadcast_to %0 : tensor<3x1xf32> -> tensor<2x3x4xf32>
    ```
  }];
  let arguments = (ins Fusor_Tensor:$input);
  let results = (outs Fusor_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def Fusor_SliceOp : Fusor_InferredOp<"slice"> {
  let summary = "strided slice with a start, stop and step per dim";
  let description = [{
    Along dim `i`, takes elements `starts[i], starts[i] + steps[i], ...` up to but excluding
    `stops[i]`, as Python's `x[start:stop:step]`. Requires `0 <= start <= stop` and
    `step >= 1`; a stop beyond the dim is clamped, so 9223372036854775807 means "to the end".

    Example:
    ```mlir
    %1 = fusor.slice %0 starts = [0, 1] stops = [4, 9223372036854775807] steps = [2, 3]
           : tensor<4x10xf32> -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins Fusor_Tensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$stops, DenseI64ArrayAttr:$steps);
  let results = (outs Fusor_Tensor:$result);
  let assemblyFormat = [{
    $input `starts` `=` $starts `stops` `=` $stops `steps` `=` $steps attr-dict `:`
    type($input) `->` type($result)
  }];
  let hasFolder = 1;
}

def Fusor_ConcatOp : Fusor_InferredOp<"concat"> {
  let summary = "concatenation along one dim (torch.cat)";
  let description = [{
    Joins the inputs along `dim`. They share rank and element type, and agree in size in
    every other dim.

    Example:
    ```mlir
    %2 = fusor.concat %0, %1 dim = 1 : tensor<2x3xf32>, tensor<2x5xf32> -> tensor<2x8xf32>
    ```
  }];
  let arguments = (ins Variadic<Fusor_Tensor>:$inputs, I64Attr:$dim);
  let results = (outs Fusor_Tensor:$result);
  let assemblyFormat =
    "$inputs `dim` `=` $dim attr-dict `:` type($inputs) `->` type($result)";
  let hasFolder = 1;
}

def Fusor_PadOp : Fusor_InferredOp<"pad"> {
  let summary = "constant padding before and after each dim";
  let description = [{
    Adds `low[i]` elements before and `high[i]` elements after dim `i` (both non-negative),
    all equal to `value`, whose type is the element type.

    Example:
    ```mlir
    %1 = fusor.pad %0 low = [0, 1] high = [2, 0] value = 0.000000e+00 : f32
           : tensor<3x4xf32> -> tensor<5x5xf32>
    ```
  }];
  let arguments = (ins Fusor_Tensor:$input, DenseI64ArrayAttr:$low, DenseI64ArrayAttr:$high,
                       TypedAttrInterface:$value);
  let results = (outs Fusor_Tensor:$result);
  let assemblyFormat = [{
    $input `low` `=` $low `high` `=` $high `value` `=` $value attr-dict `:`
    type($input) `->` type($result)
  }];
}

//===----------------------------------------------------------------------===//
// Sliding windows (NCHW)
//===----------------------------------------------------------------------===//

def Fusor_Conv2dOp : Fusor_InferredOp<"conv2d"> {
  let summary = "2-D convolution of NCHW tensors, with groups";
  let description = [{
    Cross-correlates `input` [N, C, H, W] with `weight` [O, C / groups, KH, KW] as
    torch.nn.functional.conv2d and ONNX Conv: `strides` and `dilations` are (height, width),
    `pads` are zeros added (top, left, bottom, right). The result is [N, O, OH, OW]. A bias is
    a separate broadcast add, which fuses with the convolution's output.

    Example:
    ```mlir
    %y = fusor.conv2d %x, %w strides = [2, 2] pads = [1, 1, 1, 1] dilations = [1, 1] groups = 1
           : tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32> -> tensor<1x16x16x16xf32>
    ```
  }];
  let arguments = (ins Fusor_FloatTensor:$input, Fusor_FloatTensor:$weight,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations, I64Attr:$groups);
  let results = (outs Fusor_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight `strides` `=` $strides `pads` `=` $pads `dilations` `=` $dilations
    `groups` `=` $groups attr-dict `:` type($input) `,` type($weight) `->` type($result)
  }];
}

def Fusor_MaxPool2dOp : Fusor_InferredOp<"max_pool2d"> {
  let summary = "2-D max pooling of NCHW tensors";
  let description = [{
    The maximum over each `kernel` window of `input` [N, C, H, W], as
    torch.nn.functional.max_pool2d and ONNX MaxPool: padding never wins (it is -inf), NaN
    propagates, and `ceil_mode` rounds the output size up.

    Example:
    ```mlir
    %y = fusor.max_pool2d %x kernel = [3, 3] strides = [2, 2] pads = [1, 1, 1, 1]
           dilations = [1, 1] ceil_mode = false : tensor<1x64x112x112xf32> -> tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = (ins Fusor_FloatTensor:$input, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations, BoolAttr:$ceil_mode);
  let results = (outs Fusor_FloatTensor:$result);
  let assemblyFormat = [{
    $input `kernel` `=` $kernel `strides` `=` $strides `pads` `=` $pads `dilations` `=`
    $dilations `ceil_mode` `=` $ceil_mode attr-dict `:` type($input) `->` type($result)
  }];
}

def Fusor_AvgPool2dOp : Fusor_InferredOp<"avg_pool2d"> {
  let summary = "2-D average pooling of NCHW tensors";
  let description = [{
    The mean over each `kernel` window of `input` [N, C, H, W], as
    torch.nn.functional.avg_pool2d and ONNX AveragePool. With `count_include_pad` the padding
    counts in the divisor (as zeros); otherwise only input elements do. Elements beyond the
    padding that `ceil_mode` windows reach never count.

    Example:
    ```mlir
    %y = fusor.avg_pool2d %x kernel = [2, 2] strides = [2, 2] pads = [0, 0, 0, 0]
           ceil_mode = false count_include_pad = false : tensor<1x8x8x8xf32> -> tensor<1x8x4x4xf32>
    ```
  }];
  let arguments = (ins Fusor_FloatTensor:$input, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       BoolAttr:$ceil_mode, BoolAttr:$count_include_pad);
  let results = (outs Fusor_FloatTensor:$result);
  let assemblyFormat = [{
    $input `kernel` `=` $kernel `strides` `=` $strides `pads` `=` $pads `ceil_mode` `=`
    $ceil_mode `count_include_pad` `=` $count_include_pad attr-dict `:` type($input) `->`
    type($result)
  }];
}

def Fusor_IndexSelectOp : Fusor_InferredOp<"index_select"> {
  let summary = "selection of slices along one dim by index (numpy.take, ONNX Gather)";
  let description = [{
    Replaces dim `dim` of `input` by the shape of `indices`: the result has shape
    `input[:dim] + indices + input[dim+1:]`, as numpy.take or ONNX Gather. With 1-D indices
    this is torch.index_select; with a 2-D table and dim 0, an embedding lookup. Indices
    must lie in `[0, size)`.

    Example:
    ```mlir
    %2 = fusor.index_select %table, %ids dim = 0 : tensor<1000x64xf32>, tensor<8x16xi64>
           -> tensor<8x16x64xf32>
    ```
  }];
  let arguments = (ins Fusor_Tensor:$input, Fusor_IndexTensor:$indices, I64Attr:$dim);
  let results = (outs Fusor_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $indices `dim` `=` $dim attr-dict `:` type($input) `,` type($indices) `->`
    type($result)
  }];
}

def Fusor_GatherOp : Fusor_InferredOp<"gather"> {
  let summary = "elementwise gather along one dim (torch.gather, ONNX GatherElements)";
  let description = [{
    `result[i][j][k] = input[indices[i][j][k]][j][k]` for `dim = 0`, and likewise for other
    dims. `indices` has the input's rank and is no larger in the other dims; the result has
    the shape of `indices`.

    Example:
    ```mlir
    %2 = fusor.gather %logits, %target dim = 1 : tensor<8x10xf32>, tensor<8x1xi64>
           -> tensor<8x1xf32>
    ```
  }];
  let arguments = (ins Fusor_Tensor:$input, Fusor_IndexTensor:$indices, I64Attr:$dim);
  let results = (outs Fusor_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $indices `dim` `=` $dim attr-dict `:` type($input) `,` type($indices) `->`
    type($result)
  }];
}

#endif // FUSOR_OPS_TD
