#pragma once
// Matching a request target to one of intake's routes (docs/api.md). Pure, so it is tested on its own.
#include <string>
#include <string_view>

namespace fanout::ingest {

enum class RouteId { events, event_status, legacy, healthz, readyz, metrics, none };

struct Route {
  RouteId id = RouteId::none;
  std::string label;     // the route template for metrics and logs ("/v1/events/{id}"); "unmatched" for none
  std::string allow;     // the method the route answers ("GET" or "POST")
  std::string event_id;  // event_status: the percent-decoded id
};

// The route for the path of `target` (query string ignored). `legacy_route` enables POST /.
Route match_route(std::string_view target, bool legacy_route);

// Decodes %XX escapes; false on a malformed escape.
bool percent_decode(std::string_view in, std::string& out);

}  // namespace fanout::ingest
