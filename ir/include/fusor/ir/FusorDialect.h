// The fusor MLIR dialect.
#pragma once

#include "mlir/IR/Dialect.h"

#include "fusor/ir/FusorDialect.h.inc"
