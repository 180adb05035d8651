// Google Ads: per-event outcome of one request from the answer, for both modes (the rules are in google_ads.h,
// at classify_response, and in README.md here). Pure.
#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>

#include "destinations/google_ads/google_ads.h"
#include "destinations/google_ads/google_error.h"
#include "destinations/options.h"

namespace fanout::dest::google_ads {
namespace {

constexpr std::chrono::hours kTooRecentWait{6};

// Data Manager 400 reasons that are about the destination or account, not about an event: splitting the
// batch would only repeat them.
bool destination_reason(const std::string& r) {
  static const std::set<std::string, std::less<>> kReasons{
      "INVALID_DESTINATION",
      "INVALID_CONVERSION_ACTION_ID",
      "INVALID_CONVERSION_ACTION_TYPE",
      "TERMS_AND_CONDITIONS_NOT_SIGNED",
      "DESTINATION_ACCOUNT_NOT_ENABLED_ENHANCED_CONVERSIONS_FOR_LEADS",
      "DESTINATION_ACCOUNT_DATA_POLICY_PROHIBITS_ENHANCED_CONVERSIONS",
      "DESTINATION_ACCOUNT_ENHANCED_CONVERSIONS_TERMS_NOT_SIGNED",
      "DUPLICATE_DESTINATION_REFERENCE",
      "TOO_MANY_DESTINATIONS",
      "PERMISSION_DENIED",
      "NOT_FOUND",
  };
  return kReasons.count(r) > 0;
}

// A row of uploadClickConversions that Google may accept later.
bool retryable_row(const std::string& code) {
  static const std::set<std::string, std::less<>> kCodes{"INTERNAL_ERROR",     "TRANSIENT_ERROR",
                                                         "DEADLINE_EXCEEDED",  "CONCURRENT_MODIFICATION",
                                                         "RESOURCE_EXHAUSTED", "RESOURCE_TEMPORARILY_EXHAUSTED"};
  return code.rfind("TOO_RECENT_", 0) == 0 || kCodes.count(code) > 0;
}

// The conversion is already recorded: a resend after a lost answer, so the goal is met.
bool already_recorded(const std::string& code) {
  return code == "CLICK_CONVERSION_ALREADY_EXISTS" || code == "ORDER_ID_ALREADY_IN_USE";
}

// "google_ads: http_400 INVALID_ARGUMENT INVALID_CONVERSION_ACTION_ID": status and first reason, no message
// (messages may echo submitted values).
std::string http_reason(int status, const GoogleError& e) {
  std::string r = "google_ads: http_" + std::to_string(status);
  if (!e.status.empty()) r += " " + e.status;
  if (!e.reasons.empty() && e.reasons.front() != e.status) r += " " + e.reasons.front();
  return r;
}

Classification all(size_t n, Outcome outcome, const std::string& reason) {
  Classification c;
  c.events.assign(n, EventResult{outcome, reason});
  return c;
}

// A 2xx whose body is no JSON object (a proxy's or CDN's page): not Google's answer, so nothing is known
// about the events; the request failed as a whole.
Classification foreign(size_t n, int status) {
  Classification c = all(n, Outcome::retry, "google_ads: no API answer, http_" + std::to_string(status));
  c.foreign_body = true;
  return c;
}

bool json_object(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  return !doc.HasParseError() && doc.IsObject();
}

// 2xx from uploadClickConversions: rows named in partialFailureError fail on their own.
Classification click_success(size_t n, int status, const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return foreign(n, status);
  Classification c = all(n, Outcome::delivered, "");
  auto pf = doc.FindMember("partialFailureError");
  if (pf == doc.MemberEnd() || !pf->value.IsObject()) return c;
  GoogleError e = parse_status(pf->value);
  // Precedence per row when it has several errors: reject > retry > delivered.
  auto apply = [&](EventResult& row, const std::string& code) {
    Outcome o = already_recorded(code) ? Outcome::delivered : retryable_row(code) ? Outcome::retry : Outcome::reject;
    if (row.outcome == Outcome::reject || (row.outcome == Outcome::retry && o == Outcome::delivered)) return;
    row.outcome = o;
    row.reason = "google_ads: " + (code.empty() ? std::string("UNKNOWN") : code);
  };
  for (const AdsError& err : e.ads_errors) {
    if (err.row) {
      if (*err.row < n) apply(c.events[*err.row], err.code);
    } else {
      for (EventResult& row : c.events) apply(row, err.code);  // not tied to a row: concerns them all
    }
  }
  // Google accepts a conversion once its click (or its conversion action) is 6 hours old: retrying sooner
  // only repeats the answer. Other transient rows keep the normal backoff.
  bool retries = false, only_too_recent = true;
  for (const EventResult& row : c.events) {
    if (row.outcome != Outcome::retry) continue;
    retries = true;
    only_too_recent = only_too_recent && row.reason.rfind("google_ads: TOO_RECENT_", 0) == 0;
  }
  if (retries && only_too_recent) c.retry_after = kTooRecentWait;
  return c;
}

Classification bad_request(Mode mode, size_t n, const HttpResponse& r, const GoogleError& e) {
  const std::string reason = http_reason(r.status, e);
  bool about_destination = std::any_of(e.reasons.begin(), e.reasons.end(), destination_reason);
  bool too_many = std::find(e.reasons.begin(), e.reasons.end(), "TOO_MANY_CONVERSIONS_IN_REQUEST") != e.reasons.end();
  bool split = n > 1 && (mode == Mode::data_manager ? !about_destination : too_many);
  if (!split) return all(n, Outcome::reject, reason);
  Classification c = all(n, Outcome::retry, reason);
  c.split = true;
  return c;
}

}  // namespace

Classification classify_response(Mode mode, size_t n, const HttpResponse& r) {
  const int s = r.status;
  if (s >= 200 && s < 300) {
    if (mode == Mode::click_conversions) return click_success(n, s, r.body);
    return json_object(r.body) ? all(n, Outcome::delivered, "") : foreign(n, s);
  }
  if (s == 0) return all(n, Outcome::retry, transport_reason(r));
  GoogleError e = parse_error_body(r.body);
  if (s == 401) {
    Classification c = all(n, Outcome::retry, http_reason(s, e));
    c.refresh_auth = true;
    return c;
  }
  if (s == 403) return all(n, Outcome::retry, http_reason(s, e) + " (check account access and credentials)");
  if (s == 408 || s == 409 || s == 429 || s >= 500) {
    Classification c = all(n, Outcome::retry, http_reason(s, e));
    c.retry_after = e.retry_delay;
    return c;
  }
  if (s == 400) return bad_request(mode, n, r, e);
  return all(n, Outcome::reject, http_reason(s, e));
}

Classification GoogleAdsDestination::classify(const Request& request, const HttpResponse& response) const {
  return classify_response(s_.mode, request.indices.size(), response);
}

}  // namespace fanout::dest::google_ads
