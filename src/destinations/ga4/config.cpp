#include "destinations/ga4/ga4.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "core/url.h"
#include "destinations/ga4/ga4_body.h"

namespace fanout::dest {
namespace {

constexpr int64_t kWindowSeconds = 72LL * 3600;  // MP accepts events backdated by at most 72 hours
constexpr size_t kMaxEventsPerRequest = 25;      // MP limit

class Ga4 final : public Destination {
 public:
  Ga4(DeliveryOptions options, std::string measurement_id, std::string api_secret, EventNameMap configured)
      : options_(std::move(options)),
        measurement_id_(std::move(measurement_id)),
        api_secret_(std::move(api_secret)),
        configured_(std::move(configured)),
        default_url_(collect_url(measurement_id_)) {}

  std::string_view name() const override { return "ga4"; }

  std::string skip_reason(const Event& event, int64_t now_s) const override {
    if (std::string r = common_skip_reason(event, "ga4", now_s, kWindowSeconds); !r.empty()) return r;
    if (!ga4::valid_event_name(event_name(event))) return "invalid_event_name";
    // A client_id must be the one the site's GA tag set; a made-up one would invent a user (README.md).
    if (event.ids.ga_client_id.empty()) return "missing_identifiers";
    return {};
  }

  std::vector<Request> build(std::span<const Event* const> events, const Auth&) const override {
    // One request per (measurement id, client_id, user_id, consent, user_data): those are request-level
    // in MP. Groups keep the order in which they first appear.
    std::vector<Request> out;
    std::vector<ga4::RequestLevel> levels;  // levels[k]: the request-level fields of out[k]
    std::map<std::string, size_t> open;     // group key -> index in `out` of its newest request
    for (size_t i = 0; i < events.size(); ++i) {
      const Event& e = *events[i];
      const std::string& mid = measurement_id_for(e);
      ga4::RequestLevel level = ga4::request_level(e);
      std::string group =
          mid + '\n' + e.ids.ga_client_id + '\n' + level.user_id + '\n' + level.consent + '\n' + level.user_data;
      auto it = open.find(group);
      if (it == open.end() || out[it->second].indices.size() >= batch_limit()) {
        Request r;
        r.http.url = mid == measurement_id_ ? default_url_ : collect_url(mid);
        r.http.headers = {{"content-type", "application/json"}};
        out.push_back(std::move(r));
        levels.push_back(std::move(level));
        it = open.insert_or_assign(std::move(group), out.size() - 1).first;
      }
      out[it->second].indices.push_back(i);
    }
    std::vector<const Event*> group;
    std::vector<std::string> names;
    for (size_t k = 0; k < out.size(); ++k) {
      Request& r = out[k];
      group.clear();
      names.clear();
      for (size_t i : r.indices) {
        group.push_back(events[i]);
        names.push_back(event_name(*events[i]));
      }
      r.http.body = ga4::body(group, names, levels[k]);
    }
    return out;
  }

  // MP answers 2xx whenever it received the request, even for a payload it drops: only transport
  // problems, rate limiting and server errors are worth a retry.
  Classification classify(const Request& request, const HttpResponse& response) const override {
    Classification c;
    EventResult result;
    const int s = response.status;
    if (s >= 200 && s < 300) {
      result = {Outcome::delivered, ""};
    } else if (s == 0) {
      result = {Outcome::retry, transport_reason(response)};
    } else if (s == 408 || s == 429 || s >= 500) {
      result = {Outcome::retry, "http_" + std::to_string(s)};
    } else {
      result = {Outcome::reject, "ga4: http_" + std::to_string(s)};
    }
    c.events.assign(request.indices.size(), result);
    return c;
  }

  std::chrono::seconds window() const override { return std::chrono::seconds(kWindowSeconds); }

  const DeliveryOptions& options() const override { return options_; }

 private:
  std::string event_name(const Event& e) const {
    return resolve_event_name(e, "ga4", configured_, ga4::default_event_names(), true);
  }

  // A legacy body may name its measurement id; intake already checked it against the allow-list.
  const std::string& measurement_id_for(const Event& e) const {
    const std::string& target = override_for(e, "ga4").target_id;
    return target.empty() ? measurement_id_ : target;
  }

  size_t batch_limit() const { return std::min(options_.max_batch, kMaxEventsPerRequest); }

  std::string collect_url(const std::string& mid) const {
    return join_url(options_.base_url, "/mp/collect") + "?measurement_id=" + percent_encode(mid) +
           "&api_secret=" + percent_encode(api_secret_);
  }

  DeliveryOptions options_;
  std::string measurement_id_;
  std::string api_secret_;
  EventNameMap configured_;
  std::string default_url_;  // collect_url(measurement_id_), the URL of nearly every request
};

}  // namespace

std::unique_ptr<Destination> make_ga4(ConfigTable& table, const EventNameMap& configured_names) {
  DeliveryOptions defaults;
  defaults.base_url = "https://www.google-analytics.com";
  defaults.max_batch = kMaxEventsPerRequest;
  DeliveryOptions options = read_delivery_options(table, defaults);
  std::string measurement_id = table.required_str("measurement_id");
  std::string api_secret = table.secret("api_secret", true, "GA4_API_SECRET");
  for (const auto& [canonical, ga4_name] : configured_names)
    if (!ga4::valid_event_name(ga4_name))
      table.errors().add("events." + canonical + ".ga4",
                         "\"" + ga4_name +
                             "\" is not a valid GA4 event name (letters, digits, '_', 40 at most, "
                             "starting with a letter, not reserved)");
  table.finish();
  return std::make_unique<Ga4>(std::move(options), std::move(measurement_id), std::move(api_secret), configured_names);
}

}  // namespace fanout::dest
