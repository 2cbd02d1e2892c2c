// A directory of compiled artifacts keyed by what produced them (source, target, compiler
// version, options). Entries are checked on load: a truncated, corrupt or colliding file is
// a miss, and the next store replaces it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace fusor::runtime {

class DiskCache {
 public:
  // `FUSOR_CACHE_DIR`/<kind>, else ~/.cache/fusor/<kind>.
  static DiskCache forKind(const std::string &kind);
  explicit DiskCache(std::filesystem::path dir) : dir_(std::move(dir)) {}

  std::optional<std::string> load(const std::string &key) const;
  // Writes atomically (a temporary file renamed into place); failures to write are ignored:
  // the cache only saves time.
  void store(const std::string &key, const std::string &value) const;

  std::filesystem::path pathFor(const std::string &key) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace fusor::runtime
