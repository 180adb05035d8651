// make_google_ads(): reads [destinations.google_ads] for the configured mode.
#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

#include "destinations/google_ads/conversion_action.h"
#include "destinations/google_ads/google_ads.h"

namespace fanout::dest {
namespace {

using google_ads::Mode;

bool valid_api_version(const std::string& v) {
  return v.size() >= 2 && v[0] == 'v' &&
         std::all_of(v.begin() + 1, v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// Reads a customer id key; "" when absent (and not required).
std::string read_customer_id(ConfigTable& t, const char* key, bool required) {
  std::string raw = required ? t.required_str(key) : t.str(key);
  if (raw.empty()) return {};
  std::string id = google_ads::normalize_customer_id(raw);
  if (id.empty()) t.errors().add(t.full_key(key), "must be a Google Ads customer id: digits, dashes allowed");
  return id;
}

// Either a static access token, or the refresh-token flow's three secrets (then required).
OAuthSettings read_oauth(ConfigTable& t, Mode mode) {
  OAuthSettings o;
  o.token_url = t.str("oauth_url", "https://oauth2.googleapis.com/token");
  if (o.token_url.rfind("http://", 0) != 0 && o.token_url.rfind("https://", 0) != 0)
    t.errors().add(t.full_key("oauth_url"), "must start with http:// or https://");
  o.scope = mode == Mode::data_manager ? "https://www.googleapis.com/auth/datamanager"
                                       : "https://www.googleapis.com/auth/adwords";
  o.static_token = t.secret("access_token", false);
  const bool refresh = o.static_token.empty();
  o.refresh_token = t.secret("refresh_token", refresh, "GOOGLE_ADS_REFRESH_TOKEN");
  o.client_id = t.secret("client_id", refresh, "GOOGLE_ADS_CLIENT_ID");
  o.client_secret = t.secret("client_secret", refresh, "GOOGLE_ADS_CLIENT_SECRET");
  return o;
}

}  // namespace

std::unique_ptr<Destination> make_google_ads(ConfigTable& table, const EventNameMap& configured_names) {
  google_ads::Settings s;
  std::string mode = table.str("mode", "data_manager");
  if (mode == "click_conversions") {
    s.mode = Mode::click_conversions;
  } else if (mode != "data_manager") {
    table.errors().add(table.full_key("mode"), "must be \"data_manager\" or \"click_conversions\"");
  }
  DeliveryOptions defaults;
  defaults.base_url =
      s.mode == Mode::data_manager ? "https://datamanager.googleapis.com" : "https://googleads.googleapis.com";
  defaults.max_batch = google_ads::GoogleAdsDestination::kMaxEventsPerRequest;
  s.options = read_delivery_options(table, defaults);
  s.customer_id = read_customer_id(table, "customer_id", true);
  s.login_customer_id = read_customer_id(table, "login_customer_id", false);
  s.api_version = table.str("api_version", "v26");
  if (!valid_api_version(s.api_version)) table.errors().add(table.full_key("api_version"), "must look like \"v26\"");
  s.oauth = read_oauth(table, s.mode);
  if (s.mode == Mode::click_conversions) {
    s.developer_token = table.secret("developer_token", true, "GOOGLE_ADS_DEVELOPER_TOKEN");
  } else {
    // The Data Manager API takes no developer token; the keys are accepted (and ignored) so one config can
    // switch modes.
    table.str("developer_token_env");
    table.str("developer_token_file");
  }
  for (const auto& [canonical, mapping] : configured_names)
    if (!google_ads::conversion_action_id(mapping))
      table.errors().add("events." + canonical + ".google_ads",
                         "must be a conversion action: \"customers/{cid}/conversionActions/{id}\" or a numeric id");
  s.configured_names = configured_names;
  table.finish();
  return std::make_unique<google_ads::GoogleAdsDestination>(std::move(s));
}

}  // namespace fanout::dest
