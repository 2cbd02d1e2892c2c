// The runtime's entry points as values: fusor::abi::Entry, each one's symbol name, C function
// type and parameter count, all generated from Entries.def and the declarations in Calls.h.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "fusor/runtime/abi/Calls.h"

namespace fusor::abi {

enum class Entry {
#define FUSOR_RT_HOST(Id, symbol) Id,
#define FUSOR_RT_PLAN(Id, symbol) Id,
#include "fusor/runtime/abi/Entries.def"
};

// Calls `visit(Entry::Id, "symbol", (Fn *)nullptr)` for every entry, Fn its C function type.
template <typename Visitor>
constexpr void forEachEntry(Visitor &&visit) {
#define FUSOR_RT_HOST(Id, symbol) visit(Entry::Id, #symbol, static_cast<decltype(::symbol) *>(nullptr));
#define FUSOR_RT_PLAN(Id, symbol) visit(Entry::Id, #symbol, static_cast<decltype(::symbol) *>(nullptr));
#include "fusor/runtime/abi/Entries.def"
}

template <typename Fn>
struct ParameterCount;
template <typename... Args>
struct ParameterCount<void(Args...)> {
  static constexpr size_t value = sizeof...(Args);
};

constexpr std::string_view entryName(Entry entry) {
  std::string_view name;
  forEachEntry([&](Entry e, const char *symbol, auto *) {
    if (e == entry) name = symbol;
  });
  return name;
}

constexpr size_t parameterCount(Entry entry) {
  size_t count = 0;
  forEachEntry([&]<typename Fn>(Entry e, const char *, Fn *) {
    if (e == entry) count = ParameterCount<Fn>::value;
  });
  return count;
}

// The entry called `name`, if it is one.
constexpr std::optional<Entry> entryNamed(std::string_view name) {
  std::optional<Entry> found;
  forEachEntry([&](Entry e, const char *symbol, auto *) {
    if (symbol == name) found = e;
  });
  return found;
}

}  // namespace fusor::abi
