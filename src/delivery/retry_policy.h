#pragma once
// The one HTTP retry policy of delivery: what an answer means for the events of a request and for their
// lane, decided once here for every destination (the driver owns retries, as in Vector). A destination's
// classify() only reads what its platform's body says (TikTok's codes in a 200, Google's partial
// failures, Meta's is_transient, Microsoft's item errors); this file decides what the transport and the
// status line say, and reads the Retry-After header:
//  - no answer (status 0): every event is retried and the lane pauses;
//  - 408, 429 and 5xx: the lane pauses and no event counts as delivered; what the body says still stands
//    (an item rejected by name, a split, an OAuth refresh: Microsoft sends its faults with HTTP 500 too);
//  - 2xx: the destination's per-event outcomes; a 2xx whose body is not the platform's answer (a proxy's
//    or CDN's page: Classification::foreign_body) is a failure of the whole request like a 503;
//  - other statuses: the destination's outcomes; the lane pauses when every event is to retry;
//  - split and OAuth refresh are the destination's requests, honoured here (a second 401 in a row is retried).
// Waits: no retry and no lane pause is shorter than max(Retry-After, the body's own hint), and the
// Retry-After header, in seconds or as an HTTP date, is capped at kMaxRetryAfterMs either way.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "destinations/destination.h"

namespace fanout::delivery {

// The longest wait a Retry-After header may impose, in either form: a bogus or hostile header must not
// park a destination for longer than this (one hour). Body hints (Google's 6-hour TOO_RECENT wait, a
// retryDelay) are the destination's own reading and keep their own bounds.
inline constexpr int64_t kMaxRetryAfterMs = 3600LL * 1000;

// A Retry-After header value, delta-seconds or HTTP-date (RFC 9110 §10.2.3), as a wait in ms from
// `now_ms`, capped at kMaxRetryAfterMs (a date in the past is 0); nullopt when unreadable.
std::optional<int64_t> parse_retry_after_ms(std::string_view value, int64_t now_ms);

// The wait an answer asks for: the longest of its Retry-After header and the body hint `hint`, >= 0.
int64_t requested_wait_ms(const dest::HttpResponse& response, std::optional<std::chrono::milliseconds> hint,
                          int64_t now_ms);

// What the transport and the status line alone say, before any body is read.
enum class StatusClass {
  success,    // 2xx: the body says what happened to each event
  transient,  // no answer, 408, 429, 5xx: try again later, whatever the body says
  other,      // any other status: the destination reads what its platform meant
};
StatusClass status_class(int status);

// What delivery does with one answer.
struct Verdict {
  enum class Action {
    outcomes,      // apply `events`
    split,         // resend the request's events as two halves (events stay pending as they are)
    refresh_auth,  // drop the token, fetch a new one and resend once (events stay pending as they are)
  };
  Action action = Action::outcomes;
  std::vector<dest::EventResult> events;  // exactly one per event of the request, reasons never empty
  bool pause_lane = false;  // the request failed as a whole: the lane sends nothing new for a backoff delay
  int64_t min_wait_ms = 0;  // no retry of these events and no lane pause is shorter than this
};

// The verdict on `response` to a request of `n` events that the destination classified as `c`.
// `can_refresh`: the lane holds a refresh token and this request is not already the resend after one.
Verdict decide(const dest::HttpResponse& response, dest::Classification c, size_t n, bool can_refresh, int64_t now_ms);

}  // namespace fanout::delivery
