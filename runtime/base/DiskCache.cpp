#include "fusor/runtime/DiskCache.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace fusor::runtime {
namespace {

constexpr char kMagic[8] = {'F', 'U', 'S', 'O', 'R', 'C', '1', '\n'};

uint64_t fnv1a(const std::string &s, uint64_t seed = 1469598103934665603ull) {
  uint64_t h = seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

void putU64(std::string &out, uint64_t v) { out.append(reinterpret_cast<const char *>(&v), 8); }

bool getU64(const std::string &in, size_t &at, uint64_t &v) {
  if (at + 8 > in.size()) return false;
  std::memcpy(&v, in.data() + at, 8);
  at += 8;
  return true;
}

}  // namespace

DiskCache DiskCache::forKind(const std::string &kind) {
  if (const char *dir = std::getenv("FUSOR_CACHE_DIR"); dir && *dir)
    return DiskCache(std::filesystem::path(dir) / kind);
  const char *home = std::getenv("HOME");
  return DiskCache(std::filesystem::path(home && *home ? home : "/tmp") / ".cache" / "fusor" / kind);
}

std::filesystem::path DiskCache::pathFor(const std::string &key) const {
  char name[40];
  std::snprintf(name, sizeof name, "%016llx%016llx.bin", static_cast<unsigned long long>(fnv1a(key)),
                static_cast<unsigned long long>(fnv1a(key, 0x9e3779b97f4a7c15ull)));
  return dir_ / name;
}

// Layout: magic, key size, key, value size, value, FNV-1a of the value.
std::optional<std::string> DiskCache::load(const std::string &key) const {
  std::ifstream file(pathFor(key), std::ios::binary);
  if (!file) return std::nullopt;
  std::stringstream buffer;
  buffer << file.rdbuf();
  std::string data = buffer.str();
  if (data.size() < sizeof kMagic || std::memcmp(data.data(), kMagic, sizeof kMagic)) return std::nullopt;
  size_t at = sizeof kMagic;
  uint64_t keySize, valueSize, checksum;
  if (!getU64(data, at, keySize) || keySize > data.size() - at || data.compare(at, keySize, key) != 0 ||
      keySize != key.size())
    return std::nullopt;
  at += keySize;
  if (!getU64(data, at, valueSize) || valueSize > data.size() - at) return std::nullopt;
  std::string value = data.substr(at, valueSize);
  at += valueSize;
  if (!getU64(data, at, checksum) || checksum != fnv1a(value) || at != data.size()) return std::nullopt;
  return value;
}

void DiskCache::store(const std::string &key, const std::string &value) const {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return;
  std::string data(kMagic, sizeof kMagic);
  putU64(data, key.size());
  data += key;
  putU64(data, value.size());
  data += value;
  putU64(data, fnv1a(value));
  std::filesystem::path target = pathFor(key);
  std::filesystem::path temp = target;
  temp += ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out.write(data.data(), static_cast<std::streamsize>(data.size()))) return;
  }
  std::filesystem::rename(temp, target, ec);
  if (ec) std::filesystem::remove(temp, ec);
}

}  // namespace fusor::runtime
