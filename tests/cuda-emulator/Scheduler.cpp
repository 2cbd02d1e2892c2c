#include "Scheduler.h"

#include <ucontext.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace fusor_emu {
namespace {

struct Fiber {
  ucontext_t context;
  std::vector<char> stack;
  fusor_emu_dim3 index;
  const unsigned *waitOn = nullptr;  // waiting while *waitOn == waitValue
  unsigned waitValue = 0;
  bool done = false;
};

struct Warp {
  unsigned lanes = 0, arrived = 0, generation = 0;
  uint64_t slots[32];
};

struct Block {
  fusor_emu_launch *launch;
  fusor_emu_thread_fn thread;
  std::vector<Fiber> fibers;
  std::vector<Warp> warps;
  unsigned arrived = 0, generation = 0;
  size_t current = 0;
  ucontext_t scheduler;
};

Block &blockOf(fusor_emu_launch *l) { return *static_cast<Block *>(l->scheduler); }

unsigned linearThread(const fusor_emu_launch &l) {
  return l.threadIndex.x + l.block.x * (l.threadIndex.y + l.block.y * l.threadIndex.z);
}

// Parks the running fiber until `*counter` moves on from `value`.
void waitWhile(Block &b, const unsigned *counter, unsigned value) {
  Fiber &f = b.fibers[b.current];
  f.waitOn = counter;
  f.waitValue = value;
  swapcontext(&f.context, &b.scheduler);
}

// A barrier of `count` participants: the last to arrive releases the others.
void arrive(Block &b, unsigned &arrived, unsigned &generation, unsigned count) {
  unsigned mine = generation;
  if (++arrived == count) {
    arrived = 0;
    ++generation;
    return;
  }
  waitWhile(b, &generation, mine);
}

void syncthreads(fusor_emu_launch *l) {
  Block &b = blockOf(l);
  arrive(b, b.arrived, b.generation, static_cast<unsigned>(b.fibers.size()));
}

uint64_t shuffleDown(fusor_emu_launch *l, uint64_t bits, int delta, int width) {
  Block &b = blockOf(l);
  unsigned tid = linearThread(*l);
  Warp &w = b.warps[tid / 32];
  unsigned lane = tid % 32;
  w.slots[lane] = bits;
  arrive(b, w.arrived, w.generation, w.lanes);
  uint64_t out = bits;
  unsigned source = lane + static_cast<unsigned>(delta);
  if (static_cast<int>(lane % static_cast<unsigned>(width)) + delta < width && source < w.lanes) out = w.slots[source];
  arrive(b, w.arrived, w.generation, w.lanes);  // every lane has read before the slots change
  return out;
}

Block *running = nullptr;  // for the fibers' entry, which takes no arguments

void fiberEntry() {
  Block &b = *running;
  b.thread(b.launch);
  b.fibers[b.current].done = true;
}

std::string runFibers(Block &b) {
  fusor_emu_launch &l = *b.launch;
  unsigned threads = l.block.x * l.block.y * l.block.z;
  b.fibers.resize(threads);
  b.warps.assign((threads + 31) / 32, Warp{});
  for (unsigned w = 0; w < b.warps.size(); ++w) b.warps[w].lanes = std::min(32u, threads - 32 * w);
  b.arrived = 0;
  for (unsigned t = 0; t < threads; ++t) {
    Fiber &f = b.fibers[t];
    f.stack.resize(64 * 1024);
    f.index = {t % l.block.x, (t / l.block.x) % l.block.y, t / (l.block.x * l.block.y)};
    f.done = false;
    f.waitOn = nullptr;
    getcontext(&f.context);
    f.context.uc_stack.ss_sp = f.stack.data();
    f.context.uc_stack.ss_size = f.stack.size();
    f.context.uc_link = &b.scheduler;
    makecontext(&f.context, fiberEntry, 0);
  }
  running = &b;
  // Passes alternate direction (odd blocks start backwards), so code that relies on thread 0
  // running first without a barrier between fails here too.
  bool backwards = (l.blockIndex.x + l.blockIndex.y + l.blockIndex.z) % 2 == 1;
  for (;; backwards = !backwards) {
    bool progressed = false, pending = false;
    for (size_t i = 0; i < threads; ++i) {
      size_t t = backwards ? threads - 1 - i : i;
      Fiber &f = b.fibers[t];
      if (f.done) continue;
      pending = true;
      if (f.waitOn && *f.waitOn == f.waitValue) continue;
      f.waitOn = nullptr;
      b.current = t;
      l.threadIndex = f.index;
      swapcontext(&b.scheduler, &f.context);
      progressed = true;
    }
    if (!pending) return "";
    if (!progressed)
      return "deadlock in block (" + std::to_string(l.blockIndex.x) + ", " + std::to_string(l.blockIndex.y) + ", " +
             std::to_string(l.blockIndex.z) + "): threads wait at a barrier or shuffle that others never reach";
  }
}

}  // namespace

std::string runGrid(fusor_emu_launch &l, fusor_emu_thread_fn thread, bool synchronizes) {
  Block b;
  b.launch = &l;
  b.thread = thread;
  l.syncthreads = syncthreads;
  l.shuffleDown = shuffleDown;
  l.scheduler = &b;
  for (unsigned z = 0; z < l.grid.z; ++z)
    for (unsigned y = 0; y < l.grid.y; ++y)
      for (unsigned x = 0; x < l.grid.x; ++x) {
        l.blockIndex = {x, y, z};
        if (synchronizes) {
          if (std::string error = runFibers(b); !error.empty()) return error;
          continue;
        }
        // Threads of odd blocks run last to first: no kernel may depend on the order.
        unsigned threads = l.block.x * l.block.y * l.block.z;
        bool backwards = (x + y + z) % 2 == 1;
        for (unsigned i = 0; i < threads; ++i) {
          unsigned t = backwards ? threads - 1 - i : i;
          l.threadIndex = {t % l.block.x, (t / l.block.x) % l.block.y, t / (l.block.x * l.block.y)};
          thread(&l);
        }
      }
  return "";
}

}  // namespace fusor_emu
