#pragma once
// The few JSON writing helpers every destination's request builder uses (the writer: core/json_writer.h).
#include <cmath>
#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/json_writer.h"
#include "destinations/options.h"

namespace fanout::dest {

using JsonWriter = ::fanout::JsonWriter;

// Initial room of a request body's buffer for `events` events, so that a batch's body is allocated once instead
// of growing from RapidJSON's 256 bytes by half again a dozen times (each a realloc that may copy it all). An
// event takes ~0.5-1 KiB of a body with user data (testdata/destinations/*/*.expected.json).
constexpr size_t kBodyBytesPerEvent = 1024;
constexpr size_t kBodyBytesPerRequest = 256;  // the request's own fields around the events
inline size_t body_capacity(size_t events) { return kBodyBytesPerRequest + events * kBodyBytesPerEvent; }

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

// The commerce object of Meta (`custom_data`) and TikTok (`properties`): fanout's own keys first, then
// the event's `properties`, leaving out any property whose key fanout already wrote.
class CommerceObject {
 public:
  // Nothing to write: no value, currency, order id, contents or properties.
  static bool empty(const Event& e, const std::vector<std::pair<std::string, std::string>>& props) {
    return !e.value && e.currency.empty() && e.order_id.empty() && e.contents.empty() && props.empty();
  }
  // Opens `"name":{` and writes value, currency and order_id.
  CommerceObject(JsonWriter& w, const char* name, const Event& e) : w_(w) {
    w_.Key(name);
    w_.StartObject();
    if (e.value) {
      key("value");
      w_.Double(*e.value);
    }
    text("currency", e.currency);
    text("order_id", e.order_id);
  }
  void key(const char* k) {
    w_.Key(k);
    assert(count_ < written_.size() && "a commerce object writes more keys than kMaxOwnKeys");
    if (count_ < written_.size()) written_[count_++] = k;
  }
  void text(const char* k, const std::string& v) {
    if (v.empty()) return;
    key(k);
    w_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  }
  // Appends the properties not written above and closes the object.
  void close(const std::vector<std::pair<std::string, std::string>>& props) {
    for (const auto& [k, json] : props) {
      if (std::find(written_.begin(), written_.begin() + count_, k) != written_.begin() + count_) continue;
      w_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
      w_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
    }
    w_.EndObject();
  }

 private:
  // The most keys fanout writes in a commerce object (Meta: value, currency, order_id, content_type, contents,
  // content_ids, num_items), with room to spare; kept in place, as a vector cost three allocations an event.
  static constexpr size_t kMaxOwnKeys = 12;

  JsonWriter& w_;
  std::array<std::string_view, kMaxOwnKeys> written_;  // written_[0, count_): keys fanout set, which
  size_t count_ = 0;                                   // `properties` must not repeat
};

}  // namespace fanout::dest
