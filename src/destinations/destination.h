#pragma once
// The shape every destination has: a pure build(events) -> requests and a pure
// classify(response) -> per-event outcomes. Retries, backoff, batching, OAuth token fetching,
// metrics and acknowledgements live once, in delivery/, never inside a destination: delivery's retry
// policy (delivery/retry_policy.h) decides what no answer, 408, 429, 5xx and the Retry-After header
// mean; classify() reads what the platform's body says.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/event.h"

namespace fanout::dest {

// An outbound HTTP request, fully built (URL with query, headers, body).
struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // lowercase names
  std::string body;
};

// What came back. status 0 = no HTTP answer (timeout, connection error); see transport_error.
struct HttpResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lowercase names (e.g. "retry-after")
  std::string transport_error;
};

enum class Outcome { delivered, retry, reject };

struct EventResult {
  Outcome outcome = Outcome::retry;
  std::string reason;  // short, operator-facing, no personal data ("http_503", "meta: (#100) Invalid parameter")
};

// Per-event outcome of one request, plus request-level hints for delivery/. For no answer, 408, 429
// and 5xx, delivery never counts an event as delivered (see delivery/retry_policy.h).
struct Classification {
  std::vector<EventResult> events;  // exactly one per event of the request, in request order
  bool split = false;               // the whole batch was rejected because of some event(s): bisect and resend
  bool refresh_auth = false;        // 401/expired token: refresh the OAuth token once, then resend
  // A 2xx whose body is not the platform's success shape (an HTML page from a proxy or CDN): the request
  // failed as a whole (every event retry, the lane backs off), as a 503 would.
  bool foreign_body = false;
  // A wait the platform's body asks for (Google's retryDelay, Microsoft's 117 throttling, ...). The
  // Retry-After header is read by delivery, which waits for the longer of the two.
  std::optional<std::chrono::milliseconds> retry_after;
};

// One request covering some of the events passed to build(): `indices` index into that span.
struct Request {
  std::vector<size_t> indices;
  HttpRequest http;
};

// Credentials resolved by delivery/ for destinations that use OAuth (Google Ads, Microsoft offline).
struct Auth {
  std::string access_token;  // "" when the destination needs none; "REDACTED" in preview
};

// OAuth refresh-token settings, for destinations that need a bearer token from a token endpoint.
struct OAuthSettings {
  std::string token_url;
  std::string client_id;
  std::string client_secret;
  std::string refresh_token;
  std::string scope;         // "" = none sent
  std::string static_token;  // when set, used as is and never refreshed
};

// Delivery tuning common to every destination (docs/configuration.md), with the platform's limits as defaults.
struct DeliveryOptions {
  bool enabled = true;
  std::string base_url;
  int64_t timeout_ms = 10000;
  size_t max_batch = 1000;
  int64_t linger_ms = 200;
  size_t max_in_flight = 4;
  int64_t retry_base_ms = 1000;
  int64_t retry_max_ms = 300000;
};

class Destination {
 public:
  virtual ~Destination() = default;

  // "meta", "ga4", "google_ads", "microsoft_ads" or "tiktok".
  virtual std::string_view name() const = 0;

  // Why this event is not sent to this destination ("consent_denied", "missing_identifiers",
  // "not_mapped", "too_old", "disabled_for_event", ...), or "" when it is to be sent.
  // `now_s` is Unix seconds.
  virtual std::string skip_reason(const Event& event, int64_t now_s) const = 0;

  // The requests that deliver `events` (all of which passed skip_reason). Each event appears in
  // exactly one request; a request holds at most options().max_batch events.
  virtual std::vector<Request> build(std::span<const Event* const> events, const Auth& auth) const = 0;

  // Per-event outcomes of `request` (built by build()) given the platform's answer.
  virtual Classification classify(const Request& request, const HttpResponse& response) const = 0;

  // How long after event_time the platform still accepts an event (retries stop after it): the longest
  // window of any event.
  virtual std::chrono::seconds window() const = 0;

  // The window of this event, when the platform's window depends on the event (Meta: physical_store events
  // have 62 days, others 7). At most window().
  virtual std::chrono::seconds window_for(const Event& /*event*/) const { return window(); }

  // OAuth settings when this destination needs a bearer token from delivery/, else nullopt.
  virtual std::optional<OAuthSettings> oauth() const { return std::nullopt; }

  virtual const DeliveryOptions& options() const = 0;
};

}  // namespace fanout::dest
