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
  std::string api_version = "v26.0";           // Graph API version, "vNN.N" (newest on 2026-12-04)
  // A website event without client_user_agent or event_source_url (which Meta requires of website events):
  // "other" sends it with action_source "other", "skip" skips it, "website" sends it as is.
  std::string website_without_browser = "other";
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
  // Meta refuses a whole request when any event is older than 7 days; physical_store events may be uploaded
  // within 62 days of the conversion (docs/platforms.md).
  std::chrono::seconds window() const override { return kStoreWindow; }
  std::chrono::seconds window_for(const Event& event) const override {
    return event.action_source == "physical_store" ? kStoreWindow : kWindow;
  }
  static constexpr std::chrono::seconds kWindow = std::chrono::hours(24 * 7);
  static constexpr std::chrono::seconds kStoreWindow = std::chrono::hours(24 * 62);
  const DeliveryOptions& options() const override { return s_.options; }

 private:
  std::string pixel_for(const Event& event) const;
  std::string test_code_for(const Event& event) const;
  std::string action_source_for(const Event& event) const;
  Settings s_;
};

}  // namespace fanout::dest::meta
