#pragma once
// Microsoft Advertising, in one of two modes ([destinations.microsoft_ads] mode):
//  - "capi" (default): UET Conversions API, POST {base_url}/v1/{tag_id}/events, Bearer <UET tag token>.
//  - "offline": Campaign Management ApplyOfflineConversions (REST), OAuth bearer + DeveloperToken +
//    CustomerId + CustomerAccountId headers; each canonical event needs an [events.X].microsoft_ads
//    conversion goal name.
// The settings and class of each mode and the factory. What Microsoft is sent and why: README.md here;
// skip_reason() and build() of both modes are in request.cpp, classify() in classify.cpp.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "core/config_table.h"
#include "destinations/destination.h"
#include "destinations/options.h"

namespace fanout::dest {

// Reads [destinations.microsoft_ads] (every problem recorded in table.errors(), naming its key; keys of
// the other mode and unknown keys reported) and returns the destination for the configured mode.
// `configured_names` = the [events.*].microsoft_ads entries. config.cpp.
std::unique_ptr<Destination> make_microsoft_ads(ConfigTable& table, const EventNameMap& configured_names);

}  // namespace fanout::dest

namespace fanout::dest::microsoft_ads {

// Mode "capi": [destinations.microsoft_ads] as config.cpp read it, and the destination.
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

// Mode "offline": [destinations.microsoft_ads] as config.cpp read it, and the destination.
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
