#pragma once
// Meta Conversions API (CAPI): POST {base_url}/{api_version}/{pixel_id}/events?access_token=...
// The destination's settings, its class and its factory. What Meta is sent and why: README.md here.
// Config: [destinations.meta] pixel_id, access_token_env|_file, api_version, website_without_browser,
// test_event_code, allowed_pixel_ids, plus the shared delivery keys (docs/configuration.md).
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/config_table.h"
#include "destinations/destination.h"
#include "destinations/options.h"

namespace fanout::dest {

// Reads [destinations.meta] (every problem recorded in table.errors(), naming its key; unknown keys
// reported) and returns the destination. `configured_names` = the [events.*].meta entries. config.cpp.
std::unique_ptr<Destination> make_meta(ConfigTable& table, const EventNameMap& configured_names);

}  // namespace fanout::dest

namespace fanout::dest::meta {

// Canonical event name -> Meta standard event, for names without an [events.X].meta entry.
// Names not listed here are sent unchanged, as Meta custom events.
const EventNameMap& default_event_names();

// [destinations.meta] as config.cpp read it.
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

// skip_reason() and build() are in request.cpp, classify() in classify.cpp.
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
