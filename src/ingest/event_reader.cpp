#include "ingest/event_reader.h"

#include <string_view>

#include "core/clock.h"
#include "identity/identity.h"
#include "ingest/field_checks.h"

namespace fanout::ingest {
namespace {

std::string_view name_of(const JsonValue& name) {
  return {name.GetString(), name.GetStringLength()};
}

void read_event_time(const JsonValue& v, FieldReader& fields, int64_t now_s, int64_t& out) {
  out = now_s;
  if (v.IsNull()) return;
  int64_t t = 0;
  if (v.IsInt64()) {
    t = v.GetInt64();
  } else if (v.IsString()) {
    std::string s(v.GetString(), v.GetStringLength());
    if (s.empty()) return;
    if (!parse_rfc3339(s, t)) {
      fields.error("event_time", "must be an RFC 3339 time such as 2026-01-31T12:00:00Z");
      return;
    }
  } else {
    fields.error("event_time", "must be an integer (Unix seconds) or an RFC 3339 string");
    return;
  }
  if (t > now_s + kMaxFutureSeconds) {
    bool looks_ms = t > 100000000000LL;
    fields.error("event_time", looks_ms ? "is in the future (milliseconds given? Unix seconds expected)"
                                        : "is more than 5 minutes in the future");
    return;
  }
  if (t < kMinEventTime) {
    fields.error("event_time", "is before 2000-01-01");
    return;
  }
  out = t;
}

void read_required_text(const JsonValue* v, std::string_view field, size_t max_bytes, FieldReader& fields,
                        std::string& out) {
  if (!v || v->IsNull()) {
    fields.error(field, "required");
    return;
  }
  if (!v->IsString()) {
    fields.error(field, std::string("must be a string, not ") + json_type_name(*v));
    return;
  }
  if (v->GetStringLength() == 0) {
    fields.error(field, "must not be empty");
    return;
  }
  if (auto s = fields.text(*v, field, max_bytes)) out = std::move(*s);
}

// What the top-level readers fill. Fields whose checks depend on one another (required ids, value and
// currency) are only located here and read after every member was seen.
struct EventContext {
  FieldReader& fields;
  Event& event;
  RawUser& raw;
  int64_t now_s;
  const JsonValue* event_id = nullptr;
  const JsonValue* event_name = nullptr;
  const JsonValue* value = nullptr;
  const JsonValue* currency = nullptr;
};

void read_url(FieldReader& fields, const JsonValue& v, std::string_view field, std::string& out) {
  auto s = fields.text(v, field, kMaxUrlBytes);
  if (s && is_http_url(*s))
    out = *s;
  else if (s)
    fields.error(field, "must be an http(s) URL");
}

constexpr MemberReader<EventContext> kEventReaders[] = {
    {"event_id", [](EventContext& c, const JsonValue& v, std::string_view) { c.event_id = &v; }},
    {"event_name", [](EventContext& c, const JsonValue& v, std::string_view) { c.event_name = &v; }},
    {"event_time", [](EventContext& c, const JsonValue& v,
                      std::string_view) { read_event_time(v, c.fields, c.now_s, c.event.event_time); }},
    {"action_source",
     [](EventContext& c, const JsonValue& v, std::string_view) {
       auto s = c.fields.text(v, "action_source", kMaxStringBytes);
       if (!s) return;
       if (is_action_source(*s))
         c.event.action_source = *s;
       else
         c.fields.error("action_source",
                        "must be one of website, app, phone_call, chat, email, physical_store, "
                        "system_generated, crm, other");
     }},
    {"event_source_url", [](EventContext& c, const JsonValue& v,
                            std::string_view) { read_url(c.fields, v, "event_source_url", c.event.event_source_url); }},
    {"referrer_url", [](EventContext& c, const JsonValue& v,
                        std::string_view) { read_url(c.fields, v, "referrer_url", c.event.referrer_url); }},
    {"user", [](EventContext& c, const JsonValue& v, std::string_view) { read_user(v, c.fields, c.raw, c.event); }},
    {"ids", [](EventContext& c, const JsonValue& v, std::string_view) { read_ids(v, c.fields, c.event.ids); }},
    {"value", [](EventContext& c, const JsonValue& v, std::string_view) { c.value = &v; }},
    {"currency", [](EventContext& c, const JsonValue& v, std::string_view) { c.currency = &v; }},
    {"order_id",
     [](EventContext& c, const JsonValue& v, std::string_view) {
       if (auto s = c.fields.text(v, "order_id", kMaxEventIdBytes)) c.event.order_id = *s;
     }},
    {"contents",
     [](EventContext& c, const JsonValue& v, std::string_view) { read_contents(v, c.fields, c.event.contents); }},
    {"consent", [](EventContext& c, const JsonValue& v, std::string_view) { read_consent(v, c.fields, c.event); }},
    {"properties", [](EventContext& c, const JsonValue& v,
                      std::string_view) { read_properties(v, c.fields, c.event.properties_json); }},
    {"destinations", [](EventContext& c, const JsonValue& v,
                        std::string_view) { read_destinations(v, c.fields, c.event.destinations); }},
};

}  // namespace

std::string key_for_message(const JsonValue& name) {
  constexpr size_t kMax = 64;
  std::string_view s = name_of(name);
  if (s.size() <= kMax) return std::string(s);
  // Cut on a UTF-8 boundary so the answer stays valid UTF-8.
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "...";
}

bool read_event(const JsonValue& obj, FieldReader& fields, const ParseOptions& options, int64_t now_s, Event& event) {
  const size_t errors_before = fields.error_count();
  fields.unique_members(obj, "");
  RawUser raw;
  EventContext c{fields, event, raw, now_s};

  event.event_time = now_s;
  for (const auto& m : obj.GetObject()) {
    const std::string_view key = name_of(m.name);
    if (const MemberReader<EventContext>* reader = find_reader<EventContext>(kEventReaders, key))
      reader->read(c, m.value, key);
    else
      fields.error(key_for_message(m.name), "unknown field");
  }

  const JsonValue* value = c.value;
  const JsonValue* currency = c.currency;
  read_required_text(c.event_id, "event_id", kMaxEventIdBytes, fields, event.event_id);
  read_required_text(c.event_name, "event_name", kMaxEventNameBytes, fields, event.event_name);
  if (value) event.value = fields.non_negative(*value, "value");
  if (currency) {
    if (auto s = fields.text(*currency, "currency", kMaxStringBytes)) {
      if (auto code = normalize_currency(*s))
        event.currency = *code;
      else
        fields.error("currency", "must be a 3-letter ISO 4217 code");
    }
  }

  if (fields.error_count() != errors_before) return false;
  event.received_at_ms = now_s * 1000;
  event.user = identity::hash_user(raw, options.identity);
  return true;
}

}  // namespace fanout::ingest
