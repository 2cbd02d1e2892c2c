#include "fusor/Error.h"

namespace fusor {

void throwError(std::string message, const std::source_location &where) {
  if (where.file_name() && *where.file_name())
    message += "\n  at " + std::string(where.file_name()) + ":" + std::to_string(where.line());
  throw Error(std::move(message));
}

void throwInternalError(std::string message) {
  throw Error("internal error (a fusor bug, please report it): " + message);
}

}  // namespace fusor
