#include "ProgramStore.h"

#include <cstring>

#include "fusor/codegen/CpuJit.h"
#include "fusor/runtime/DiskCache.h"
#include "llvm/Config/llvm-config.h"

namespace fusor::build {
const char *sourceDigest();  // generated: tools/cmake/SourceDigest.cmake
}

namespace fusor::driver {
namespace {

runtime::DiskCache store() { return runtime::DiskCache::forKind("cpu"); }

std::string keyOf(const CapturedProgram &captured) {
  std::string key = std::string("fusor cpu program\nsources ") + build::sourceDigest() + "\nLLVM " LLVM_VERSION_STRING "\n" +
                    codegen::CpuJit::get().hostId() + "\n";
  const std::vector<int64_t> &words = captured.signature.words;
  key.append(reinterpret_cast<const char *>(words.data()), words.size() * sizeof(int64_t));
  return key;
}

void putI64(std::string &out, int64_t v) { out.append(reinterpret_cast<const char *>(&v), sizeof v); }

bool getI64(const std::string &in, size_t &at, int64_t &v) {
  if (at + sizeof v > in.size()) return false;
  std::memcpy(&v, in.data() + at, sizeof v);
  at += sizeof v;
  return true;
}

}  // namespace

bool programStoreEnabled() { return store().enabled(); }

// Value layout: the number of donations, each (input, output), then the object file.
std::optional<Compiled> loadStoredProgram(const CapturedProgram &captured) {
  runtime::DiskCache cache = store();
  if (!cache.enabled()) return std::nullopt;
  std::optional<std::string> value = cache.load(keyOf(captured));
  if (!value) return std::nullopt;
  Compiled compiled;
  size_t at = 0;
  int64_t count = 0;
  if (!getI64(*value, at, count) || count < 0 || count > static_cast<int64_t>(value->size())) return std::nullopt;
  for (int64_t i = 0; i < count; ++i) {
    int64_t in, out;
    if (!getI64(*value, at, in) || !getI64(*value, at, out)) return std::nullopt;
    compiled.donations.push_back({static_cast<int>(in), static_cast<int>(out)});
  }
  std::string error;
  compiled.cpu = codegen::CpuJit::get().load(value->substr(at), error);
  if (!compiled.cpu) return std::nullopt;  // the checksum held, so a link error means a stale object: recompile
  return compiled;
}

void storeProgram(const CapturedProgram &captured, const Compiled &compiled, const std::string &object) {
  runtime::DiskCache cache = store();
  if (!cache.enabled() || object.empty()) return;
  std::string value;
  putI64(value, static_cast<int64_t>(compiled.donations.size()));
  for (auto [in, out] : compiled.donations) putI64(value, in), putI64(value, out);
  value += object;
  cache.store(keyOf(captured), value);
}

}  // namespace fusor::driver
