#include "destinations/google_ads/google_ads.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <utility>

#include "destinations/google_ads/classify.h"
#include "destinations/google_ads/click_conversions_body.h"
#include "destinations/google_ads/conversion_action.h"
#include "destinations/google_ads/data_manager_body.h"
#include "destinations/google_ads/user_identifiers.h"

namespace fanout::dest {
namespace {

using google_ads::Mode;

constexpr int64_t kWindowSeconds = 90LL * 24 * 3600;  // the longest click-through window Google Ads allows
constexpr size_t kMaxEventsPerRequest = 2000;         // both APIs' limit

struct Settings {
  Mode mode = Mode::data_manager;
  std::string customer_id;        // digits only
  std::string login_customer_id;  // digits only, "" = none
  std::string api_version;        // click_conversions: "v26"
  std::string developer_token;    // click_conversions only
  OAuthSettings oauth;
};

class GoogleAds final : public Destination {
 public:
  GoogleAds(DeliveryOptions options, Settings settings, EventNameMap configured)
      : options_(std::move(options)), settings_(std::move(settings)), configured_(std::move(configured)) {}

  std::string_view name() const override { return "google_ads"; }

  std::string skip_reason(const Event& event, int64_t now_s) const override {
    if (std::string r = common_skip_reason(event, "google_ads", now_s, kWindowSeconds); !r.empty()) return r;
    std::string mapping = mapping_for(event);
    if (mapping.empty()) return "not_mapped";
    if (!google_ads::conversion_action_id(mapping)) return "invalid_conversion_action";
    if (!google_ads::has_identifiers(event)) return "missing_identifiers";
    return {};
  }

  std::vector<Request> build(std::span<const Event* const> events, const Auth& auth) const override {
    return settings_.mode == Mode::data_manager ? build_data_manager(events, auth) : build_click(events, auth);
  }

  Classification classify(const Request& request, const HttpResponse& response) const override {
    return google_ads::classify_response(settings_.mode, request.indices.size(), response);
  }

  std::chrono::seconds window() const override { return std::chrono::seconds(kWindowSeconds); }

  std::optional<OAuthSettings> oauth() const override { return settings_.oauth; }

  const DeliveryOptions& options() const override { return options_; }

 private:
  std::string mapping_for(const Event& e) const { return resolve_event_name(e, "google_ads", configured_, {}, false); }

  // build() only sees events that passed skip_reason, so the mapping parses.
  std::string action_id(const Event& e) const {
    return google_ads::conversion_action_id(mapping_for(e)).value_or(std::string());
  }

  std::vector<std::pair<std::string, std::string>> headers(const Auth& auth) const {
    std::vector<std::pair<std::string, std::string>> h{{"content-type", "application/json"},
                                                       {"authorization", "Bearer " + auth.access_token}};
    if (settings_.mode == Mode::click_conversions) {
      h.emplace_back("developer-token", settings_.developer_token);
      if (!settings_.login_customer_id.empty()) h.emplace_back("login-customer-id", settings_.login_customer_id);
    }
    return h;
  }

  // A Data Manager request names one destination, so events are grouped by conversion action (in order of
  // first appearance) and each group is cut at max_batch.
  std::vector<Request> build_data_manager(std::span<const Event* const> events, const Auth& auth) const {
    std::vector<Request> out;
    std::vector<std::string> actions;    // conversion action of out[i]
    std::map<std::string, size_t> open;  // conversion action -> its newest request in `out`
    for (size_t i = 0; i < events.size(); ++i) {
      std::string action = action_id(*events[i]);
      auto it = open.find(action);
      if (it == open.end() || out[it->second].indices.size() >= options_.max_batch) {
        out.emplace_back();
        actions.push_back(action);
        it = open.insert_or_assign(action, out.size() - 1).first;
      }
      out[it->second].indices.push_back(i);
    }
    for (size_t r = 0; r < out.size(); ++r) {
      std::vector<const Event*> group;
      for (size_t i : out[r].indices) group.push_back(events[i]);
      google_ads::DataManagerTarget target{settings_.customer_id, settings_.login_customer_id, actions[r]};
      out[r].http.url = join_url(options_.base_url, "/v1/events:ingest");
      out[r].http.headers = headers(auth);
      out[r].http.body = google_ads::data_manager_body(target, group);
    }
    return out;
  }

  // Every ClickConversion names its own conversion action: requests are plain max_batch chunks.
  std::vector<Request> build_click(std::span<const Event* const> events, const Auth& auth) const {
    std::vector<Request> out;
    const std::string url = join_url(options_.base_url, "/" + settings_.api_version + "/customers/" +
                                                            settings_.customer_id + ":uploadClickConversions");
    for (size_t start = 0; start < events.size(); start += options_.max_batch) {
      size_t end = std::min(events.size(), start + options_.max_batch);
      Request r;
      std::vector<std::string> actions;
      for (size_t i = start; i < end; ++i) {
        r.indices.push_back(i);
        actions.push_back("customers/" + settings_.customer_id + "/conversionActions/" + action_id(*events[i]));
      }
      r.http.url = url;
      r.http.headers = headers(auth);
      r.http.body = google_ads::click_conversions_body(events.subspan(start, end - start), actions);
      out.push_back(std::move(r));
    }
    return out;
  }

  DeliveryOptions options_;
  Settings settings_;
  EventNameMap configured_;
};

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
  Settings s;
  std::string mode = table.str("mode", "data_manager");
  if (mode == "click_conversions") {
    s.mode = Mode::click_conversions;
  } else if (mode != "data_manager") {
    table.errors().add(table.full_key("mode"), "must be \"data_manager\" or \"click_conversions\"");
  }
  DeliveryOptions defaults;
  defaults.base_url =
      s.mode == Mode::data_manager ? "https://datamanager.googleapis.com" : "https://googleads.googleapis.com";
  defaults.max_batch = kMaxEventsPerRequest;
  DeliveryOptions options = read_delivery_options(table, defaults);
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
  table.finish();
  return std::make_unique<GoogleAds>(std::move(options), std::move(s), configured_names);
}

}  // namespace fanout::dest
