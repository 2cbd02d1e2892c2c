// fusor-early-deallocs: each memref.dealloc of a buffer allocated in the same block moved up to
// just after the buffer's last use there, so that the caching allocator (HostAlloc.cpp) hands
// the block, its lines still in cache, to the next allocation it fits in the same run.
#include "fusor/passes/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::fusor {
#define GEN_PASS_DEF_FUSOREARLYDEALLOCS
#include "fusor/passes/Passes.h.inc"

namespace {

// The op of `block` after which `alloc` is no longer used, or null where that is not known: a
// use outside the block, or the dealloc itself not the last. What is derived from the buffer
// (views, its pointer as an integer, anything computed from those, memory they are stored
// in) counts as the buffer.
Operation *lastUseIn(Block *block, memref::AllocOp alloc, memref::DeallocOp dealloc) {
  Operation *last = alloc;
  SmallVector<Value> derived{alloc.getResult()};
  DenseSet<Value> seen{alloc.getResult()};
  while (!derived.empty()) {
    Value value = derived.pop_back_val();
    for (Operation *user : value.getUsers()) {
      if (user == dealloc) continue;
      Operation *at = block->findAncestorOpInBlock(*user);
      if (!at || at == dealloc || dealloc->isBeforeInBlock(at)) return nullptr;
      if (last->isBeforeInBlock(at)) last = at;
      for (Value result : user->getResults())
        if (seen.insert(result).second) derived.push_back(result);
      // Stored (its address into a runtime call's problem descriptor): whatever reads that
      // memory, the call, uses the buffer too.
      if (auto store = dyn_cast<memref::StoreOp>(user); store && store.getValueToStore() == value)
        if (seen.insert(store.getMemref()).second) derived.push_back(store.getMemref());
    }
  }
  return last;
}

struct EarlyDeallocsPass : impl::FusorEarlyDeallocsBase<EarlyDeallocsPass> {
  void runOnOperation() override {
    SmallVector<memref::DeallocOp> deallocs;
    getOperation().walk([&](memref::DeallocOp dealloc) { deallocs.push_back(dealloc); });
    for (memref::DeallocOp dealloc : deallocs) {
      auto alloc = dealloc.getMemref().getDefiningOp<memref::AllocOp>();
      Block *block = dealloc->getBlock();
      if (!alloc || alloc->getBlock() != block) continue;
      if (Operation *last = lastUseIn(block, alloc, dealloc); last && last->getNextNode() != dealloc)
        dealloc->moveAfter(last);
    }
  }
};

}  // namespace
}  // namespace mlir::fusor
