#include "ingest/json_fields.h"

#include <rapidjson/error/en.h>

#include <cmath>
#include <set>

#include "ingest/field_checks.h"

namespace fanout::ingest {

bool parse_json(std::string_view body, rapidjson::Document& doc) {
  // Normal precision, not kParseFullPrecisionFlag: RapidJSON 1.1.0's full-precision path misreads a zero
  // mantissa with an exponent ("0e99" became 1.5e82, clz(0) in internal/diyfp.h) and, for a long mantissa
  // with an exponent near -339, indexes its cached powers of ten out of range (signed overflow in
  // GetCachedPower10). Both found by fuzz/ (event_parser, legacy). Normal precision is exact for the
  // values events carry (at most 15 significant digits) and within an ulp beyond.
  constexpr unsigned kFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  doc.Parse<kFlags>(body.data(), body.size());
  return !doc.HasParseError();
}

const char* json_type_name(const JsonValue& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "a boolean";
    case rapidjson::kObjectType:
      return "an object";
    case rapidjson::kArrayType:
      return "an array";
    case rapidjson::kStringType:
      return "a string";
    case rapidjson::kNumberType:
      return "a number";
  }
  return "a value";
}

std::string join_field(std::string_view parent, std::string_view name) {
  if (parent.empty()) return std::string(name);
  // Built once at its final size: every member of a section gets its path, error or not (~9 an event).
  std::string out;
  out.reserve(parent.size() + 1 + name.size());
  out.append(parent).append(1, '.').append(name);
  return out;
}

FieldReader::FieldReader(std::vector<FieldError>& errors, std::string prefix)
    : errors_(errors), prefix_(std::move(prefix)) {}

void FieldReader::error(std::string_view field, std::string message) {
  errors_.push_back(FieldError{prefix_ + std::string(field), std::move(message)});
}

std::optional<std::string> FieldReader::text(const JsonValue& v, std::string_view field, size_t max_bytes) {
  if (v.IsNull()) return std::nullopt;
  if (!v.IsString()) {
    error(field, std::string("must be a string, not ") + json_type_name(v));
    return std::nullopt;
  }
  return checked(std::string_view(v.GetString(), v.GetStringLength()), field, max_bytes);
}

std::optional<std::string> FieldReader::trimmed_text(const JsonValue& v, std::string_view field, size_t max_bytes) {
  if (v.IsNull()) return std::nullopt;
  if (!v.IsString()) {
    error(field, std::string("must be a string, not ") + json_type_name(v));
    return std::nullopt;
  }
  return checked(trim_white_space(std::string_view(v.GetString(), v.GetStringLength())), field, max_bytes);
}

std::optional<std::string> FieldReader::checked(std::string_view s, std::string_view field, size_t max_bytes) {
  if (s.empty()) return std::nullopt;
  if (s.size() > max_bytes) {
    error(field, "must be at most " + std::to_string(max_bytes) + " bytes");
    return std::nullopt;
  }
  if (!is_printable(s)) {
    error(field, "must not contain control characters");
    return std::nullopt;
  }
  return std::string(s);
}

std::vector<std::string> FieldReader::text_list(const JsonValue& v, std::string_view field, size_t max_count,
                                                size_t max_bytes, bool trimmed) {
  const auto read = [&](const JsonValue& item, std::string_view item_field) {
    return trimmed ? trimmed_text(item, item_field, max_bytes) : text(item, item_field, max_bytes);
  };
  std::vector<std::string> out;
  if (v.IsArray()) {
    if (v.Size() > max_count) {
      error(field, "must hold at most " + std::to_string(max_count) + " values");
      return out;
    }
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      std::string item_field = std::string(field) + "[" + std::to_string(i) + "]";
      if (auto s = read(v[i], item_field)) out.push_back(std::move(*s));
    }
    return out;
  }
  if (v.IsNull() || v.IsString()) {
    if (auto s = read(v, field)) out.push_back(std::move(*s));
    return out;
  }
  error(field, std::string("must be a string or an array of strings, not ") + json_type_name(v));
  return out;
}

std::optional<double> FieldReader::non_negative(const JsonValue& v, std::string_view field) {
  if (v.IsNull()) return std::nullopt;
  if (!v.IsNumber()) {
    error(field, std::string("must be a number, not ") + json_type_name(v));
    return std::nullopt;
  }
  double d = v.GetDouble();
  if (!std::isfinite(d) || d < 0) {
    error(field, "must be a finite number >= 0");
    return std::nullopt;
  }
  return d;
}

bool FieldReader::object(const JsonValue& v, std::string_view field) {
  if (v.IsObject()) return true;
  if (!v.IsNull()) error(field, std::string("must be an object, not ") + json_type_name(v));
  return false;
}

bool FieldReader::unique_members(const JsonValue& v, std::string_view field) {
  // Events have a dozen keys per object: comparing with the earlier keys costs less than building a set. Past
  // kSmall keys (hostile input) the set keeps it O(n log n). Either way a key is reported at each repetition.
  constexpr rapidjson::SizeType kSmall = 32;
  const auto name_of = [](const JsonValue& name) { return std::string_view(name.GetString(), name.GetStringLength()); };
  bool unique = true;
  const auto report = [&](std::string_view name) {
    error(join_field(field, name), "duplicate field");
    unique = false;
  };
  if (v.MemberCount() <= kSmall) {
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      const std::string_view name = name_of(m->name);
      for (auto earlier = v.MemberBegin(); earlier != m; ++earlier) {
        if (name_of(earlier->name) == name) {
          report(name);
          break;
        }
      }
    }
    return unique;
  }
  std::set<std::string_view> seen;
  for (const auto& m : v.GetObject())
    if (!seen.insert(name_of(m.name)).second) report(name_of(m.name));
  return unique;
}

}  // namespace fanout::ingest
