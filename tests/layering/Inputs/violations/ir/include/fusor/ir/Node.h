// One violation: ir includes the driver.
#include "fusor/driver/Compiler.h"
#include "fusor/runtime/abi/Calls.h"
