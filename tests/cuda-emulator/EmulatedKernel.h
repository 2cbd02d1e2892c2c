// Included ahead of fusor's rendered CUDA C++ by the emulated NVRTC, so that the host C++
// compiler builds the kernels as they are: CUDA's built-ins map onto the driver's launch
// state (Launch.h), which runs blocks one after another and a block's threads as fibers
// (tests only). C headers only: this is compiled once per kernel module.
#pragma once

#include <string.h>

#include "Launch.h"

// libm's functions the renderer calls, declared rather than taken from <math.h> (which costs
// more to compile than most kernels).
extern "C" {
#define FUSOR_EMU_MATH(name) float name##f(float); double name(double);
FUSOR_EMU_MATH(exp) FUSOR_EMU_MATH(log) FUSOR_EMU_MATH(sqrt) FUSOR_EMU_MATH(tanh) FUSOR_EMU_MATH(sin)
FUSOR_EMU_MATH(cos) FUSOR_EMU_MATH(erf) FUSOR_EMU_MATH(erfc) FUSOR_EMU_MATH(floor) FUSOR_EMU_MATH(ceil) FUSOR_EMU_MATH(fabs)
#undef FUSOR_EMU_MATH
float powf(float, float);
double pow(double, double);
float fmaf(float, float, float);
double fma(double, double, double);
}

#define __global__
#define __device__
#define __forceinline__ inline
#define __restrict__ __restrict
// One block runs at a time, so a function-local static is the block's shared memory.
#define __shared__ static

static fusor_emu_launch *fusor_emu_current;

#define threadIdx (fusor_emu_current->threadIndex)
#define blockIdx (fusor_emu_current->blockIndex)
#define blockDim (fusor_emu_current->block)
#define gridDim (fusor_emu_current->grid)

inline void __syncthreads() { fusor_emu_current->syncthreads(fusor_emu_current); }
template <typename T>
T __shfl_down_sync(unsigned, T value, int delta, int width = 32) {
  static_assert(sizeof(T) <= 8, "shuffles move at most 64 bits");
  uint64_t bits = 0;
  memcpy(&bits, &value, sizeof(T));
  bits = fusor_emu_current->shuffleDown(fusor_emu_current, bits, delta, width);
  memcpy(&value, &bits, sizeof(T));
  return value;
}

inline float __int_as_float(int v) { float f; memcpy(&f, &v, 4); return f; }
inline float __uint_as_float(unsigned v) { float f; memcpy(&f, &v, 4); return f; }
inline unsigned __float_as_uint(float f) { unsigned v; memcpy(&v, &f, 4); return v; }
inline double __longlong_as_double(long long v) { double d; memcpy(&d, &v, 8); return d; }
inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline double rsqrt(double x) { return 1.0 / sqrt(x); }

struct alignas(16) float4 { float x, y, z, w; };
struct alignas(16) int4 { int x, y, z, w; };
struct alignas(16) double2 { double x, y; };
struct alignas(16) longlong2 { long long x, y; };
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
inline int4 make_int4(int x, int y, int z, int w) { return {x, y, z, w}; }
inline double2 make_double2(double x, double y) { return {x, y}; }
inline longlong2 make_longlong2(long long x, long long y) { return {x, y}; }

// Calls `kernel` with cuLaunchKernel's parameters, each read as the type the kernel takes.
template <unsigned... I>
struct fusor_emu_indices {};
template <unsigned N, unsigned... I>
struct fusor_emu_make_indices : fusor_emu_make_indices<N - 1, N - 1, I...> {};
template <unsigned... I>
struct fusor_emu_make_indices<0, I...> {
  using type = fusor_emu_indices<I...>;
};
template <typename... A, unsigned... I>
void fusor_emu_call(void (*kernel)(A...), void **params, fusor_emu_indices<I...>) {
  kernel(*static_cast<A *>(params[I])...);
}
template <typename... A>
void fusor_emu_run_thread(void (*kernel)(A...), fusor_emu_launch *launch) {
  fusor_emu_current = launch;
  fusor_emu_call(kernel, launch->params, typename fusor_emu_make_indices<sizeof...(A)>::type{});
}
