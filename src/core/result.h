#pragma once
// Status-returning APIs: Result<T> is a value or an Error; no exceptions on the data path.
#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace fanout {

// A failure with a stable machine code ("invalid_event", "unavailable", ...) and a message
// an operator understands. `field` names the offending input field when there is one.
struct Error {
  std::string code;
  std::string message;
  std::string field;
};

template <class T>
using Result = tl::expected<T, Error>;

using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> fail(std::string code, std::string message, std::string field = {}) {
  return tl::unexpected<Error>(Error{std::move(code), std::move(message), std::move(field)});
}

}  // namespace fanout
