#pragma once
// Parsing "host:port" listen addresses: "127.0.0.1:8080", "[::1]:0", "localhost:9000", "0.0.0.0:80".
#include <cstdint>
#include <string>

#include "core/result.h"

namespace fanout::net {

struct ListenAddress {
  std::string host;   // as written, without brackets ("::1", "localhost")
  uint16_t port = 0;  // 0 = let the kernel pick
};

// Splits `text` into host and port. Errors ("invalid_address") name the text and what is wrong.
Result<ListenAddress> parse_listen_address(const std::string& text);

}  // namespace fanout::net
