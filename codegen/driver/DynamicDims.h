// Automatic dynamic dims: a program compiled with some input sizes left `?` serves every later
// value of them. The driver decides which input dims are dynamic (those that took a second
// value for one graph structure, or that the user marked); this file works out the `?` sizes
// that follow through the graph's nodes, and whether the backends can lower them.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fusor/driver/Program.h"

namespace fusor::driver {

// Sizes per capture id (inputs, then nodes), shape::kDynamic for `?`.
using SizePattern = std::vector<std::vector<int64_t>>;

// The sizes of `captured` with its `dynamicInputs` (input index, dim) made `?` and every node
// size that follows from them `?`; nullopt, with the reason in `why`, where some node cannot
// take them yet, or where a `?` size would stretch against another in this capture (that is
// a different program: one compiled for these sizes serves it).
std::optional<SizePattern> propagateDynamicSizes(const CapturedProgram &captured,
                                                 const std::vector<std::pair<int, int>> &dynamicInputs,
                                                 std::string &why);

// The signature of `captured` compiled with `pattern`'s sizes (its donations too).
Signature patternSignature(const CapturedProgram &captured, const SizePattern &pattern);

}  // namespace fusor::driver
