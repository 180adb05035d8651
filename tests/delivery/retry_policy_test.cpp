// The one HTTP retry policy (delivery/retry_policy.h): Retry-After in both forms with one cap, and what
// no answer, 2xx, 408/429/5xx and the destination's hints mean for the events and their lane.
#include "delivery/retry_policy.h"

#include <gtest/gtest.h>

#include <chrono>

namespace fanout::delivery {
namespace {
using dest::Outcome;

constexpr int64_t kHourMs = 3600LL * 1000;
// Thu, 01 Jan 1970 00:01:40 GMT = 100 s after the epoch.
constexpr const char* kDate100s = "Thu, 01 Jan 1970 00:01:40 GMT";

dest::HttpResponse answer(int status, std::map<std::string, std::string> headers = {}) {
  dest::HttpResponse r;
  r.status = status;
  r.headers = std::move(headers);
  return r;
}

dest::Classification all(size_t n, Outcome o, const std::string& reason = {}) {
  dest::Classification c;
  c.events.assign(n, dest::EventResult{o, reason});
  return c;
}

TEST(RetryAfter, SecondsAndHttpDate) {
  EXPECT_EQ(parse_retry_after_ms("30", 0), 30000);
  EXPECT_EQ(parse_retry_after_ms(" 2 ", 0), 2000);
  EXPECT_EQ(parse_retry_after_ms(kDate100s, 40000), 60000);
  EXPECT_EQ(parse_retry_after_ms(kDate100s, 500000), 0);  // already past
}

TEST(RetryAfter, RejectsGarbage) {
  EXPECT_FALSE(parse_retry_after_ms("", 0));
  EXPECT_FALSE(parse_retry_after_ms("soon", 0));
  EXPECT_FALSE(parse_retry_after_ms("-5", 0));
  EXPECT_FALSE(parse_retry_after_ms("1.5", 0));
}

// Both forms of the same two-hour wait get the same cap (before: 1 h in seconds, 2 h as a date).
TEST(RetryAfter, OneCapForSecondsAndDates) {
  const int64_t now = 100000 - 2 * kHourMs;  // the date is two hours ahead
  EXPECT_EQ(parse_retry_after_ms("7200", now), kMaxRetryAfterMs);
  EXPECT_EQ(parse_retry_after_ms(kDate100s, now), kMaxRetryAfterMs);
  EXPECT_EQ(parse_retry_after_ms("99999999999999999999999", 0), kMaxRetryAfterMs);
  EXPECT_EQ(kMaxRetryAfterMs, kHourMs);
}

TEST(RetryPolicy, TheLongerOfRetryAfterAndTheBodyHintWins) {
  using std::chrono::seconds;
  EXPECT_EQ(requested_wait_ms(answer(429, {{"retry-after", "7"}}), seconds(60), 0), 60000);
  EXPECT_EQ(requested_wait_ms(answer(429, {{"retry-after", "90"}}), seconds(60), 0), 90000);
  EXPECT_EQ(requested_wait_ms(answer(429, {{"retry-after", kDate100s}}), std::nullopt, 40000), 60000);
  EXPECT_EQ(requested_wait_ms(answer(429), std::nullopt, 0), 0);
  // The same wait whether the destination or the header carries it: the header is read here, once.
  Verdict v = decide(answer(503, {{"retry-after", "7200"}}), all(1, Outcome::retry), 1, false, 0);
  EXPECT_EQ(v.min_wait_ms, kMaxRetryAfterMs);
}

TEST(RetryPolicy, NoAnswerRetriesEveryEventAndPausesTheLane) {
  dest::HttpResponse refused;
  refused.transport_error = "Connection refused";
  dest::Classification c = all(2, Outcome::delivered);
  c.split = true;
  Verdict v = decide(refused, c, 2, true, 0);
  EXPECT_EQ(v.action, Verdict::Action::outcomes);
  EXPECT_TRUE(v.pause_lane);
  ASSERT_EQ(v.events.size(), 2u);
  for (const auto& e : v.events) EXPECT_EQ(e.outcome, Outcome::retry);
  EXPECT_EQ(v.events[0].reason, "transport_error: Connection refused");
}

TEST(RetryPolicy, A408429Or5xxDeliversNothingAndPausesTheLane) {
  for (int status : {408, 429, 500, 502, 503, 504}) {
    dest::Classification c = all(3, Outcome::retry, "meta: busy");
    c.events[1] = {Outcome::delivered, ""};  // a destination that took the status for success
    c.events[2] = {Outcome::reject, "microsoft_ads: 5604 OfflineConversionMicrosoftClickIdInvalid"};
    Verdict v = decide(answer(status), c, 3, true, 0);
    EXPECT_EQ(v.action, Verdict::Action::outcomes) << status;
    EXPECT_TRUE(v.pause_lane) << status;
    EXPECT_EQ(v.events[0].outcome, Outcome::retry) << status;
    EXPECT_EQ(v.events[0].reason, "meta: busy") << "the platform's words stay the reason";
    EXPECT_EQ(v.events[1].outcome, Outcome::retry) << status;
    EXPECT_EQ(v.events[1].reason, "http_" + std::to_string(status));
    EXPECT_EQ(v.events[2].outcome, Outcome::reject) << "an item the body rejected by name stays rejected";
  }
}

// Microsoft sends its faults with HTTP 500 as well as 4xx: what the body asks for still stands.
TEST(RetryPolicy, ASplitOrRefreshReadInA5xxBodyStands) {
  dest::Classification c = all(4, Outcome::retry, "microsoft_ads: 5601 OfflineConversionsLimitExceeded");
  c.split = true;
  EXPECT_EQ(decide(answer(500), c, 4, false, 0).action, Verdict::Action::split);
  c = all(4, Outcome::retry, "microsoft_ads: 109 AuthenticationTokenExpired");
  c.refresh_auth = true;
  EXPECT_EQ(decide(answer(500), c, 4, true, 0).action, Verdict::Action::refresh_auth);
  Verdict again = decide(answer(500), c, 4, false, 0);
  EXPECT_EQ(again.action, Verdict::Action::outcomes);
  EXPECT_TRUE(again.pause_lane);
}

TEST(RetryPolicy, A2xxAppliesTheDestinationsOutcomesWithoutPausing) {
  dest::Classification c = all(3, Outcome::delivered);
  c.events[1] = {Outcome::retry, "google_ads: TOO_RECENT_EVENT"};
  c.events[2] = {Outcome::reject, "google_ads: INVALID_GCLID"};
  Verdict v = decide(answer(200), c, 3, false, 0);
  EXPECT_EQ(v.action, Verdict::Action::outcomes);
  EXPECT_FALSE(v.pause_lane) << "some rows of an accepted request do not hold the lane back";
  EXPECT_EQ(v.events[0].outcome, Outcome::delivered);
  EXPECT_EQ(v.events[1].outcome, Outcome::retry);
  EXPECT_EQ(v.events[2].outcome, Outcome::reject);
  // Even when every row is to retry.
  EXPECT_FALSE(decide(answer(200), all(2, Outcome::retry, "x"), 2, false, 0).pause_lane);
}

TEST(RetryPolicy, A2xxThatIsNoPlatformAnswerFailsTheRequestAsAWhole) {
  dest::Classification c = all(2, Outcome::retry, "meta: no Graph API answer, http_200");
  c.foreign_body = true;
  Verdict v = decide(answer(200), c, 2, false, 0);
  EXPECT_TRUE(v.pause_lane);
  for (const auto& e : v.events) EXPECT_EQ(e.outcome, Outcome::retry);
}

TEST(RetryPolicy, OtherStatusesPauseOnlyWhenEveryEventIsToRetry) {
  EXPECT_TRUE(decide(answer(403), all(2, Outcome::retry, "permission"), 2, false, 0).pause_lane);
  EXPECT_FALSE(decide(answer(400), all(2, Outcome::reject, "bad"), 2, false, 0).pause_lane);
  Verdict v = decide(answer(404), all(1, Outcome::reject), 1, false, 0);
  EXPECT_EQ(v.events[0].outcome, Outcome::reject);
  EXPECT_EQ(v.events[0].reason, "http_404") << "a reason is never empty";
}

TEST(RetryPolicy, SplitIsHonouredForMoreThanOneEvent) {
  dest::Classification c = all(4, Outcome::retry, "batch rejected");
  c.split = true;
  EXPECT_EQ(decide(answer(400), c, 4, false, 0).action, Verdict::Action::split);
  c = all(1, Outcome::reject, "bad");
  c.split = true;
  Verdict v = decide(answer(400), c, 1, false, 0);
  EXPECT_EQ(v.action, Verdict::Action::outcomes);
  EXPECT_EQ(v.events[0].outcome, Outcome::reject);
}

TEST(RetryPolicy, A401RefreshesOnceThenRetriesAndPauses) {
  dest::Classification c = all(2, Outcome::retry, "http_401");
  c.refresh_auth = true;
  EXPECT_EQ(decide(answer(401), c, 2, true, 0).action, Verdict::Action::refresh_auth);
  Verdict again = decide(answer(401), c, 2, false, 0);  // the resend after the refresh, or a static token
  EXPECT_EQ(again.action, Verdict::Action::outcomes);
  EXPECT_TRUE(again.pause_lane);
  for (const auto& e : again.events) EXPECT_EQ(e.outcome, Outcome::retry);
}

TEST(RetryPolicy, AClassificationOfTheWrongSizeRetriesTheMissingEvents) {
  Verdict v = decide(answer(200), all(1, Outcome::delivered), 3, false, 0);
  ASSERT_EQ(v.events.size(), 3u);
  EXPECT_EQ(v.events[2].outcome, Outcome::retry);
  EXPECT_EQ(v.events[2].reason, "http_200");
}

}  // namespace
}  // namespace fanout::delivery
