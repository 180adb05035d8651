// Google Ads: which events go (skip_reason) and the requests that carry them (build), for both modes. Pure.
// The bodies are written by data_manager_body.cpp and click_conversions_body.cpp; the decisions are in
// README.md here.
#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "destinations/google_ads/click_conversions_body.h"
#include "destinations/google_ads/conversion_action.h"
#include "destinations/google_ads/data_manager_body.h"
#include "destinations/google_ads/google_ads.h"
#include "destinations/google_ads/user_identifiers.h"

namespace fanout::dest::google_ads {

std::string GoogleAdsDestination::skip_reason(const Event& event, int64_t now_s) const {
  if (std::string r = common_skip_reason(event, "google_ads", now_s, kWindow.count()); !r.empty()) return r;
  std::string mapping = mapping_for(event);
  if (mapping.empty()) return "not_mapped";
  if (!conversion_action_id(mapping)) return "invalid_conversion_action";
  if (!has_identifiers(event)) return "missing_identifiers";
  return {};
}

std::vector<Request> GoogleAdsDestination::build(std::span<const Event* const> events, const Auth& auth) const {
  return s_.mode == Mode::data_manager ? build_data_manager(events, auth) : build_click(events, auth);
}

std::string GoogleAdsDestination::mapping_for(const Event& e) const {
  return resolve_event_name(e, "google_ads", s_.configured_names, {}, false);
}

// build() only sees events that passed skip_reason, so the mapping parses.
std::string GoogleAdsDestination::action_id(const Event& e) const {
  return conversion_action_id(mapping_for(e)).value_or(std::string());
}

std::vector<std::pair<std::string, std::string>> GoogleAdsDestination::headers(const Auth& auth) const {
  std::vector<std::pair<std::string, std::string>> h{{"content-type", "application/json"},
                                                     {"authorization", "Bearer " + auth.access_token}};
  if (s_.mode == Mode::click_conversions) {
    h.emplace_back("developer-token", s_.developer_token);
    if (!s_.login_customer_id.empty()) h.emplace_back("login-customer-id", s_.login_customer_id);
  }
  return h;
}

// A Data Manager request names one destination, so events are grouped by conversion action (in order of
// first appearance) and each group is cut at max_batch.
std::vector<Request> GoogleAdsDestination::build_data_manager(std::span<const Event* const> events,
                                                              const Auth& auth) const {
  std::vector<Request> out;
  std::vector<std::string> actions;    // conversion action of out[i]
  std::map<std::string, size_t> open;  // conversion action -> its newest request in `out`
  for (size_t i = 0; i < events.size(); ++i) {
    std::string action = action_id(*events[i]);
    auto it = open.find(action);
    if (it == open.end() || out[it->second].indices.size() >= s_.options.max_batch) {
      out.emplace_back();
      actions.push_back(action);
      it = open.insert_or_assign(action, out.size() - 1).first;
    }
    out[it->second].indices.push_back(i);
  }
  for (size_t r = 0; r < out.size(); ++r) {
    std::vector<const Event*> group;
    for (size_t i : out[r].indices) group.push_back(events[i]);
    DataManagerTarget target{s_.customer_id, s_.login_customer_id, actions[r]};
    out[r].http.url = join_url(s_.options.base_url, "/v1/events:ingest");
    out[r].http.headers = headers(auth);
    out[r].http.body = data_manager_body(target, group);
  }
  return out;
}

// Every ClickConversion names its own conversion action: requests are plain max_batch chunks.
std::vector<Request> GoogleAdsDestination::build_click(std::span<const Event* const> events, const Auth& auth) const {
  std::vector<Request> out;
  const std::string url =
      join_url(s_.options.base_url, "/" + s_.api_version + "/customers/" + s_.customer_id + ":uploadClickConversions");
  for (size_t start = 0; start < events.size(); start += s_.options.max_batch) {
    size_t end = std::min(events.size(), start + s_.options.max_batch);
    Request r;
    std::vector<std::string> actions;
    for (size_t i = start; i < end; ++i) {
      r.indices.push_back(i);
      actions.push_back("customers/" + s_.customer_id + "/conversionActions/" + action_id(*events[i]));
    }
    r.http.url = url;
    r.http.headers = headers(auth);
    r.http.body = click_conversions_body(events.subspan(start, end - start), actions);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace fanout::dest::google_ads
