// fusor::nn::functional (also fusor::F): activations, layers and losses as functions, as
// torch::nn::functional. Losses take a reduction of "mean" (default), "sum" or "none".
#pragma once

#include <string_view>

#include "fusor/Functions.h"

namespace fusor::nn::functional {

using fusor::conv2d;
using fusor::gelu;
using fusor::linear;
using fusor::relu;

// Zeroes elements with probability p and scales the rest by 1 / (1 - p) while training; the
// identity otherwise. The mask comes from the generator manual_seed seeds.
Tensor dropout(const Tensor &x, double p = 0.5, bool training = true, Where where = Where::current());

Tensor mse_loss(const Tensor &input, const Tensor &target, std::string_view reduction = "mean",
                Where where = Where::current());
// input [N, C] (or [C]) log-probabilities, target [N] class indices (int64); targets equal
// to ignore_index add nothing and do not count towards the mean.
Tensor nll_loss(const Tensor &input, const Tensor &target, std::string_view reduction = "mean",
                int64_t ignore_index = -100, Where where = Where::current());
// log_softmax over dim 1, then nll_loss.
Tensor cross_entropy(const Tensor &input, const Tensor &target, std::string_view reduction = "mean",
                     int64_t ignore_index = -100, Where where = Where::current());
Tensor binary_cross_entropy_with_logits(const Tensor &input, const Tensor &target,
                                        std::string_view reduction = "mean",
                                        Where where = Where::current());

}  // namespace fusor::nn::functional

namespace fusor {
namespace F = nn::functional;
}
