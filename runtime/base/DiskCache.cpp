#include "fusor/runtime/DiskCache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <vector>

namespace fusor::runtime {
namespace fs = std::filesystem;
namespace {

constexpr char kMagic[8] = {'F', 'U', 'S', 'O', 'R', 'C', '2', '\n'};
constexpr uint64_t kDefaultMaxBytes = uint64_t(1) << 30;
// Stores between two scans of the store's size (docs/architecture.md: the disk cache).
constexpr uint64_t kRescanEvery = 256;
// A temporary file this old was left by a process that died while writing it.
constexpr auto kStaleTemporary = std::chrono::hours(1);

uint64_t fnv1a(const char *data, size_t size, uint64_t seed = 1469598103934665603ull) {
  uint64_t h = seed;
  for (size_t i = 0; i < size; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ull;
  }
  return h;
}
uint64_t fnv1a(const std::string &s, uint64_t seed = 1469598103934665603ull) {
  return fnv1a(s.data(), s.size(), seed);
}

void putU64(std::string &out, uint64_t v) { out.append(reinterpret_cast<const char *>(&v), 8); }

bool getU64(const std::string &in, size_t &at, uint64_t &v) {
  if (at + 8 > in.size()) return false;
  std::memcpy(&v, in.data() + at, 8);
  at += 8;
  return true;
}

// "512M" -> bytes; nullopt if it does not parse.
std::optional<uint64_t> parseSize(const char *text) {
  char *end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(text, &end, 10);
  if (errno || end == text) return std::nullopt;
  uint64_t scale = 1;
  switch (*end) {
    case 'k': case 'K': scale = uint64_t(1) << 10, ++end; break;
    case 'm': case 'M': scale = uint64_t(1) << 20, ++end; break;
    case 'g': case 'G': scale = uint64_t(1) << 30, ++end; break;
    default: break;
  }
  if (*end == 'B' || *end == 'b') ++end;
  if (*end) return std::nullopt;
  return value * scale;
}

uint64_t maxBytesFromEnvironment() {
  const char *text = std::getenv("FUSOR_CACHE_SIZE");
  if (!text || !*text) return kDefaultMaxBytes;
  if (std::optional<uint64_t> bytes = parseSize(text)) return *bytes;
  static bool warned = false;
  if (!warned) std::cerr << "fusor: FUSOR_CACHE_SIZE='" << text << "' is not a size (e.g. 512M, 2G); using 1G\n";
  warned = true;
  return kDefaultMaxBytes;
}

bool readFile(const fs::path &path, std::string &data) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  bool ok = ::fstat(fd, &st) == 0;
  if (ok) {
    data.resize(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (ok && done < data.size()) {
      ssize_t n = ::read(fd, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // shorter than stat said: the checks below see a truncated entry
      done += static_cast<size_t>(n);
    }
    data.resize(done);
  }
  ::close(fd);
  return ok;
}

bool writeAll(int fd, const std::string &data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Names as pathFor and store make them.
bool isEntryName(const fs::path &path) {
  std::string name = path.filename().string();
  return name.size() == 36 && name.ends_with(".bin") &&
         std::all_of(name.begin(), name.end() - 4, [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}
bool isTemporaryName(const fs::path &path) {
  std::string name = path.filename().string();
  return name.size() == 11 && name.starts_with(".tmp-");
}

bool startsWithMagic(const fs::path &path) {
  char head[sizeof kMagic] = {};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::read(fd, head, sizeof head) == static_cast<ssize_t>(sizeof head);
  ::close(fd);
  return ok && std::memcmp(head, kMagic, 7) == 0;  // any format version
}

void reportDamage(const fs::path &path, const char *why) {
  std::cerr << "fusor: cache entry " << path.string() << " is damaged (" << why << "); rebuilding it\n";
}

}  // namespace

DiskCache DiskCache::forKind(const std::string &kind) {
  if (const char *off = std::getenv("FUSOR_CACHE"); off && std::strcmp(off, "0") == 0) return DiskCache({}, 0);
  uint64_t maxBytes = maxBytesFromEnvironment();
  if (const char *dir = std::getenv("FUSOR_CACHE_DIR"); dir && *dir) return DiskCache(fs::path(dir) / kind, maxBytes);
  const char *home = std::getenv("HOME");
  return DiskCache(fs::path(home && *home ? home : "/tmp") / ".cache" / "fusor" / kind, maxBytes);
}

DiskCache::DiskCache(fs::path dir, uint64_t maxBytes) : dir_(std::move(dir)), maxBytes_(maxBytes) {}

fs::path DiskCache::pathFor(const std::string &key) const {
  char name[40];
  std::snprintf(name, sizeof name, "%016llx%016llx.bin", static_cast<unsigned long long>(fnv1a(key)),
                static_cast<unsigned long long>(fnv1a(key, 0x9e3779b97f4a7c15ull)));
  return dir_ / name;
}

// Layout: magic, key size, key, value size, value, FNV-1a of everything before it.
std::optional<std::string> DiskCache::load(const std::string &key) const {
  if (!enabled()) return std::nullopt;
  fs::path path = pathFor(key);
  std::string data;
  if (!readFile(path, data)) return std::nullopt;
  size_t at = sizeof kMagic;
  uint64_t keySize = 0, valueSize = 0, checksum = 0;
  if (data.size() < sizeof kMagic || std::memcmp(data.data(), kMagic, sizeof kMagic) != 0) {
    reportDamage(path, "not a fusor cache entry");
    return std::nullopt;
  }
  if (!getU64(data, at, keySize) || keySize > data.size() - at) {
    reportDamage(path, "truncated");
    return std::nullopt;
  }
  size_t keyAt = at;
  at += keySize;
  if (!getU64(data, at, valueSize) || valueSize > data.size() - at || data.size() - at - valueSize != 8) {
    reportDamage(path, "truncated");
    return std::nullopt;
  }
  size_t valueAt = at;
  at += valueSize;
  getU64(data, at, checksum);
  if (checksum != fnv1a(data.data(), valueAt + valueSize)) {
    reportDamage(path, "checksum mismatch");
    return std::nullopt;
  }
  if (keySize != key.size() || data.compare(keyAt, keySize, key) != 0) return std::nullopt;  // another key's
  ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);  // last use, for trimming
  return data.substr(valueAt, valueSize);
}

void DiskCache::store(const std::string &key, const std::string &value) const {
  if (!enabled()) return;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return;
  std::string data(kMagic, sizeof kMagic);
  putU64(data, key.size());
  data += key;
  putU64(data, value.size());
  data += value;
  putU64(data, fnv1a(data));
  fs::path target = pathFor(key);
  std::string temp = (dir_ / ".tmp-XXXXXX").string();
  int fd = ::mkstemp(temp.data());  // private to this writer, in the same file system
  if (fd < 0) return;
  bool written = writeAll(fd, data) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written || ::rename(temp.c_str(), target.c_str()) != 0) {
    ::unlink(temp.c_str());
    return;
  }
  // The store is scanned (a stat per entry) only when this process's estimate of its size
  // passes the bound, and every kRescanEvery stores for what other processes wrote.
  static std::mutex mutex;
  static uint64_t estimate = 0, storesSinceScan = 0;
  static bool scanned = false;
  std::lock_guard<std::mutex> lock(mutex);
  estimate += data.size();
  if (!scanned || estimate > maxBytes_ || ++storesSinceScan >= kRescanEvery) {
    estimate = trim();
    scanned = true;
    storesSinceScan = 0;
  }
}

// Deletes the least recently used entries of the whole store (each kind's folder) while it
// is over its bound, down to 90% of it, and temporary files that dead writers left. Only files
// named and shaped as this class writes them are touched: the store may share a folder.
uint64_t DiskCache::trim() const {
  struct File {
    fs::path path;
    uint64_t bytes;
    fs::file_time_type used;
  };
  std::vector<File> entries;
  uint64_t total = 0;
  std::error_code ec;
  auto now = fs::file_time_type::clock::now();
  for (auto kind = fs::directory_iterator(dir_.parent_path(), ec); !ec && kind != fs::end(kind); kind.increment(ec)) {
    if (!kind->is_directory(ec)) continue;
    std::error_code inner;
    for (auto it = fs::directory_iterator(kind->path(), inner); !inner && it != fs::end(it); it.increment(inner)) {
      std::error_code e;
      if (!it->is_regular_file(e)) continue;
      fs::file_time_type used = it->last_write_time(e);
      if (e) continue;
      if (isTemporaryName(it->path())) {
        if (now - used > kStaleTemporary) fs::remove(it->path(), e);
        continue;
      }
      if (!isEntryName(it->path())) continue;
      uint64_t bytes = it->file_size(e);
      if (e) continue;
      entries.push_back({it->path(), bytes, used});
      total += bytes;
    }
  }
  if (total <= maxBytes_) return total;
  std::sort(entries.begin(), entries.end(), [](const File &a, const File &b) { return a.used < b.used; });
  for (const File &f : entries) {
    if (total <= maxBytes_ / 10 * 9) break;
    if (!startsWithMagic(f.path))
      total -= f.bytes;  // named like an entry, but not one: not ours to count or delete
    else if (fs::remove(f.path, ec))
      total -= f.bytes;
  }
  return total;
}

}  // namespace fusor::runtime
