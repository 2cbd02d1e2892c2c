// onnx.TensorProto <-> fusor tensors.
#pragma once

#include <onnx/onnx_pb.h>

#include "fusor/Tensor.h"

namespace fusor::onnx {

// The fusor dtype of an ONNX element type, or throws naming it.
DType dtypeOf(int onnxType, const std::string &context);
Tensor fromProto(const ::onnx::TensorProto &proto);

}  // namespace fusor::onnx
