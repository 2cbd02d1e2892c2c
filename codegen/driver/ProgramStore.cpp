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

std::string keyOf(const Signature &signature, const char *what = "cpu program") {
  std::string key = std::string("fusor ") + what + "\nsources " + build::sourceDigest() + "\nLLVM " LLVM_VERSION_STRING "\n" +
                    codegen::CpuJit::get().hostId() + "\n";
  const std::vector<int64_t> &words = signature.words;
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

bool getPairs(const std::string &in, size_t &at, std::vector<std::pair<int, int>> &pairs) {
  int64_t count = 0;
  if (!getI64(in, at, count) || count < 0 || count > static_cast<int64_t>(in.size())) return false;
  for (int64_t i = 0; i < count; ++i) {
    int64_t a, b;
    if (!getI64(in, at, a) || !getI64(in, at, b)) return false;
    pairs.push_back({static_cast<int>(a), static_cast<int>(b)});
  }
  return true;
}

void putPairs(std::string &out, const std::vector<std::pair<int, int>> &pairs) {
  putI64(out, static_cast<int64_t>(pairs.size()));
  for (auto [a, b] : pairs) putI64(out, a), putI64(out, b);
}

}  // namespace

bool programStoreEnabled() { return store().enabled(); }

std::vector<std::pair<int, int>> loadDynamicDims(const Signature &structure) {
  std::vector<std::pair<int, int>> dims;
  runtime::DiskCache cache = store();
  if (!cache.enabled()) return dims;
  std::optional<std::string> value = cache.load(keyOf(structure, "dynamic dims"));
  size_t at = 0;
  if (!value || !getPairs(*value, at, dims) || at != value->size()) dims.clear();
  return dims;
}

void storeDynamicDims(const Signature &structure, const std::vector<std::pair<int, int>> &dims) {
  runtime::DiskCache cache = store();
  if (!cache.enabled()) return;
  std::string value;
  putPairs(value, dims);
  cache.store(keyOf(structure, "dynamic dims"), value);
}

// Value layout: the donations and the dynamic dims (a count, then pairs), then the object file.
std::optional<Compiled> loadStoredProgram(const Signature &signature) {
  runtime::DiskCache cache = store();
  if (!cache.enabled()) return std::nullopt;
  std::optional<std::string> value = cache.load(keyOf(signature));
  if (!value) return std::nullopt;
  Compiled compiled;
  size_t at = 0;
  if (!getPairs(*value, at, compiled.donations) || !getPairs(*value, at, compiled.dynamicDims)) return std::nullopt;
  std::string error;
  compiled.cpu = codegen::CpuJit::get().load(value->substr(at), error);
  if (!compiled.cpu) return std::nullopt;  // the checksum held, so a link error means a stale object: recompile
  return compiled;
}

void storeProgram(const Signature &signature, const Compiled &compiled, const std::string &object) {
  runtime::DiskCache cache = store();
  if (!cache.enabled() || object.empty()) return;
  std::string value;
  putPairs(value, compiled.donations);
  putPairs(value, compiled.dynamicDims);
  value += object;
  cache.store(keyOf(signature), value);
}

}  // namespace fusor::driver
