#include "ingest/routes.h"

namespace fanout::ingest {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Route make(RouteId id, std::string label, std::string allow) {
  Route r;
  r.id = id;
  r.label = std::move(label);
  r.allow = std::move(allow);
  return r;
}

}  // namespace

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

Route match_route(std::string_view target, bool legacy_route) {
  std::string_view path = target.substr(0, target.find_first_of("?#"));
  if (path == "/v1/events") return make(RouteId::events, "/v1/events", "POST");
  constexpr std::string_view kStatusPrefix = "/v1/events/";
  if (path.substr(0, kStatusPrefix.size()) == kStatusPrefix) {
    std::string_view raw_id = path.substr(kStatusPrefix.size());
    Route r = make(RouteId::event_status, "/v1/events/{id}", "GET");
    // An id holding '/' must arrive escaped (%2F); a bare extra segment is another path.
    if (raw_id.empty() || raw_id.find('/') != std::string_view::npos || !percent_decode(raw_id, r.event_id) ||
        r.event_id.empty())
      return make(RouteId::none, "unmatched", "");
    return r;
  }
  if (path == "/" && legacy_route) return make(RouteId::legacy, "/", "POST");
  if (path == "/healthz") return make(RouteId::healthz, "/healthz", "GET");
  if (path == "/readyz") return make(RouteId::readyz, "/readyz", "GET");
  if (path == "/metrics") return make(RouteId::metrics, "/metrics", "GET");
  return make(RouteId::none, "unmatched", "");
}

}  // namespace fanout::ingest
