// Microsoft Advertising: which events go (skip_reason) and the requests that carry them (build), for both
// modes. Pure. The choices Microsoft's documentation leaves to us, and why: README.md here, "Decisions".
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>

#include "core/clock.h"
#include "destinations/json_writer.h"
#include "destinations/microsoft_ads/microsoft_ads.h"

namespace fanout::dest::microsoft_ads {
namespace {

// A CAPI event can be matched: userData needs em, ph, msclkid or externalId.
bool capi_has_identifier(const Event& e) {
  return !e.user.email_no_dots_tag_sha256.empty() || !e.user.phone_e164_sha256.empty() || !e.ids.msclkid.empty() ||
         !e.user.external_id.empty();
}

void write_custom_data(JsonWriter& w, const Event& e) {
  if (!e.value && e.currency.empty() && e.order_id.empty() && e.contents.empty()) return;
  w.Key("customData");
  w.StartObject();
  if (e.value) {
    w.Key("value");
    w.Double(*e.value);
  }
  put(w, "currency", e.currency);
  put(w, "transactionId", e.order_id);
  if (!e.contents.empty()) {
    w.Key("items");
    w.StartArray();
    for (const Content& c : e.contents) {
      w.StartObject();
      put(w, "id", c.id);
      if (c.quantity) {
        w.Key("quantity");
        put_number(w, *c.quantity);
      }
      if (c.price) {
        w.Key("price");
        w.Double(*c.price);
      }
      put(w, "name", c.name);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

void write_event(JsonWriter& w, const Event& e, const std::string& event_name, bool page_load) {
  w.StartObject();
  put(w, "eventType", page_load ? "pageLoad" : "custom");
  put(w, "eventId", e.event_id);
  if (!page_load) put(w, "eventName", event_name);
  w.Key("eventTime");
  w.Int64(e.event_time);
  put(w, "eventSourceUrl", e.event_source_url);
  put(w, "referrerUrl", e.referrer_url);
  if (e.ad_user_data == Consent::granted) put(w, "adStorageConsent", "G");
  w.Key("userData");
  w.StartObject();
  put(w, "em", first(e.user.email_no_dots_tag_sha256));
  put(w, "ph", first(e.user.phone_e164_sha256));
  put(w, "msclkid", e.ids.msclkid);
  put(w, "externalId", e.user.external_id);
  put(w, "clientIpAddress", e.ip);
  put(w, "clientUserAgent", e.user_agent);
  w.EndObject();
  write_custom_data(w, e);
  w.EndObject();
}

// An offline conversion can be matched: a click id, a hashed email or a hashed phone.
bool offline_has_identifier(const Event& e) {
  return !e.ids.msclkid.empty() || !e.user.email_no_dots_tag_sha256.empty() || !e.user.phone_e164_sha256.empty();
}

}  // namespace

// Mode "capi".
std::string CapiDestination::skip_reason(const Event& event, int64_t now_s) const {
  if (std::string r = common_skip_reason(event, "microsoft_ads", now_s, window().count()); !r.empty()) return r;
  if (event.ad_user_data == Consent::denied) return "consent_denied";
  if (!capi_has_identifier(event)) return "missing_identifiers";
  return {};
}

std::vector<Request> CapiDestination::build(std::span<const Event* const> events, const Auth& /*auth*/) const {
  static const EventNameMap kNoDefaults;
  std::vector<Request> out;
  for (auto& batch : batches(events.size(), s_.options.max_batch)) {
    Request r;
    r.indices = std::move(batch);
    rapidjson::StringBuffer buf(nullptr, body_capacity(r.indices.size()));
    JsonWriter w(buf);
    w.StartObject();
    w.Key("data");
    w.StartArray();
    for (size_t i : r.indices) {
      const Event& e = *events[i];
      std::string name = resolve_event_name(e, "microsoft_ads", s_.configured_names, kNoDefaults, true);
      bool page_load = e.event_name == "page_view" && name == e.event_name && !e.event_source_url.empty();
      write_event(w, e, name, page_load);
    }
    w.EndArray();
    w.Key("continueOnValidationError");
    w.Bool(false);
    put(w, "dataProvider", s_.data_provider);
    w.EndObject();
    r.http.url = join_url(s_.options.base_url, "/v1/" + s_.tag_id + "/events");
    r.http.headers = {{"authorization", "Bearer " + s_.token}, {"content-type", "application/json"}};
    r.http.body.assign(buf.GetString(), buf.GetSize());
    out.push_back(std::move(r));
  }
  return out;
}

// Mode "offline".
std::string OfflineDestination::conversion_name(const Event& event) const {
  static const EventNameMap kNoDefaults;
  return resolve_event_name(event, "microsoft_ads", s_.configured_names, kNoDefaults, false);
}

std::string OfflineDestination::skip_reason(const Event& event, int64_t now_s) const {
  if (std::string r = common_skip_reason(event, "microsoft_ads", now_s, window().count()); !r.empty()) return r;
  if (event.ad_user_data == Consent::denied) return "consent_denied";
  if (conversion_name(event).empty()) return "not_mapped";
  if (!offline_has_identifier(event)) return "missing_identifiers";
  return {};
}

std::vector<Request> OfflineDestination::build(std::span<const Event* const> events, const Auth& auth) const {
  std::vector<Request> out;
  for (auto& batch : batches(events.size(), s_.options.max_batch)) {
    Request r;
    r.indices = std::move(batch);
    rapidjson::StringBuffer buf(nullptr, body_capacity(r.indices.size()));
    JsonWriter w(buf);
    w.StartObject();
    w.Key("OfflineConversions");
    w.StartArray();
    for (size_t i : r.indices) {
      const Event& e = *events[i];
      w.StartObject();
      put(w, "ConversionName", conversion_name(e));
      put(w, "ConversionTime", format_rfc3339(e.event_time));
      put(w, "MicrosoftClickId", e.ids.msclkid);
      if (e.value) {
        w.Key("ConversionValue");
        w.Double(*e.value);
      }
      put(w, "ConversionCurrencyCode", e.currency);
      put(w, "HashedEmailAddress", first(e.user.email_no_dots_tag_sha256));
      put(w, "HashedPhoneNumber", first(e.user.phone_e164_sha256));
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    r.http.url = join_url(s_.options.base_url, "/CampaignManagement/v13/OfflineConversions/Apply");
    r.http.headers = {{"authorization", "Bearer " + auth.access_token},
                      {"developertoken", s_.developer_token},
                      {"customerid", s_.customer_id},
                      {"customeraccountid", s_.account_id},
                      {"content-type", "application/json"}};
    r.http.body.assign(buf.GetString(), buf.GetSize());
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace fanout::dest::microsoft_ads
