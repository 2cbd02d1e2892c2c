// Tensors changed in place whose new values are not computed yet (parameters, optimizer
// state, accumulated gradients). Any realization computes them too, in the same program: a
// train step that ends in loss.item() is one program, and the graphs behind parameters do
// not grow from step to step (as torch_xla syncs live tensors at a step).
#pragma once

#include <vector>

#include "fusor/Tensor.h"

namespace fusor::pending {

void note(const Tensor &t);

// Realizes `roots` and every pending tensor in one compile (per device).
void realize(std::vector<ir::Node *> roots);

}  // namespace fusor::pending
