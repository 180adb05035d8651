#pragma once
// Google Ads, in one of two modes ([destinations.google_ads] mode):
//  - "data_manager" (default): Data Manager API, POST {base_url}/v1/events:ingest, OAuth bearer.
//  - "click_conversions": Google Ads API, POST {base_url}/{api_version}/customers/{cid}:uploadClickConversions,
//    OAuth bearer + developer-token (+ login-customer-id).
// The destination's settings, its class and its factory. What Google is sent and why: README.md here.
// The two request bodies are data_manager_body.h and click_conversions_body.h; Google's error model is
// google_error.h.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/config_table.h"
#include "destinations/destination.h"
#include "destinations/options.h"

namespace fanout::dest {

// Reads [destinations.google_ads] (mode, customer_id, login_customer_id, the OAuth secrets, developer token,
// oauth_url, api_version and the shared delivery keys), records every problem in `table.errors()` and returns
// the destination. `configured_names` holds the [events.X].google_ads conversion actions; they are checked here
// too (errors under "events.X.google_ads"). config.cpp.
std::unique_ptr<Destination> make_google_ads(ConfigTable& table, const EventNameMap& configured_names);

}  // namespace fanout::dest

namespace fanout::dest::google_ads {

enum class Mode { data_manager, click_conversions };

// Outcomes for a request of `events` events:
//  - 2xx that is no JSON object (a proxy's or CDN's page): all retry, foreign_body (the request failed).
//  - 2xx: Data Manager has no partial failure, so all delivered. uploadClickConversions reports failed rows in
//    partialFailureError: TOO_RECENT_* (after 6 hours when they are the only retries) and internal/transient/quota
//    errors retry, CLICK_CONVERSION_ALREADY_EXISTS and ORDER_ID_ALREADY_IN_USE count as delivered (a resend after a
//    lost answer), any other error rejects its row.
//  - 401: retry after an OAuth refresh. 403: retry (an account/permission problem, not the events').
//  - 408, 409, 429, 5xx, no answer: retry, with the body's retryDelay as a hint (delivery adds Retry-After).
//  - 400: Data Manager fails the whole request for one bad event, so a batch is split unless the reason is about
//    the destination (then all reject); uploadClickConversions' 400 is about the request: all reject.
//  - other 4xx: all reject.
Classification classify_response(Mode mode, size_t events, const HttpResponse& response);

// [destinations.google_ads] as config.cpp read it.
struct Settings {
  Mode mode = Mode::data_manager;
  std::string customer_id;        // digits only
  std::string login_customer_id;  // digits only, "" = none
  std::string api_version;        // click_conversions: "v26"
  std::string developer_token;    // click_conversions only
  OAuthSettings oauth;
  EventNameMap configured_names;  // [events.X].google_ads: conversion actions
  DeliveryOptions options;
};

// skip_reason() and build() are in request.cpp, classify() in classify.cpp.
class GoogleAdsDestination final : public Destination {
 public:
  explicit GoogleAdsDestination(Settings settings) : s_(std::move(settings)) {}

  std::string_view name() const override { return "google_ads"; }
  std::string skip_reason(const Event& event, int64_t now_s) const override;
  std::vector<Request> build(std::span<const Event* const> events, const Auth& auth) const override;
  Classification classify(const Request& request, const HttpResponse& response) const override;
  // The longest click-through window Google Ads allows.
  std::chrono::seconds window() const override { return kWindow; }
  static constexpr std::chrono::seconds kWindow = std::chrono::hours(90 * 24);
  static constexpr size_t kMaxEventsPerRequest = 2000;  // both APIs' limit
  std::optional<OAuthSettings> oauth() const override { return s_.oauth; }
  const DeliveryOptions& options() const override { return s_.options; }

 private:
  std::string mapping_for(const Event& e) const;
  std::string action_id(const Event& e) const;
  std::vector<std::pair<std::string, std::string>> headers(const Auth& auth) const;
  std::vector<Request> build_data_manager(std::span<const Event* const> events, const Auth& auth) const;
  std::vector<Request> build_click(std::span<const Event* const> events, const Auth& auth) const;

  Settings s_;
};

}  // namespace fanout::dest::google_ads
