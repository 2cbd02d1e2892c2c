// What the host side of a compiled CUDA program does, as data: allocations, kernel launches,
// GEMM calls and loops over a file of 64-bit registers. Built from the host function of the
// CUDA pipeline (codegen/cuda), run by cuda::Executable, and serializable for AOT libraries.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fusor::runtime::cuda {

struct Instruction {
  enum class Kind : uint8_t {
    Constant,  // dst = immediate (an integer, or a float's bits in the low bytes)
    Argument,  // dst = the address of argument buffer #immediate
    Global,    // dst = the address of constant #immediate
    Alloc,     // dst = a fresh device block of `immediate` bytes
    Free,      // releases operands[0]'s block
    Move,      // dst = operands[0]
    Add, Sub, Mul,  // dst = operands[0] op operands[1], as int64
    Copy,      // `immediate` bytes from operands[1]'s address to operands[0]'s
    Launch,    // kernel #immediate, grid operands[0..2], block [3..5], parameters [6..]
    Gemm,      // immediate = GemmType, operands as the GEMM entries' arguments (abi/Calls.h), then either
               // (19 operands, f32) the epilogue (abi::GemmEpilogueBits), the bias pointer
               // and offset, or (20) a batch count and A's, B's and C's batch strides
    Loop,      // for dst = operands[0]; dst < operands[1]; dst += operands[2]: body
  };
  Kind kind;
  int dst = -1;
  int64_t immediate = 0;
  std::vector<int> operands;
  // For Launch, the byte size of each parameter (4 for float/int, 8 for pointers, ...).
  std::vector<uint8_t> sizes;
  std::vector<Instruction> body;
};

enum class GemmType : int64_t { F32 = 0, F64 = 1 };

struct LaunchPlan {
  int registers = 0;
  int arguments = 0;  // inputs then outputs, as the CPU entry point takes them
  std::vector<Instruction> code;
  std::vector<std::string> kernels;  // names of the kernels in the CUDA source
  std::vector<std::string> globals;  // constants' bytes, uploaded when the program loads

  // A compact byte form (for AOT libraries), and back; `parse` throws fusor::Error on
  // malformed bytes.
  std::string serialize() const;
  static LaunchPlan parse(const std::string &bytes);
  // One instruction a line ("%3 = alloc 4096", "launch k0 grid(%1, %2, %2) ..."), for tests.
  std::string describe() const;
};

}  // namespace fusor::runtime::cuda
