#include "destinations/google_ads/data_manager_body.h"

#include <cctype>

#include "core/clock.h"
#include "destinations/google_ads/json_writer.h"
#include "destinations/json_writer.h"
#include "destinations/google_ads/user_identifiers.h"

namespace fanout::dest::google_ads {
namespace {

constexpr size_t kMaxUserIdentifiers = 10;  // UserData.userIdentifiers limit per event

const char* consent_status(Consent c) {
  return c == Consent::granted ? "CONSENT_GRANTED" : "CONSENT_DENIED";
}

const char* event_source(const std::string& action_source) {
  if (action_source == "website") return "WEB";
  if (action_source == "app") return "APP";
  if (action_source == "phone_call") return "PHONE";
  if (action_source == "physical_store") return "IN_STORE";
  return "OTHER";
}

void account(Writer& w, std::string_view name, const std::string& id) {
  key(w, name);
  w.StartObject();
  str_field(w, "accountType", "GOOGLE_ADS");
  str_field(w, "accountId", id);
  w.EndObject();
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// AddressInfo requires all four parts; a partial address would fail the whole request.
bool has_address(const HashedUser& u) {
  return !u.first_name_words_sha256.empty() && !u.last_name_words_sha256.empty() && !u.country.empty() &&
         !u.postal_code.empty();
}

void user_data(Writer& w, const HashedUser& u) {
  const bool address = has_address(u);
  auto ids = pick_identifiers(u, kMaxUserIdentifiers - (address ? 1 : 0));
  if (ids.empty() && !address) return;
  key(w, "userData");
  w.StartObject();
  key(w, "userIdentifiers");
  w.StartArray();
  for (const UserIdentifier& id : ids) {
    w.StartObject();
    str_field(w, id.kind == UserIdentifier::email ? "emailAddress" : "phoneNumber", *id.sha256);
    w.EndObject();
  }
  if (address) {
    w.StartObject();
    key(w, "address");
    w.StartObject();
    str_field(w, "givenName", u.first_name_words_sha256);
    str_field(w, "familyName", u.last_name_words_sha256);
    str_field(w, "regionCode", upper(u.country));
    str_field(w, "postalCode", u.postal_code);
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void consent(Writer& w, const Event& e) {
  if (e.ad_user_data == Consent::unspecified && e.ad_personalization == Consent::unspecified) return;
  key(w, "consent");
  w.StartObject();
  if (e.ad_user_data != Consent::unspecified) str_field(w, "adUserData", consent_status(e.ad_user_data));
  if (e.ad_personalization != Consent::unspecified)
    str_field(w, "adPersonalization", consent_status(e.ad_personalization));
  w.EndObject();
}

void ad_identifiers(Writer& w, const Ids& ids) {
  if (ids.gclid.empty() && ids.gbraid.empty() && ids.wbraid.empty()) return;
  key(w, "adIdentifiers");
  w.StartObject();
  // One click id, as the Google Ads API requires (gbraid and wbraid together are rejected there).
  if (!ids.gclid.empty()) {
    str_field(w, "gclid", ids.gclid);
  } else if (!ids.gbraid.empty()) {
    str_field(w, "gbraid", ids.gbraid);
  } else {
    str_field(w, "wbraid", ids.wbraid);
  }
  w.EndObject();
}

void event(Writer& w, const Event& e) {
  w.StartObject();
  str_field(w, "transactionId", e.order_id.empty() ? e.event_id : e.order_id);
  str_field(w, "eventTimestamp", format_rfc3339(e.event_time));
  user_data(w, e.user);
  consent(w, e);
  ad_identifiers(w, e.ids);
  if (!e.currency.empty()) str_field(w, "currency", e.currency);
  if (e.value) double_field(w, "conversionValue", *e.value);
  str_field(w, "eventSource", event_source(e.action_source));
  w.EndObject();
}

}  // namespace

std::string data_manager_body(const DataManagerTarget& target, std::span<const Event* const> events) {
  rapidjson::StringBuffer buf(nullptr, body_capacity(events.size()));
  Writer w(buf);
  w.StartObject();
  key(w, "destinations");
  w.StartArray();
  w.StartObject();
  account(w, "operatingAccount", target.customer_id);
  if (!target.login_customer_id.empty()) account(w, "loginAccount", target.login_customer_id);
  str_field(w, "productDestinationId", target.conversion_action);
  w.EndObject();
  w.EndArray();
  str_field(w, "encoding", "HEX");
  key(w, "events");
  w.StartArray();
  for (const Event* e : events) event(w, *e);
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace fanout::dest::google_ads
