#pragma once
// Small helpers over the JSON writer (core/json_writer.h) for the Google Ads request bodies.
#include <cmath>
#include <string_view>

#include "core/json_writer.h"

namespace fanout::dest::google_ads {

using Writer = ::fanout::JsonWriter;

inline void key(Writer& w, std::string_view k) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}

inline void str_field(Writer& w, std::string_view k, std::string_view v) {
  key(w, k);
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

// Non-finite values cannot be written as JSON numbers; they are left out.
inline void double_field(Writer& w, std::string_view k, double v) {
  if (!std::isfinite(v)) return;
  key(w, k);
  w.Double(v);
}

}  // namespace fanout::dest::google_ads
