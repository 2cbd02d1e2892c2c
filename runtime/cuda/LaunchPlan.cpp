#include "fusor/runtime/cuda/LaunchPlan.h"

#include <cstring>

#include "fusor/Error.h"

namespace fusor::runtime::cuda {
namespace {

constexpr uint32_t kMagic = 0x46555350;  // "FUSP"

class Writer {
 public:
  void word(int64_t v) { bytes_.append(reinterpret_cast<const char *>(&v), sizeof v); }
  void text(const std::string &s) {
    word(static_cast<int64_t>(s.size()));
    bytes_ += s;
  }
  void instructions(const std::vector<Instruction> &code) {
    word(static_cast<int64_t>(code.size()));
    for (const Instruction &i : code) {
      word(static_cast<int64_t>(i.kind));
      word(i.dst);
      word(i.immediate);
      word(static_cast<int64_t>(i.operands.size()));
      for (int o : i.operands) word(o);
      text(std::string(i.sizes.begin(), i.sizes.end()));
      instructions(i.body);
    }
  }
  std::string take() { return std::move(bytes_); }

 private:
  std::string bytes_;
};

class Reader {
 public:
  explicit Reader(const std::string &bytes) : bytes_(bytes) {}
  int64_t word() {
    if (bytes_.size() - at_ < sizeof(int64_t)) bad();
    int64_t v;
    std::memcpy(&v, bytes_.data() + at_, sizeof v);
    at_ += sizeof v;
    return v;
  }
  // A count that the remaining bytes could hold, each item taking at least `itemBytes`.
  size_t count(size_t itemBytes) {
    int64_t n = word();
    if (n < 0 || static_cast<size_t>(n) > (bytes_.size() - at_) / itemBytes) bad();
    return static_cast<size_t>(n);
  }
  std::string text() {
    size_t n = count(1);
    std::string s = bytes_.substr(at_, n);
    at_ += n;
    return s;
  }
  std::vector<Instruction> instructions(int registers, int depth) {
    if (depth > 64) bad();
    std::vector<Instruction> code(count(6 * sizeof(int64_t)));
    for (Instruction &i : code) {
      int64_t kind = word();
      if (kind < 0 || kind > static_cast<int64_t>(Instruction::Kind::Loop)) bad();
      i.kind = static_cast<Instruction::Kind>(kind);
      i.dst = reg(registers, /*optional=*/true);
      i.immediate = word();
      i.operands.resize(count(sizeof(int64_t)));
      for (int &o : i.operands) o = reg(registers, false);
      std::string sizes = text();
      i.sizes.assign(sizes.begin(), sizes.end());
      i.body = instructions(registers, depth + 1);
    }
    return code;
  }
  bool done() const { return at_ == bytes_.size(); }
  [[noreturn]] static void bad() { throw Error("fusor: malformed CUDA launch plan"); }

 private:
  int reg(int registers, bool optional) {
    int64_t r = word();
    if (r >= registers || r < (optional ? -1 : 0)) bad();
    return static_cast<int>(r);
  }
  const std::string &bytes_;
  size_t at_ = 0;
};

// Operand counts and immediates that the executor relies on.
bool wellFormed(const Instruction &i, const LaunchPlan &plan) {
  using K = Instruction::Kind;
  size_t n = i.operands.size();
  bool needsDst = i.kind != K::Free && i.kind != K::Copy && i.kind != K::Launch && i.kind != K::Gemm;
  if (needsDst != (i.dst >= 0)) return false;
  if (i.kind != K::Loop && !i.body.empty()) return false;
  if (i.kind != K::Launch && !i.sizes.empty()) return false;
  switch (i.kind) {
    case K::Constant: return n == 0;
    case K::Argument: return n == 0 && i.immediate >= 0 && i.immediate < plan.arguments;
    case K::Global:
      return n == 0 && i.immediate >= 0 && i.immediate < static_cast<int64_t>(plan.globals.size());
    case K::Alloc: return n == 0 && i.immediate >= 0;
    case K::Free: case K::Move: return n == 1;
    case K::Add: case K::Sub: case K::Mul: return n == 2;
    case K::Copy: return n == 2 && i.immediate >= 0;
    case K::Launch:
      if (n < 6 || i.sizes.size() != n - 6) return false;
      for (uint8_t size : i.sizes)
        if (size != 1 && size != 2 && size != 4 && size != 8) return false;
      return i.immediate >= 0 && i.immediate < static_cast<int64_t>(plan.kernels.size());
    case K::Gemm: return (n == 16 || n == 20 || (n == 19 && i.immediate == 0)) && (i.immediate == 0 || i.immediate == 1);
    case K::Loop:
      for (const Instruction &inner : i.body)
        if (!wellFormed(inner, plan)) return false;
      return n == 3;
  }
  return false;
}

void describeCode(std::string &out, const std::vector<Instruction> &code,
                  const std::vector<std::string> &kernels, int depth) {
  using K = Instruction::Kind;
  auto r = [](int reg) {
    std::string name = "%";  // appended, not `"%" + ...`: GCC 12 warns on that (-Wrestrict)
    name += std::to_string(reg);
    return name;
  };
  auto list = [&](const std::vector<int> &regs, size_t from, size_t to) {
    std::string s;
    for (size_t i = from; i < to; ++i) s += (i > from ? ", " : "") + r(regs[i]);
    return s;
  };
  for (const Instruction &i : code) {
    out += std::string(2 * depth, ' ');
    if (i.dst >= 0 && i.kind != K::Loop) out += r(i.dst) + " = ";
    const std::vector<int> &o = i.operands;
    std::string imm = std::to_string(i.immediate);
    switch (i.kind) {
      case K::Constant: out += "const " + imm; break;
      case K::Argument: out += "arg " + imm; break;
      case K::Global: out += "global " + imm; break;
      case K::Alloc: out += "alloc " + imm; break;
      case K::Free: out += "free " + r(o[0]); break;
      case K::Move: out += "move " + r(o[0]); break;
      case K::Add: out += "add " + r(o[0]) + ", " + r(o[1]); break;
      case K::Sub: out += "sub " + r(o[0]) + ", " + r(o[1]); break;
      case K::Mul: out += "mul " + r(o[0]) + ", " + r(o[1]); break;
      case K::Copy: out += "copy " + r(o[0]) + " <- " + r(o[1]) + ", " + imm + " bytes"; break;
      case K::Launch:
        out += "launch " + kernels[i.immediate] + " grid(" + list(o, 0, 3) + ") block(" +
               list(o, 3, 6) + ") args(" + list(o, 6, o.size()) + ")";
        break;
      case K::Gemm: out += std::string("gemm.") + (i.immediate ? "f64" : "f32") + " " + list(o, 0, o.size()); break;
      case K::Loop:
        out += "for " + r(i.dst) + " = " + r(o[0]) + " to " + r(o[1]) + " step " + r(o[2]) + " {\n";
        describeCode(out, i.body, kernels, depth + 1);
        out += std::string(2 * depth, ' ') + "}";
        break;
    }
    out += "\n";
  }
}

}  // namespace

std::string LaunchPlan::describe() const {
  std::string out = "launch plan: " + std::to_string(arguments) + " arguments, " +
                    std::to_string(registers) + " registers, " + std::to_string(globals.size()) +
                    " constants\n";
  describeCode(out, code, kernels, 0);
  return out;
}

std::string LaunchPlan::serialize() const {
  Writer w;
  w.word(kMagic);
  w.word(registers);
  w.word(arguments);
  w.word(static_cast<int64_t>(kernels.size()));
  for (const std::string &k : kernels) w.text(k);
  w.word(static_cast<int64_t>(globals.size()));
  for (const std::string &g : globals) w.text(g);
  w.instructions(code);
  return w.take();
}

LaunchPlan LaunchPlan::parse(const std::string &bytes) {
  Reader r(bytes);
  if (r.word() != kMagic) Reader::bad();
  LaunchPlan plan;
  int64_t registers = r.word(), arguments = r.word();
  if (registers < 0 || registers > (1 << 20) || arguments < 0 || arguments > (1 << 20)) Reader::bad();
  plan.registers = static_cast<int>(registers);
  plan.arguments = static_cast<int>(arguments);
  plan.kernels.resize(r.count(sizeof(int64_t)));
  for (std::string &k : plan.kernels) k = r.text();
  plan.globals.resize(r.count(sizeof(int64_t)));
  for (std::string &g : plan.globals) g = r.text();
  plan.code = r.instructions(plan.registers, 0);
  if (!r.done()) Reader::bad();
  for (const Instruction &i : plan.code)
    if (!wellFormed(i, plan)) Reader::bad();
  return plan;
}

}  // namespace fusor::runtime::cuda
