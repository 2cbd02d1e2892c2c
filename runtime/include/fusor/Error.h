// The exception every fusor API throws for bad input.
#pragma once

#include <exception>
#include <source_location>
#include <string>

namespace fusor {

class Error : public std::exception {
 public:
  explicit Error(std::string message) : message_(std::move(message)) {}
  const char *what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

// Throws Error("<message>\n  at <file>:<line>") for a mistake made at `where`.
[[noreturn]] void throwError(std::string message, const std::source_location &where);

// Throws Error("internal error: ...") for a broken invariant of fusor itself (a bug).
[[noreturn]] void throwInternalError(std::string message);

}  // namespace fusor
