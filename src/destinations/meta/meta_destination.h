#pragma once
// The Meta CAPI destination's settings and class; built by make_meta() (meta.h).
#include <string>
#include <vector>

#include "destinations/destination.h"
#include "destinations/options.h"

namespace fanout::dest::meta {

struct Settings {
  std::string pixel_id;                        // digits; the dataset events go to unless an event names an allowed one
  std::string access_token;                    // secret; "REDACTED" in preview
  std::string api_version = "v25.0";           // Graph API version, "vNN.N"
  std::string test_event_code;                 // "" = live events
  std::vector<std::string> allowed_pixel_ids;  // pixel ids an event (legacy body) may select instead of pixel_id
  EventNameMap configured_names;               // [events.X].meta
  DeliveryOptions options;
};

class MetaDestination final : public Destination {
 public:
  explicit MetaDestination(Settings settings) : s_(std::move(settings)) {}

  std::string_view name() const override { return "meta"; }
  std::string skip_reason(const Event& event, int64_t now_s) const override;
  std::vector<Request> build(std::span<const Event* const> events, const Auth& auth) const override;
  Classification classify(const Request& request, const HttpResponse& response) const override;
  // Meta refuses a whole request when any event is older than 7 days.
  std::chrono::seconds window() const override { return std::chrono::hours(24 * 7); }
  const DeliveryOptions& options() const override { return s_.options; }

 private:
  std::string pixel_for(const Event& event) const;
  std::string test_code_for(const Event& event) const;
  Settings s_;
};

}  // namespace fanout::dest::meta
