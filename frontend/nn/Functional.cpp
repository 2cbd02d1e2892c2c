// Dropout and losses.
#include "fusor/nn/Functional.h"

#include "../Trace.h"

namespace fusor::nn::functional {
namespace {

Tensor reduced(const Tensor &loss, std::string_view reduction, std::string_view op, const Where &where) {
  if (reduction == "mean") return loss.mean(where);
  if (reduction == "sum") return loss.sum(where);
  if (reduction == "none") return loss;
  trace::fail(op, "reduction must be \"mean\", \"sum\" or \"none\", not \"" + std::string(reduction) + "\"", {},
              where);
}

}  // namespace

Tensor dropout(const Tensor &x, double p, bool training, Where where) {
  trace::check(x, "dropout", where);
  if (p < 0 || p > 1) trace::fail("dropout", "p must be in [0, 1], got " + std::to_string(p), {&x}, where);
  if (!training || p == 0) return x;
  if (p == 1) return mul(x, 0.0, where);
  Tensor keep = ge(rand_like(x, where), scalar_tensor(p, x.dtype(), where), where);
  return fusor::where(keep, div(x, 1 - p, where), zeros_like(x, where), where);
}

Tensor mse_loss(const Tensor &input, const Tensor &target, std::string_view reduction, Where where) {
  Tensor d = sub(input, target, where);
  return reduced(mul(d, d, where), reduction, "mse_loss", where);
}

Tensor nll_loss(const Tensor &input, const Tensor &target, std::string_view reduction, int64_t ignore_index,
                Where where) {
  trace::check(input, "nll_loss", where);
  trace::check(target, "nll_loss", where);
  if (target.dtype() != kInt64 && target.dtype() != kInt32)
    trace::fail("nll_loss", "expects class indices (int64) as the target", {&input, &target}, where);
  bool batched = input.dim() == 2;
  if (!(batched && target.dim() == 1 && target.size(0) == input.size(0)) && !(input.dim() == 1 && target.dim() == 0))
    trace::fail("nll_loss", "expects input [N, C] with target [N], or input [C] with a rank-0 target",
                {&input, &target}, where);
  Tensor in = batched ? input : input.unsqueeze(0, where);
  Tensor tgt = batched ? target : target.reshape({1}, where);
  Tensor valid = ne(tgt, scalar_tensor(ignore_index, tgt.dtype(), where), where);
  Tensor safe = fusor::where(valid, tgt, zeros_like(tgt, where), where);
  Tensor picked = gather(in, 1, safe.unsqueeze(1, where), where).squeeze(1, where);
  Tensor weight = valid.to(in.dtype(), where);
  Tensor loss = neg(mul(picked, weight, where), where);
  if (reduction == "mean") return div(loss.sum(where), weight.sum(where), where);
  Tensor r = reduced(loss, reduction, "nll_loss", where);
  return batched || reduction != "none" ? r : r.reshape({}, where);
}

Tensor cross_entropy(const Tensor &input, const Tensor &target, std::string_view reduction, int64_t ignore_index,
                     Where where) {
  trace::check(input, "cross_entropy", where);
  return nll_loss(log_softmax(input, input.dim() == 1 ? 0 : 1, where), target, reduction, ignore_index, where);
}

Tensor binary_cross_entropy_with_logits(const Tensor &input, const Tensor &target, std::string_view reduction,
                                        Where where) {
  // max(x, 0) - x y + log(1 + exp(-|x|)): no overflow for large |x|.
  Tensor loss = add(sub(relu(input, where), mul(input, target, where), where),
                    log(add(exp(neg(abs(input, where), where), where), 1.0, where), where), where);
  return reduced(loss, reduction, "binary_cross_entropy_with_logits", where);
}

}  // namespace fusor::nn::functional
