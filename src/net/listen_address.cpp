#include "net/listen_address.h"

#include <charconv>

namespace fanout::net {

Result<ListenAddress> parse_listen_address(const std::string& text) {
  ListenAddress out;
  std::string port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return fail("invalid_address", "listen address '" + text + "' must look like [ipv6]:port");
    }
    out.host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) {
      return fail("invalid_address", "listen address '" + text + "' must look like host:port");
    }
    out.host = text.substr(0, colon);
    if (out.host.find(':') != std::string::npos) {
      return fail("invalid_address", "listen address '" + text + "': write IPv6 hosts in brackets, [::1]:port");
    }
    port_text = text.substr(colon + 1);
  }
  if (out.host.empty()) {
    return fail("invalid_address", "listen address '" + text + "' has no host");
  }
  unsigned port = 0;
  const auto* end = port_text.data() + port_text.size();
  const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || ec != std::errc() || ptr != end || port > 65535) {
    return fail("invalid_address", "listen address '" + text + "' has an invalid port (0-65535)");
  }
  out.port = static_cast<uint16_t>(port);
  return out;
}

}  // namespace fanout::net
