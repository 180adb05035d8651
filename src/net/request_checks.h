#pragma once
// Checks on a request's head that Beast does not make, applied before its body is read. Pure, so it is
// tested and fuzzed on its own.
#include <optional>
#include <string>

#include "net/asio.h"

namespace fanout::net {

// Why a request cannot be served safely: the status to answer (the connection is closed after it).
struct HeadProblem {
  int status = 400;
  const char* code = "bad_request";
  std::string message;
};

// Request smuggling (RFC 9112 §6.1): only `Transfer-Encoding: chunked` is understood. Any other coding
// ("gzip", "chunked, gzip", a repeated header) is 501: Beast would read such a request as having no body
// and then run the body as the next request. Transfer-Encoding together with Content-Length is 400.
std::optional<HeadProblem> check_framing(const http::request_header<>& head);

}  // namespace fanout::net
