#include "ingest/legacy.h"

#include <rapidjson/document.h>

#include <algorithm>

#include "ingest/field_checks.h"
#include "ingest/json_fields.h"

namespace fanout::ingest {
namespace {

const JsonValue& member(const JsonValue& obj, const char* name) {
  static const JsonValue kNull;
  if (!obj.IsObject()) return kNull;
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? kNull : it->value;
}

bool listed(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// "John Doe" -> ("John", "Doe"); "John van Doe" -> ("John", "van Doe"): the Worker split on the first space.
void split_name(std::string_view name, RawUser& raw) {
  name = trim(name);
  size_t space = name.find(' ');
  raw.first_name = std::string(name.substr(0, space));
  if (space != std::string_view::npos) raw.last_name = std::string(trim(name.substr(space + 1)));
}

// The id GA's cookie `name` carries (`normalize` reads it), "" unless the cookie is there in GA's own form:
// normalizing such a value shortens it, and a value taken as sent is no cookie of GA's.
std::string ga_cookie_id(std::string_view cookie_header, const std::string& name,
                         std::optional<std::string> (*normalize)(std::string_view)) {
  const std::string cookie = cookie_value(cookie_header, name);
  if (cookie.size() > kMaxStringBytes) return "";
  auto id = normalize(cookie);
  return id && *id != trim(cookie) ? *id : "";
}

}  // namespace

std::string cookie_value(std::string_view cookie_header, std::string_view name) {
  while (!cookie_header.empty()) {
    const size_t end = std::min(cookie_header.find(';'), cookie_header.size());
    std::string_view pair = trim(cookie_header.substr(0, end));
    cookie_header.remove_prefix(std::min(end + 1, cookie_header.size()));
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos || trim(pair.substr(0, eq)) != name) continue;
    std::string_view value = trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return std::string(value);
  }
  return "";
}

std::string legacy_client_ip(const std::string& forwarded_for, const std::string& peer_ip, bool trust_forwarded_for) {
  if (!trust_forwarded_for) return peer_ip;
  std::string first(trim(std::string_view(forwarded_for).substr(0, forwarded_for.find(','))));
  return is_ip_address(first) ? first : peer_ip;
}

Result<Event> parse_legacy(std::string_view body, const LegacyRequest& request, const LegacyOptions& options,
                           std::vector<FieldError>& errors) {
  rapidjson::Document doc;
  if (!parse_json(body, doc)) return fail("invalid_json", "the body is not valid JSON (UTF-8)");
  if (!doc.IsObject()) return fail("invalid_json", "the body must be a JSON object");
  const size_t errors_before = errors.size();
  FieldReader fields(errors, "");

  const JsonValue& data = member(doc, "data");
  if (!data.IsObject()) {
    fields.error("data", data.IsNull() ? "required" : std::string("must be an object, not ") + json_type_name(data));
    return fail("invalid_event", summarize(errors), "data");
  }
  const JsonValue& meta = member(doc, "meta");
  if (!meta.IsNull()) fields.object(meta, "meta");

  Event event;
  RawUser raw;
  event.event_time = request.now_s;
  event.received_at_ms = request.now_s * 1000;
  event.ip = request.client_ip;
  event.user_agent = std::string(request.user_agent.substr(0, kMaxStringBytes));

  auto text = [&](const JsonValue& obj, const char* name, const std::string& field, size_t max = kMaxStringBytes) {
    return fields.text(member(obj, name), field, max).value_or("");
  };

  size_t before_field = fields.error_count();
  event.event_id = text(data, "eventId", "data.eventId", kMaxEventIdBytes);
  if (event.event_id.empty() && fields.error_count() == before_field) fields.error("data.eventId", "required");

  before_field = fields.error_count();
  const std::string meta_event = text(data, "metaEvent", "data.metaEvent", kMaxEventNameBytes);
  const std::string ga_event = text(data, "gaEvent", "data.gaEvent", kMaxEventNameBytes);
  event.event_name = !ga_event.empty() ? ga_event : meta_event;
  if (event.event_name.empty() && fields.error_count() == before_field)
    fields.error("data.gaEvent", "required (gaEvent or metaEvent)");
  if (!meta_event.empty()) event.destinations["meta"].event_name = meta_event;
  if (!ga_event.empty()) event.destinations["ga4"].event_name = ga_event;

  // Google Ads needs a conversion action per event; only labels the operator mapped have one.
  const std::string label = text(data, "gadsConversionLabel", "data.gadsConversionLabel");
  auto action = options.google_ads_labels.find(label);
  if (!label.empty() && action != options.google_ads_labels.end())
    event.destinations["google_ads"].event_name = action->second;
  else
    event.destinations["google_ads"].skip_reason = "not_mapped";

  const std::string url = text(data, "eventUrl", "data.eventUrl", kMaxUrlBytes);
  if (is_http_url(url)) event.event_source_url = url;  // the Worker forwarded whatever came; a non-URL is dropped

  const std::string user_id = text(data, "userId", "data.userId");
  raw.external_id = user_id;
  event.ga4_user_id = user_id;

  const JsonValue& user_data = member(data, "userData");
  if (fields.object(user_data, "data.userData")) {
    raw.email = fields.text_list(member(user_data, "email"), "data.userData.email", kMaxIdentifiers, kMaxStringBytes);
    raw.phone = fields.text_list(member(user_data, "phone"), "data.userData.phone", kMaxIdentifiers, kMaxStringBytes);
    split_name(text(user_data, "name", "data.userData.name"), raw);
  }

  event.ids.fbp = text(data, "cookieFbp", "data.cookieFbp");
  event.ids.fbc = text(data, "cookieFbc", "data.cookieFbc");
  event.ids.gclid = text(data, "cookieGclid", "data.cookieGclid");
  // The body has no GA client id. When the site's pages call POST / on the site's domain, the request carries
  // its `_ga` cookie, whose last two parts are the client id GA4 joins the event to the tag's user by.
  // Without it GA4 is skipped (missing_identifiers), as for a canonical event without ids.ga_client_id.
  // Only a value of the cookie's own form ("GA1.<depth>.<random>.<time>") is taken.
  event.ids.ga_client_id = ga_cookie_id(request.cookie, "_ga", normalize_ga_client_id);

  const std::string test_code = text(meta, "metaTestCode", "meta.metaTestCode");
  if (!test_code.empty()) event.destinations["meta"].test_event_code = test_code;
  const std::string pixel_id = text(meta, "metaPixelId", "meta.metaPixelId");
  if (!pixel_id.empty() && listed(options.allowed_pixel_ids, pixel_id)) event.destinations["meta"].target_id = pixel_id;
  const std::string measurement_id = text(meta, "gaMeasurementId", "meta.gaMeasurementId");
  if (!measurement_id.empty() && listed(options.allowed_measurement_ids, measurement_id))
    event.destinations["ga4"].target_id = measurement_id;
  // GA4's session: the site's tag keeps it in a cookie per stream, `_ga_<measurement id without "G-">`,
  // "GS1.1.<session id>.<count>...." or "GS2.1.s<session id>$o<count>...". The cookie read is the one of
  // the stream the event goes to. With it GA4 counts the event in the visitor's session; without it the
  // event still counts, outside any session. As for `_ga`, only the cookie's own form is taken.
  if (!event.ids.ga_client_id.empty()) {
    const auto ga4 = event.destinations.find("ga4");
    std::string stream = ga4 != event.destinations.end() && !ga4->second.target_id.empty() ? ga4->second.target_id
                                                                                          : options.ga4_measurement_id;
    if (starts_with_nocase(stream, "g-")) stream.erase(0, 2);
    if (!stream.empty()) event.ids.ga_session_id = ga_cookie_id(request.cookie, "_ga_" + stream, normalize_ga_session_id);
  }

  if (errors.size() != errors_before) return fail("invalid_event", summarize(errors), errors[errors_before].field);
  event.user = identity::hash_user(raw, options.identity);
  return event;
}

}  // namespace fanout::ingest
