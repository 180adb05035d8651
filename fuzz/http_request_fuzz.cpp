// libFuzzer target: net/'s HTTP request parsing: Beast's request parser with the server's limits, fed in
// arbitrary pieces as a socket would deliver them, then the framing checks on each parsed head.
#include <cstddef>
#include <cstdint>

#include "net/asio.h"
#include "net/request_checks.h"

namespace http = fanout::net::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the piece size, so splits inside the head and body are explored too.
  const size_t piece = 1 + data[0] % 64;
  ++data;
  --size;
  size_t offset = 0;
  for (int request = 0; request < 8 && offset < size; ++request) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(64 * 1024);
    parser.eager(true);
    boost::beast::error_code ec;
    bool checked = false;
    size_t window = 0;  // bytes after `offset` offered to the parser
    while (!parser.is_done()) {
      const size_t grown = std::min(size - offset, window + piece);
      if (grown == window && window == 0) return 0;  // input ended between requests
      window = grown;
      const size_t used = parser.put(boost::asio::buffer(data + offset, window), ec);
      offset += used;
      window -= used;
      if (ec == http::error::need_more) {
        ec = {};
        if (offset + window == size && used == 0) return 0;  // input ends mid-request
        continue;
      }
      if (ec) return 0;  // the server answers 400/413/431 and closes
      if (parser.is_header_done() && !checked) {
        checked = true;
        if (fanout::net::check_framing(parser.get())) return 0;  // the server answers and closes here
      }
      if (used == 0 && offset + window == size && !parser.is_done()) return 0;
    }
  }
  return 0;
}
