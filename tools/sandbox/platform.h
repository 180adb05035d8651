#pragma once
// One fake ad platform: checks a request against the platform's documented required fields and answers
// with the platform's own success and error shapes. Fault injection decided before (status, rate limit,
// auth) is the sandbox's; faults that depend on the events (reject_event_ids, partial_failure) arrive
// here as an Injection.
#include <rapidjson/document.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_server.h"
#include "sandbox/tokens.h"

namespace fanout::sandbox {

// Event-dependent faults in force for this request.
struct Injection {
  std::vector<std::string> reject_event_ids;  // a batch holding one of these gets the whole-batch error
  bool partial_failure = false;               // fail some rows (the first one when fail_ids is empty)
  std::vector<std::string> fail_ids;          // orderId / transactionId / click id of the rows to fail
  std::string error_code;                     // the row error code, "" = the platform's default
};

// One request to a platform endpoint.
struct Call {
  std::string_view path;                              // after the platform prefix: "/v25.0/123/events"
  const std::map<std::string, std::string>& query;    // decoded query parameters
  const std::map<std::string, std::string>& headers;  // lowercase names
  const rapidjson::Document& json;                    // the parsed body (kNullType when it is not JSON)
  size_t body_bytes;                                  // size of the raw body
  int64_t now_s;                                      // wall clock, Unix seconds
  bool check_event_time;                              // enforce the platform's event-time window
  const TokenBook& tokens;
  const Injection& injection;
};

struct Outcome {
  net::Response response;
  // One per accepted event, "" when the event carries no id. Views into the request's parsed body (which
  // outlives the Outcome) or into `composed_ids`.
  std::vector<std::string_view> event_ids;
  // Ids that are not a string of the body (Microsoft offline "click|time"). A deque: its elements keep
  // their addresses when it grows or is moved, so views of them stay valid.
  std::deque<std::string> composed_ids;
  bool rejected = false;      // the platform refused the whole request
  bool used_reject = false;   // reject_event_ids decided the answer (the fault is used up once)
  bool used_partial = false;  // partial_failure failed some rows (the fault is used up once)
};

// One validation failure, for the platform's error body.
struct Problem {
  static constexpr size_t kRequest = static_cast<size_t>(-1);
  size_t index = kRequest;  // the event/row at fault, kRequest for the request as a whole
  std::string field;        // "event_time", "user_data.em", ...
  std::string message;      // operator-facing, never echoes submitted personal data
  std::string code;         // the platform's error code for it, where it has one
};

// What an injected fault makes the platform answer.
enum class ErrorKind { failure, rate_limited, auth_expired };

class Platform {
 public:
  virtual ~Platform() = default;
  // "meta", "ga4", "google_ads", "microsoft_ads" or "tiktok": also the path prefix.
  virtual std::string_view name() const = 0;
  // Validates and answers a POST to `call.path`.
  virtual Outcome handle(const Call& call) const = 0;
  // The platform's answer to an injected fault, for the endpoint at `path`.
  virtual net::Response error(std::string_view path, int status, ErrorKind kind) const = 0;
};

std::unique_ptr<Platform> make_meta();
std::unique_ptr<Platform> make_ga4();
std::unique_ptr<Platform> make_google_ads();
std::unique_ptr<Platform> make_microsoft_ads();
std::unique_ptr<Platform> make_tiktok();

// Shared by the platforms: a process-unique trace/request id, e.g. "SBX000042".
std::string next_trace_id();
// The bearer token of an Authorization header, "" when there is none.
std::string_view bearer_token(const std::map<std::string, std::string>& headers);
// The value of a header (lowercase name), "" when absent.
std::string_view header(const std::map<std::string, std::string>& headers, const std::string& name);
// Splits "/a/b/c" into {"a","b","c"}; empty segments (from "//" or a trailing "/") are dropped.
std::vector<std::string_view> path_segments(std::string_view path);
// A JSON answer with `status` and `body`.
net::Response json_response(int status, std::string body);

}  // namespace fanout::sandbox
