#include "destinations/google_ads/click_conversions_body.h"

#include <cstdio>
#include <ctime>

#include "destinations/google_ads/json_writer.h"
#include "destinations/json_writer.h"
#include "destinations/google_ads/user_identifiers.h"

namespace fanout::dest::google_ads {
namespace {

constexpr size_t kMaxUserIdentifiers = 5;  // ClickConversion.userIdentifiers limit

void conversion(Writer& w, const Event& e, const std::string& conversion_action) {
  w.StartObject();
  str_field(w, "conversionAction", conversion_action);
  // One click id: gbraid and wbraid together are rejected (GBRAID_WBRAID_BOTH_SET); gclid is the richest.
  if (!e.ids.gclid.empty()) {
    str_field(w, "gclid", e.ids.gclid);
  } else if (!e.ids.gbraid.empty()) {
    str_field(w, "gbraid", e.ids.gbraid);
  } else if (!e.ids.wbraid.empty()) {
    str_field(w, "wbraid", e.ids.wbraid);
  }
  str_field(w, "conversionDateTime", conversion_date_time(e.event_time));
  if (e.value) double_field(w, "conversionValue", *e.value);
  if (!e.currency.empty()) str_field(w, "currencyCode", e.currency);
  str_field(w, "orderId", e.order_id.empty() ? e.event_id : e.order_id);
  auto ids = pick_identifiers(e.user, kMaxUserIdentifiers);
  if (!ids.empty()) {
    key(w, "userIdentifiers");
    w.StartArray();
    for (const UserIdentifier& id : ids) {
      w.StartObject();
      str_field(w, id.kind == UserIdentifier::email ? "hashedEmail" : "hashedPhoneNumber", *id.sha256);
      w.EndObject();
    }
    w.EndArray();
  }
  // adPersonalization is only for Customer Match services; a ClickConversion takes adUserData alone.
  if (e.ad_user_data != Consent::unspecified) {
    key(w, "consent");
    w.StartObject();
    str_field(w, "adUserData", e.ad_user_data == Consent::granted ? "GRANTED" : "DENIED");
    w.EndObject();
  }
  w.EndObject();
}

}  // namespace

std::string conversion_date_time(int64_t unix_s) {
  time_t secs = static_cast<time_t>(unix_s);
  struct tm t {};
  gmtime_r(&secs, &t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d+00:00", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                t.tm_hour, t.tm_min, t.tm_sec);
  return buf;
}

std::string click_conversions_body(std::span<const Event* const> events,
                                   std::span<const std::string> conversion_actions) {
  rapidjson::StringBuffer buf(nullptr, body_capacity(events.size()));
  Writer w(buf);
  w.StartObject();
  key(w, "conversions");
  w.StartArray();
  for (size_t i = 0; i < events.size(); ++i) conversion(w, *events[i], conversion_actions[i]);
  w.EndArray();
  key(w, "partialFailure");
  w.Bool(true);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace fanout::dest::google_ads
