#include "sandbox/platform.h"

#include <cstdio>

namespace fanout::sandbox {

std::string next_trace_id() {
  static std::atomic<uint64_t> counter{0};
  char buf[32];
  std::snprintf(buf, sizeof buf, "SBX%06llu", static_cast<unsigned long long>(++counter));
  return buf;
}

std::string_view header(const std::map<std::string, std::string>& headers, const std::string& name) {
  auto it = headers.find(name);
  return it == headers.end() ? std::string_view() : std::string_view(it->second);
}

std::string_view bearer_token(const std::map<std::string, std::string>& headers) {
  std::string_view value = header(headers, "authorization");
  if (value.size() < 7) return {};
  const std::string_view scheme = value.substr(0, 7);
  if (scheme != "Bearer " && scheme != "bearer ") return {};
  value.remove_prefix(7);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return value;
}

std::vector<std::string_view> path_segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const size_t slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    if (!part.empty()) out.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

net::Response json_response(int status, std::string body) {
  net::Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace fanout::sandbox
