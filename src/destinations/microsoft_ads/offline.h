#pragma once
// Microsoft Ads ApplyOfflineConversions destination (mode "offline"); built by make_microsoft_ads().
#include <string>

#include "destinations/destination.h"
#include "destinations/options.h"

namespace fanout::dest::microsoft_ads {

struct OfflineSettings {
  std::string customer_id;        // CustomerId header: the manager (customer) account id, digits
  std::string account_id;         // CustomerAccountId header: the ad account id, digits
  std::string developer_token;    // secret
  OAuthSettings oauth;            // refresh-token flow run by delivery/; the token comes back in Auth
  EventNameMap configured_names;  // [events.X].microsoft_ads = conversion goal name; required per event
  DeliveryOptions options;
};

class OfflineDestination final : public Destination {
 public:
  explicit OfflineDestination(OfflineSettings settings) : s_(std::move(settings)) {}

  std::string_view name() const override { return "microsoft_ads"; }
  std::string skip_reason(const Event& event, int64_t now_s) const override;
  std::vector<Request> build(std::span<const Event* const> events, const Auth& auth) const override;
  Classification classify(const Request& request, const HttpResponse& response) const override;
  // ConversionTime must lie within the last 90 days.
  std::chrono::seconds window() const override { return std::chrono::hours(24 * 90); }
  std::optional<OAuthSettings> oauth() const override { return s_.oauth; }
  const DeliveryOptions& options() const override { return s_.options; }

 private:
  std::string conversion_name(const Event& event) const;
  OfflineSettings s_;
};

}  // namespace fanout::dest::microsoft_ads
