#pragma once
// GA4 Measurement Protocol: POST {base_url}/mp/collect?measurement_id=...&api_secret=...
// The destination's settings, its class, its factory and the pure pieces of its JSON body (tested on their
// own). What GA4 is sent and why: README.md here.
// Config: [destinations.ga4] measurement_id, api_secret_env|_file, plus the shared delivery keys
// (docs/configuration.md).
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/config_table.h"
#include "core/event.h"
#include "destinations/destination.h"
#include "destinations/options.h"

namespace fanout::dest {

// Reads [destinations.ga4] (every problem recorded in table.errors(), naming its key; unknown keys reported)
// and returns the destination. `configured_names` = the [events.*].ga4 entries (canonical -> GA4 event
// name); a name GA4 would refuse is an error under "events.X.ga4". config.cpp.
std::unique_ptr<Destination> make_ga4(ConfigTable& table, const EventNameMap& configured_names);

}  // namespace fanout::dest

namespace fanout::dest::ga4 {

// Built-in canonical -> GA4 recommended event names (docs/configuration.md, `[events.<canonical name>]`); names not listed go as their canonical name.
const EventNameMap& default_event_names();

// True when GA4 accepts `name` as an event name: ^[A-Za-z][A-Za-z0-9_]{0,39}$, no reserved prefix
// (firebase_, ga_, google_) and not a Measurement Protocol reserved name (session_start, first_visit, ...).
bool valid_event_name(std::string_view name);

// The GA4 user_id: the event's ga4_user_id, else user.external_id; "" when none or longer than 256 bytes.
std::string user_id_for(const Event& event);

// Compact JSON of the request-level `consent` object, "" when neither signal is specified.
std::string consent_json(const Event& event);

// Compact JSON of the request-level `user_data` object (Google-normalized hashes, clear-text address
// parts), "" when the event carries no user-provided data.
std::string user_data_json(const Event& event);

// The request-level fields of one event: events sharing them (and client_id) may share a request.
struct RequestLevel {
  std::string user_id;    // user_id_for()
  std::string consent;    // consent_json()
  std::string user_data;  // user_data_json()
};
RequestLevel request_level(const Event& event);

// The whole body for `events`, which share client_id and `level` (the caller groups them); `names[i]` is
// the GA4 event name of `events[i]`. At most 25 events.
std::string body(std::span<const Event* const> events, std::span<const std::string> names, const RequestLevel& level);

// [destinations.ga4] as config.cpp read it.
struct Settings {
  std::string measurement_id;     // the data stream events go to unless an event names an allowed one
  std::string api_secret;         // secret; "REDACTED" in preview
  EventNameMap configured_names;  // [events.X].ga4
  DeliveryOptions options;
};

// skip_reason() and build() are in request.cpp, classify() in classify.cpp.
class Ga4Destination final : public Destination {
 public:
  explicit Ga4Destination(Settings settings);

  std::string_view name() const override { return "ga4"; }
  std::string skip_reason(const Event& event, int64_t now_s) const override;
  std::vector<Request> build(std::span<const Event* const> events, const Auth& auth) const override;
  Classification classify(const Request& request, const HttpResponse& response) const override;
  // MP accepts events backdated by at most 72 hours.
  std::chrono::seconds window() const override { return kWindow; }
  static constexpr std::chrono::seconds kWindow = std::chrono::hours(72);
  static constexpr size_t kMaxEventsPerRequest = 25;  // MP limit
  const DeliveryOptions& options() const override { return s_.options; }

 private:
  std::string event_name(const Event& e) const;
  const std::string& measurement_id_for(const Event& e) const;
  size_t batch_limit() const;
  std::string collect_url(const std::string& mid) const;

  Settings s_;
  std::string default_url_;  // collect_url(s_.measurement_id), the URL of nearly every request
};

}  // namespace fanout::dest::ga4
