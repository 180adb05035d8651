// GA4 Measurement Protocol: POST /ga4/mp/collect?measurement_id=..&api_secret=..
// Required (docs/platforms.md): measurement_id and api_secret; client_id (web) or app_instance_id (app);
// events with 1..25 entries, each with a valid name; body under 130 kB. Like GA4, /mp/collect answers
// 204 even for a request it drops (counted as rejected); /debug/mp/collect answers the validation
// messages instead, as GA4's validation server does.
#include <cctype>

#include "sandbox/json.h"
#include "sandbox/platform.h"

namespace fanout::sandbox {
namespace {

constexpr size_t kMaxEvents = 25;
constexpr size_t kMaxNameLength = 40;
constexpr size_t kMaxBodyBytes = 130 * 1024;

bool valid_event_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength || !std::isalpha(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

std::vector<Problem> validate(const Call& call) {
  std::vector<Problem> problems;
  auto request_problem = [&](std::string field, std::string message, std::string code) {
    problems.push_back({Problem::kRequest, std::move(field), std::move(message), std::move(code)});
  };
  auto q = [&](const char* key) {
    auto it = call.query.find(key);
    return it != call.query.end() && !it->second.empty();
  };
  if (!q("api_secret")) request_problem("api_secret", "api_secret is required", "VALUE_REQUIRED");
  if (!q("measurement_id") && !q("firebase_app_id")) {
    request_problem("measurement_id", "measurement_id is required", "VALUE_REQUIRED");
  }
  if (call.body_bytes > kMaxBodyBytes) request_problem("", "the body exceeds 130 kB", "VALUE_OUT_OF_BOUNDS");
  if (!call.json.IsObject()) {
    request_problem("", "the body must be a JSON object", "VALUE_INVALID");
    return problems;
  }
  if (!has_text(call.json, "client_id") && !has_text(call.json, "app_instance_id")) {
    request_problem("client_id", "client_id is required", "VALUE_REQUIRED");
  }
  const Json* events = member(call.json, "events");
  if (!events || !events->IsArray() || events->Empty()) {
    request_problem("events", "events must be a non-empty array", "VALUE_REQUIRED");
    return problems;
  }
  if (events->Size() > kMaxEvents) request_problem("events", "at most 25 events per request", "EXCEEDED_MAX_ENTITIES");
  for (rapidjson::SizeType i = 0; i < events->Size(); ++i) {
    const Json& e = (*events)[i];
    auto name = string_member(e, "name");
    if (!name) {
      problems.push_back({i, "name", "the event name is required", "VALUE_REQUIRED"});
    } else if (!valid_event_name(*name)) {
      problems.push_back(
          {i, "name", "event names are letters, digits and _ (at most 40), starting with a letter", "NAME_INVALID"});
    }
    const Json* params = member(e, "params");
    if (params && !params->IsObject()) problems.push_back({i, "params", "params must be an object", "VALUE_INVALID"});
  }
  return problems;
}

std::string validation_messages(const std::vector<Problem>& problems) {
  JsonOut j;
  j.begin_object().key("validationMessages").begin_array();
  for (const Problem& p : problems) {
    std::string path = p.index == Problem::kRequest ? p.field : "events[" + std::to_string(p.index) + "]." + p.field;
    j.begin_object().field("fieldPath", path).field("description", p.message).field("validationCode", p.code);
    j.end_object();
  }
  return j.end_array().end_object().take();
}

class Ga4 final : public Platform {
 public:
  std::string_view name() const override { return "ga4"; }

  Outcome handle(const Call& call) const override {
    Outcome out;
    const bool debug = call.path == "/debug/mp/collect";
    if (!debug && call.path != "/mp/collect") {
      out.rejected = true;
      out.response = json_response(404, "");
      out.response.content_type = "";
      return out;
    }
    const std::vector<Problem> problems = validate(call);
    if (debug) {
      // The validation server never records events.
      out.response = json_response(200, validation_messages(problems));
      return out;
    }
    out.response = json_response(204, "");
    out.response.content_type = "";
    if (!problems.empty()) {
      out.rejected = true;  // GA4 drops it silently; the stats and the request log show why
      return out;
    }
    for (const auto& e : member(call.json, "events")->GetArray()) {
      const Json* params = member(e, "params");
      out.event_ids.emplace_back(params ? string_member(*params, "transaction_id").value_or("") : "");
    }
    return out;
  }

  net::Response error(std::string_view, int status, ErrorKind) const override {
    net::Response r = json_response(status, "");
    r.content_type = "";  // GA4 sends no error bodies
    return r;
  }
};

}  // namespace

std::unique_ptr<Platform> make_ga4() {
  return std::make_unique<Ga4>();
}

}  // namespace fanout::sandbox
