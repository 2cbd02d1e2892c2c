// Building ONNX graphs in tests with the protobuf classes (ONNX_NAMESPACE=onnx).
#pragma once

#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

namespace fusor::testing {

// A node of `op` reading `inputs` and writing `output` (also its name).
inline ::onnx::NodeProto *addNode(::onnx::GraphProto &g, const std::string &op, std::vector<std::string> inputs,
                                const std::string &output) {
  ::onnx::NodeProto *node = g.add_node();
  node->set_op_type(op);
  node->set_name(output);
  for (auto &i : inputs) node->add_input(i);
  node->add_output(output);
  return node;
}

}  // namespace fusor::testing
