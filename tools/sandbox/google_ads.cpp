// Google Ads, two endpoints (docs/platforms.md), both with an OAuth bearer token:
// - Data Manager: POST /google_ads/v1/events:ingest: destinations (operatingAccount.accountId,
//   productDestinationId) and 1..2000 events with eventTimestamp (RFC 3339); identifiers SHA-256 hex.
//   No partial failure: any bad event rejects the request (400 INVALID_ARGUMENT with fieldViolations).
// - uploadClickConversions: POST /google_ads/v{N}/customers/{id}:uploadClickConversions with a
//   developer-token header; partialFailure must be true; 1..2000 conversions with conversionAction and
//   conversionDateTime ("yyyy-mm-dd hh:mm:ss+hh:mm"); bad rows fail alone, in partialFailureError.
#include <algorithm>
#include <cctype>

#include "core/clock.h"
#include "sandbox/json.h"
#include "sandbox/platform.h"

namespace fanout::sandbox {
namespace {

constexpr size_t kMaxEvents = 2000;
constexpr size_t kMaxDmIdentifiers = 10;
constexpr size_t kMaxClickIdentifiers = 5;
constexpr int64_t kClickWindowS = 90 * 24 * 3600;

const char* status_name(int status) {
  switch (status) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 409:
      return "ABORTED";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 500:
      return "INTERNAL";
    case 501:
      return "UNIMPLEMENTED";
    case 503:
      return "UNAVAILABLE";
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      return "UNKNOWN";
  }
}

// google.rpc.Status as JSON, optionally with one detail already rendered as JSON.
std::string rpc_error(int status, const std::string& message, const std::string& detail = "") {
  JsonOut j;
  j.begin_object().key("error").begin_object();
  j.field("code", status).field("message", message).field("status", status_name(status));
  if (!detail.empty()) j.key("details").begin_array().raw(detail).end_array();
  return j.end_object().end_object().take();
}

// A GoogleAdsFailure detail with one error per (row, code).
struct AdsError {
  std::optional<size_t> row;
  std::string kind;  // the errorCode oneof name, e.g. "conversionUploadError"
  std::string code;
  std::string message;
};

void ads_failure(JsonOut& j, const std::string& version, const std::vector<AdsError>& errors) {
  j.begin_object().field("@type", "type.googleapis.com/google.ads.googleads." + version + ".errors.GoogleAdsFailure");
  j.key("errors").begin_array();
  for (const AdsError& e : errors) {
    j.begin_object().key("errorCode").begin_object().field(e.kind, e.code).end_object().field("message", e.message);
    if (e.row) {
      j.key("location").begin_object().key("fieldPathElements").begin_array();
      j.begin_object().field("fieldName", "conversions").field("index", *e.row).end_object();
      j.end_array().end_object();
    }
    j.end_object();
  }
  j.end_array().field("requestId", next_trace_id()).end_object();
}

std::string ads_failure(const std::string& version, const std::vector<AdsError>& errors) {
  JsonOut j;
  ads_failure(j, version, errors);
  return j.take();
}

bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// customers/{digits}/conversionActions/{digits}
bool valid_conversion_action(std::string_view s) {
  const auto parts = path_segments(s);
  return parts.size() == 4 && parts[0] == "customers" && all_digits(parts[1]) && parts[2] == "conversionActions" &&
         all_digits(parts[3]);
}

// "yyyy-mm-dd hh:mm:ss+hh:mm" (the offset is required, fractional seconds allowed).
bool parse_conversion_date_time(std::string_view s, int64_t& unix_s) {
  if (s.size() < 25 || s[10] != ' ') return false;
  const char sign = s[s.size() - 6];
  if ((sign != '+' && sign != '-') || s[s.size() - 3] != ':') return false;
  return parse_rfc3339(std::string(s), unix_s);
}

// --- Data Manager ----------------------------------------------------------------------------------------

struct Violation {
  std::string field;
  std::string description;
  std::string reason;
};

std::string bad_request(const std::vector<Violation>& violations) {
  JsonOut d;
  d.begin_object().field("@type", "type.googleapis.com/google.rpc.BadRequest").key("fieldViolations").begin_array();
  for (size_t i = 0; i < violations.size() && i < 50; ++i) {
    const Violation& v = violations[i];
    d.begin_object().field("field", v.field).field("description", v.description).field("reason", v.reason);
    d.end_object();
  }
  return rpc_error(400, "There was a problem with the request.", d.end_array().end_object().take());
}

void check_identifier(const Json& id, const std::string& at, bool hex, std::vector<Violation>& out) {
  const Json* email = member(id, "emailAddress");
  const Json* phone = member(id, "phoneNumber");
  const Json* address = member(id, "address");
  if ((email != nullptr) + (phone != nullptr) + (address != nullptr) != 1) {
    out.push_back({at, "exactly one of emailAddress, phoneNumber, address", "INVALID_USER_IDENTIFIER"});
    return;
  }
  auto hashed = [&](const Json* v) { return v->IsString() && (!hex || is_sha256_hex(v->GetString())); };
  if (email && !hashed(email)) out.push_back({at + ".emailAddress", "must be SHA-256 hex", "INVALID_HEX_ENCODING"});
  if (phone && !hashed(phone)) out.push_back({at + ".phoneNumber", "must be SHA-256 hex", "INVALID_HEX_ENCODING"});
  if (address) {
    for (const char* key : {"givenName", "familyName"}) {
      const Json* v = member(*address, key);
      if (!v || !hashed(v)) out.push_back({at + ".address." + key, "must be SHA-256 hex", "INVALID_HEX_ENCODING"});
    }
    auto region = string_member(*address, "regionCode");
    if (!region || region->size() != 2)
      out.push_back({at + ".address.regionCode", "two letters", "INVALID_REGION_CODE"});
    if (!has_text(*address, "postalCode"))
      out.push_back({at + ".address.postalCode", "required", "REQUIRED_FIELD_MISSING"});
  }
}

Outcome data_manager(const Call& call) {
  Outcome out;
  std::vector<Violation> v;
  const Json* destinations = member(call.json, "destinations");
  if (!destinations || !destinations->IsArray() || destinations->Empty()) {
    v.push_back({"destinations", "at least one destination is required", "REQUIRED_FIELD_MISSING"});
  } else {
    for (rapidjson::SizeType i = 0; i < destinations->Size(); ++i) {
      const Json& d = (*destinations)[i];
      const std::string at = "destinations[" + std::to_string(i) + "]";
      const Json* account = member(d, "operatingAccount");
      if (!account || !all_digits(string_member(*account, "accountId").value_or(""))) {
        v.push_back({at + ".operatingAccount.accountId", "digits only, required", "INVALID_DESTINATION"});
      }
      if (!has_text(d, "productDestinationId")) {
        v.push_back({at + ".productDestinationId", "the conversion action id is required", "INVALID_DESTINATION"});
      }
    }
  }
  const bool hex = string_member(call.json, "encoding").value_or("HEX") == "HEX";
  const Json* events = member(call.json, "events");
  if (!events || !events->IsArray() || events->Empty() || events->Size() > kMaxEvents) {
    v.push_back({"events", "1 to 2000 events are required", "INVALID_EVENTS_COUNT"});
  } else {
    for (rapidjson::SizeType i = 0; i < events->Size(); ++i) {
      const Json& e = (*events)[i];
      const std::string at = "events[" + std::to_string(i) + "]";
      int64_t when = 0;
      auto ts = string_member(e, "eventTimestamp");
      if (!ts || !parse_rfc3339(std::string(*ts), when)) {
        v.push_back({at + ".eventTimestamp", "an RFC 3339 timestamp is required", "INVALID_EVENT_TIMESTAMP"});
      }
      if (const Json* user = member(e, "userData")) {
        const Json* ids = member(*user, "userIdentifiers");
        if (!ids || !ids->IsArray() || ids->Empty() || ids->Size() > kMaxDmIdentifiers) {
          v.push_back({at + ".userData.userIdentifiers", "1 to 10 identifiers", "TOO_MANY_USER_IDENTIFIERS"});
        } else {
          for (rapidjson::SizeType k = 0; k < ids->Size(); ++k) {
            check_identifier((*ids)[k], at + ".userData.userIdentifiers[" + std::to_string(k) + "]", hex, v);
          }
        }
      }
      if (call.injection.partial_failure) {
        const auto& fail = call.injection.fail_ids;
        auto id = string_member(e, "transactionId").value_or("");
        if (fail.empty() ? i == 0 : std::find(fail.begin(), fail.end(), id) != fail.end()) {
          // No partial failure in Data Manager: the whole request fails, naming the event.
          v.push_back({at, "the event was failed (sandbox partial_failure)",
                       call.injection.error_code.empty() ? "INVALID_ARGUMENT" : call.injection.error_code});
          out.used_partial = true;
        }
      }
    }
  }
  if (!v.empty()) {
    out.rejected = true;
    out.response = json_response(400, bad_request(v));
    return out;
  }
  out.event_ids.reserve(events->Size());
  for (const auto& e : events->GetArray()) out.event_ids.emplace_back(string_member(e, "transactionId").value_or(""));
  JsonOut j;
  out.response = json_response(200, j.begin_object().field("requestId", next_trace_id()).end_object().take());
  return out;
}

// --- uploadClickConversions ------------------------------------------------------------------------------

void check_conversion(const Json& c, size_t i, const Call& call, std::vector<AdsError>& errors) {
  auto row_error = [&](const char* kind, const char* code, const char* message) {
    errors.push_back({i, kind, code, message});
  };
  if (!c.IsObject()) return row_error("requestError", "INVALID_INPUT", "each conversion must be an object");
  if (!valid_conversion_action(string_member(c, "conversionAction").value_or(""))) {
    return row_error("conversionUploadError", "NO_CONVERSION_ACTION_FOUND",
                     "conversionAction must be customers/{id}/conversionActions/{id}");
  }
  int64_t when = 0;
  if (!parse_conversion_date_time(string_member(c, "conversionDateTime").value_or(""), when)) {
    return row_error("dateError", "INVALID_FIELD_VALUES_IN_DATE_TIME",
                     "conversionDateTime must look like yyyy-mm-dd hh:mm:ss+hh:mm");
  }
  if (call.check_event_time && when < call.now_s - kClickWindowS) {
    return row_error("conversionUploadError", "EXPIRED_EVENT", "the click is older than the conversion window");
  }
  if (has_text(c, "gbraid") && has_text(c, "wbraid")) {
    return row_error("conversionUploadError", "GBRAID_WBRAID_BOTH_SET", "set gbraid or wbraid, not both");
  }
  const Json* ids = member(c, "userIdentifiers");
  const bool click = has_text(c, "gclid") || has_text(c, "gbraid") || has_text(c, "wbraid");
  if (!click && (!ids || !ids->IsArray() || ids->Empty())) {
    return row_error("conversionUploadError", "CLICK_NOT_FOUND", "a click id or user identifiers are required");
  }
  if (ids) {
    if (!ids->IsArray() || ids->Size() > kMaxClickIdentifiers) {
      return row_error("conversionUploadError", "INVALID_USER_IDENTIFIER", "at most 5 userIdentifiers");
    }
    for (const auto& id : ids->GetArray()) {
      const Json* email = member(id, "hashedEmail");
      const Json* phone = member(id, "hashedPhoneNumber");
      const Json* one = email ? email : phone;
      if ((email != nullptr) == (phone != nullptr) || !one->IsString() || !is_sha256_hex(one->GetString())) {
        return row_error("conversionUploadError", "INVALID_USER_IDENTIFIER",
                         "each user identifier is one hashedEmail or hashedPhoneNumber, SHA-256 hex");
      }
    }
  }
}

Outcome click_conversions(const Call& call, std::string_view version, std::string_view customer) {
  Outcome out;
  auto request_error = [&](int status, const std::string& message, std::vector<AdsError> errors) {
    out.rejected = true;
    out.response = json_response(status, rpc_error(status, message, ads_failure(std::string(version), errors)));
    return out;
  };
  if (!all_digits(customer)) {
    return request_error(400, "The customer id must be digits only",
                         {{std::nullopt, "requestError", "INVALID_CUSTOMER_ID", "customer ids have no hyphens"}});
  }
  if (header(call.headers, "developer-token").empty()) {
    return request_error(400, "The developer-token header is required",
                         {{std::nullopt, "authenticationError", "DEVELOPER_TOKEN_PARAMETER_MISSING", "missing"}});
  }
  const Json* partial = member(call.json, "partialFailure");
  if (!partial || !partial->IsBool() || !partial->GetBool()) {
    return request_error(
        400, "partialFailure must be true",
        {{std::nullopt, "partialFailureError", "PARTIAL_FAILURE_MODE_REQUIRED", "set partialFailure"}});
  }
  const Json* conversions = member(call.json, "conversions");
  if (!conversions || !conversions->IsArray() || conversions->Empty()) {
    return request_error(400, "conversions are required",
                         {{std::nullopt, "requestError", "REQUIRED_FIELD_MISSING", "conversions"}});
  }
  if (conversions->Size() > kMaxEvents) {
    return request_error(400, "Upload fewer than 2001 conversions",
                         {{std::nullopt, "conversionUploadError", "TOO_MANY_CONVERSIONS_IN_REQUEST", "at most 2000"}});
  }

  std::vector<AdsError> errors;
  for (rapidjson::SizeType i = 0; i < conversions->Size(); ++i) check_conversion((*conversions)[i], i, call, errors);
  if (call.injection.partial_failure) {
    const auto& fail = call.injection.fail_ids;
    const std::string code = call.injection.error_code.empty() ? "EXPIRED_EVENT" : call.injection.error_code;
    for (rapidjson::SizeType i = 0; i < conversions->Size(); ++i) {
      auto order = string_member((*conversions)[i], "orderId").value_or("");
      if (fail.empty() ? i == 0 : std::find(fail.begin(), fail.end(), order) != fail.end()) {
        errors.push_back({i, "conversionUploadError", code, "the row was failed (sandbox partial_failure)"});
        out.used_partial = true;
      }
    }
  }
  std::vector<bool> bad(conversions->Size(), false);
  for (const auto& e : errors) bad[*e.row] = true;

  JsonOut j;
  j.begin_object().key("results").begin_array();
  for (rapidjson::SizeType i = 0; i < conversions->Size(); ++i) {
    const Json& c = (*conversions)[i];
    j.begin_object();
    if (!bad[i]) {  // failed rows have empty results
      out.event_ids.emplace_back(string_member(c, "orderId").value_or(""));
      j.field("conversionAction", string_member(c, "conversionAction").value_or(""));
      j.field("conversionDateTime", string_member(c, "conversionDateTime").value_or(""));
      if (auto gclid = string_member(c, "gclid")) j.field("gclid", *gclid);
    }
    j.end_object();
  }
  j.end_array();
  if (!errors.empty()) {
    std::sort(errors.begin(), errors.end(), [](const AdsError& a, const AdsError& b) { return *a.row < *b.row; });
    j.key("partialFailureError").begin_object().field("code", 3);
    j.field("message", errors.front().message + ", at conversions[" + std::to_string(*errors.front().row) + "]");
    j.key("details").begin_array();
    ads_failure(j, std::string(version), errors);
    j.end_array().end_object();
  }
  out.response = json_response(200, j.field("jobId", next_trace_id().substr(3)).end_object().take());
  return out;
}

class GoogleAds final : public Platform {
 public:
  std::string_view name() const override { return "google_ads"; }

  Outcome handle(const Call& call) const override {
    Outcome out;
    const std::string_view token = bearer_token(call.headers);
    if (!call.tokens.accepts("google_ads", token)) {
      out.rejected = true;
      out.response = json_response(401, rpc_error(401, "Request had invalid authentication credentials."));
      return out;
    }
    if (call.path == "/v1/events:ingest") return data_manager(call);
    // /v{N}/customers/{id}:uploadClickConversions
    const auto parts = path_segments(call.path);
    constexpr std::string_view kSuffix = ":uploadClickConversions";
    if (parts.size() == 3 && parts[0].size() > 1 && parts[0][0] == 'v' && parts[1] == "customers" &&
        parts[2].size() > kSuffix.size() && parts[2].substr(parts[2].size() - kSuffix.size()) == kSuffix) {
      return click_conversions(call, parts[0], parts[2].substr(0, parts[2].size() - kSuffix.size()));
    }
    out.rejected = true;
    out.response = json_response(404, rpc_error(404, "Unknown endpoint: " + std::string(call.path)));
    return out;
  }

  net::Response error(std::string_view, int status, ErrorKind kind) const override {
    if (kind == ErrorKind::auth_expired) {
      return json_response(status, rpc_error(status, "Request had invalid authentication credentials."));
    }
    if (kind == ErrorKind::rate_limited) {
      return json_response(status, rpc_error(status, "Resource has been exhausted (e.g. check quota)."));
    }
    return json_response(status, rpc_error(status, "The service returned an error (sandbox fault)."));
  }
};

}  // namespace

std::unique_ptr<Platform> make_google_ads() {
  return std::make_unique<GoogleAds>();
}

}  // namespace fanout::sandbox
