// One ONNX node as the op handlers see it: inputs, attributes, located errors.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "Ops.h"

namespace fusor::onnx {

// Inputs, attributes and errors of one node.
class Node {
 public:
  explicit Node(const NodeContext &c) : c_(c) {}

  [[noreturn]] void fail(const std::string &why) const {
    throw Error("fusor::onnx: " + c_.node.op_type() + " (node '" + c_.node.name() + "'): " + why);
  }
  int64_t opset() const { return c_.opset; }
  size_t inputs() const { return c_.node.input_size(); }
  bool has(int i) const { return i < c_.node.input_size() && !c_.node.input(i).empty(); }
  Tensor in(int i) const {
    if (!has(i)) fail("input " + std::to_string(i) + " is missing");
    auto it = c_.values.find(c_.node.input(i));
    if (it == c_.values.end()) fail("input '" + c_.node.input(i) + "' is not defined before it");
    return it->second;
  }
  const ::onnx::NodeProto &node() const { return c_.node; }
  bool wantsOutput(int i) const { return i < c_.node.output_size() && !c_.node.output(i).empty(); }

  const ::onnx::AttributeProto *attr(const std::string &name) const {
    for (const auto &a : c_.node.attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  int64_t i(const std::string &name, int64_t fallback) const {
    const auto *a = attr(name);
    return a ? a->i() : fallback;
  }
  float f(const std::string &name, float fallback) const {
    const auto *a = attr(name);
    return a ? a->f() : fallback;
  }
  std::string s(const std::string &name, const std::string &fallback) const {
    const auto *a = attr(name);
    return a ? a->s() : fallback;
  }
  std::optional<std::vector<int64_t>> ints(const std::string &name) const {
    const auto *a = attr(name);
    if (!a) return std::nullopt;
    return std::vector<int64_t>(a->ints().begin(), a->ints().end());
  }
  // `value` as a dim of a tensor of rank `rank` (negative counts from the end), checked.
  int64_t axis(int64_t value, int64_t rank) const {
    if (value < -rank || value >= rank)
      fail("axis " + std::to_string(value) + " is out of range for rank " + std::to_string(rank));
    return value < 0 ? value + rank : value;
  }
  // Integer values of input i (a shape or axes tensor), read now: fusor specializes on them.
  std::vector<int64_t> values(int i) const { return in(i).to(kInt64).to_vector<int64_t>(); }
  // Axes given as an attribute (older opsets) or as input `index` (newer ones).
  std::optional<std::vector<int64_t>> axes(int index, int64_t inputSince) const {
    if (opset() >= inputSince) {
      if (has(index)) return values(index);
      return std::nullopt;
    }
    return ints("axes");
  }

 private:
  const NodeContext &c_;
};

using Handler = std::function<std::vector<Tensor>(const Node &)>;
inline std::vector<Tensor> one(Tensor t) { return {std::move(t)}; }
inline std::vector<int64_t> sizesOf(const Tensor &t) { return {t.sizes().begin(), t.sizes().end()}; }

// Conv, MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, BatchNormalization.
void addWindowHandlers(std::unordered_map<std::string, Handler> &handlers);

// HardSigmoid, HardSwish, Elu, Celu, Selu, ThresholdedRelu, Softplus, Softsign, Mish, Shrink,
// PRelu, Sign, IsNaN, IsInf, Tan, Sinh, Cosh.
void addActivationHandlers(std::unordered_map<std::string, Handler> &handlers);

// NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss.
void addLossHandlers(std::unordered_map<std::string, Handler> &handlers);

// Tile, DepthToSpace, SpaceToDepth, EyeLike, OneHot.
void addIndexHandlers(std::unordered_map<std::string, Handler> &handlers);

// Pad.
void addPadHandler(std::unordered_map<std::string, Handler> &handlers);

// ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceSumSquare, ReduceL1, ReduceL2,
// ReduceLogSum, ReduceLogSumExp, ArgMax, ArgMin, CumSum, CumProd, RMSNormalization,
// LpNormalization, Hardmax.
void addReduceHandlers(std::unordered_map<std::string, Handler> &handlers);


}  // namespace fusor::onnx
