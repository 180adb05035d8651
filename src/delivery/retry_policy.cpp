#include "delivery/retry_policy.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>

#include "destinations/options.h"

namespace fanout::delivery {
namespace {
constexpr size_t kMaxRetryAfterChars = 64;  // longer than any HTTP-date: not worth parsing

// The reason given when a destination's classify() gave none: the destinations' own wording.
std::string describe(const dest::HttpResponse& r) {
  if (r.status == 0) return dest::transport_reason(r);
  return "http_" + std::to_string(r.status);
}
}  // namespace

std::optional<int64_t> parse_retry_after_ms(std::string_view value, int64_t now_ms) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
  if (value.empty() || value.size() > kMaxRetryAfterChars) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    constexpr int64_t kMaxSeconds = kMaxRetryAfterMs / 1000;
    int64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc::result_out_of_range || (ec == std::errc() && seconds > kMaxSeconds)) return kMaxRetryAfterMs;
    if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
    return seconds * 1000;
  }
  std::string text(value);
  time_t at = curl_getdate(text.c_str(), nullptr);  // RFC 9110 HTTP-date and its legacy forms
  if (at < 0) return std::nullopt;
  return std::clamp<int64_t>(static_cast<int64_t>(at) * 1000 - now_ms, 0, kMaxRetryAfterMs);
}

int64_t requested_wait_ms(const dest::HttpResponse& response, std::optional<std::chrono::milliseconds> hint,
                          int64_t now_ms) {
  int64_t wait = hint ? std::max<int64_t>(hint->count(), 0) : 0;
  if (auto it = response.headers.find("retry-after"); it != response.headers.end())
    wait = std::max(wait, parse_retry_after_ms(it->second, now_ms).value_or(0));
  return wait;
}

StatusClass status_class(int status) {
  if (status >= 200 && status < 300) return StatusClass::success;
  if (status == 0 || status == 408 || status == 429 || status >= 500) return StatusClass::transient;
  return StatusClass::other;
}

Verdict decide(const dest::HttpResponse& response, dest::Classification c, size_t n, bool can_refresh, int64_t now_ms) {
  Verdict v;
  v.min_wait_ms = requested_wait_ms(response, c.retry_after, now_ms);
  v.events = std::move(c.events);
  // A destination that broke its contract (one result per event) gets the benefit of the doubt: retry.
  v.events.resize(n, dest::EventResult{dest::Outcome::retry, {}});
  for (dest::EventResult& e : v.events)
    if (e.outcome != dest::Outcome::delivered && e.reason.empty()) e.reason = describe(response);
  auto all_retry = [&] {
    for (dest::EventResult& e : v.events) {
      if (e.outcome == dest::Outcome::delivered) e.reason = describe(response);
      e.outcome = dest::Outcome::retry;  // the platform's own words, if any, stay the reason
    }
    v.pause_lane = true;
    return v;
  };

  const StatusClass status = status_class(response.status);
  if (response.status == 0) return all_retry();  // no body was read: nothing else is known
  // What the body asked for stands whatever the status: Microsoft sends its faults (an expired token,
  // too many conversions in one call) with HTTP 500 as well as 4xx.
  if (c.refresh_auth && can_refresh) {
    v.action = Verdict::Action::refresh_auth;
    return v;
  }
  if (c.split && n > 1) {
    v.action = Verdict::Action::split;
    return v;
  }
  if (status == StatusClass::transient) {
    // Nothing is delivered by a failed request; what the body rejected by name (Microsoft's item
    // errors in a fault) stays rejected.
    for (dest::EventResult& e : v.events)
      if (e.outcome == dest::Outcome::delivered) e = dest::EventResult{dest::Outcome::retry, describe(response)};
    v.pause_lane = true;
    return v;
  }
  // A 401 left after the one refresh (or with nothing to refresh) is about the destination's setup; a 2xx
  // that is no platform answer (a proxy's page) says nothing about the events: both fail as a whole.
  if (c.refresh_auth || (status == StatusClass::success && c.foreign_body)) return all_retry();
  if (status == StatusClass::other && n > 0) {
    bool every_retry = true;
    for (const dest::EventResult& e : v.events) every_retry = every_retry && e.outcome == dest::Outcome::retry;
    v.pause_lane = every_retry;
  }
  return v;
}

}  // namespace fanout::delivery
