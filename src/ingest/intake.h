#pragma once
// Intake: the HTTP API of docs/api.md on top of net::HttpServer. Verifies the signature, parses and
// validates the canonical (or legacy) body, hashes personal data (identity/), decides per destination
// whether the event is pending or skipped, commits to the spool and acknowledges only after the commit.
#include <atomic>
#include <functional>
#include <memory>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "destinations/destination.h"
#include "identity/identity.h"
#include "net/http_server.h"
#include "spool/accepted.h"
#include "spool/spool.h"
#include "telemetry/metrics.h"

namespace fanout::ingest {

struct IntakeOptions {
  std::string signature_header = "X-CRM-Signature";  // matched case-insensitively
  std::vector<std::string> secrets;                  // any may match (rotation); never logged
  size_t max_events_per_request = 500;
  bool legacy_route = true;                          // POST / with the original Worker's body (docs/configuration.md, `[legacy]`)
  bool trust_forwarded_for = false;                  // legacy: client IP from the first X-Forwarded-For hop
  std::string admin_token;                           // bearer for /v1/events/{id} and /metrics; "" = those answer 404
  identity::Options identity;
  std::map<std::string, std::string> legacy_google_ads_labels;  // [legacy.google_ads_labels]: label -> conversion action
  std::vector<std::string> allowed_pixel_ids;        // legacy body metaPixelId honoured only if listed
  std::vector<std::string> allowed_measurement_ids;  // legacy body gaMeasurementId honoured only if listed
  std::string ga4_measurement_id;                    // [destinations.ga4] measurement_id: legacy's _ga_<stream> cookie
};

class Intake {
 public:
  // `destinations` are the enabled ones (skip decisions are taken at intake and stored).
  // `on_accepted` receives committed events (called on the spool writer thread).
  // `ready` answers /readyz (spool writable and config loaded).
  Intake(IntakeOptions options, std::vector<const dest::Destination*> destinations, spool::Spool& spool,
         telemetry::Metrics& metrics, std::function<void(std::vector<spool::Accepted>)> on_accepted,
         std::function<bool()> ready);

  // The net::Handler of the gateway: routes every request of docs/api.md.
  void handle(net::Request&& request, net::Respond respond);

  // Reload: requests that start after this call use `options` (secrets, admin token, ...) and
  // `destinations`; requests in progress finish with what they started with. `owner` keeps
  // `destinations` alive as long as any request uses them. Thread-safe.
  void reconfigure(IntakeOptions options, std::vector<const dest::Destination*> destinations,
                   std::shared_ptr<const void> owner);

  // net::ServerOptions::check_head: the answer handle() would give whatever the body (wrong route or
  // method, content type, no well-formed signature), or nullopt when the body is needed. Counted and
  // logged like any other answer.
  std::optional<net::Response> check_head(const net::Request& head);

 private:
  struct State;
  std::atomic<std::shared_ptr<State>> state_;  // swapped whole by reconfigure()
};

}  // namespace fanout::ingest
