// The nested sections of a canonical event: user, ids, consent, contents, properties, destinations.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <string_view>

#include "core/sha256.h"
#include "destinations/registry.h"
#include "identity/identity.h"
#include "ingest/event_reader.h"
#include "ingest/field_checks.h"

namespace fanout::ingest {
namespace {

std::string_view name_of(const JsonValue& name) {
  return {name.GetString(), name.GetStringLength()};
}

// Dispatches every member of the object `v` (section `section`) to its reader; unknown members are errors.
template <typename Context>
void read_members(const JsonValue& v, std::string_view section, FieldReader& fields,
                  std::span<const MemberReader<Context>> readers, Context& context) {
  if (!fields.object(v, section)) return;
  fields.unique_members(v, section);
  for (const auto& m : v.GetObject()) {
    const MemberReader<Context>* reader = find_reader(readers, name_of(m.name));
    if (!reader)
      fields.error(join_field(section, key_for_message(m.name)), "unknown field");
    else
      reader->read(context, m.value, join_field(section, reader->key));
  }
}

// What the user section's readers fill: hashed later, so raw values stay inside parsing.
struct UserContext {
  FieldReader& fields;
  RawUser& raw;
  Event& event;
};

struct IdsContext {
  FieldReader& fields;
  Ids& ids;
};

struct ConsentContext {
  FieldReader& fields;
  Event& event;
};

// A reader storing an optional string of at most kMaxStringBytes into the member `out` of the context's target.
template <typename Target, std::string Target::*out, typename Context>
void read_text_into(Target& target, Context& c, const JsonValue& v, std::string_view field) {
  if (auto s = c.fields.text(v, field, kMaxStringBytes)) target.*out = std::move(*s);
}

// Personal data is trimmed of surrounding white space (tab, CR, LF, NBSP, ...) as the platforms' SDKs do.
template <std::string RawUser::*out>
void user_text(UserContext& c, const JsonValue& v, std::string_view field) {
  if (auto s = c.fields.trimmed_text(v, field, kMaxStringBytes)) c.raw.*out = std::move(*s);
}

template <std::vector<std::string> RawUser::*out>
void user_list(UserContext& c, const JsonValue& v, std::string_view field) {
  c.raw.*out = c.fields.text_list(v, field, kMaxIdentifiers, kMaxStringBytes, /*trimmed=*/true);
}

// user.sha256.<rule>: hashes the caller made under a named rule (core/event.h RawUser::PreHashed).
using PreHashedList = std::vector<std::string> RawUser::PreHashed::*;
struct PreHashedRule {
  std::string_view key;
  PreHashedList list;
};
constexpr PreHashedRule kPreHashedRules[] = {
    {"email_lower", &RawUser::PreHashed::email_lower},
    {"email_gmail", &RawUser::PreHashed::email_gmail},
    {"email_no_dots_tag", &RawUser::PreHashed::email_no_dots_tag},
    {"phone_e164", &RawUser::PreHashed::phone_e164},
    {"phone_digits", &RawUser::PreHashed::phone_digits},
};

void read_pre_hashed(UserContext& c, const JsonValue& v, std::string_view field) {
  if (!c.fields.object(v, field)) return;
  c.fields.unique_members(v, field);
  for (const auto& m : v.GetObject()) {
    const std::string member = join_field(field, key_for_message(m.name));
    const PreHashedRule* rule = nullptr;
    for (const auto& r : kPreHashedRules)
      if (r.key == name_of(m.name)) rule = &r;
    if (!rule) {
      c.fields.error(member, "unknown hash rule (email_lower, email_gmail, email_no_dots_tag, phone_e164, phone_digits)");
      continue;
    }
    std::vector<std::string> hashes = c.fields.text_list(m.value, member, kMaxIdentifiers, kMaxStringBytes, true);
    for (const std::string& h : hashes) {
      if (!is_sha256_hex(h)) {
        c.fields.error(member, "must hold SHA-256 digests (64 hex characters)");
        return;
      }
    }
    c.raw.sha256.*rule->list = std::move(hashes);
  }
}

template <std::string Ids::*out>
void id_text(IdsContext& c, const JsonValue& v, std::string_view field) {
  read_text_into<Ids, out>(c.ids, c, v, field);
}

size_t depth_of(const JsonValue& v, size_t limit) {
  // Stops descending past `limit` so that hostile nesting costs bounded stack.
  if (limit == 0) return 1;
  size_t deepest = 0;
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) deepest = std::max(deepest, depth_of(m.value, limit - 1));
    return deepest + 1;
  }
  if (v.IsArray()) {
    for (const auto& item : v.GetArray()) deepest = std::max(deepest, depth_of(item, limit - 1));
    return deepest + 1;
  }
  return 0;
}

// The path of the first NUL in a key or string of `v` (at most kMaxPropertiesDepth deep, checked before),
// or "" when there is none. NUL is refused in every other string field; free-form properties are forwarded
// to the platforms, where a NUL truncates C strings, so it is refused here too. Other control characters
// (newlines, tabs) are fine in free text once JSON-escaped, and stay allowed.
std::string nul_path(const JsonValue& v, const std::string& path) {
  const auto has_nul = [](const JsonValue& s) { return name_of(s).find('\0') != std::string_view::npos; };
  if (v.IsString()) return has_nul(v) ? path : "";
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      const std::string field = join_field(path, key_for_message(m.name));
      if (has_nul(m.name)) return field;
      if (auto inner = nul_path(m.value, field); !inner.empty()) return inner;
    }
  }
  if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i)
      if (auto inner = nul_path(v[i], path + "[" + std::to_string(i) + "]"); !inner.empty()) return inner;
  }
  return "";
}

std::string number_text(const JsonValue& v) {
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v.GetDouble());
  return std::string(buf, res.ptr);
}

Consent consent_value(const JsonValue& v, std::string_view field, FieldReader& fields) {
  auto s = fields.text(v, field, kMaxStringBytes);
  if (!s) return Consent::unspecified;
  if (*s == "granted") return Consent::granted;
  if (*s == "denied") return Consent::denied;
  fields.error(field, "must be \"granted\" or \"denied\"");
  return Consent::unspecified;
}

template <Consent Event::*out>
void consent_into(ConsentContext& c, const JsonValue& v, std::string_view field) {
  c.event.*out = consent_value(v, field, c.fields);
}

constexpr MemberReader<UserContext> kUserReaders[] = {
    {"email", user_list<&RawUser::email>},
    {"phone", user_list<&RawUser::phone>},
    {"first_name", user_text<&RawUser::first_name>},
    {"last_name", user_text<&RawUser::last_name>},
    {"city", user_text<&RawUser::city>},
    {"state", user_text<&RawUser::state>},
    {"zip", user_text<&RawUser::zip>},
    {"country",
     [](UserContext& c, const JsonValue& v, std::string_view field) {
       auto s = c.fields.trimmed_text(v, field, kMaxStringBytes);
       if (!s) return;
       std::string code = identity::country_code(*s);
       if (code.empty())
         c.fields.error(field, "must be an ISO 3166 alpha-2 code or a country name");
       else
         c.raw.country = code;
     }},
    {"gender", user_text<&RawUser::gender>},
    {"date_of_birth", user_text<&RawUser::date_of_birth>},
    {"external_id", user_text<&RawUser::external_id>},
    {"sha256", read_pre_hashed},
    {"ip",
     [](UserContext& c, const JsonValue& v, std::string_view field) {
       auto s = c.fields.text(v, field, kMaxStringBytes);
       if (!s) return;
       std::string ip(trim(*s));
       if (is_ip_address(ip))
         c.event.ip = ip;
       else
         c.fields.error(field, "must be an IPv4 or IPv6 address");
     }},
    {"user_agent", [](UserContext& c, const JsonValue& v,
                      std::string_view field) { read_text_into<Event, &Event::user_agent>(c.event, c, v, field); }},
};

constexpr MemberReader<IdsContext> kIdsReaders[] = {
    {"fbc", id_text<&Ids::fbc>},
    {"fbp", id_text<&Ids::fbp>},
    {"fbclid", id_text<&Ids::fbclid>},
    {"gclid", id_text<&Ids::gclid>},
    {"gbraid", id_text<&Ids::gbraid>},
    {"wbraid", id_text<&Ids::wbraid>},
    {"msclkid", id_text<&Ids::msclkid>},
    {"ttclid", id_text<&Ids::ttclid>},
    {"ttp", id_text<&Ids::ttp>},
    {"ga_client_id",
     [](IdsContext& c, const JsonValue& v, std::string_view field) {
       if (auto s = c.fields.text(v, field, kMaxStringBytes))
         c.ids.ga_client_id = normalize_ga_client_id(*s).value_or("");
     }},
    {"ga_session_id",
     [](IdsContext& c, const JsonValue& v, std::string_view field) {
       if (auto s = c.fields.text(v, field, kMaxStringBytes))
         c.ids.ga_session_id = normalize_ga_session_id(*s).value_or("");
     }},
};

constexpr MemberReader<ConsentContext> kConsentReaders[] = {
    {"ad_user_data", consent_into<&Event::ad_user_data>},
    {"ad_personalization", consent_into<&Event::ad_personalization>},
    {"analytics_storage", consent_into<&Event::analytics_storage>},
};

}  // namespace

void read_user(const JsonValue& v, FieldReader& fields, RawUser& raw, Event& event) {
  UserContext context{fields, raw, event};
  read_members<UserContext>(v, "user", fields, kUserReaders, context);
}

void read_ids(const JsonValue& v, FieldReader& fields, Ids& ids) {
  IdsContext context{fields, ids};
  read_members<IdsContext>(v, "ids", fields, kIdsReaders, context);
}

void read_consent(const JsonValue& v, FieldReader& fields, Event& event) {
  ConsentContext context{fields, event};
  read_members<ConsentContext>(v, "consent", fields, kConsentReaders, context);
}

void read_contents(const JsonValue& v, FieldReader& fields, std::vector<Content>& contents) {
  if (v.IsNull()) return;
  if (!v.IsArray()) {
    fields.error("contents", std::string("must be an array, not ") + json_type_name(v));
    return;
  }
  if (v.Size() > kMaxContents) {
    fields.error("contents", "must hold at most " + std::to_string(kMaxContents) + " items");
    return;
  }
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    const std::string base = "contents[" + std::to_string(i) + "]";
    const JsonValue& item = v[i];
    if (!item.IsObject()) {
      fields.error(base, std::string("must be an object, not ") + json_type_name(item));
      continue;
    }
    Content c;
    // docs/api.md names the unknown-field rule for the top level, user, ids and consent only; other keys of an
    // item are tolerated (catalog feeds carry extra attributes) but not forwarded.
    for (const auto& m : item.GetObject()) {
      std::string_view key = name_of(m.name);
      const std::string field = join_field(base, key);
      if (key == "id") {
        if (m.value.IsNumber())
          c.id = number_text(m.value);
        else if (auto s = fields.text(m.value, field, kMaxStringBytes))
          c.id = *s;
      } else if (key == "quantity") {
        c.quantity = fields.non_negative(m.value, field);
      } else if (key == "price") {
        c.price = fields.non_negative(m.value, field);
      } else if (key == "name") {
        if (auto s = fields.text(m.value, field, kMaxStringBytes)) c.name = *s;
      } else if (key == "category") {
        if (auto s = fields.text(m.value, field, kMaxStringBytes)) c.category = *s;
      }
    }
    contents.push_back(std::move(c));
  }
}

void read_properties(const JsonValue& v, FieldReader& fields, std::string& properties_json) {
  if (!fields.object(v, "properties")) return;
  if (depth_of(v, kMaxPropertiesDepth + 1) > kMaxPropertiesDepth) {
    fields.error("properties", "must nest at most " + std::to_string(kMaxPropertiesDepth) + " levels");
    return;
  }
  if (v.MemberCount() == 0) return;
  if (const std::string where = nul_path(v, "properties"); !where.empty()) {
    fields.error(where, "must not contain NUL characters");
    return;
  }
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
  v.Accept(writer);
  if (buf.GetSize() > kMaxPropertiesBytes) {
    fields.error("properties", "must be at most " + std::to_string(kMaxPropertiesBytes) + " bytes as JSON");
    return;
  }
  properties_json.assign(buf.GetString(), buf.GetSize());
}

void read_destinations(const JsonValue& v, FieldReader& fields, std::map<std::string, DestinationOverride>& out) {
  if (!fields.object(v, "destinations")) return;
  fields.unique_members(v, "destinations");
  for (const auto& m : v.GetObject()) {
    std::string name(name_of(m.name));
    const std::string field = join_field("destinations", key_for_message(m.name));
    if (!dest::find_registration(name)) {
      fields.error(field, "unknown destination (" + dest::name_list() + ")");
      continue;
    }
    DestinationOverride o;
    if (m.value.IsBool()) {
      o.enabled = m.value.GetBool();
    } else if (m.value.IsObject()) {
      fields.unique_members(m.value, field);
      for (const auto& inner : m.value.GetObject()) {
        std::string_view key = name_of(inner.name);
        const std::string inner_field = join_field(field, key_for_message(inner.name));
        if (key == "event_name") {
          if (auto s = fields.text(inner.value, inner_field, kMaxStringBytes)) o.event_name = *s;
        } else if (key == "test_event_code") {
          if (auto s = fields.text(inner.value, inner_field, kMaxStringBytes)) o.test_event_code = *s;
        } else {
          fields.error(inner_field, "unknown field (event_name, test_event_code)");
        }
      }
    } else {
      fields.error(field, "must be true, false or an object {event_name, test_event_code}");
      continue;
    }
    out[name] = std::move(o);
  }
}

}  // namespace fanout::ingest
