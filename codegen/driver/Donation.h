// Which outputs of a compiled CPU program may be written into an input's buffer ("donation",
// as XLA's input_output_alias), so a train step updates parameters and optimizer state in
// place. Decided on the loops stage, conservatively: anything it cannot prove is not donated.
#pragma once

#include <utility>
#include <vector>

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace fusor::driver {

// Of the requested (input, output) argument pairs of `func` (its arguments are its inputs,
// then its outputs), those where the output may be computed in the input's buffer, and makes it so (the
// output's uses take the input's argument; LLVM then sees one pointer and needs no overlap
// checks): the output is written by one scalar store whose iterations write distinct elements
// (and read anywhere: its own values), and the input is read only before that store's loop
// nest or, inside it, at the same indices just before the store. Returns the pairs done.
std::vector<std::pair<int, int>> donateInPlace(mlir::func::FuncOp func, const std::vector<std::pair<int, int>> &requested);

}  // namespace fusor::driver
