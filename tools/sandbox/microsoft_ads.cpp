// Microsoft Advertising, two endpoints (docs/platforms.md):
// - UET Conversions API: POST /microsoft_ads/v1/{tagId}/events, Authorization: Bearer <tag token>;
//   data with 1..1000 events, each with eventType (pageLoad|custom), eventTime (within 7 days) and userData
//   holding an identifier; em/ph hashed; pageLoad needs eventSourceUrl. All-or-nothing 400 ValidationError
//   unless continueOnValidationError is true.
// - ApplyOfflineConversions (REST): POST /microsoft_ads/CampaignManagement/v13/OfflineConversions/Apply with
//   an OAuth bearer token, DeveloperToken, CustomerId and CustomerAccountId headers; per-row PartialErrors.
#include <algorithm>

#include "core/clock.h"
#include "sandbox/json.h"
#include "sandbox/platform.h"

namespace fanout::sandbox {
namespace {

constexpr size_t kMaxEvents = 1000;
constexpr size_t kMaxDetails = 10;  // CAPI returns the first 10 errors only
constexpr int64_t kCapiWindowS = 7 * 24 * 3600;
constexpr int64_t kOfflineWindowS = 90 * 24 * 3600;
constexpr const char* kOfflinePath = "/CampaignManagement/v13/OfflineConversions/Apply";
constexpr const char* kUserIds[] = {"anonymousId", "externalId", "em", "ph", "msclkid", "idfa", "gaid"};

// "details":[...] with the first 10 problems, as CAPI reports them.
void capi_details(JsonOut& j, const std::vector<Problem>& problems) {
  j.key("details").begin_array();
  for (size_t i = 0; i < problems.size() && i < kMaxDetails; ++i) {
    const Problem& p = problems[i];
    j.begin_object().field("index", p.index).field("propertyName", "data[" + std::to_string(p.index) + "]." + p.field);
    j.field("errorMessage", p.message).field("errorCode", p.code).field("isWarning", false).end_object();
  }
  j.end_array();
}

std::string capi_error(const char* code, const std::string& message, const std::vector<Problem>& problems = {}) {
  JsonOut j;
  j.begin_object().key("error").begin_object().field("code", code).field("message", message);
  if (!problems.empty()) capi_details(j, problems);
  j.end_object().end_object();
  return j.take();
}

// ApiFaultDetail as the REST Campaign Management service returns it.
std::string api_fault(int code, const char* error_code, const std::string& message) {
  JsonOut j;
  j.begin_object().field("TrackingId", next_trace_id()).field("Type", "ApiFault").key("OperationErrors").begin_array();
  j.begin_object().field("Code", code).field("ErrorCode", error_code).field("Message", message).end_object();
  j.end_array().key("BatchErrors").begin_array().end_array().end_object();
  return j.take();
}

void check_capi_event(const Json& e, size_t i, const Call& call, std::vector<Problem>& problems) {
  auto problem = [&](const char* field, const char* message, const char* code) {
    problems.push_back({i, field, message, code});
  };
  if (!e.IsObject()) return problem("", "each event must be an object", "InvalidValue");
  auto type = string_member(e, "eventType");
  if (!type) {
    problem("eventType", "eventType is required", "Empty");
  } else if (*type != "pageLoad" && *type != "custom") {
    problem("eventType", "eventType must be pageLoad or custom", "InvalidEnumValue");
  } else if (*type == "pageLoad" && !has_text(e, "eventSourceUrl")) {
    problem("eventSourceUrl", "eventSourceUrl is required for pageLoad events", "Empty");
  }
  auto time = int_member(e, "eventTime");
  if (!time) {
    problem("eventTime", "eventTime must be an integer Unix time in seconds", "InvalidEventTime");
  } else if (call.check_event_time && *time < call.now_s - kCapiWindowS) {
    problem("eventTime", "eventTime must be within the last 7 days", "InvalidEventTime");
  }
  const Json* user = member(e, "userData");
  if (!user || !user->IsObject()) return problem("userData", "userData is required", "Empty");
  const bool identified = std::any_of(std::begin(kUserIds), std::end(kUserIds), [&](const char* key) {
    const Json* v = member(*user, key);
    return v && ((v->IsString() && v->GetStringLength() > 0) || (v->IsArray() && !v->Empty()));
  });
  if (!identified)
    problem("userData", "userData needs one of anonymousId, externalId, em, ph, msclkid, idfa, gaid", "Empty");
  for (const char* key : {"em", "ph"}) {
    const Json* v = member(*user, key);
    if (v && !is_hashed_value(*v)) {
      problems.push_back(
          {i, std::string("userData.") + key, std::string(key) + " must be SHA-256 hex", "InvalidSha256"});
    }
  }
}

Outcome capi(const Call& call) {
  Outcome out;
  if (bearer_token(call.headers).empty()) {
    out.rejected = true;
    out.response = json_response(401, capi_error("Unauthorized", "Missing or invalid API token for this tag"));
    return out;
  }
  const Json* data = member(call.json, "data");
  if (!data || !data->IsArray() || data->Empty() || data->Size() > kMaxEvents) {
    out.rejected = true;
    out.response = json_response(400, capi_error("ValidationError", "data must hold 1 to 1000 events"));
    return out;
  }
  std::vector<Problem> problems;
  std::vector<bool> bad(data->Size(), false);
  const auto& rejects = call.injection.reject_event_ids;
  for (rapidjson::SizeType i = 0; i < data->Size(); ++i) {
    const Json& e = (*data)[i];
    const size_t before = problems.size();
    check_capi_event(e, i, call, problems);
    auto id = string_member(e, "eventId");
    if (id && std::find(rejects.begin(), rejects.end(), *id) != rejects.end()) {
      problems.push_back({i, "eventId", "the event was rejected (sandbox reject_event_ids)", "InvalidValue"});
      out.used_reject = true;
    }
    bad[i] = problems.size() > before;
  }
  const auto* flag = member(call.json, "continueOnValidationError");
  const bool keep_going = flag && flag->IsBool() && flag->GetBool();
  const bool any_good = std::find(bad.begin(), bad.end(), false) != bad.end();
  if (!problems.empty() && (!keep_going || !any_good)) {
    out.rejected = true;
    out.response = json_response(400, capi_error("ValidationError", "One or more events failed validation", problems));
    return out;
  }
  out.event_ids.reserve(data->Size());
  for (rapidjson::SizeType i = 0; i < data->Size(); ++i) {
    if (!bad[i]) out.event_ids.emplace_back(string_member((*data)[i], "eventId").value_or(""));
  }
  JsonOut j;
  j.begin_object().field("eventsReceived", out.event_ids.size());
  if (!problems.empty()) capi_details(j, problems);  // the skipped events
  out.response = json_response(200, j.end_object().take());
  return out;
}

// MicrosoftClickId + ConversionTime (brief: offline rows carry no event id), or a hashed id when no click.
std::string offline_row_id(const Json& row) {
  auto time = string_member(row, "ConversionTime").value_or("");
  if (auto click = string_member(row, "MicrosoftClickId"); click && !click->empty()) {
    return std::string(*click) + "|" + std::string(time);
  }
  for (const char* key : {"HashedEmailAddress", "HashedPhoneNumber"}) {
    if (auto v = string_member(row, key); v && !v->empty()) return std::string(*v) + "|" + std::string(time);
  }
  return "";
}

struct RowError {
  size_t index;
  int code;
  std::string error_code;
  std::string message;
};

void check_offline_row(const Json& row, size_t i, const Call& call, std::vector<RowError>& errors) {
  if (!row.IsObject()) return errors.push_back({i, 1000, "InvalidOfflineConversion", "each row must be an object"});
  if (!has_text(row, "ConversionName")) {
    return errors.push_back({i, 5603, "OfflineConversionNameInvalid", "ConversionName is required"});
  }
  int64_t when = 0;
  auto time = string_member(row, "ConversionTime");
  if (!time || !parse_rfc3339(std::string(*time), when)) {
    return errors.push_back({i, 5608, "OfflineConversionTimeInvalid", "ConversionTime must be an ISO 8601 UTC time"});
  }
  if (call.check_event_time && (when < call.now_s - kOfflineWindowS || when > call.now_s + 3600)) {
    return errors.push_back({i, 5609, "OfflineConversionTimeOutOfWindow", "ConversionTime must be within 90 days"});
  }
  const bool click = has_text(row, "MicrosoftClickId");
  const bool email = has_text(row, "HashedEmailAddress");
  const bool phone = has_text(row, "HashedPhoneNumber");
  if (!click && !email && !phone) {
    return errors.push_back({i, 5604, "OfflineConversionMicrosoftClickIdInvalid",
                             "MicrosoftClickId, HashedEmailAddress or HashedPhoneNumber is required"});
  }
  if (email && !is_sha256_hex(*string_member(row, "HashedEmailAddress"))) {
    return errors.push_back({i, 8004, "EmailMustBeHashed", "HashedEmailAddress must be SHA-256 hex"});
  }
  if (phone && !is_sha256_hex(*string_member(row, "HashedPhoneNumber"))) {
    return errors.push_back({i, 8005, "PhoneMustBeHashed", "HashedPhoneNumber must be SHA-256 hex"});
  }
}

Outcome offline(const Call& call) {
  Outcome out;
  auto fault = [&](int status, int code, const char* error_code, const std::string& message) {
    out.rejected = true;
    out.response = json_response(status, api_fault(code, error_code, message));
    return out;
  };
  const std::string_view token = bearer_token(call.headers);
  if (token.empty()) return fault(401, 105, "InvalidCredentials", "Authorization: Bearer <access token> is required");
  if (!call.tokens.accepts("microsoft_ads", token)) {
    return fault(401, 109, "AuthenticationTokenExpired", "The access token has expired or was not issued here");
  }
  for (const char* h : {"developertoken", "customerid", "customeraccountid"}) {
    if (header(call.headers, h).empty()) {
      return fault(400, 106, "MissingHeader", std::string("header ") + h + " is required");
    }
  }
  const Json* rows = member(call.json, "OfflineConversions");
  if (!rows || !rows->IsArray() || rows->Empty()) {
    return fault(400, 5600, "OfflineConversionsNullOrEmpty", "OfflineConversions must be a non-empty array");
  }
  if (rows->Size() > kMaxEvents) {
    return fault(400, 5601, "OfflineConversionsLimitExceeded", "at most 1000 offline conversions per request");
  }
  std::vector<RowError> errors;
  for (rapidjson::SizeType i = 0; i < rows->Size(); ++i) check_offline_row((*rows)[i], i, call, errors);
  if (call.injection.partial_failure) {
    const auto& ids = call.injection.fail_ids;
    const std::string code =
        call.injection.error_code.empty() ? "OfflineConversionMicrosoftClickIdInvalid" : call.injection.error_code;
    for (rapidjson::SizeType i = 0; i < rows->Size(); ++i) {
      const std::string id = offline_row_id((*rows)[i]);
      auto click = string_member((*rows)[i], "MicrosoftClickId").value_or("");
      const bool hit = ids.empty() ? i == 0 : std::any_of(ids.begin(), ids.end(), [&](const std::string& x) {
        return x == id || x == click;
      });
      if (hit) {
        errors.push_back({i, 5604, code, "the row was failed (sandbox partial_failure)"});
        out.used_partial = true;
      }
    }
  }
  std::vector<bool> bad(rows->Size(), false);
  for (const auto& e : errors) bad[e.index] = true;
  for (rapidjson::SizeType i = 0; i < rows->Size(); ++i) {
    if (bad[i]) continue;
    out.composed_ids.push_back(offline_row_id((*rows)[i]));
    out.event_ids.push_back(out.composed_ids.back());
  }
  JsonOut j;
  j.begin_object().key("PartialErrors").begin_array();
  for (const RowError& e : errors) {
    j.begin_object().field("Code", e.code).key("Details").null().field("ErrorCode", e.error_code);
    j.key("FieldPath").null().key("ForwardCompatibilityMap").null().field("Index", e.index);
    j.field("Message", e.message).field("Type", "BatchError").end_object();
  }
  out.response = json_response(200, j.end_array().end_object().take());
  return out;
}

class MicrosoftAds final : public Platform {
 public:
  std::string_view name() const override { return "microsoft_ads"; }

  Outcome handle(const Call& call) const override {
    if (call.path == kOfflinePath) return offline(call);
    const auto parts = path_segments(call.path);
    if (parts.size() == 3 && parts[0] == "v1" && parts[2] == "events") return capi(call);
    Outcome out;
    out.rejected = true;
    out.response = json_response(404, capi_error("NotFound", "no such endpoint: " + std::string(call.path)));
    return out;
  }

  net::Response error(std::string_view path, int status, ErrorKind kind) const override {
    if (path == kOfflinePath) {
      if (kind == ErrorKind::auth_expired) {
        return json_response(status, api_fault(109, "AuthenticationTokenExpired", "The access token has expired"));
      }
      if (kind == ErrorKind::rate_limited) {
        return json_response(status, api_fault(117, "CallRateExceeded", "Too many calls; wait and resubmit"));
      }
      if (status >= 500) return json_response(status, api_fault(0, "InternalError", "An internal error occurred"));
      return json_response(status, api_fault(100, "InvalidRequest", "The request was rejected"));
    }
    if (kind == ErrorKind::auth_expired) {
      return json_response(status, capi_error("Unauthorized", "The API token has expired or is invalid"));
    }
    if (kind == ErrorKind::rate_limited)
      return json_response(status, capi_error("TooManyRequests", "Too many requests"));
    if (status >= 500) return json_response(status, capi_error("InternalServerError", "An internal error occurred"));
    return json_response(status, capi_error("BadRequest", "The request was rejected"));
  }
};

}  // namespace

std::unique_ptr<Platform> make_microsoft_ads() {
  return std::make_unique<MicrosoftAds>();
}

}  // namespace fanout::sandbox
