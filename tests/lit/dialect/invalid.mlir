// Tests every verifier error of the fusor dialect, one case per split, with the message each
// gives: it names the op and the operand types.
// RUN: fusor-opt %s --split-input-file --verify-diagnostics

// tests that incompatible broadcast shapes are rejected, naming both operand types
func.func @add_not_broadcastable(%a: tensor<3x4xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{'fusor.add' op shapes are not broadcastable: dim 0 (from the right) has sizes 4 and 5 (operands: 'tensor<3x4xf32>', 'tensor<5xf32>')}}
  %0 = fusor.add %a, %b : tensor<3x4xf32>, tensor<5xf32> -> tensor<3x4xf32>
  return
}
// -----
// tests that binary operands must share an element type
func.func @add_mixed_dtypes(%a: tensor<3xf32>, %b: tensor<3xi32>) {
  // expected-error @+1 {{'fusor.add' op element types differ: f32 vs i32 (promote with fusor.cast first) (operands: 'tensor<3xf32>', 'tensor<3xi32>')}}
  %0 = fusor.add %a, %b : tensor<3xf32>, tensor<3xi32> -> tensor<3xf32>
  return
}
// -----
// tests that a written result type must match the inferred one
func.func @add_wrong_result(%a: tensor<3x1xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'fusor.add' op result type 'tensor<3x5xf32>' does not match 'tensor<3x4xf32>' inferred from operands 'tensor<3x1xf32>', 'tensor<4xf32>'}}
  %0 = fusor.add %a, %b : tensor<3x1xf32>, tensor<4xf32> -> tensor<3x5xf32>
  return
}
// -----
// tests that float-only ops reject integer operands
func.func @exp_of_int(%a: tensor<3xi32>) {
  // expected-error @+1 {{'fusor.exp' op operand #0 must be ranked tensor of float (f16, bf16, f32, f64) values, but got 'tensor<3xi32>'}}
  %0 = fusor.exp %a : tensor<3xi32>
  return
}
// -----
// tests that arithmetic rejects bool operands
func.func @add_bools(%a: tensor<3xi1>) {
  // expected-error @+1 {{'fusor.add' op operand #0 must be ranked tensor of number (f16, bf16, f32, f64, i8, i32, i64) values, but got 'tensor<3xi1>'}}
  %0 = fusor.add %a, %a : tensor<3xi1>, tensor<3xi1> -> tensor<3xi1>
  return
}
// -----
// tests that logical ops want i1
func.func @and_floats(%a: tensor<3xf32>) {
  // expected-error @+1 {{'fusor.logical_and' op operand #0 must be ranked tensor of 1-bit signless integer values, but got 'tensor<3xf32>'}}
  %0 = fusor.logical_and %a, %a : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return
}
// -----
// tests that comparisons produce i1
func.func @compare_result_not_bool(%a: tensor<3xf32>) {
  // expected-error @+1 {{'fusor.lt' op result #0 must be ranked tensor of 1-bit signless integer values, but got 'tensor<3xf32>'}}
  %0 = fusor.lt %a, %a : tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return
}
// -----
// tests that the element type of unary ops cannot change
func.func @unary_type_change(%a: tensor<3xf32>) {
  // expected-error @+1 {{'fusor.exp' op requires the same type for all operands and results}}
  %0 = "fusor.exp"(%a) : (tensor<3xf32>) -> tensor<3xf16>
  return
}
// -----
// tests that an unknown gelu approximation is a parse error
func.func @gelu_bad_approximation(%a: tensor<3xf32>) {
  // expected-error @+1 {{custom op 'fusor.gelu' expected string or keyword containing one of the following enum values for attribute 'approximate' [none, tanh]}}
  %0 = fusor.gelu %a approximate = fast : tensor<3xf32>
  return
}
// -----
// tests that unsupported element types are rejected
func.func @unsupported_dtype(%a: tensor<3xi16>) {
  // expected-error @+1 {{'fusor.neg' op operand #0 must be ranked tensor of number (f16, bf16, f32, f64, i8, i32, i64) values, but got 'tensor<3xi16>'}}
  %0 = fusor.neg %a : tensor<3xi16>
  return
}
// -----
// tests that unranked tensors are rejected
func.func @unranked(%a: tensor<*xf32>) {
  // expected-error @+1 {{custom op 'fusor.neg' invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xf32>'}}
  %0 = fusor.neg %a : tensor<*xf32>
  return
}
// -----
// tests that select's values share an element type
func.func @select_mixed_dtypes(%c: tensor<3xi1>, %a: tensor<3xf32>, %b: tensor<3xf16>) {
  // expected-error @+1 {{'fusor.select' op element types differ: f32 vs f16 (promote with fusor.cast first) (operands: 'tensor<3xi1>', 'tensor<3xf32>', 'tensor<3xf16>')}}
  %0 = fusor.select %c, %a, %b : tensor<3xi1>, tensor<3xf32>, tensor<3xf16> -> tensor<3xf32>
  return
}
// -----
// tests that select's condition is i1
func.func @select_condition_not_bool(%c: tensor<3xf32>, %a: tensor<3xf32>) {
  // expected-error @+1 {{'fusor.select' op operand #0 must be ranked tensor of 1-bit signless integer values, but got 'tensor<3xf32>'}}
  %0 = fusor.select %c, %a, %a : tensor<3xf32>, tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return
}
// -----
// tests that select's operands broadcast together
func.func @select_not_broadcastable(%c: tensor<2xi1>, %a: tensor<3xf32>) {
  // expected-error @+1 {{'fusor.select' op shapes are not broadcastable: dim 0 (from the right) has sizes 2 and 3 (operands: 'tensor<2xi1>', 'tensor<3xf32>', 'tensor<3xf32>')}}
  %0 = fusor.select %c, %a, %a : tensor<2xi1>, tensor<3xf32>, tensor<3xf32> -> tensor<3xf32>
  return
}
// -----
// tests that cast keeps the shape
func.func @cast_changes_shape(%a: tensor<3xf32>) {
  // expected-error @+1 {{'fusor.cast' op result type 'tensor<4xi32>' does not match 'tensor<3xi32>' inferred from operands 'tensor<3xf32>'}}
  %0 = fusor.cast %a : tensor<3xf32> -> tensor<4xi32>
  return
}
// -----
// tests that reduction dims lie in [0, rank)
func.func @reduce_dim_out_of_range(%a: tensor<3x4xf32>) {
  // expected-error @+1 {{'fusor.reduce_sum' op reduction dim 2 is out of range for rank 2 (operands: 'tensor<3x4xf32>')}}
  %0 = fusor.reduce_sum %a dims = [2] : tensor<3x4xf32> -> tensor<3x4xf32>
  return
}
// -----
// tests that negative reduction dims are rejected (the frontend normalizes them)
func.func @reduce_negative_dim(%a: tensor<3x4xf32>) {
  // expected-error @+1 {{'fusor.reduce_max' op reduction dim -1 is out of range for rank 2 (operands: 'tensor<3x4xf32>')}}
  %0 = fusor.reduce_max %a dims = [-1] : tensor<3x4xf32> -> tensor<3xf32>
  return
}
// -----
// tests that reduction dims do not repeat
func.func @reduce_repeated_dim(%a: tensor<3x4xf32>) {
  // expected-error @+1 {{'fusor.reduce_sum' op reduction dim 1 is repeated (operands: 'tensor<3x4xf32>')}}
  %0 = fusor.reduce_sum %a dims = [1, 1] : tensor<3x4xf32> -> tensor<3xf32>
  return
}
// -----
// tests that keepdim shows in the result type
func.func @reduce_keepdim_mismatch(%a: tensor<3x4xf32>) {
  // expected-error @+1 {{'fusor.reduce_sum' op result type 'tensor<3xf32>' does not match 'tensor<3x1xf32>' inferred from operands 'tensor<3x4xf32>'}}
  %0 = fusor.reduce_sum %a dims = [1] keepdim : tensor<3x4xf32> -> tensor<3xf32>
  return
}
// -----
// tests that mean wants floats
func.func @mean_of_ints(%a: tensor<3x4xi32>) {
  // expected-error @+1 {{'fusor.reduce_mean' op operand #0 must be ranked tensor of float (f16, bf16, f32, f64) values, but got 'tensor<3x4xi32>'}}
  %0 = fusor.reduce_mean %a dims = [1] : tensor<3x4xi32> -> tensor<3xi32>
  return
}
// -----
// tests that argmax's dim lies in range
func.func @argmax_dim_out_of_range(%a: tensor<3x4xf32>) {
  // expected-error @+1 {{'fusor.argmax' op reduction dim 2 is out of range for rank 2 (operands: 'tensor<3x4xf32>')}}
  %0 = fusor.argmax %a dim = 2 : tensor<3x4xf32> -> tensor<3xi64>
  return
}
// -----
// tests that argmax returns i64
func.func @argmax_result_not_i64(%a: tensor<3x4xf32>) {
  // expected-error @+1 {{'fusor.argmax' op result #0 must be ranked tensor of 64-bit signless integer values, but got 'tensor<3xi32>'}}
  %0 = fusor.argmax %a dim = 1 : tensor<3x4xf32> -> tensor<3xi32>
  return
}
// -----
// tests that matmul's inner dimensions agree, naming both shapes
func.func @matmul_inner_mismatch(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{'fusor.matmul' op inner dimensions differ: 3 vs 4 (operands: 'tensor<2x3xf32>', 'tensor<4x5xf32>')}}
  %0 = fusor.matmul %a, %b : tensor<2x3xf32>, tensor<4x5xf32> -> tensor<2x5xf32>
  return
}
// -----
// tests that matmul rejects rank-0 operands
func.func @matmul_scalar(%a: tensor<f32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{'fusor.matmul' op both operands must have rank >= 1 (a rank-0 operand needs mul) (operands: 'tensor<f32>', 'tensor<4x5xf32>')}}
  %0 = fusor.matmul %a, %b : tensor<f32>, tensor<4x5xf32> -> tensor<5xf32>
  return
}
// -----
// tests that matmul's batch dims broadcast
func.func @matmul_batch_mismatch(%a: tensor<2x3x4xf32>, %b: tensor<5x4x6xf32>) {
  // expected-error @+1 {{'fusor.matmul' op batch dims: shapes are not broadcastable: dim 0 (from the right) has sizes 2 and 5 (operands: 'tensor<2x3x4xf32>', 'tensor<5x4x6xf32>')}}
  %0 = fusor.matmul %a, %b : tensor<2x3x4xf32>, tensor<5x4x6xf32> -> tensor<2x3x6xf32>
  return
}
// -----
// tests that matmul's operands share an element type
func.func @matmul_mixed_dtypes(%a: tensor<2x3xf32>, %b: tensor<3x4xbf16>) {
  // expected-error @+1 {{'fusor.matmul' op element types differ: f32 vs bf16 (promote with fusor.cast first) (operands: 'tensor<2x3xf32>', 'tensor<3x4xbf16>')}}
  %0 = fusor.matmul %a, %b : tensor<2x3xf32>, tensor<3x4xbf16> -> tensor<2x4xf32>
  return
}
// -----
// tests that matmul's result type is checked
func.func @matmul_wrong_result(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) {
  // expected-error @+1 {{'fusor.matmul' op result type 'tensor<2x3xf32>' does not match 'tensor<2x4xf32>' inferred from operands 'tensor<2x3xf32>', 'tensor<3x4xf32>'}}
  %0 = fusor.matmul %a, %b : tensor<2x3xf32>, tensor<3x4xf32> -> tensor<2x3xf32>
  return
}
// -----
// tests that reshape keeps the element count
func.func @reshape_count_mismatch(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'fusor.reshape' op element counts differ: 6 vs 7 (operands: 'tensor<2x3xf32>')}}
  %0 = fusor.reshape %a : tensor<2x3xf32> -> tensor<7xf32>
  return
}
// -----
// tests that reshape of a static input allows at most one dynamic size
func.func @reshape_two_dynamic(%a: tensor<8x4xf32>) {
  // expected-error @+1 {{'fusor.reshape' op the target shape may have at most one dynamic ('?') size (operands: 'tensor<8x4xf32>')}}
  %0 = fusor.reshape %a : tensor<8x4xf32> -> tensor<?x?xf32>
  return
}
// -----
// tests that a dynamic reshape size must divide the element count
func.func @reshape_cannot_split(%a: tensor<2x5xf32>) {
  // expected-error @+1 {{'fusor.reshape' op 10 elements cannot be split into sizes ?x3 (operands: 'tensor<2x5xf32>')}}
  %0 = fusor.reshape %a : tensor<2x5xf32> -> tensor<?x3xf32>
  return
}
// -----
// tests that reshape keeps the element type
func.func @reshape_changes_dtype(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'fusor.reshape' op result type 'tensor<6xf16>' does not match 'tensor<6xf32>' inferred from operands 'tensor<2x3xf32>'}}
  %0 = fusor.reshape %a : tensor<2x3xf32> -> tensor<6xf16>
  return
}
// -----
// tests that transpose wants a permutation
func.func @transpose_not_permutation(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'fusor.transpose' op [0, 0] is not a permutation of 0..1 (operands: 'tensor<2x3xf32>')}}
  %0 = fusor.transpose %a perm = [0, 0] : tensor<2x3xf32> -> tensor<2x2xf32>
  return
}
// -----
// tests that transpose wants one entry per dim
func.func @transpose_wrong_length(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'fusor.transpose' op permutation has 3 entries but the input has rank 2 (operands: 'tensor<2x3xf32>')}}
  %0 = fusor.transpose %a perm = [1, 0, 2] : tensor<2x3xf32> -> tensor<3x2xf32>
  return
}
// -----
// tests that transpose's result type is checked
func.func @transpose_wrong_result(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'fusor.transpose' op result type 'tensor<2x3xf32>' does not match 'tensor<3x2xf32>' inferred from operands 'tensor<2x3xf32>'}}
  %0 = fusor.transpose %a perm = [1, 0] : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}
// -----
// tests that broadcast_to cannot drop dims
func.func @broadcast_to_lower_rank(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'fusor.broadcast_to' op cannot broadcast rank 2 down to rank 1 (operands: 'tensor<2x3xf32>')}}
  %0 = fusor.broadcast_to %a : tensor<2x3xf32> -> tensor<3xf32>
  return
}
// -----
// tests that broadcast_to only stretches size-1 dims
func.func @broadcast_to_bad_size(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'fusor.broadcast_to' op dim 1 of size 3 cannot broadcast to size 4 (operands: 'tensor<2x3xf32>')}}
  %0 = fusor.broadcast_to %a : tensor<2x3xf32> -> tensor<4x2x4xf32>
  return
}
// -----
// tests that slice wants one start per dim
func.func @slice_wrong_length(%a: tensor<4x5xf32>) {
  // expected-error @+1 {{'fusor.slice' op starts has 1 entry but the input has rank 2 (operands: 'tensor<4x5xf32>')}}
  %0 = fusor.slice %a starts = [0] stops = [4, 5] steps = [1, 1] : tensor<4x5xf32> -> tensor<4x5xf32>
  return
}
// -----
// tests that slice wants start <= stop
func.func @slice_reversed(%a: tensor<4x5xf32>) {
  // expected-error @+1 {{'fusor.slice' op dim 0: need 0 <= start <= stop and step >= 1, got start 3, stop 1, step 1 (operands: 'tensor<4x5xf32>')}}
  %0 = fusor.slice %a starts = [3, 0] stops = [1, 5] steps = [1, 1] : tensor<4x5xf32> -> tensor<0x5xf32>
  return
}
// -----
// tests that slice wants a positive step
func.func @slice_zero_step(%a: tensor<4x5xf32>) {
  // expected-error @+1 {{'fusor.slice' op dim 1: need 0 <= start <= stop and step >= 1, got start 0, stop 5, step 0 (operands: 'tensor<4x5xf32>')}}
  %0 = fusor.slice %a starts = [0, 0] stops = [4, 5] steps = [1, 0] : tensor<4x5xf32> -> tensor<4x5xf32>
  return
}
// -----
// tests that slice's result type is checked
func.func @slice_wrong_result(%a: tensor<4x5xf32>) {
  // expected-error @+1 {{'fusor.slice' op result type 'tensor<2x3xf32>' does not match 'tensor<2x2xf32>' inferred from operands 'tensor<4x5xf32>'}}
  %0 = fusor.slice %a starts = [0, 1] stops = [4, 5] steps = [2, 2] : tensor<4x5xf32> -> tensor<2x3xf32>
  return
}
// -----
// tests that concat wants an input
func.func @concat_nothing() {
  // expected-error @+1 {{'fusor.concat' op needs at least one input (operands: none)}}
  %0 = "fusor.concat"() {dim = 0 : i64} : () -> tensor<0xf32>
  return
}
// -----
// tests that concat rejects rank-0 inputs
func.func @concat_scalars(%a: tensor<f32>) {
  // expected-error @+1 {{'fusor.concat' op cannot concatenate rank-0 tensors (operands: 'tensor<f32>', 'tensor<f32>')}}
  %0 = fusor.concat %a, %a dim = 0 : tensor<f32>, tensor<f32> -> tensor<2xf32>
  return
}
// -----
// tests that concat's inputs share a rank
func.func @concat_rank_mismatch(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'fusor.concat' op input 1 has rank 1 but input 0 has rank 2 (operands: 'tensor<2x3xf32>', 'tensor<3xf32>')}}
  %0 = fusor.concat %a, %b dim = 0 : tensor<2x3xf32>, tensor<3xf32> -> tensor<5x3xf32>
  return
}
// -----
// tests that concat's inputs agree off the concatenation dim
func.func @concat_size_mismatch(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) {
  // expected-error @+1 {{'fusor.concat' op input 1 has size 4 in dim 1 where earlier inputs have 3 (operands: 'tensor<2x3xf32>', 'tensor<2x4xf32>')}}
  %0 = fusor.concat %a, %b dim = 0 : tensor<2x3xf32>, tensor<2x4xf32> -> tensor<4x3xf32>
  return
}
// -----
// tests that concat's dim lies in range
func.func @concat_dim_out_of_range(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'fusor.concat' op dim 2 is out of range for rank 2 (operands: 'tensor<2x3xf32>', 'tensor<2x3xf32>')}}
  %0 = fusor.concat %a, %a dim = 2 : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<4x3xf32>
  return
}
// -----
// tests that concat's inputs share an element type
func.func @concat_mixed_dtypes(%a: tensor<2x3xf32>, %b: tensor<2x3xi32>) {
  // expected-error @+1 {{'fusor.concat' op element types differ: f32 vs i32 (promote with fusor.cast first) (operands: 'tensor<2x3xf32>', 'tensor<2x3xi32>')}}
  %0 = fusor.concat %a, %b dim = 0 : tensor<2x3xf32>, tensor<2x3xi32> -> tensor<4x3xf32>
  return
}
// -----
// tests that pad wants one entry per dim
func.func @pad_wrong_length(%a: tensor<3x4xf32>) {
  // expected-error @+1 {{'fusor.pad' op low has 1 entry but the input has rank 2 (operands: 'tensor<3x4xf32>')}}
  %0 = fusor.pad %a low = [1] high = [0, 0] value = 0.0 : f32 : tensor<3x4xf32> -> tensor<4x4xf32>
  return
}
// -----
// tests that pad's amounts are non-negative
func.func @pad_negative(%a: tensor<3x4xf32>) {
  // expected-error @+1 {{'fusor.pad' op dim 1: padding must be non-negative, got low -1, high 0 (operands: 'tensor<3x4xf32>')}}
  %0 = fusor.pad %a low = [0, -1] high = [0, 0] value = 0.0 : f32 : tensor<3x4xf32> -> tensor<3x3xf32>
  return
}
// -----
// tests that the padding value has the element type
func.func @pad_value_type(%a: tensor<3x4xf32>) {
  // expected-error @+1 {{'fusor.pad' op padding value 0 : i32 is not a f32 scalar (operands: 'tensor<3x4xf32>')}}
  %0 = fusor.pad %a low = [0, 1] high = [0, 0] value = 0 : i32 : tensor<3x4xf32> -> tensor<3x5xf32>
  return
}
// -----
// tests that index_select's dim lies in range
func.func @index_select_dim_out_of_range(%a: tensor<10x4xf32>, %i: tensor<3xi64>) {
  // expected-error @+1 {{'fusor.index_select' op dim 2 is out of range for rank 2 (operands: 'tensor<10x4xf32>', 'tensor<3xi64>')}}
  %0 = fusor.index_select %a, %i dim = 2 : tensor<10x4xf32>, tensor<3xi64> -> tensor<3x4xf32>
  return
}
// -----
// tests that indices are i32 or i64
func.func @index_select_float_indices(%a: tensor<10x4xf32>, %i: tensor<3xf32>) {
  // expected-error @+1 {{'fusor.index_select' op operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<3xf32>'}}
  %0 = fusor.index_select %a, %i dim = 0 : tensor<10x4xf32>, tensor<3xf32> -> tensor<3x4xf32>
  return
}
// -----
// tests that index_select's result type is checked
func.func @index_select_wrong_result(%a: tensor<10x4xf32>, %i: tensor<2x3xi64>) {
  // expected-error @+1 {{'fusor.index_select' op result type 'tensor<3x4xf32>' does not match 'tensor<2x3x4xf32>' inferred from operands 'tensor<10x4xf32>', 'tensor<2x3xi64>'}}
  %0 = fusor.index_select %a, %i dim = 0 : tensor<10x4xf32>, tensor<2x3xi64> -> tensor<3x4xf32>
  return
}
// -----
// tests that gather's indices have the input's rank
func.func @gather_rank_mismatch(%a: tensor<8x10xf32>, %i: tensor<8xi64>) {
  // expected-error @+1 {{'fusor.gather' op indices have rank 1 but the input has rank 2 (operands: 'tensor<8x10xf32>', 'tensor<8xi64>')}}
  %0 = fusor.gather %a, %i dim = 1 : tensor<8x10xf32>, tensor<8xi64> -> tensor<8xf32>
  return
}
// -----
// tests that gather's indices are no larger than the input off the gather dim
func.func @gather_indices_too_large(%a: tensor<8x10xf32>, %i: tensor<9x1xi64>) {
  // expected-error @+1 {{'fusor.gather' op indices have size 9 in dim 0 but the input only 8 (operands: 'tensor<8x10xf32>', 'tensor<9x1xi64>')}}
  %0 = fusor.gather %a, %i dim = 1 : tensor<8x10xf32>, tensor<9x1xi64> -> tensor<9x1xf32>
  return
}
// -----
// tests that gather's dim lies in range
func.func @gather_dim_out_of_range(%a: tensor<8x10xf32>, %i: tensor<8x1xi64>) {
  // expected-error @+1 {{'fusor.gather' op dim -1 is out of range for rank 2 (operands: 'tensor<8x10xf32>', 'tensor<8x1xi64>')}}
  %0 = fusor.gather %a, %i dim = -1 : tensor<8x10xf32>, tensor<8x1xi64> -> tensor<8x1xf32>
  return
}
// -----
// tests that a constant has a static shape
func.func @constant_dynamic() {
  // expected-error @+1 {{'fusor.constant' op result #0 must be statically shaped tensor of fusor dtype (f16, bf16, f32, f64, i1, i8, i32, i64) values, but got 'tensor<?xf32>'}}
  %0 = "fusor.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<?xf32>
  return
}
// -----
// tests that a constant's type is its value's
func.func @constant_type_mismatch() {
  // expected-error @+1 {{'fusor.constant' op failed to verify that all of {value, result} have same type}}
  %0 = "fusor.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<2xf16>
  return
}
