// A directory of compiled artifacts keyed by what produced them (source, target, compiler
// version, options), shared by the processes that use it. Entries carry their key and a
// checksum: a truncated or corrupt file is reported, counts as a miss, and the next store
// replaces it. Writes are atomic (a private temporary file, fsync, rename); the store is
// bounded, least recently used entries going first.
//
// Settings: FUSOR_CACHE=0 turns every disk cache off; FUSOR_CACHE_DIR (default
// ~/.cache/fusor) holds one folder per kind; FUSOR_CACHE_SIZE bounds the whole store (bytes,
// or with a K, M or G suffix; default 1G).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace fusor::runtime {

class DiskCache {
 public:
  // `kind`'s folder in the store, or a disabled cache when FUSOR_CACHE=0 (both read now).
  static DiskCache forKind(const std::string &kind);
  // A cache in `dir` (which it creates when storing), bounded by `maxBytes` across the
  // store's root, `dir`'s parent.
  DiskCache(std::filesystem::path dir, uint64_t maxBytes);

  bool enabled() const { return !dir_.empty(); }

  // The value stored under `key`, or nullopt. A damaged entry is reported on stderr.
  std::optional<std::string> load(const std::string &key) const;
  // Stores `value` under `key`, then trims the store to its bound. Failures to write are
  // ignored: the cache only saves time.
  void store(const std::string &key, const std::string &value) const;

  std::filesystem::path pathFor(const std::string &key) const;

 private:
  // Trims the store to its bound; returns its size after.
  uint64_t trim() const;

  std::filesystem::path dir_;
  uint64_t maxBytes_ = 0;
};

}  // namespace fusor::runtime
