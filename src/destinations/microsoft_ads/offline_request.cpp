// Microsoft Ads ApplyOfflineConversions: which events go (skip_reason) and the requests (build). Pure.
//
// Choices (docs/platforms.md, Microsoft Advertising, offline):
// - ConversionName is the [events.X].microsoft_ads goal name (or the event's own override); there is no
//   default, because a name that matches no goal is silently not applied -> "not_mapped".
// - Matchable = MicrosoftClickId, or a hashed email (offline rule: "+alias" dropped, dots kept) or phone
//   (E.164 with '+', SHA-256); the first of each is sent.
// - ConversionTime is the event time in UTC seconds ("2026-11-23T12:00:00Z").
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "core/clock.h"
#include "destinations/json_writer.h"
#include "destinations/microsoft_ads/offline.h"

namespace fanout::dest::microsoft_ads {
namespace {

bool has_identifier(const Event& e) {
  return !e.ids.msclkid.empty() || !e.user.email_no_dots_tag_sha256.empty() || !e.user.phone_e164_sha256.empty();
}

}  // namespace

std::string OfflineDestination::conversion_name(const Event& event) const {
  static const EventNameMap kNoDefaults;
  return resolve_event_name(event, "microsoft_ads", s_.configured_names, kNoDefaults, false);
}

std::string OfflineDestination::skip_reason(const Event& event, int64_t now_s) const {
  if (std::string r = common_skip_reason(event, "microsoft_ads", now_s, window().count()); !r.empty()) return r;
  if (event.ad_user_data == Consent::denied) return "consent_denied";
  if (conversion_name(event).empty()) return "not_mapped";
  if (!has_identifier(event)) return "missing_identifiers";
  return {};
}

std::vector<Request> OfflineDestination::build(std::span<const Event* const> events, const Auth& auth) const {
  std::vector<Request> out;
  for (auto& batch : batches(events.size(), s_.options.max_batch)) {
    Request r;
    r.indices = std::move(batch);
    rapidjson::StringBuffer buf;
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
