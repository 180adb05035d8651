// Event <-> compact JSON. Keys are exactly the C++ field names so the format reads like event.h.
// Decoding is strict (unknown key or wrong type = error): the spool is our own format, and a silent
// default would turn corruption into a wrong delivery.
#include "core/event_codec.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/json_writer.h"

namespace fanout {
namespace {

using Writer = JsonWriter;
using Value = rapidjson::Value;

// One table of HashedUser members drives both directions, so a new field cannot be half-wired.
struct UserVectorField {
  const char* key;
  std::vector<std::string> HashedUser::*member;
};
struct UserStringField {
  const char* key;
  std::string HashedUser::*member;
};

constexpr UserVectorField kUserVectors[] = {
    {"email_lower_sha256", &HashedUser::email_lower_sha256},
    {"email_gmail_sha256", &HashedUser::email_gmail_sha256},
    {"email_no_dots_tag_sha256", &HashedUser::email_no_dots_tag_sha256},
    {"phone_digits_sha256", &HashedUser::phone_digits_sha256},
    {"phone_e164_sha256", &HashedUser::phone_e164_sha256},
};
constexpr UserStringField kUserStrings[] = {
    {"first_name_sha256", &HashedUser::first_name_sha256},
    {"last_name_sha256", &HashedUser::last_name_sha256},
    {"first_name_words_sha256", &HashedUser::first_name_words_sha256},
    {"last_name_words_sha256", &HashedUser::last_name_words_sha256},
    {"city_sha256", &HashedUser::city_sha256},
    {"state_sha256", &HashedUser::state_sha256},
    {"zip_sha256", &HashedUser::zip_sha256},
    {"country_sha256", &HashedUser::country_sha256},
    {"gender_sha256", &HashedUser::gender_sha256},
    {"date_of_birth_sha256", &HashedUser::date_of_birth_sha256},
    {"external_id_sha256", &HashedUser::external_id_sha256},
    {"city", &HashedUser::city},
    {"region", &HashedUser::region},
    {"postal_code", &HashedUser::postal_code},
    {"country", &HashedUser::country},
    {"external_id", &HashedUser::external_id},
};

// Keys written by release 0.1.0, when variants were named by platform. Read into the field of the same rule
// so a spool written before an upgrade still delivers; nullptr = a rule no longer kept (Microsoft offline's
// "+tag only" email: its platform now reads email_no_dots_tag_sha256, which 0.1.0 also wrote).
// testdata/spool/v0.1.0 holds payloads of that release; tests/core/event_upgrade_test.cpp reads them.
constexpr UserVectorField kLegacyUserVectors[] = {
    {"email_sha256", &HashedUser::email_lower_sha256},
    {"email_google_sha256", &HashedUser::email_gmail_sha256},
    {"email_ms_capi_sha256", &HashedUser::email_no_dots_tag_sha256},
    {"email_ms_offline_sha256", nullptr},
};
constexpr UserStringField kLegacyUserStrings[] = {
    {"first_name_google_sha256", &HashedUser::first_name_words_sha256},
    {"last_name_google_sha256", &HashedUser::last_name_words_sha256},
};

struct IdsField {
  const char* key;
  std::string Ids::*member;
};
constexpr IdsField kIds[] = {
    {"fbc", &Ids::fbc},
    {"fbp", &Ids::fbp},
    {"fbclid", &Ids::fbclid},
    {"gclid", &Ids::gclid},
    {"gbraid", &Ids::gbraid},
    {"wbraid", &Ids::wbraid},
    {"msclkid", &Ids::msclkid},
    {"ttclid", &Ids::ttclid},
    {"ttp", &Ids::ttp},
    {"ga_client_id", &Ids::ga_client_id},
    {"ga_session_id", &Ids::ga_session_id},
};

struct ConsentField {
  const char* key;
  Consent Event::*member;
};
constexpr ConsentField kConsents[] = {
    {"ad_user_data", &Event::ad_user_data},
    {"ad_personalization", &Event::ad_personalization},
    {"analytics_storage", &Event::analytics_storage},
};

// ---------- numbers ----------
// RapidJSON 1.1.0 converts numbers itself, and neither of its modes fits a payload: its normal precision can
// be an ulp off for 16-17 significant digits (what Writer::Double writes for some doubles), so a value would
// drift on its way through the spool, and its full precision misreads a zero mantissa with an exponent and,
// for a long mantissa with an exponent near -339, indexes its powers of ten out of range (signed overflow in
// GetCachedPower10, found by fuzz/event_codec_fuzz.cpp in a payload fanout did not write). So the reader
// hands each number over as text (kParseNumbersAsStringsFlag) and ExactNumbers converts it with
// std::from_chars, which rounds correctly: what Writer::Double wrote reads back as the same double.

// RapidJSON's SAX events, forwarded to a Document; numbers arrive as text (RawNumber) and are converted here.
class ExactNumbers {
 public:
  explicit ExactNumbers(rapidjson::Document& doc) : doc_(doc) {}

  // Set when a number was valid JSON but no finite double ("1e309", or "1e-400", which underflows).
  bool out_of_range = false;

  bool RawNumber(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    const char* end = text + length;
    if (std::none_of(text, end, [](char c) { return c == '.' || c == 'e' || c == 'E'; })) {
      // An integer, typed as RapidJSON types it (so IsInt64() holds for event_time); past 64 bits a double.
      if (*text == '-') {
        int64_t i = 0;
        if (auto [at, ec] = std::from_chars(text, end, i); ec == std::errc{} && at == end) return doc_.Int64(i);
      } else {
        uint64_t u = 0;
        if (auto [at, ec] = std::from_chars(text, end, u); ec == std::errc{} && at == end) return doc_.Uint64(u);
      }
    }
    double d = 0;
    auto [at, ec] = std::from_chars(text, end, d);
    if (ec != std::errc{} || at != end || !std::isfinite(d)) {
      out_of_range = true;
      return false;
    }
    return doc_.Double(d);
  }

  // The reader calls only RawNumber for numbers under kParseNumbersAsStringsFlag; these complete the interface.
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(int64_t i) { return doc_.Int64(i); }
  bool Uint64(uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool String(const char* s, rapidjson::SizeType length, bool copy) { return doc_.String(s, length, copy); }
  bool StartObject() { return doc_.StartObject(); }
  bool Key(const char* s, rapidjson::SizeType length, bool copy) { return doc_.Key(s, length, copy); }
  bool EndObject(rapidjson::SizeType members) { return doc_.EndObject(members); }
  bool StartArray() { return doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType elements) { return doc_.EndArray(elements); }

 private:
  rapidjson::Document& doc_;
};

// Iterative: a deeply nested "properties" must not exhaust the stack.
constexpr unsigned kExactFlags = rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag;

// Parses `stream` into `doc` with exact numbers; on failure, why (an operator reads it in a dead-letter reason).
template <unsigned kFlags, typename Stream>
Status parse_exact(Stream& stream, rapidjson::Document& doc) {
  rapidjson::Reader reader;
  ExactNumbers handler(doc);
  rapidjson::ParseResult result;
  auto generate = [&](rapidjson::Document&) {
    result = reader.Parse<kFlags | kExactFlags>(stream, handler);
    return !result.IsError();
  };
  doc.Populate(generate);
  if (!result.IsError()) return {};
  if (handler.out_of_range)
    return fail("invalid_payload", "encoded event holds a number out of range of a double at offset " +
                                       std::to_string(result.Offset()));
  return fail("invalid_payload", std::string("encoded event is not JSON: ") + rapidjson::GetParseError_En(result.Code()) +
                                     " at offset " + std::to_string(result.Offset()));
}

// ---------- encoding ----------

void put_string(Writer& w, const char* key, const std::string& value) {
  if (value.empty()) return;
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void put_number(Writer& w, const char* key, const std::optional<double>& value) {
  // JSON has no NaN/Inf; intake rejects them, so a non-finite value here is dropped rather than
  // producing a payload that could never be decoded.
  if (!value || !std::isfinite(*value)) return;
  w.Key(key);
  w.Double(*value);
}

void put_string_array(Writer& w, const char* key, const std::vector<std::string>& values) {
  if (values.empty()) return;
  w.Key(key);
  w.StartArray();
  for (const auto& v : values) w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  w.EndArray();
}

bool user_empty(const HashedUser& u) {
  for (const auto& f : kUserVectors)
    if (!(u.*f.member).empty()) return false;
  for (const auto& f : kUserStrings)
    if (!(u.*f.member).empty()) return false;
  return true;
}

bool ids_empty(const Ids& ids) {
  for (const auto& f : kIds)
    if (!(ids.*f.member).empty()) return false;
  return true;
}

void put_user(Writer& w, const HashedUser& u) {
  if (user_empty(u)) return;
  w.Key("user");
  w.StartObject();
  for (const auto& f : kUserVectors) put_string_array(w, f.key, u.*f.member);
  for (const auto& f : kUserStrings) put_string(w, f.key, u.*f.member);
  w.EndObject();
}

void put_ids(Writer& w, const Ids& ids) {
  if (ids_empty(ids)) return;
  w.Key("ids");
  w.StartObject();
  for (const auto& f : kIds) put_string(w, f.key, ids.*f.member);
  w.EndObject();
}

void put_contents(Writer& w, const std::vector<Content>& contents) {
  if (contents.empty()) return;
  w.Key("contents");
  w.StartArray();
  for (const auto& c : contents) {
    w.StartObject();
    put_string(w, "id", c.id);
    put_number(w, "quantity", c.quantity);
    put_number(w, "price", c.price);
    put_string(w, "name", c.name);
    put_string(w, "category", c.category);
    w.EndObject();
  }
  w.EndArray();
}

void put_consent(Writer& w, const Event& e) {
  bool any = false;
  for (const auto& f : kConsents) any = any || e.*f.member != Consent::unspecified;
  if (!any) return;
  w.Key("consent");
  w.StartObject();
  for (const auto& f : kConsents) {
    Consent c = e.*f.member;
    if (c == Consent::unspecified) continue;
    w.Key(f.key);
    w.String(c == Consent::granted ? "granted" : "denied");
  }
  w.EndObject();
}

void put_properties(Writer& w, const std::string& properties_json) {
  if (properties_json.empty()) return;
  // Re-emitted through a DOM so the payload stays valid JSON even if the text were not; intake only
  // stores parsed objects, so an unparsable value is dropped rather than corrupting the payload.
  rapidjson::Document doc;
  rapidjson::MemoryStream stream(properties_json.data(), properties_json.size());
  if (!parse_exact<0>(stream, doc) || !doc.IsObject() || doc.ObjectEmpty()) return;
  w.Key("properties");
  doc.Accept(w);
}

void put_destinations(Writer& w, const std::map<std::string, DestinationOverride>& destinations) {
  if (destinations.empty()) return;
  w.Key("destinations");
  w.StartObject();
  for (const auto& [name, o] : destinations) {
    w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    w.StartObject();
    // Always written: an override entry with default values still exists and must round-trip.
    w.Key("enabled");
    w.Bool(o.enabled);
    put_string(w, "event_name", o.event_name);
    put_string(w, "test_event_code", o.test_event_code);
    put_string(w, "target_id", o.target_id);
    put_string(w, "skip_reason", o.skip_reason);
    w.EndObject();
  }
  w.EndObject();
}

// ---------- decoding ----------
// A field's name ("user.email_lower_sha256", "contents[2].price") is only spelled out when it is reported in
// an error: decoding is on the delivery path (every event read back from the spool).

using Key = std::string_view;

// "user." + "email_lower_sha256"; an object itself is reported as its prefix without the final dot.
std::string join(std::string_view prefix, Key key) {
  std::string out(prefix);
  if (key.empty() && !out.empty() && out.back() == '.') out.pop_back();
  out += key;
  return out;
}

Status bad(std::string_view prefix, Key key, const char* why) {
  std::string field = join(prefix, key);
  return fail("invalid_payload", "encoded event: " + field + " " + why, field);
}

Status get_string(const Value& v, std::string_view prefix, Key key, std::string& out) {
  if (!v.IsString()) return bad(prefix, key, "must be a string");
  out.assign(v.GetString(), v.GetStringLength());
  return {};
}

Status get_number(const Value& v, std::string_view prefix, Key key, std::optional<double>& out) {
  if (!v.IsNumber()) return bad(prefix, key, "must be a number");
  out = v.GetDouble();
  return {};
}

Status get_int64(const Value& v, Key key, int64_t& out) {
  if (!v.IsInt64()) return bad("", key, "must be an integer");
  out = v.GetInt64();
  return {};
}

Status get_string_array(const Value& v, std::string_view prefix, Key key, std::vector<std::string>& out) {
  if (!v.IsArray()) return bad(prefix, key, "must be an array of strings");
  out.clear();
  out.reserve(v.Size());
  for (const auto& item : v.GetArray()) {
    if (!item.IsString()) return bad(prefix, key, "must be an array of strings");
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return {};
}

Key key_of(const Value::ConstMemberIterator& m) {
  return Key(m->name.GetString(), m->name.GetStringLength());
}

Status get_user(const Value& v, HashedUser& u) {
  if (!v.IsObject()) return bad("", "user", "must be an object");
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    const Key key = key_of(m);
    bool known = false;
    for (const auto& table : {std::span<const UserVectorField>(kUserVectors), std::span<const UserVectorField>(kLegacyUserVectors)}) {
      for (const auto& f : table) {
        if (key != f.key) continue;
        std::vector<std::string> dropped;
        if (auto s = get_string_array(m->value, "user.", key, f.member ? u.*f.member : dropped); !s) return s;
        known = true;
      }
    }
    for (const auto& table : {std::span<const UserStringField>(kUserStrings), std::span<const UserStringField>(kLegacyUserStrings)}) {
      for (const auto& f : table) {
        if (key != f.key) continue;
        if (auto s = get_string(m->value, "user.", key, u.*f.member); !s) return s;
        known = true;
      }
    }
    if (!known) return bad("user.", key, "is not a known field");
  }
  return {};
}

Status get_ids(const Value& v, Ids& ids) {
  if (!v.IsObject()) return bad("", "ids", "must be an object");
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    const Key key = key_of(m);
    bool known = false;
    for (const auto& f : kIds) {
      if (key != f.key) continue;
      if (auto s = get_string(m->value, "ids.", key, ids.*f.member); !s) return s;
      known = true;
    }
    if (!known) return bad("ids.", key, "is not a known field");
  }
  return {};
}

// `prefix` is "contents[i]." (one short string per content item, not per field).
Status get_content(const Value& v, const std::string& prefix, Content& c) {
  if (!v.IsObject()) return bad(prefix, "", "must be an object");
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    const Key key = key_of(m);
    Status s;
    if (key == "id")
      s = get_string(m->value, prefix, key, c.id);
    else if (key == "quantity")
      s = get_number(m->value, prefix, key, c.quantity);
    else if (key == "price")
      s = get_number(m->value, prefix, key, c.price);
    else if (key == "name")
      s = get_string(m->value, prefix, key, c.name);
    else if (key == "category")
      s = get_string(m->value, prefix, key, c.category);
    else
      s = bad(prefix, key, "is not a known field");
    if (!s) return s;
  }
  return {};
}

Status get_contents(const Value& v, std::vector<Content>& out) {
  if (!v.IsArray()) return bad("", "contents", "must be an array");
  out.clear();
  out.reserve(v.Size());
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    Content c;
    if (auto s = get_content(v[i], "contents[" + std::to_string(i) + "].", c); !s) return s;
    out.push_back(std::move(c));
  }
  return {};
}

Status get_consent(const Value& v, Event& e) {
  if (!v.IsObject()) return bad("", "consent", "must be an object");
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    const Key key = key_of(m);
    bool known = false;
    for (const auto& f : kConsents) {
      if (key != f.key) continue;
      known = true;
      if (!m->value.IsString()) return bad("consent.", key, "must be a string");
      const Key text(m->value.GetString(), m->value.GetStringLength());
      if (text == "granted")
        e.*f.member = Consent::granted;
      else if (text == "denied")
        e.*f.member = Consent::denied;
      else
        return bad("consent.", key, "must be \"granted\" or \"denied\"");
    }
    if (!known) return bad("consent.", key, "is not a known field");
  }
  return {};
}

Status get_properties(const Value& v, std::string& out) {
  if (!v.IsObject()) return bad("", "properties", "must be an object");
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  v.Accept(w);
  out.assign(buffer.GetString(), buffer.GetSize());
  return {};
}

Status get_override(const Value& v, const std::string& prefix, DestinationOverride& o) {
  if (!v.IsObject()) return bad(prefix, "", "must be an object");
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    const Key key = key_of(m);
    Status s;
    if (key == "enabled") {
      if (!m->value.IsBool()) return bad(prefix, key, "must be a boolean");
      o.enabled = m->value.GetBool();
    } else if (key == "event_name") {
      s = get_string(m->value, prefix, key, o.event_name);
    } else if (key == "test_event_code") {
      s = get_string(m->value, prefix, key, o.test_event_code);
    } else if (key == "target_id") {
      s = get_string(m->value, prefix, key, o.target_id);
    } else if (key == "skip_reason") {
      s = get_string(m->value, prefix, key, o.skip_reason);
    } else {
      s = bad(prefix, key, "is not a known field");
    }
    if (!s) return s;
  }
  return {};
}

// Destination names are map keys (data, not schema), so any name round-trips.
Status get_destinations(const Value& v, std::map<std::string, DestinationOverride>& out) {
  if (!v.IsObject()) return bad("", "destinations", "must be an object");
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    const std::string name(key_of(m));
    DestinationOverride o;
    if (auto s = get_override(m->value, "destinations." + name + ".", o); !s) return s;
    out[name] = std::move(o);
  }
  return {};
}

Status get_field(Key key, const Value& v, Event& e) {
  if (key == "event_id") return get_string(v, "", key, e.event_id);
  if (key == "event_name") return get_string(v, "", key, e.event_name);
  if (key == "event_time") return get_int64(v, key, e.event_time);
  if (key == "received_at_ms") return get_int64(v, key, e.received_at_ms);
  if (key == "action_source") return get_string(v, "", key, e.action_source);
  if (key == "event_source_url") return get_string(v, "", key, e.event_source_url);
  if (key == "referrer_url") return get_string(v, "", key, e.referrer_url);
  if (key == "user") return get_user(v, e.user);
  if (key == "ip") return get_string(v, "", key, e.ip);
  if (key == "user_agent") return get_string(v, "", key, e.user_agent);
  if (key == "ids") return get_ids(v, e.ids);
  if (key == "value") return get_number(v, "", key, e.value);
  if (key == "currency") return get_string(v, "", key, e.currency);
  if (key == "order_id") return get_string(v, "", key, e.order_id);
  if (key == "contents") return get_contents(v, e.contents);
  if (key == "consent") return get_consent(v, e);
  if (key == "properties") return get_properties(v, e.properties_json);
  if (key == "ga4_user_id") return get_string(v, "", key, e.ga4_user_id);
  if (key == "destinations") return get_destinations(v, e.destinations);
  return bad("", key, "is not a known field");
}

}  // namespace

std::string encode_event(const Event& e) {
  // An event with every identifier hashed encodes to 1-2 KiB; starting there spares the buffer's regrowth
  // from rapidjson's 256-byte default.
  constexpr size_t kTypicalPayloadBytes = 2048;
  rapidjson::StringBuffer buffer(nullptr, kTypicalPayloadBytes);
  Writer w(buffer);
  w.StartObject();
  put_string(w, "event_id", e.event_id);
  put_string(w, "event_name", e.event_name);
  w.Key("event_time");
  w.Int64(e.event_time);
  w.Key("received_at_ms");
  w.Int64(e.received_at_ms);
  // Written even when empty: the decoder's default is "website", so "" must be explicit to round-trip.
  w.Key("action_source");
  w.String(e.action_source.data(), static_cast<rapidjson::SizeType>(e.action_source.size()));
  put_string(w, "event_source_url", e.event_source_url);
  put_string(w, "referrer_url", e.referrer_url);
  put_user(w, e.user);
  put_string(w, "ip", e.ip);
  put_string(w, "user_agent", e.user_agent);
  put_ids(w, e.ids);
  put_number(w, "value", e.value);
  put_string(w, "currency", e.currency);
  put_string(w, "order_id", e.order_id);
  put_contents(w, e.contents);
  put_consent(w, e);
  put_properties(w, e.properties_json);
  put_string(w, "ga4_user_id", e.ga4_user_id);
  put_destinations(w, e.destinations);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<Event> decode_event(std::string_view payload) {
  // Parsed in place from a copy: the DOM's strings point into it instead of being copied one by one.
  // In-place parsing stops at a NUL, which JSON text never holds: refuse one rather than read a prefix.
  if (payload.find('\0') != std::string_view::npos) return fail("invalid_payload", "encoded event holds a NUL byte");
  std::string text(payload);
  rapidjson::Document doc;
  rapidjson::InsituStringStream stream(text.data());
  if (auto s = parse_exact<rapidjson::kParseInsituFlag>(stream, doc); !s) return tl::unexpected(s.error());
  if (!doc.IsObject()) return fail("invalid_payload", "encoded event must be a JSON object");
  Event e;
  for (auto m = doc.MemberBegin(); m != doc.MemberEnd(); ++m) {
    if (auto s = get_field(key_of(m), m->value, e); !s) return tl::unexpected(s.error());
  }
  return e;
}

}  // namespace fanout
