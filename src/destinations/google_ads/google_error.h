#pragma once
// Google's error model (google.rpc.Status as JSON), shared by the Data Manager API and the Google Ads API:
// {"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "...", "details": [...]}}. The details
// carry ErrorInfo.reason, BadRequest.fieldViolations[].reason, RetryInfo.retryDelay and, for Google Ads,
// GoogleAdsFailure.errors[] with an errorCode, a row location and quotaErrorDetails.retryDelay.
#include <rapidjson/document.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::dest::google_ads {

// One GoogleAdsFailure error: its enum name and, when it is about one row, that row's index.
struct AdsError {
  std::string code;           // the errorCode value, e.g. "TOO_RECENT_EVENT"
  std::optional<size_t> row;  // fieldPathElements[0].index ("conversions"[row]); nullopt = whole request
};

struct GoogleError {
  std::string status;                                    // canonical status ("INVALID_ARGUMENT"), "" if absent
  std::vector<std::string> reasons;                      // every reason / error code found, in order
  std::vector<AdsError> ads_errors;                      // GoogleAdsFailure errors, in order
  std::optional<std::chrono::milliseconds> retry_delay;  // the largest retryDelay found
};

// Parses a google.rpc.Status object (the value of "error", or a partialFailureError).
GoogleError parse_status(const rapidjson::Value& status);

// Parses an HTTP error body {"error": {...}}; an empty GoogleError when the body is something else.
GoogleError parse_error_body(std::string_view body);

// A protobuf Duration in JSON ("30s", "1.5s"), nullopt when malformed or above one day.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace fanout::dest::google_ads
