// Capture of the pending graph behind a set of roots, and its cache signature.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "fusor/ir/GraphToDialect.h"

namespace fusor::driver {

// Everything that decides the compiled code, flattened: op kinds, attributes, wiring and all
// types. Equal signatures compile to the same program.
struct Signature {
  std::vector<int64_t> words;
  size_t hash = 0;
  bool operator==(const Signature &other) const { return words == other.words; }
};

struct SignatureHash {
  size_t operator()(const Signature &s) const { return s.hash; }
};

struct CapturedProgram {
  ir::Program program;
  Signature signature;
  // Ids of the realized nodes it reads (inputs, empty constants), by the same numbering as
  // the walk stamps of its unrealized nodes.
  std::unordered_map<const ir::Node *, int64_t> realizedIds;
  // A node's id in program order: inputs first, then computed nodes.
  int64_t idOf(const ir::Node *n) const;
};

// Collects the unrealized nodes behind `roots` (which must be distinct). Threads may capture
// at once, their graphs sharing realized nodes (it stamps only the unrealized nodes it visits).
CapturedProgram capture(std::span<ir::Node *const> roots);

// Asks that `captured` compute each pair's output in its input's buffer where that is safe (a
// different program, so part of the signature).
void requestDonations(CapturedProgram &captured, std::vector<std::pair<int, int>> pairs);

// The signature without sizes and dtypes: programs that differ only in their inputs' shapes
// share it (used to explain recompiles, so computed only on a miss). Only on the thread that
// captured it, before it captures again.
Signature structureOf(const CapturedProgram &captured);

}  // namespace fusor::driver
