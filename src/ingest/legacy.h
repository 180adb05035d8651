#pragma once
// The original Worker's body (README.md and docs/configuration.md, `[legacy]`) mapped onto a canonical Event, for POST / (legacy_route).
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/result.h"
#include "identity/identity.h"
#include "ingest/event_parser.h"

namespace fanout::ingest {

struct LegacyOptions {
  std::map<std::string, std::string> google_ads_labels;  // [legacy.google_ads_labels]: label -> conversion action
  std::vector<std::string> allowed_pixel_ids;            // a body's metaPixelId is honoured only if listed
  std::vector<std::string> allowed_measurement_ids;      // a body's gaMeasurementId is honoured only if listed
  std::string ga4_measurement_id;  // the configured GA4 stream ("G-..."): names the `_ga_<stream>` session cookie
  identity::Options identity;
};

// What the request itself contributes (the Worker read these from the request, not the body).
struct LegacyRequest {
  std::string client_ip;   // already chosen: first X-Forwarded-For hop when trusted, else the peer
  std::string user_agent;  // the User-Agent header, "" if absent
  std::string cookie;      // the Cookie header, "" if absent: `_ga` gives GA4's client id, `_ga_<stream>` its session
  int64_t now_s = 0;       // Unix seconds: the event time (the legacy body carries none)
};

// Errors: "invalid_json" (not a JSON object) or "invalid_event" with `errors` naming fields as
// "data.eventId". Fields the Worker ignored are ignored here too (no unknown-field rule: old clients
// keep working). Personal data is hashed before returning.
Result<Event> parse_legacy(std::string_view body, const LegacyRequest& request, const LegacyOptions& options,
                           std::vector<FieldError>& errors);

// The value of cookie `name` in a Cookie header ("a=1; _ga=GA1.1.2.3"), surrounding quotes removed; "" when
// absent. Names match exactly: `_ga` is not `_ga_<stream>`.
std::string cookie_value(std::string_view cookie_header, std::string_view name);

// The client IP of a legacy request: the first X-Forwarded-For hop when `trust_forwarded_for` and it is an IP
// address, else `peer_ip`.
std::string legacy_client_ip(const std::string& forwarded_for, const std::string& peer_ip, bool trust_forwarded_for);

}  // namespace fanout::ingest
