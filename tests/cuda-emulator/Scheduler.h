// Runs an emulated kernel's grid: blocks one after another; a block's threads one after
// another, or as cooperative fibers (ucontext) when the kernel meets at barriers and warp
// shuffles, with deadlock detection (a barrier some threads never reach).
#pragma once

#include <string>

#include "Launch.h"

namespace fusor_emu {

// Runs `thread` for every thread of the launch's grid; an empty string, or what went wrong.
std::string runGrid(fusor_emu_launch &launch, fusor_emu_thread_fn thread, bool synchronizes);

}  // namespace fusor_emu
