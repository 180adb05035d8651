// GA4 Measurement Protocol: which events go (skip_reason), how they are grouped into requests (build) and
// the JSON body of each. Pure. The decisions are in README.md here.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "core/json_writer.h"
#include "core/url.h"
#include "destinations/ga4/ga4.h"

namespace fanout::dest::ga4 {
namespace {

using Writer = ::fanout::JsonWriter;

// GA4 collection limits (Measurement Protocol "Limitations" and GA4 collection limits).
constexpr size_t kMaxParams = 25;          // parameters per event
constexpr size_t kMaxItems = 200;          // items per event
constexpr size_t kMaxParamValue = 100;     // bytes of a custom string parameter value
constexpr size_t kMaxPageLocation = 1000;  // bytes
constexpr size_t kMaxPageReferrer = 420;   // bytes
constexpr size_t kMaxUserDataValues = 3;   // values per user_data kind (email, phone), as gtag takes
constexpr size_t kMaxUserId = 256;         // bytes

// Initial room of the JSON buffers, so that a usual value is written without growing (and copying) the
// buffer on the way: a request body for one event with user data is ~500-900 bytes, user_data ~150-400.
constexpr size_t kBodyCapacity = 1024;
constexpr size_t kUserDataCapacity = 512;

// The buffer's text as a string; its size is known, so no strlen.
std::string text(const rapidjson::StringBuffer& buf) { return std::string(buf.GetString(), buf.GetSize()); }

void str(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
void key(Writer& w, std::string_view k) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}
void str_field(Writer& w, std::string_view k, std::string_view v) {
  key(w, k);
  str(w, v);
}

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
std::string_view truncate_utf8(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

// Integral numbers go out as integers (GA4 quantity is an integer), others as doubles; NaN/inf never.
void number(Writer& w, double v) {
  if (!std::isfinite(v)) {
    w.Null();
  } else if (v == std::floor(v) && std::fabs(v) < 9e15) {
    w.Int64(static_cast<int64_t>(v));
  } else {
    w.Double(v);
  }
}

const char* consent_value(Consent c) {
  return c == Consent::granted ? "GRANTED" : "DENIED";
}

bool is_name(std::string_view name, size_t max) {
  if (name.empty() || name.size() > max) return false;
  if (!std::isalpha(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

bool reserved_prefix(std::string_view name) {
  for (std::string_view p : {"firebase_", "ga_", "google_", "gtag."})
    if (name.substr(0, p.size()) == p) return true;
  return false;
}

// Parameter names written so far: at most kMaxParams, so a linear search beats a set's allocations.
using TakenNames = std::vector<std::string_view>;

// Custom parameters from `properties` may not shadow the ones fanout sets nor use GA4's reserved names.
bool forwardable_param(std::string_view name, const TakenNames& taken) {
  static const std::set<std::string, std::less<>> kReserved{"gclid", "session_number", "session_id",
                                                            "engagement_time_msec", "items"};
  return is_name(name, 40) && !reserved_prefix(name) && !kReserved.count(name) &&
         std::find(taken.begin(), taken.end(), name) == taken.end();
}

void write_items(Writer& w, const std::vector<Content>& contents) {
  w.StartArray();
  size_t n = std::min(contents.size(), kMaxItems);
  for (size_t i = 0; i < n; ++i) {
    const Content& c = contents[i];
    w.StartObject();
    if (!c.id.empty()) str_field(w, "item_id", c.id);
    if (!c.name.empty()) str_field(w, "item_name", c.name);
    if (!c.category.empty()) str_field(w, "item_category", c.category);
    if (c.price) {
      key(w, "price");
      number(w, *c.price);
    }
    if (c.quantity) {
      key(w, "quantity");
      number(w, *c.quantity);
    }
    w.EndObject();
  }
  w.EndArray();
}

// Strings (cut to GA4's value limit) and numbers pass; booleans become "true"/"false"; null, arrays and
// objects are dropped because GA4 event parameters are scalars.
bool write_property(Writer& w, std::string_view name, const rapidjson::Value& v) {
  if (!v.IsString() && !v.IsNumber() && !v.IsBool()) return false;
  key(w, name);
  if (v.IsString()) {
    str(w, truncate_utf8(std::string_view(v.GetString(), v.GetStringLength()), kMaxParamValue));
  } else if (v.IsInt64()) {
    w.Int64(v.GetInt64());
  } else if (v.IsUint64()) {
    w.Uint64(v.GetUint64());
  } else if (v.IsNumber()) {
    number(w, v.GetDouble());
  } else {
    str(w, v.GetBool() ? "true" : "false");
  }
  return true;
}

void write_params(Writer& w, const Event& e) {
  TakenNames taken;  // views of literals and of `props` below, which outlives every use
  taken.reserve(kMaxParams);
  auto take = [&](std::string_view k) {
    taken.push_back(k);
    key(w, k);
  };
  w.StartObject();
  take("transaction_id");
  str(w, e.order_id.empty() ? e.event_id : e.order_id);
  if (e.value) {
    take("value");
    number(w, *e.value);
  }
  if (!e.currency.empty()) {
    take("currency");
    str(w, e.currency);
  }
  if (!e.contents.empty()) {
    take("items");
    write_items(w, e.contents);
  }
  if (!e.ids.ga_session_id.empty()) {
    take("session_id");
    str(w, e.ids.ga_session_id);
    // A non-zero engagement time makes the event count as engaged in the session (MP "sending events").
    take("engagement_time_msec");
    w.Int64(1);
  }
  if (!e.event_source_url.empty()) {
    take("page_location");
    str(w, truncate_utf8(e.event_source_url, kMaxPageLocation));
  }
  if (!e.referrer_url.empty()) {
    take("page_referrer");
    str(w, truncate_utf8(e.referrer_url, kMaxPageReferrer));
  }
  if (!e.properties_json.empty()) {
    rapidjson::Document props;
    props.Parse(e.properties_json.data(), e.properties_json.size());
    if (!props.HasParseError() && props.IsObject()) {
      for (const auto& m : props.GetObject()) {
        if (taken.size() >= kMaxParams) break;
        std::string_view name(m.name.GetString(), m.name.GetStringLength());
        if (forwardable_param(name, taken) && write_property(w, name, m.value)) taken.push_back(name);
      }
    }
  }
  w.EndObject();
}

void write_hashes(Writer& w, std::string_view name, const std::vector<std::string>& values) {
  key(w, name);
  w.StartArray();
  for (size_t i = 0; i < values.size() && i < kMaxUserDataValues; ++i) str(w, values[i]);
  w.EndArray();
}

}  // namespace

const EventNameMap& default_event_names() {
  static const EventNameMap names{
      {"purchase", "purchase"},
      {"lead", "generate_lead"},
      {"complete_registration", "sign_up"},
      {"sign_up", "sign_up"},
      {"add_to_cart", "add_to_cart"},
      {"initiate_checkout", "begin_checkout"},
      {"begin_checkout", "begin_checkout"},
      {"view_content", "view_item"},
      {"page_view", "page_view"},
      {"search", "search"},
      {"add_payment_info", "add_payment_info"},
  };
  return names;
}

bool valid_event_name(std::string_view name) {
  // The Measurement Protocol reference's reserved event names. page_view is not among them: it is reserved
  // only for events created in the GA4 UI, and MP accepts it (README.md).
  // clang-format off
  static const std::set<std::string, std::less<>> kReserved{
      "ad_activeview", "ad_click", "ad_exposure", "ad_impression", "ad_query", "ad_reward", "adunit_exposure",
      "app_background", "app_clear_data", "app_exception", "app_remove", "app_store_refund",
      "app_store_subscription_cancel", "app_store_subscription_convert", "app_store_subscription_renew",
      "app_update", "app_upgrade", "dynamic_link_app_open", "dynamic_link_app_update", "dynamic_link_first_open",
      "error", "first_open", "first_visit", "in_app_purchase", "notification_dismiss", "notification_foreground",
      "notification_open", "notification_receive", "os_update", "session_start", "session_start_with_rollout",
      "user_engagement"};
  // clang-format on
  return is_name(name, 40) && !reserved_prefix(name) && !kReserved.count(name);
}

std::string user_id_for(const Event& e) {
  const std::string& id = e.ga4_user_id.empty() ? e.user.external_id : e.ga4_user_id;
  return id.size() > kMaxUserId ? std::string() : id;
}

std::string consent_json(const Event& e) {
  if (e.ad_user_data == Consent::unspecified && e.ad_personalization == Consent::unspecified) return {};
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  if (e.ad_user_data != Consent::unspecified) str_field(w, "ad_user_data", consent_value(e.ad_user_data));
  if (e.ad_personalization != Consent::unspecified)
    str_field(w, "ad_personalization", consent_value(e.ad_personalization));
  w.EndObject();
  return text(buf);
}

std::string user_data_json(const Event& e) {
  const HashedUser& u = e.user;
  // ISO 3166-1 alpha-2 as the standard writes it (the spool keeps it lowercase for Meta's hash).
  std::string country = u.country;
  for (char& c : country) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::array<std::pair<const char*, const std::string*>, 6> address{{
      {"sha256_first_name", &u.first_name_words_sha256},
      {"sha256_last_name", &u.last_name_words_sha256},
      {"city", &u.city},
      {"region", &u.region},
      {"postal_code", &u.postal_code},
      {"country", &country},
  }};
  bool has_address = std::any_of(address.begin(), address.end(), [](const auto& p) { return !p.second->empty(); });
  if (u.email_gmail_sha256.empty() && u.phone_e164_sha256.empty() && !has_address) return {};
  rapidjson::StringBuffer buf(nullptr, kUserDataCapacity);
  Writer w(buf);
  w.StartObject();
  if (!u.email_gmail_sha256.empty()) write_hashes(w, "sha256_email_address", u.email_gmail_sha256);
  if (!u.phone_e164_sha256.empty()) write_hashes(w, "sha256_phone_number", u.phone_e164_sha256);
  if (has_address) {
    key(w, "address");
    w.StartArray();
    w.StartObject();
    for (const auto& [name, value] : address)
      if (!value->empty()) str_field(w, name, *value);
    w.EndObject();
    w.EndArray();
  }
  w.EndObject();
  return text(buf);
}

RequestLevel request_level(const Event& e) {
  return RequestLevel{user_id_for(e), consent_json(e), user_data_json(e)};
}

std::string body(std::span<const Event* const> events, std::span<const std::string> names, const RequestLevel& level) {
  if (events.empty()) return {};
  rapidjson::StringBuffer buf(nullptr, kBodyCapacity);
  const Event& first = *events[0];
  const int64_t first_micros = first.event_time * 1000000;
  Writer w(buf);
  w.StartObject();
  str_field(w, "client_id", first.ids.ga_client_id);
  if (!level.user_id.empty()) str_field(w, "user_id", level.user_id);
  key(w, "timestamp_micros");
  w.Int64(first_micros);
  if (!level.consent.empty()) {
    key(w, "consent");
    w.RawValue(level.consent.data(), level.consent.size(), rapidjson::kObjectType);
  }
  if (!level.user_data.empty()) {
    key(w, "user_data");
    w.RawValue(level.user_data.data(), level.user_data.size(), rapidjson::kObjectType);
  }
  key(w, "events");
  w.StartArray();
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = *events[i];
    w.StartObject();
    str_field(w, "name", names[i]);
    // Events of one request may have happened at different times: the event-level timestamp wins.
    if (e.event_time * 1000000 != first_micros) {
      key(w, "timestamp_micros");
      w.Int64(e.event_time * 1000000);
    }
    key(w, "params");
    write_params(w, e);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return text(buf);
}

Ga4Destination::Ga4Destination(Settings settings)
    : s_(std::move(settings)), default_url_(collect_url(s_.measurement_id)) {}

std::string Ga4Destination::skip_reason(const Event& event, int64_t now_s) const {
  if (std::string r = common_skip_reason(event, "ga4", now_s, kWindow.count()); !r.empty()) return r;
  if (!valid_event_name(event_name(event))) return "invalid_event_name";
  // A client_id must be the one the site's GA tag set; a made-up one would invent a user (README.md).
  if (event.ids.ga_client_id.empty()) return "missing_identifiers";
  return {};
}

std::vector<Request> Ga4Destination::build(std::span<const Event* const> events, const Auth&) const {
  // One request per (measurement id, client_id, user_id, consent, user_data): those are request-level
  // in MP. Groups keep the order in which they first appear.
  std::vector<Request> out;
  std::vector<RequestLevel> levels;    // levels[k]: the request-level fields of out[k]
  std::map<std::string, size_t> open;  // group key -> index in `out` of its newest request
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = *events[i];
    const std::string& mid = measurement_id_for(e);
    RequestLevel level = request_level(e);
    std::string group =
        mid + '\n' + e.ids.ga_client_id + '\n' + level.user_id + '\n' + level.consent + '\n' + level.user_data;
    auto it = open.find(group);
    if (it == open.end() || out[it->second].indices.size() >= batch_limit()) {
      Request r;
      r.http.url = mid == s_.measurement_id ? default_url_ : collect_url(mid);
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
    r.http.body = body(group, names, levels[k]);
  }
  return out;
}

std::string Ga4Destination::event_name(const Event& e) const {
  return resolve_event_name(e, "ga4", s_.configured_names, default_event_names(), true);
}

// A legacy body may name its measurement id; intake already checked it against the allow-list.
const std::string& Ga4Destination::measurement_id_for(const Event& e) const {
  const std::string& target = override_for(e, "ga4").target_id;
  return target.empty() ? s_.measurement_id : target;
}

size_t Ga4Destination::batch_limit() const { return std::min(s_.options.max_batch, kMaxEventsPerRequest); }

std::string Ga4Destination::collect_url(const std::string& mid) const {
  return join_url(s_.options.base_url, "/mp/collect") + "?measurement_id=" + percent_encode(mid) +
         "&api_secret=" + percent_encode(s_.api_secret);
}

}  // namespace fanout::dest::ga4
