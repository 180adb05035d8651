#include "destinations/options.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <charconv>

#include "core/json_writer.h"

namespace fanout::dest {

DeliveryOptions read_delivery_options(ConfigTable& t, const DeliveryOptions& defaults) {
  DeliveryOptions o = defaults;
  o.enabled = t.boolean("enabled", true);
  o.base_url = t.str("base_url", defaults.base_url);
  o.timeout_ms = t.integer("timeout_ms", defaults.timeout_ms);
  o.max_batch = static_cast<size_t>(t.integer("max_batch", static_cast<int64_t>(defaults.max_batch)));
  o.linger_ms = t.integer("linger_ms", defaults.linger_ms);
  o.max_in_flight = static_cast<size_t>(t.integer("max_in_flight", static_cast<int64_t>(defaults.max_in_flight)));
  o.retry_base_ms = t.integer("retry_base_ms", defaults.retry_base_ms);
  o.retry_max_ms = t.integer("retry_max_ms", defaults.retry_max_ms);
  if (o.base_url.rfind("http://", 0) != 0 && o.base_url.rfind("https://", 0) != 0)
    t.errors().add(t.full_key("base_url"), "must start with http:// or https://");
  if (o.timeout_ms <= 0) t.errors().add(t.full_key("timeout_ms"), "must be positive");
  if (o.max_batch < 1 || o.max_batch > defaults.max_batch)
    t.errors().add(t.full_key("max_batch"), "must be between 1 and " + std::to_string(defaults.max_batch));
  if (o.linger_ms < 0) t.errors().add(t.full_key("linger_ms"), "must not be negative");
  if (o.max_in_flight < 1 || o.max_in_flight > 256)
    t.errors().add(t.full_key("max_in_flight"), "must be between 1 and 256");
  if (o.retry_base_ms <= 0) t.errors().add(t.full_key("retry_base_ms"), "must be positive");
  if (o.retry_max_ms < o.retry_base_ms) t.errors().add(t.full_key("retry_max_ms"), "must be at least retry_base_ms");
  return o;
}

const DestinationOverride& override_for(const Event& event, const std::string& destination) {
  static const DestinationOverride kNone;
  auto it = event.destinations.find(destination);
  return it == event.destinations.end() ? kNone : it->second;
}

std::string resolve_event_name(const Event& event, const std::string& destination, const EventNameMap& configured,
                               const EventNameMap& defaults, bool fallback_to_canonical) {
  const DestinationOverride& o = override_for(event, destination);
  if (!o.event_name.empty()) return o.event_name;
  if (auto it = configured.find(event.event_name); it != configured.end()) return it->second;
  if (auto it = defaults.find(event.event_name); it != defaults.end()) return it->second;
  return fallback_to_canonical ? event.event_name : std::string();
}

std::string common_skip_reason(const Event& event, const std::string& destination, int64_t now_s, int64_t window_s) {
  const DestinationOverride& o = override_for(event, destination);
  if (!o.enabled) return "disabled_for_event";
  if (!o.skip_reason.empty()) return o.skip_reason;
  if (now_s - event.event_time > window_s) return "too_old";
  return {};
}

std::string join_url(const std::string& base_url, const std::string& path) {
  std::string out = base_url;
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out + path;
}

std::vector<std::vector<size_t>> batches(std::span<const size_t> indices, size_t max_batch) {
  max_batch = std::max<size_t>(1, max_batch);
  std::vector<std::vector<size_t>> out;
  for (size_t begin = 0; begin < indices.size(); begin += max_batch)
    out.emplace_back(indices.begin() + begin, indices.begin() + std::min(begin + max_batch, indices.size()));
  return out;
}

std::vector<std::vector<size_t>> batches(size_t n, size_t max_batch) {
  std::vector<size_t> all(n);
  for (size_t i = 0; i < n; ++i) all[i] = i;
  return batches(all, max_batch);
}

std::string clip_message(std::string_view message, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(message.size(), max_bytes));
  for (char c : message) out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
  if (out.size() <= max_bytes) return out;
  size_t cut = max_bytes;
  // Back off continuation bytes (10xxxxxx) so a multi-byte character is never split.
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  out.resize(cut);
  return out;
}

std::string transport_reason(const HttpResponse& response) {
  if (response.transport_error.empty()) return "transport_error: no answer";
  return "transport_error: " + clip_message(response.transport_error);
}

std::vector<std::pair<std::string, std::string>> json_object_members(const std::string& json) {
  std::vector<std::pair<std::string, std::string>> out;
  if (json.empty()) return out;
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return out;
  for (const auto& m : doc.GetObject()) {
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    m.value.Accept(w);
    out.emplace_back(std::string(m.name.GetString(), m.name.GetStringLength()),
                     std::string(buf.GetString(), buf.GetSize()));
  }
  return out;
}

}  // namespace fanout::dest
