// fusor's C++ API: #include <fusor/fusor.h>.
#pragma once

#include "fusor/Autograd.h"
#include "fusor/Error.h"
#include "fusor/Functions.h"
#include "fusor/Jit.h"
#include "fusor/Serialize.h"
#include "fusor/Tensor.h"
#include "fusor/nn.h"
#include "fusor/optim.h"
#include "fusor/runtime/Threads.h"
#include "fusor/runtime/cuda/Devices.h"
