#pragma once
// TikTok Events API 2.0: POST {base_url}/open_api/v1.3/event/track/ with header Access-Token.
// The destination's settings, its class and its factory. What TikTok is sent and why: README.md here.
// Config: [destinations.tiktok] pixel_code, app_id, offline_event_set_id, crm_event_set_id, access_token_env|_file,
// test_event_code, plus the shared delivery keys (docs/configuration.md).
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/config_table.h"
#include "destinations/destination.h"
#include "destinations/options.h"

namespace fanout::dest {

// Reads [destinations.tiktok] (every problem recorded in table.errors(), naming its key; unknown keys
// reported) and returns the destination. `configured_names` = the [events.*].tiktok entries. config.cpp.
std::unique_ptr<Destination> make_tiktok(ConfigTable& table, const EventNameMap& configured_names);

}  // namespace fanout::dest

namespace fanout::dest::tiktok {

// Canonical event name -> TikTok standard event (2025 list), for names without an [events.X].tiktok entry.
// Names not listed here are sent unchanged, as TikTok custom events.
const EventNameMap& default_event_names();

// [destinations.tiktok] as config.cpp read it.
struct Settings {
  std::string pixel_code;         // event_source_id of web events (action_source website, other)
  std::string app_id;             // event_source_id of app events; "" = app events skipped
  std::string offline_event_set_id;  // of store/phone/chat/email events; "" = those skipped
  std::string crm_event_set_id;   // of crm/system_generated events; "" = those skipped
  std::string access_token;       // secret; "REDACTED" in preview
  std::string test_event_code;    // "" = live events
  EventNameMap configured_names;  // [events.X].tiktok
  DeliveryOptions options;
};

// skip_reason() and build() are in request.cpp, classify() in classify.cpp.
class TiktokDestination final : public Destination {
 public:
  explicit TiktokDestination(Settings settings) : s_(std::move(settings)) {}

  std::string_view name() const override { return "tiktok"; }
  std::string skip_reason(const Event& event, int64_t now_s) const override;
  std::vector<Request> build(std::span<const Event* const> events, const Auth& auth) const override;
  Classification classify(const Request& request, const HttpResponse& response) const override;
  // TikTok publishes no window for web events; 7 days matches its click-id lifetime and Meta/Microsoft.
  std::chrono::seconds window() const override { return std::chrono::hours(24 * 7); }
  const DeliveryOptions& options() const override { return s_.options; }

 private:
  std::string test_code_for(const Event& event) const;
  // TikTok's event_source for the event ("web", "app", "offline", "crm") and its configured id ("" = none).
  std::pair<std::string_view, const std::string*> source_for(const Event& event) const;
  Settings s_;
};

}  // namespace fanout::dest::tiktok
