// fusor::nn: modules, layers and fusor::nn::functional (fusor::F).
#pragma once

#include "fusor/nn/Functional.h"
#include "fusor/nn/Module.h"
#include "fusor/nn/Modules.h"
