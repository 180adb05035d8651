// TikTok Events API 2.0: POST /tiktok/open_api/v1.3/event/track/ with header Access-Token.
// Required (docs/platforms.md): event_source (web|app|offline|crm), event_source_id, data with 1..1000 events,
// each with event and event_time; email/phone/external_id hashed. Errors come back as HTTP 200 with a
// non-zero code (40002 invalid parameters, 40062 PII not hashed, 40104 empty token), like TikTok's.
#include <algorithm>

#include "sandbox/json.h"
#include "sandbox/platform.h"

namespace fanout::sandbox {
namespace {

constexpr size_t kMaxEvents = 1000;
constexpr const char* kHashedKeys[] = {"email", "phone", "external_id"};

std::string tiktok_body(int code, const std::string& message) {
  JsonOut j;
  j.begin_object().field("code", code).field("message", message).field("request_id", next_trace_id());
  j.key("data").begin_object().end_object().end_object();
  return j.take();
}

class TikTok final : public Platform {
 public:
  std::string_view name() const override { return "tiktok"; }

  Outcome handle(const Call& call) const override {
    Outcome out;
    auto reject = [&](int code, const std::string& message) {
      out.rejected = true;
      out.response = json_response(200, tiktok_body(code, message));
      return out;
    };
    if (call.path != "/open_api/v1.3/event/track/" && call.path != "/open_api/v1.3/event/track") {
      out.rejected = true;
      out.response = json_response(404, tiktok_body(40400, "Not found: " + std::string(call.path)));
      return out;
    }
    if (header(call.headers, "access-token").empty()) return reject(40104, "Access token is empty");
    if (!call.json.IsObject()) return reject(40002, "The request body must be a JSON object");
    auto source = string_member(call.json, "event_source");
    if (!source || (*source != "web" && *source != "app" && *source != "offline" && *source != "crm")) {
      return reject(40002, "event_source must be one of web, app, offline, crm");
    }
    if (!has_text(call.json, "event_source_id")) return reject(40002, "event_source_id is required");
    const Json* data = member(call.json, "data");
    if (!data || !data->IsArray() || data->Empty()) return reject(40002, "data must be a non-empty array");
    if (data->Size() > kMaxEvents) return reject(40061, "Too many events in one request (at most 1000)");

    const auto& rejects = call.injection.reject_event_ids;
    for (rapidjson::SizeType i = 0; i < data->Size(); ++i) {
      const Json& e = (*data)[i];
      const std::string at = " (data[" + std::to_string(i) + "])";
      if (!e.IsObject()) return reject(40002, "each element of data must be an object" + at);
      if (!has_text(e, "event")) return reject(40002, "event is required" + at);
      if (!int_member(e, "event_time")) return reject(40002, "event_time must be an integer Unix time" + at);
      if (const Json* user = member(e, "user")) {
        if (!user->IsObject()) return reject(40002, "user must be an object" + at);
        for (const char* key : kHashedKeys) {
          const Json* v = member(*user, key);
          if (v && !is_hashed_value(*v))
            return reject(40062, std::string("user.") + key + " must be SHA-256 hashed" + at);
        }
      }
      auto id = string_member(e, "event_id");
      if (id && std::find(rejects.begin(), rejects.end(), *id) != rejects.end()) {
        out.used_reject = true;
        return reject(40002, "Invalid event (sandbox reject_event_ids)" + at);
      }
    }
    out.event_ids.reserve(data->Size());
    for (const auto& e : data->GetArray()) out.event_ids.emplace_back(string_member(e, "event_id").value_or(""));
    out.response = json_response(200, tiktok_body(0, "OK"));
    return out;
  }

  net::Response error(std::string_view, int status, ErrorKind kind) const override {
    if (kind == ErrorKind::rate_limited) return json_response(status, tiktok_body(40100, "Too many requests"));
    if (kind == ErrorKind::auth_expired) return json_response(status, tiktok_body(40102, "Access token has expired"));
    if (status >= 500) return json_response(status, tiktok_body(50000, "System error"));
    return json_response(status, tiktok_body(40000, "Invalid parameters"));
  }
};

}  // namespace

std::unique_ptr<Platform> make_tiktok() {
  return std::make_unique<TikTok>();
}

}  // namespace fanout::sandbox
