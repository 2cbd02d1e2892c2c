#include "Donation.h"

#include <set>

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace fusor::driver {
namespace {

using namespace mlir;

// The op directly in `body` that holds `op`.
Operation *topLevel(Operation *op, Block &body) {
  while (op && op->getBlock() != &body) op = op->getParentOp();
  return op;
}

// Whether `v` is an induction variable of a loop (not a loop-carried value).
bool isInductionVar(Value v) {
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg) return false;
  Operation *owner = arg.getOwner()->getParentOp();
  if (auto loop = dyn_cast<scf::ForOp>(owner)) return v == loop.getInductionVar();
  if (auto loop = dyn_cast<scf::ParallelOp>(owner)) return llvm::is_contained(loop.getInductionVars(), v);
  if (auto loop = dyn_cast<omp::LoopNestOp>(owner)) return llvm::is_contained(loop.getIVs(), v);
  return false;
}

// A store whose iterations write distinct elements: its indices are distinct induction
// variables, and every loop around it (up to `top`) has all of its own among them.
bool storesDistinctElements(memref::StoreOp store, Operation *top) {
  std::set<void *> indices;
  for (Value i : store.getIndices()) {
    if (!isInductionVar(i) || !indices.insert(i.getAsOpaquePointer()).second) return false;
  }
  bool shared = false;  // inside a workshared loop: each thread runs other iterations
  for (Operation *op = store->getParentOp(); op; op = op->getParentOp()) {
    SmallVector<Value> ivs;
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      ivs.push_back(loop.getInductionVar());
    } else if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
      llvm::append_range(ivs, loop.getInductionVars());
    } else if (auto loop = dyn_cast<omp::LoopNestOp>(op)) {
      llvm::append_range(ivs, loop.getIVs());
      shared = true;
    } else if (isa<omp::ParallelOp>(op) && !shared) {
      return false;  // every thread would run it
    } else if (!isa<omp::WsloopOp, omp::ParallelOp, scf::IfOp>(op)) {
      return false;  // may repeat its body
    }
    for (Value iv : ivs)
      if (!indices.count(iv.getAsOpaquePointer())) return false;
    if (op == top) break;
  }
  return true;
}

// Every op (in the function body) that a pointer taken from a buffer reaches, through index
// arithmetic, up to the calls that use it.
bool pointerUsesBefore(Operation *extract, Operation *limit, Block &body) {
  SmallVector<Operation *> work{extract};
  while (!work.empty()) {
    Operation *op = work.pop_back_val();
    for (Operation *user : op->getUsers()) {
      Operation *top = topLevel(user, body);
      if (!top || !top->isBeforeInBlock(limit)) return false;
      if (user->getNumResults()) work.push_back(user);
    }
  }
  return true;
}

}  // namespace

std::vector<std::pair<int, int>> donateInPlace(func::FuncOp func, const std::vector<std::pair<int, int>> &requested) {
  std::vector<std::pair<int, int>> done;
  if (func.getBody().getBlocks().size() != 1 || func.getNumResults() != 0) return done;
  Block &body = func.getBody().front();
  std::set<unsigned> used;
  for (auto [inIndex, outIndex] : requested) {
    unsigned in = static_cast<unsigned>(inIndex), out = static_cast<unsigned>(outIndex);
    if (out >= func.getNumArguments() || in >= out || used.count(in) || used.count(out)) continue;
    Value input = func.getArgument(in), output = func.getArgument(out);
    if (input.getType() != output.getType()) continue;
    // The output: written only by stores, all in one top-level op.
    Operation *writer = nullptr;
    SmallVector<memref::StoreOp> stores;
    bool safe = true;
    for (Operation *user : output.getUsers()) {
      if (isa<memref::LoadOp>(user)) continue;  // reading its own new values: aliasing changes nothing
      auto store = dyn_cast<memref::StoreOp>(user);
      Operation *top = topLevel(user, body);
      if (!store || store.getMemRef() != output || (writer && top != writer)) {
        safe = false;
        break;
      }
      writer = top;
      stores.push_back(store);
    }
    // One store: two could write, in one iteration, what another iteration reads.
    if (!safe || stores.size() != 1 || !storesDistinctElements(stores.front(), writer)) continue;
    memref::StoreOp store = stores.front();
    for (Operation *user : input.getUsers()) {
      Operation *top = topLevel(user, body);
      if (auto load = dyn_cast<memref::LoadOp>(user)) {
        if (top->isBeforeInBlock(writer)) continue;
        // In the writing nest: only at the indices its store then writes, in the same block.
        safe = top == writer && store->getBlock() == load->getBlock() && load->isBeforeInBlock(store) &&
               llvm::equal(store.getIndices(), load.getIndices());
      } else if (isa<memref::ExtractAlignedPointerAsIndexOp>(user)) {
        safe = pointerUsesBefore(user, writer, body);  // a runtime call reading it, earlier
      } else {
        safe = false;
      }
      if (!safe) break;
    }
    if (!safe) continue;
    output.replaceAllUsesWith(input);
    used.insert(in);
    used.insert(out);
    done.push_back({inIndex, outIndex});
  }
  return done;
}

}  // namespace fusor::driver
