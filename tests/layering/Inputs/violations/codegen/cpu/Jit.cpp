// No violation: codegen includes passes, ir and the runtime.
#include "fusor/passes/Passes.h"
#include "fusor/runtime/abi/Entries.h"
