#pragma once
// Microsoft UET Conversions API destination (mode "capi"); built by make_microsoft_ads().
#include <string>

#include "destinations/destination.h"
#include "destinations/options.h"

namespace fanout::dest::microsoft_ads {

struct CapiSettings {
  std::string tag_id;             // UET tag id
  std::string token;              // the tag's CAPI token (secret; "REDACTED" in preview), not an OAuth token
  std::string data_provider;      // "dataProvider", which Microsoft requires from third-party senders; "" = omitted
  EventNameMap configured_names;  // [events.X].microsoft_ads; unmapped events go by their canonical name
  DeliveryOptions options;
};

class CapiDestination final : public Destination {
 public:
  explicit CapiDestination(CapiSettings settings) : s_(std::move(settings)) {}

  std::string_view name() const override { return "microsoft_ads"; }
  std::string skip_reason(const Event& event, int64_t now_s) const override;
  std::vector<Request> build(std::span<const Event* const> events, const Auth& auth) const override;
  Classification classify(const Request& request, const HttpResponse& response) const override;
  // eventTime must lie within the last 7 days.
  std::chrono::seconds window() const override { return std::chrono::hours(24 * 7); }
  const DeliveryOptions& options() const override { return s_.options; }

 private:
  CapiSettings s_;
};

}  // namespace fanout::dest::microsoft_ads
