#pragma once
// A blocking HTTP client (libcurl easy) for the CLI: `fanout send` and `fanout demo`.
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace fanout::app {

struct ClientResponse {
  long status = 0;
  std::string body;
};

// Sends one request; a transport failure is an Error ("connection_failed") naming the URL.
Result<ClientResponse> http_call(const std::string& method, const std::string& url,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 const std::string& body, long timeout_ms = 10000);

}  // namespace fanout::app
