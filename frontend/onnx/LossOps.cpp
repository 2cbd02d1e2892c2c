// ONNX NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss on the tensor API.
#include "Node.h"
#include "fusor/Functions.h"

namespace fusor::onnx {
namespace {

// loss[n, d...] = -logProb[n, target[n, d...], d...] * weight[target], 0 where target is
// ignore_index; reduced by `reduction` (mean divides by the weights taken, not the count).
Tensor nllLoss(const Node &n, const Tensor &logProb, const Tensor &target, const Tensor *weight) {
  if (logProb.dim() < 2) n.fail("the input needs a class dim (rank 2 or more)");
  if (target.dim() != logProb.dim() - 1) n.fail("the target's rank must be the input's minus 1");
  Tensor labels = target.to(kInt64);
  Tensor taken = ones(sizesOf(labels), kBool);
  if (const auto *ignore = n.attr("ignore_index")) {
    taken = labels != ignore->i();
    labels = where(taken, labels, zeros({}, kInt64));  // any class: its loss is masked
  }
  Tensor picked = gather(logProb, 1, labels.unsqueeze(1)).squeeze(1);
  Tensor w = weight ? index_select(*weight, 0, labels.reshape({-1})).reshape(sizesOf(labels))
                    : ones(sizesOf(labels), logProb.dtype());
  w = where(taken, w, zeros({}, logProb.dtype()));
  Tensor loss = -picked * w;
  std::string reduction = n.s("reduction", "mean");
  if (reduction == "none") return loss;
  if (reduction == "sum") return loss.sum();
  if (reduction == "mean") return loss.sum() / w.sum();
  n.fail("reduction '" + reduction + "' is not none, sum or mean");
}

}  // namespace

void addLossHandlers(std::unordered_map<std::string, Handler> &h) {
  h["NegativeLogLikelihoodLoss"] = [](const Node &n) {
    Tensor weight = n.has(2) ? n.in(2) : Tensor();
    return one(nllLoss(n, n.in(0), n.in(1), n.has(2) ? &weight : nullptr));
  };
  h["SoftmaxCrossEntropyLoss"] = [](const Node &n) {
    Tensor scores = n.in(0);
    if (scores.dim() < 2) n.fail("the scores need a class dim (rank 2 or more)");
    Tensor logProb = log_softmax(scores, 1);
    Tensor weight = n.has(2) ? n.in(2) : Tensor();
    std::vector<Tensor> outs = {nllLoss(n, logProb, n.in(1), n.has(2) ? &weight : nullptr)};
    if (n.wantsOutput(1)) outs.push_back(logProb);
    return outs;
  };
}

}  // namespace fusor::onnx
