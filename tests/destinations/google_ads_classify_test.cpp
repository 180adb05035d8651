// Google Ads: how each answer of the Data Manager API and of uploadClickConversions maps to outcomes.
#include <gtest/gtest.h>

#include "destinations/google_ads/google_ads.h"
#include "destinations/google_ads/google_error.h"

namespace fanout::dest::google_ads {
namespace {

HttpResponse answer(int status, std::string body = {}, std::map<std::string, std::string> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

std::string error_body(int code, const std::string& status, const std::string& details = "") {
  return "{\"error\":{\"code\":" + std::to_string(code) + ",\"message\":\"m\",\"status\":\"" + status +
         "\",\"details\":[" + details + "]}}";
}

std::vector<Outcome> outcomes(const Classification& c) {
  std::vector<Outcome> out;
  for (const auto& e : c.events) out.push_back(e.outcome);
  return out;
}

const auto D = Outcome::delivered;
const auto R = Outcome::retry;
const auto X = Outcome::reject;

// --- both modes ---

TEST(GoogleAdsClassify, SuccessDeliversEveryEvent) {
  auto c = classify_response(Mode::data_manager, 3, answer(200, "{\"requestId\":\"r-1\"}"));
  EXPECT_EQ(outcomes(c), (std::vector<Outcome>{D, D, D}));
  c = classify_response(Mode::click_conversions, 2, answer(200, "{\"results\":[{},{}],\"jobId\":\"5\"}"));
  EXPECT_EQ(outcomes(c), (std::vector<Outcome>{D, D}));
  EXPECT_FALSE(c.split);
}

// A 200 from a proxy or CDN (an HTML page) is no Google answer: nothing was delivered, in either mode.
TEST(GoogleAdsClassify, A2xxThatIsNoJsonObjectIsNoAnswerAndRetries) {
  for (Mode mode : {Mode::data_manager, Mode::click_conversions}) {
    for (const char* body : {"<html><body>Service Unavailable</body></html>", "", "[]"}) {
      auto c = classify_response(mode, 2, answer(200, body));
      EXPECT_EQ(outcomes(c), (std::vector<Outcome>{R, R})) << body;
      EXPECT_TRUE(c.foreign_body) << body;
      EXPECT_EQ(c.events[0].reason, "google_ads: no API answer, http_200");
    }
  }
  EXPECT_FALSE(classify_response(Mode::data_manager, 1, answer(200, "{\"requestId\":\"r\"}")).foreign_body);
}

TEST(GoogleAdsClassify, UnauthenticatedRefreshesTheToken) {
  for (Mode mode : {Mode::data_manager, Mode::click_conversions}) {
    auto c = classify_response(mode, 2, answer(401, error_body(401, "UNAUTHENTICATED")));
    EXPECT_EQ(outcomes(c), (std::vector<Outcome>{R, R}));
    EXPECT_TRUE(c.refresh_auth);
    EXPECT_FALSE(c.split);
  }
}

TEST(GoogleAdsClassify, PermissionDeniedRetriesWithoutSplitting) {
  auto body = error_body(403, "PERMISSION_DENIED",
                         "{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"PERMISSION_DENIED\"}");
  auto c = classify_response(Mode::data_manager, 4, answer(403, body));
  EXPECT_EQ(outcomes(c), (std::vector<Outcome>{R, R, R, R}));
  EXPECT_FALSE(c.split);
  EXPECT_FALSE(c.refresh_auth);
  EXPECT_NE(c.events[0].reason.find("PERMISSION_DENIED"), std::string::npos) << c.events[0].reason;
}

TEST(GoogleAdsClassify, RateLimitHonoursRetryDelay) {
  auto rpc = error_body(429, "RESOURCE_EXHAUSTED",
                        "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"30s\"}");
  auto c = classify_response(Mode::data_manager, 2, answer(429, rpc));
  EXPECT_EQ(outcomes(c), (std::vector<Outcome>{R, R}));
  ASSERT_TRUE(c.retry_after.has_value());
  EXPECT_EQ(*c.retry_after, std::chrono::seconds(30));
  EXPECT_FALSE(c.split);

  auto ads = error_body(429, "RESOURCE_EXHAUSTED",
                        "{\"@type\":\"type.googleapis.com/google.ads.googleads.v25.errors.GoogleAdsFailure\","
                        "\"errors\":[{\"errorCode\":{\"quotaError\":\"RESOURCE_TEMPORARILY_EXHAUSTED\"},"
                        "\"details\":{\"quotaErrorDetails\":{\"rateScope\":\"ACCOUNT\",\"retryDelay\":\"2.5s\"}}}]}");
  c = classify_response(Mode::click_conversions, 1, answer(429, ads));
  ASSERT_TRUE(c.retry_after.has_value());
  EXPECT_EQ(*c.retry_after, std::chrono::milliseconds(2500));

  // The Retry-After header is delivery's to read (retry_policy): the body hint alone is classify's.
  c = classify_response(Mode::click_conversions, 1, answer(429, "not json", {{"retry-after", "7"}}));
  EXPECT_FALSE(c.retry_after.has_value());
}

TEST(GoogleAdsClassify, TransientFailuresRetry) {
  for (int s : {0, 408, 409, 500, 502, 503, 504}) {
    auto r = answer(s, s ? error_body(s, "UNAVAILABLE") : "");
    if (s == 0) r.transport_error = "Operation timed out";
    auto c = classify_response(Mode::data_manager, 2, r);
    EXPECT_EQ(outcomes(c), (std::vector<Outcome>{R, R})) << s;
    EXPECT_FALSE(c.split) << s;
    if (s == 0) {
      EXPECT_EQ(c.events[0].reason, "transport_error: Operation timed out");
    }
  }
}

TEST(GoogleAdsClassify, OtherClientErrorsReject) {
  auto c = classify_response(Mode::click_conversions, 2, answer(404, error_body(404, "NOT_FOUND")));
  EXPECT_EQ(outcomes(c), (std::vector<Outcome>{X, X}));
  EXPECT_EQ(c.events[0].reason, "google_ads: http_404 NOT_FOUND");
}

// --- Data Manager: no partial failure ---

TEST(GoogleAdsClassify, DataManagerBadBatchIsSplit) {
  auto body = error_body(400, "INVALID_ARGUMENT",
                         "{\"@type\":\"type.googleapis.com/google.rpc.BadRequest\",\"fieldViolations\":"
                         "[{\"field\":\"events[1].user_data\",\"reason\":\"INVALID_SHA256_FORMAT\"}]}");
  auto c = classify_response(Mode::data_manager, 3, answer(400, body));
  EXPECT_TRUE(c.split);
  EXPECT_EQ(c.events.size(), 3u);
  EXPECT_EQ(c.events[0].reason, "google_ads: http_400 INVALID_ARGUMENT INVALID_SHA256_FORMAT");

  c = classify_response(Mode::data_manager, 1, answer(400, body));
  EXPECT_FALSE(c.split);
  EXPECT_EQ(outcomes(c), (std::vector<Outcome>{X}));
}

TEST(GoogleAdsClassify, DataManagerDestinationProblemIsNotSplit) {
  auto body = error_body(400, "INVALID_ARGUMENT",
                         "{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\","
                         "\"reason\":\"INVALID_CONVERSION_ACTION_ID\",\"domain\":\"datamanager.googleapis.com\"}");
  auto c = classify_response(Mode::data_manager, 3, answer(400, body));
  EXPECT_FALSE(c.split);
  EXPECT_EQ(outcomes(c), (std::vector<Outcome>{X, X, X}));
}

// --- uploadClickConversions: partial failure ---

std::string partial(const std::string& errors) {
  return "{\"partialFailureError\":{\"code\":3,\"message\":\"m\",\"details\":[{\"@type\":"
         "\"type.googleapis.com/google.ads.googleads.v25.errors.GoogleAdsFailure\",\"errors\":[" +
         errors + "]}]},\"results\":[]}";
}

std::string row_error(const std::string& code, int row) {
  return "{\"errorCode\":{\"conversionUploadError\":\"" + code +
         "\"},\"message\":\"m\",\"location\":{\"fieldPathElements\":[{\"fieldName\":\"conversions\",\"index\":" +
         std::to_string(row) + "},{\"fieldName\":\"gclid\"}]}}";
}

TEST(GoogleAdsClassify, PartialFailureFailsOnlyTheNamedRows) {
  auto body = partial(row_error("UNPARSEABLE_GCLID", 0) + "," + row_error("TOO_RECENT_EVENT", 1) + "," +
                      row_error("CLICK_CONVERSION_ALREADY_EXISTS", 2) + "," + row_error("ORDER_ID_ALREADY_IN_USE", 4) +
                      "," + row_error("TOO_RECENT_GCLID", 5) + "," + row_error("EXPIRED_EVENT", 5) + "," +
                      row_error("CONVERSION_PRECEDES_GCLID", 99));
  auto c = classify_response(Mode::click_conversions, 6, answer(200, body));
  EXPECT_EQ(outcomes(c), (std::vector<Outcome>{X, R, D, D, D, X}));
  EXPECT_EQ(c.events[0].reason, "google_ads: UNPARSEABLE_GCLID");
  EXPECT_EQ(c.events[1].reason, "google_ads: TOO_RECENT_EVENT");
  EXPECT_EQ(c.events[3].reason, "");
  EXPECT_EQ(c.events[5].reason, "google_ads: EXPIRED_EVENT") << "a permanent error outranks a transient one";
  EXPECT_FALSE(c.split);
  ASSERT_TRUE(c.retry_after.has_value()) << "the only retry is TOO_RECENT: wait for the 6 hours";
  EXPECT_EQ(*c.retry_after, std::chrono::hours(6));
}

TEST(GoogleAdsClassify, PartialFailureTransientRowsRetry) {
  std::string internal =
      "{\"errorCode\":{\"internalError\":\"INTERNAL_ERROR\"},\"location\":{\"fieldPathElements\":"
      "[{\"fieldName\":\"conversions\",\"index\":1}]}}";
  auto c = classify_response(Mode::click_conversions, 2, answer(200, partial(internal)));
  EXPECT_EQ(outcomes(c), (std::vector<Outcome>{D, R}));
  EXPECT_FALSE(c.retry_after.has_value()) << "an internal error keeps the normal backoff";
  c = classify_response(Mode::click_conversions, 2,
                        answer(200, partial(internal + "," + row_error("TOO_RECENT_EVENT", 0))));
  EXPECT_EQ(outcomes(c), (std::vector<Outcome>{R, R}));
  EXPECT_FALSE(c.retry_after.has_value()) << "not every retried row is waiting for the 6 hours";
}

TEST(GoogleAdsClassify, PartialFailureWithoutRowConcernsEveryRow) {
  auto c = classify_response(
      Mode::click_conversions, 2,
      answer(200, partial("{\"errorCode\":{\"conversionUploadError\":\"INVALID_CONVERSION_ACTION\"}}")));
  EXPECT_EQ(outcomes(c), (std::vector<Outcome>{X, X}));
}

TEST(GoogleAdsClassify, ClickRequestErrorsRejectUnlessTheBatchIsTooLarge) {
  auto failure = [](const std::string& code) {
    return error_body(400, "INVALID_ARGUMENT",
                      "{\"@type\":\"type.googleapis.com/google.ads.googleads.v25.errors.GoogleAdsFailure\","
                      "\"errors\":[{\"errorCode\":{\"conversionUploadError\":\"" +
                          code + "\"}}]}");
  };
  auto c =
      classify_response(Mode::click_conversions, 3, answer(400, failure("CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE")));
  EXPECT_FALSE(c.split) << "a request-level error is not about one event";
  EXPECT_EQ(outcomes(c), (std::vector<Outcome>{X, X, X}));
  EXPECT_NE(c.events[0].reason.find("CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE"), std::string::npos);

  c = classify_response(Mode::click_conversions, 3, answer(400, failure("TOO_MANY_CONVERSIONS_IN_REQUEST")));
  EXPECT_TRUE(c.split);
}

// --- parsing helpers ---

TEST(GoogleAdsErrors, DurationParsing) {
  EXPECT_EQ(parse_duration("30s"), std::chrono::seconds(30));
  EXPECT_EQ(parse_duration("0.250s"), std::chrono::milliseconds(250));
  EXPECT_EQ(parse_duration("1.5s"), std::chrono::milliseconds(1500));
  EXPECT_FALSE(parse_duration("30"));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration("999999s")) << "above a day is not a wait we honour";
}

TEST(GoogleAdsErrors, ParsesStatusReasonsAndRows) {
  GoogleError e = parse_error_body(error_body(
      400, "INVALID_ARGUMENT",
      "{\"reason\":\"INVALID_FORMAT\"},{\"errors\":[{\"errorCode\":{\"conversionUploadError\":\"UNPARSEABLE_GBRAID\"},"
      "\"location\":{\"fieldPathElements\":[{\"fieldName\":\"conversions\",\"index\":3}]}}]}"));
  EXPECT_EQ(e.status, "INVALID_ARGUMENT");
  EXPECT_EQ(e.reasons, (std::vector<std::string>{"INVALID_FORMAT", "UNPARSEABLE_GBRAID"}));
  ASSERT_EQ(e.ads_errors.size(), 1u);
  EXPECT_EQ(e.ads_errors[0].row, 3u);
  EXPECT_TRUE(parse_error_body("<html>bad gateway</html>").status.empty());
}

}  // namespace
}  // namespace fanout::dest::google_ads
