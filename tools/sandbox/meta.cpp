// Meta Conversions API: POST /meta/{version}/{pixel}/events?access_token=..  body {"data":[...]}.
// Required (docs/platforms.md): access_token; data with 1..1000 events, each with event_name, event_time (Unix
// seconds, not older than 7 days), action_source, user_data with at least one key; contact keys hashed.
// One bad event rejects the whole batch with a 400 OAuthException, code 100, is_transient false.
#include <algorithm>
#include <set>

#include "sandbox/json.h"
#include "sandbox/platform.h"

namespace fanout::sandbox {
namespace {

constexpr size_t kMaxEvents = 1000;
constexpr int64_t kWindowS = 7 * 24 * 3600;
constexpr int64_t kPhysicalStoreWindowS = 62 * 24 * 3600;

const std::set<std::string_view>& action_sources() {
  static const std::set<std::string_view> kSources{
      "website", "email", "app", "phone_call", "chat", "physical_store", "system_generated", "business_messaging",
      "other"};
  return kSources;
}

// Keys Meta rejects unless they are SHA-256 hex (customer information parameters).
constexpr const char* kHashedKeys[] = {"em", "ph", "fn", "ln", "db", "ge", "ct", "st", "zp", "country"};

std::string graph_error(int code, int subcode, const std::string& message, bool transient,
                        const std::string& user_title = "", const std::string& user_msg = "") {
  JsonOut j;
  j.begin_object().key("error").begin_object();
  j.field("message", message).field("type", "OAuthException").field("code", code);
  if (subcode) j.field("error_subcode", subcode);
  j.field("is_transient", transient);
  if (!user_title.empty()) j.field("error_user_title", user_title);
  if (!user_msg.empty()) j.field("error_user_msg", user_msg);
  j.field("fbtrace_id", next_trace_id()).end_object().end_object();
  return j.take();
}

void check_event(const Json& e, size_t i, const Call& call, std::vector<Problem>& problems) {
  auto problem = [&](std::string field, std::string message) {
    problems.push_back({i, std::move(field), std::move(message), ""});
  };
  if (!e.IsObject()) return problem("", "each element of data must be an object");
  if (!has_text(e, "event_name")) problem("event_name", "event_name is required");
  auto source = string_member(e, "action_source");
  if (!source) {
    problem("action_source", "action_source is required");
  } else if (!action_sources().count(*source)) {
    problem("action_source", "action_source is not a supported value");
  }
  auto time = int_member(e, "event_time");
  if (!time) {
    problem("event_time", "event_time must be an integer Unix time in seconds");
  } else if (call.check_event_time) {
    const int64_t window = source && *source == "physical_store" ? kPhysicalStoreWindowS : kWindowS;
    if (*time < call.now_s - window) problem("event_time", "event_time is more than 7 days in the past");
  }
  const Json* user = member(e, "user_data");
  if (!user || !user->IsObject() || user->MemberCount() == 0) {
    problem("user_data", "user_data must be an object with at least one customer information parameter");
    return;
  }
  for (const char* key : kHashedKeys) {
    const Json* v = member(*user, key);
    if (v && !is_hashed_value(*v)) problem(std::string("user_data.") + key, std::string(key) + " must be SHA-256 hex");
  }
}

class Meta final : public Platform {
 public:
  std::string_view name() const override { return "meta"; }

  Outcome handle(const Call& call) const override {
    Outcome out;
    const auto parts = path_segments(call.path);
    if (parts.size() != 3 || parts[0].size() < 2 || parts[0][0] != 'v' || parts[2] != "events") {
      out.rejected = true;
      out.response =
          json_response(400, graph_error(2500, 0, "Unknown path components: " + std::string(call.path), false));
      return out;
    }
    auto token_it = call.query.find("access_token");
    bool token = token_it != call.query.end() && !token_it->second.empty();
    if (!token) token = has_text(call.json, "access_token");
    if (!token) {
      out.rejected = true;
      out.response =
          json_response(400, graph_error(104, 0, "An access token is required to request this resource.", false));
      return out;
    }

    std::vector<Problem> problems;
    const Json* data = member(call.json, "data");
    if (!data || !data->IsArray() || data->Empty()) {
      problems.push_back(
          {Problem::kRequest, "data", "The parameter data is required and must be a non-empty array", ""});
    } else if (data->Size() > kMaxEvents) {
      problems.push_back({Problem::kRequest, "data", "Too many events in one request (at most 1000)", ""});
    } else {
      for (size_t i = 0; i < data->Size(); ++i)
        check_event((*data)[static_cast<rapidjson::SizeType>(i)], i, call, problems);
      const auto& rejects = call.injection.reject_event_ids;
      for (size_t i = 0; i < data->Size() && !rejects.empty(); ++i) {
        auto id = string_member((*data)[static_cast<rapidjson::SizeType>(i)], "event_id");
        if (id && std::find(rejects.begin(), rejects.end(), *id) != rejects.end()) {
          problems.push_back({i, "event_id", "The event was rejected (sandbox reject_event_ids)", ""});
          out.used_reject = true;
        }
      }
    }
    if (!problems.empty()) {
      const Problem& p = problems.front();
      std::string where = p.index == Problem::kRequest ? "" : " (data[" + std::to_string(p.index) + "])";
      out.rejected = true;
      out.response = json_response(
          400, graph_error(100, 2804050, "(#100) Invalid parameter", false, "Invalid parameter", p.message + where));
      return out;
    }
    out.event_ids.reserve(data->Size());
    for (const auto& e : data->GetArray()) out.event_ids.emplace_back(string_member(e, "event_id").value_or(""));
    JsonOut j;
    j.begin_object().field("events_received", out.event_ids.size()).key("messages").begin_array().end_array();
    out.response = json_response(200, j.field("fbtrace_id", next_trace_id()).end_object().take());
    return out;
  }

  net::Response error(std::string_view, int status, ErrorKind kind) const override {
    if (kind == ErrorKind::rate_limited) {
      return json_response(status, graph_error(4, 0, "(#4) Application request limit reached", true));
    }
    if (kind == ErrorKind::auth_expired) {
      return json_response(status, graph_error(190, 463, "Error validating access token: Session has expired", false));
    }
    if (status >= 500) {
      return json_response(
          status, graph_error(2, 0, "An unexpected error has occurred. Please retry your request later.", true));
    }
    return json_response(status, graph_error(100, 0, "(#100) Invalid parameter", false));
  }
};

}  // namespace

std::unique_ptr<Platform> make_meta() {
  return std::make_unique<Meta>();
}

}  // namespace fanout::sandbox
