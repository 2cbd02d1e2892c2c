// The ONNX ops fusor imports, each as calls into the tensor API.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "fusor/Tensor.h"

namespace fusor::onnx {

struct NodeContext {
  const ::onnx::NodeProto &node;
  const std::unordered_map<std::string, Tensor> &values;
  int64_t opset;
};

// Runs one node; throws fusor::Error naming the op and node if it is not supported.
std::vector<Tensor> runOp(const NodeContext &ctx);

// Whether fusor imports ops of this type.
bool isSupported(const std::string &opType);

}  // namespace fusor::onnx
