#include "ingest/json_fields.h"

#include <rapidjson/error/en.h>

#include <cmath>
#include <set>

#include "ingest/field_checks.h"

namespace fanout::ingest {

namespace {

// True when `s` holds a number-like token whose digits are all zeros followed by an exponent ("0e99",
// "0.00E5"), in a string or not.
bool has_zero_with_exponent(std::string_view s) {
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] != 'e' && s[i] != 'E') continue;
    bool digit = false, nonzero = false;
    for (size_t j = i; j > 0 && ((s[j - 1] >= '0' && s[j - 1] <= '9') || s[j - 1] == '.'); --j) {
      if (s[j - 1] == '.') continue;
      digit = true;
      nonzero |= s[j - 1] != '0';
    }
    if (digit && !nonzero) return true;
  }
  return false;
}

}  // namespace

bool parse_json(std::string_view body, rapidjson::Document& doc) {
  constexpr unsigned kFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  // RapidJSON 1.1.0's full-precision path reads a zero mantissa with an exponent as garbage ("0e99" became
  // 1.5e82: __builtin_clzll(0) in internal/diyfp.h; found by fuzz/event_parser_fuzz.cpp). Such bodies
  // (rare; a string like "0e5" qualifies too) are parsed in normal precision, where zero stays zero.
  if (has_zero_with_exponent(body))
    doc.Parse<kFlags>(body.data(), body.size());
  else
    doc.Parse<kFlags | rapidjson::kParseFullPrecisionFlag>(body.data(), body.size());
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
  return std::string(parent) + "." + std::string(name);
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
  std::string_view s(v.GetString(), v.GetStringLength());
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
                                                size_t max_bytes) {
  std::vector<std::string> out;
  if (v.IsArray()) {
    if (v.Size() > max_count) {
      error(field, "must hold at most " + std::to_string(max_count) + " values");
      return out;
    }
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      std::string item_field = std::string(field) + "[" + std::to_string(i) + "]";
      if (auto s = text(v[i], item_field, max_bytes)) out.push_back(std::move(*s));
    }
    return out;
  }
  if (v.IsNull() || v.IsString()) {
    if (auto s = text(v, field, max_bytes)) out.push_back(std::move(*s));
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
