#pragma once
// The few RapidJSON Writer helpers every destination's request builder uses.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace fanout::dest {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// `"key":"value"`, left out when value is empty (platforms reject empty identifiers).
inline void put(JsonWriter& w, const char* key, const std::string& value) {
  if (value.empty()) return;
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// `"key":["a","b"]`, left out when empty.
inline void put_list(JsonWriter& w, const char* key, const std::vector<std::string>& values) {
  if (values.empty()) return;
  w.Key(key);
  w.StartArray();
  for (const std::string& v : values) w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  w.EndArray();
}

// A number; counts go out as integers when they are whole (2, not 2.0).
inline void put_number(JsonWriter& w, double v) {
  if (std::trunc(v) == v && std::fabs(v) < 9007199254740992.0)
    w.Int64(static_cast<int64_t>(v));
  else
    w.Double(v);
}

// The first of several hashes ("" when none): for platforms that take one value per field.
inline std::string first(const std::vector<std::string>& values) { return values.empty() ? std::string() : values.front(); }

}  // namespace fanout::dest
