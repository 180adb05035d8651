// TikTok Events API destination: config reading, skip rules, request building and response classification.
#include <gtest/gtest.h>

#include "destination_testing.h"

namespace fanout::dest::testing {
namespace {

constexpr const char* kConfig = R"(
[destinations.tiktok]
pixel_code = "CABCDEF1234567890XYZ"
access_token_env = "FANOUT_T_TIKTOK_TOKEN"
)";

class Tiktok : public ::testing::Test {
 protected:
  void SetUp() override { setenv("FANOUT_T_TIKTOK_TOKEN", "tiktok-token", 1); }
  std::unique_ptr<Loaded> make(const std::string& extra = "", const std::string& events = "") {
    auto l = load(std::string(kConfig) + extra + events, "tiktok");
    EXPECT_TRUE(l->errors.ok()) << (l->errors.items.empty() ? "" : l->errors.items.front());
    return l;
  }
  static std::string body_with_code(int code, const std::string& message = "msg") {
    return R"({"code":)" + std::to_string(code) + R"(,"message":")" + message + R"(","request_id":"r1","data":{}})";
  }
};

// ---------- config ----------

TEST_F(Tiktok, DefaultsAndRequestShape) {
  auto l = make();
  EXPECT_EQ(l->dest->name(), "tiktok");
  EXPECT_EQ(l->dest->options().max_batch, 1000u);
  EXPECT_EQ(l->dest->window(), std::chrono::hours(24 * 7));
  auto reqs = build_all(*l->dest, {sample_event()});
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].http.url, "https://business-api.tiktok.com/open_api/v1.3/event/track/");
  EXPECT_EQ(header(reqs[0].http, "access-token"), "tiktok-token");
  EXPECT_EQ(header(reqs[0].http, "content-type"), "application/json");
  auto body = parse(reqs[0].http.body);
  EXPECT_STREQ(body["event_source"].GetString(), "web");
  EXPECT_STREQ(body["event_source_id"].GetString(), "CABCDEF1234567890XYZ");
  EXPECT_FALSE(body.HasMember("test_event_code"));
}

TEST_F(Tiktok, ConfigErrorsNameTheirKeys) {
  unsetenv("FANOUT_T_TIKTOK_UNSET");
  auto l = load(R"(
[destinations.tiktok]
access_token_env = "FANOUT_T_TIKTOK_UNSET"
pixel = "x"
timeout_ms = "fast"
)",
                "tiktok");
  EXPECT_TRUE(l->has_error("destinations.tiktok.pixel_code: required"));
  EXPECT_TRUE(
      l->has_error("destinations.tiktok.access_token_env: environment variable FANOUT_T_TIKTOK_UNSET is not set"));
  EXPECT_TRUE(l->has_error("destinations.tiktok.pixel: unknown key"));
  EXPECT_TRUE(l->has_error("destinations.tiktok.timeout_ms: must be an integer"));
}

TEST_F(Tiktok, PreviewRedactsTheTokenHeader) {
  auto l = load(kConfig, "tiktok", /*redact=*/true);
  ASSERT_TRUE(l->errors.ok());
  EXPECT_EQ(header(build_all(*l->dest, {sample_event()})[0].http, "access-token"), "REDACTED");
}

// ---------- skip_reason ----------

TEST_F(Tiktok, SkipReasons) {
  auto l = make();
  const Destination& d = *l->dest;
  const int64_t now = kEventTime + 60;
  EXPECT_EQ(d.skip_reason(sample_event(), now), "");
  EXPECT_EQ(d.skip_reason(sample_event(), kEventTime + 8 * 86400), "too_old");
  Event denied = sample_event();
  denied.ad_user_data = Consent::denied;
  EXPECT_EQ(d.skip_reason(denied, now), "consent_denied");
  EXPECT_EQ(d.skip_reason(anonymous_event(), now), "missing_identifiers");

  Event ip_only = anonymous_event();
  ip_only.ip = "203.0.113.7";
  EXPECT_EQ(d.skip_reason(ip_only, now), "missing_identifiers");  // ip alone matches nobody
  ip_only.user_agent = "Mozilla/5.0";
  EXPECT_EQ(d.skip_reason(ip_only, now), "");
  Event ttp = anonymous_event();
  ttp.ids.ttp = "abc";
  EXPECT_EQ(d.skip_reason(ttp, now), "");
  Event meta_only = anonymous_event();
  meta_only.user.phone_digits_sha256 = {kPhoneDigits};  // Meta's phone form is not TikTok's
  EXPECT_EQ(d.skip_reason(meta_only, now), "missing_identifiers");
}

// ---------- build ----------

TEST_F(Tiktok, EventUsesTikTokHashVariantsAndFields) {
  auto l = make();
  Event e = sample_event();
  e.referrer_url = "https://ref.example.com/";
  e.properties_json = R"({"currency":"USD","description":"two mugs"})";
  auto body = parse(build_all(*l->dest, {e})[0].http.body);
  const auto& ev = body["data"][0];
  EXPECT_STREQ(ev["event"].GetString(), "Purchase");
  EXPECT_EQ(ev["event_time"].GetInt64(), kEventTime);
  EXPECT_STREQ(ev["event_id"].GetString(), "ord-1");
  EXPECT_STREQ(ev["user"]["email"][0].GetString(), kEmailMeta);
  EXPECT_STREQ(ev["user"]["phone"][0].GetString(), kPhoneE164);  // E.164 with '+': TikTok's rule
  EXPECT_STREQ(ev["user"]["external_id"].GetString(), e.user.external_id_sha256.c_str());
  EXPECT_STREQ(ev["user"]["ttclid"].GetString(), "E.C.P.abc");
  EXPECT_STREQ(ev["user"]["ip"].GetString(), "203.0.113.7");
  EXPECT_STREQ(ev["properties"]["currency"].GetString(), "EUR");  // fanout's field wins
  EXPECT_STREQ(ev["properties"]["description"].GetString(), "two mugs");
  EXPECT_STREQ(ev["properties"]["contents"][0]["content_id"].GetString(), "sku-1");
  EXPECT_EQ(ev["properties"]["contents"][0]["quantity"].GetInt(), 2);
  EXPECT_FALSE(ev["properties"]["contents"][1].HasMember("quantity"));
  EXPECT_STREQ(ev["page"]["url"].GetString(), "https://shop.example.com/checkout/done");
  EXPECT_STREQ(ev["page"]["referrer"].GetString(), "https://ref.example.com/");
}

TEST_F(Tiktok, EventNames) {
  auto l = make("", "[events.purchase]\ntiktok = \"CompletePayment\"\n");
  std::vector<Event> events(4, sample_event());
  events[1].event_name = "page_view";
  events[2].event_name = "quote_requested";
  events[3].event_name = "sign_up";
  auto body = parse(build_all(*l->dest, events)[0].http.body);
  EXPECT_STREQ(body["data"][0]["event"].GetString(), "CompletePayment");
  EXPECT_STREQ(body["data"][1]["event"].GetString(), "PageView");
  EXPECT_STREQ(body["data"][2]["event"].GetString(), "quote_requested");
  EXPECT_STREQ(body["data"][3]["event"].GetString(), "CompleteRegistration");
}

TEST_F(Tiktok, RequestsGroupByTestCodeWithinMaxBatch) {
  auto l = make("max_batch = 2\n");
  std::vector<Event> events;
  for (int i = 0; i < 4; ++i) events.push_back(sample_event("e" + std::to_string(i)));
  events[2].destinations["tiktok"].test_event_code = "TEST42";
  auto reqs = build_all(*l->dest, events);
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].indices, (std::vector<size_t>{0, 1}));
  EXPECT_EQ(reqs[1].indices, (std::vector<size_t>{3}));
  EXPECT_EQ(reqs[2].indices, (std::vector<size_t>{2}));
  EXPECT_STREQ(parse(reqs[2].http.body)["test_event_code"].GetString(), "TEST42");
  EXPECT_FALSE(parse(reqs[0].http.body).HasMember("test_event_code"));
}

// ---------- classify ----------

TEST_F(Tiktok, CodeZeroAndPartialSuccessDeliver) {
  auto l = make();
  auto c = l->dest->classify(request_of(2), answer(200, body_with_code(0, "OK")));
  EXPECT_EQ(c.events[0].outcome, Outcome::delivered);
  EXPECT_EQ(c.events[1].outcome, Outcome::delivered);
  c = l->dest->classify(request_of(2), answer(200, body_with_code(20001, "partial")));
  EXPECT_EQ(c.events[1].outcome, Outcome::delivered);
  EXPECT_NE(c.events[1].reason.find("20001"), std::string::npos);
}

TEST_F(Tiktok, RateLimitTokenAndServerCodesRetryWithoutSplitting) {
  auto l = make();
  for (int code : {40100, 40132, 40102, 40104, 40105, 40001, 50000, 50002, 51010}) {
    auto c = l->dest->classify(request_of(3), answer(200, body_with_code(code)));
    EXPECT_EQ(c.events[2].outcome, Outcome::retry) << code;
    EXPECT_FALSE(c.split) << code;
  }
  auto c = l->dest->classify(request_of(1), answer(200, body_with_code(40105, "invalid token")));
  EXPECT_EQ(c.events[0].reason, "tiktok access token rejected: (40105) invalid token");
  c = l->dest->classify(request_of(1), answer(200, body_with_code(40100)));
  EXPECT_NE(c.events[0].reason.find("rate limited"), std::string::npos);
}

TEST_F(Tiktok, HttpErrorsAndTransportRetry) {
  auto l = make();
  auto c = l->dest->classify(request_of(2), answer(429, "", {{"retry-after", "12"}}));
  EXPECT_EQ(c.events[0].outcome, Outcome::retry);
  EXPECT_FALSE(c.retry_after.has_value()) << "the Retry-After header is delivery's to read (retry_policy)";
  c = l->dest->classify(request_of(2), answer(502, "<html>"));
  EXPECT_EQ(c.events[1].outcome, Outcome::retry);
  HttpResponse down;
  down.transport_error = "Connection refused";
  c = l->dest->classify(request_of(2), down);
  EXPECT_EQ(c.events[0].outcome, Outcome::retry);
  EXPECT_FALSE(c.split);
}

TEST_F(Tiktok, InvalidEventCodesSplitABatchAndRejectALoneEvent) {
  auto l = make();
  auto c = l->dest->classify(request_of(4), answer(200, body_with_code(40002, "event_time is invalid")));
  EXPECT_TRUE(c.split);
  EXPECT_EQ(c.events[3].outcome, Outcome::retry);
  c = l->dest->classify(request_of(1), answer(200, body_with_code(40062, "PII not hashed")));
  EXPECT_FALSE(c.split);
  EXPECT_EQ(c.events[0].outcome, Outcome::reject);
  EXPECT_EQ(c.events[0].reason, "tiktok: (40062) PII not hashed");
}

TEST_F(Tiktok, UnreadableSuccessRetriesAndPlain400IsAboutTheEvents) {
  auto l = make();
  auto c = l->dest->classify(request_of(2), answer(200, "<html>captive portal</html>"));
  EXPECT_EQ(c.events[0].outcome, Outcome::retry);
  EXPECT_TRUE(c.foreign_body) << "no TikTok answer: the request failed as a whole";
  EXPECT_FALSE(c.split);
  c = l->dest->classify(request_of(1), answer(400, ""));
  EXPECT_EQ(c.events[0].outcome, Outcome::reject);
  c = l->dest->classify(request_of(1), answer(404, body_with_code(40400, "Not found")));
  EXPECT_EQ(c.events[0].outcome, Outcome::retry);  // a wrong base_url is not the event's fault
  EXPECT_EQ(c.events[0].reason, "tiktok: (40400) Not found, http_404");
}

}  // namespace
}  // namespace fanout::dest::testing
