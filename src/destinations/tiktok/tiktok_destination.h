#pragma once
// The TikTok Events API destination's settings and class; built by make_tiktok() (tiktok.h).
#include <string>

#include "destinations/destination.h"
#include "destinations/options.h"

namespace fanout::dest::tiktok {

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
