// Meta CAPI destination: config reading, skip rules, request building and response classification.
#include <gtest/gtest.h>

#include "destination_testing.h"

namespace fanout::dest::testing {
namespace {

constexpr const char* kConfig = R"(
[destinations.meta]
pixel_id = "1234567890"
access_token_env = "FANOUT_T_META_TOKEN"
)";

class Meta : public ::testing::Test {
 protected:
  void SetUp() override { setenv("FANOUT_T_META_TOKEN", "meta-token", 1); }
  std::unique_ptr<Loaded> make(const std::string& extra = "", const std::string& events = "") {
    auto l = load(std::string(kConfig) + extra + events, "meta");
    EXPECT_TRUE(l->errors.ok()) << (l->errors.items.empty() ? "" : l->errors.items.front());
    return l;
  }
};

// ---------- config ----------

TEST_F(Meta, DefaultsArePlatformLimits) {
  auto l = make();
  EXPECT_EQ(l->dest->name(), "meta");
  EXPECT_EQ(l->dest->options().base_url, "https://graph.facebook.com");
  EXPECT_EQ(l->dest->options().max_batch, 1000u);
  EXPECT_EQ(l->dest->window(), std::chrono::hours(24 * 62));  // physical_store events: 62 days
  EXPECT_FALSE(l->dest->oauth().has_value());
  auto reqs = build_all(*l->dest, {sample_event()});
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].http.method, "POST");
  EXPECT_EQ(reqs[0].http.url, "https://graph.facebook.com/v26.0/1234567890/events?access_token=meta-token");
  EXPECT_EQ(header(reqs[0].http, "content-type"), "application/json");
}

TEST_F(Meta, UnknownKeyIsReportedWithItsFullName) {
  auto l = load(std::string(kConfig) + "pixel = \"1\"\n", "meta");
  EXPECT_TRUE(l->has_error("destinations.meta.pixel: unknown key"));
}

TEST_F(Meta, MissingSecretIsNamedByItsKey) {
  unsetenv("FANOUT_T_META_UNSET");
  auto l = load("[destinations.meta]\npixel_id = \"1\"\naccess_token_env = \"FANOUT_T_META_UNSET\"\n", "meta");
  EXPECT_TRUE(l->has_error("destinations.meta.access_token_env: environment variable FANOUT_T_META_UNSET is not set"));
}

TEST_F(Meta, AccessTokenEnvDefaultsToTheSpecName) {
  unsetenv("META_CAPI_ACCESS_TOKEN");
  auto l = load("[destinations.meta]\npixel_id = \"1\"\n", "meta");
  EXPECT_TRUE(l->has_error("destinations.meta.access_token_env: environment variable META_CAPI_ACCESS_TOKEN"));
}

TEST_F(Meta, BadValuesAreErrors) {
  auto l = load(R"(
[destinations.meta]
pixel_id = "12ab"
access_token_env = "FANOUT_T_META_TOKEN"
api_version = "25"
max_batch = 5000
allowed_pixel_ids = ["x"]
)",
                "meta");
  EXPECT_TRUE(l->has_error("destinations.meta.pixel_id: must be digits only"));
  EXPECT_TRUE(l->has_error("destinations.meta.api_version"));
  EXPECT_TRUE(l->has_error("destinations.meta.max_batch: must be between 1 and 1000"));
  EXPECT_TRUE(l->has_error("destinations.meta.allowed_pixel_ids"));
}

TEST_F(Meta, MissingPixelIdIsRequiredOnlyWhenEnabled) {
  auto on = load("[destinations.meta]\naccess_token_env = \"FANOUT_T_META_TOKEN\"\n", "meta");
  EXPECT_TRUE(on->has_error("destinations.meta.pixel_id: required"));
  unsetenv("META_CAPI_ACCESS_TOKEN");
  auto off = load("[destinations.meta]\nenabled = false\n", "meta");
  EXPECT_TRUE(off->errors.ok());
  EXPECT_FALSE(off->dest->options().enabled);
}

TEST_F(Meta, PreviewRedactsTheTokenInTheUrl) {
  auto l = load(kConfig, "meta", /*redact=*/true);
  ASSERT_TRUE(l->errors.ok());
  auto reqs = build_all(*l->dest, {sample_event()});
  EXPECT_EQ(reqs[0].http.url, "https://graph.facebook.com/v26.0/1234567890/events?access_token=REDACTED");
}

TEST_F(Meta, TokenIsUrlEncodedAndBaseUrlPrefixKept) {
  setenv("FANOUT_T_META_TOKEN", "a b+c/=&", 1);
  auto l = make("base_url = \"http://127.0.0.1:9900/meta/\"\napi_version = \"v24.0\"\n");
  auto reqs = build_all(*l->dest, {sample_event()});
  EXPECT_EQ(reqs[0].http.url, "http://127.0.0.1:9900/meta/v24.0/1234567890/events?access_token=a%20b%2Bc%2F%3D%26");
}

// ---------- skip_reason ----------

TEST_F(Meta, SkipReasons) {
  auto l = make();
  const Destination& d = *l->dest;
  const int64_t now = kEventTime + 60;
  EXPECT_EQ(d.skip_reason(sample_event(), now), "");
  EXPECT_EQ(d.skip_reason(sample_event(), kEventTime + 8 * 86400), "too_old");
  EXPECT_EQ(d.skip_reason(sample_event(), kEventTime + 6 * 86400), "");

  Event denied = sample_event();
  denied.ad_user_data = Consent::denied;
  EXPECT_EQ(d.skip_reason(denied, now), "consent_denied");

  EXPECT_EQ(d.skip_reason(anonymous_event(), now), "missing_identifiers");
  Event only_fbp = anonymous_event();
  only_fbp.ids.fbp = "fb.1.1596403881668.1116446470";
  EXPECT_EQ(d.skip_reason(only_fbp, now), "");

  Event off = sample_event();
  off.destinations["meta"].enabled = false;
  EXPECT_EQ(d.skip_reason(off, now), "disabled_for_event");
  Event intake = sample_event();
  intake.destinations["meta"].skip_reason = "not_mapped";
  EXPECT_EQ(d.skip_reason(intake, now), "not_mapped");
}

// ---------- build ----------

TEST_F(Meta, FbcIsBuiltFromFbclidWithTheEventTimeInMilliseconds) {
  auto l = make();
  Event with_fbc = sample_event("b");
  with_fbc.ids.fbc = "fb.1.1554763741205.AbCdEf";
  auto reqs = build_all(*l->dest, {sample_event("a"), with_fbc});
  auto body = parse(reqs[0].http.body);
  EXPECT_STREQ(body["data"][0]["user_data"]["fbc"].GetString(), "fb.1.1795435200000.IwAR2xYz");
  EXPECT_STREQ(body["data"][1]["user_data"]["fbc"].GetString(), "fb.1.1554763741205.AbCdEf");
}

TEST_F(Meta, UserDataUsesMetaHashVariants) {
  auto l = make();
  auto body = parse(build_all(*l->dest, {sample_event()})[0].http.body);
  const auto& u = body["data"][0]["user_data"];
  EXPECT_STREQ(u["em"][0].GetString(), kEmailMeta);
  EXPECT_STREQ(u["ph"][0].GetString(), kPhoneDigits);  // digits, no '+': Meta's phone rule
  EXPECT_STREQ(u["fn"].GetString(), kFirstName);
  EXPECT_STREQ(u["country"].GetString(), kCountry);
  EXPECT_STREQ(u["external_id"].GetString(), sample_event().user.external_id_sha256.c_str());
  EXPECT_STREQ(u["client_ip_address"].GetString(), "203.0.113.7");
  EXPECT_FALSE(u.HasMember("ln"));  // empty fields are left out
}

TEST_F(Meta, CustomDataFromValueContentsAndProperties) {
  auto l = make();
  Event e = sample_event();
  e.properties_json = R"({"value":999,"status":"paid","tags":["a","b"]})";
  auto body = parse(build_all(*l->dest, {e})[0].http.body);
  const auto& c = body["data"][0]["custom_data"];
  EXPECT_DOUBLE_EQ(c["value"].GetDouble(), 49.5);  // fanout's own field wins over properties.value
  EXPECT_STREQ(c["currency"].GetString(), "EUR");
  EXPECT_STREQ(c["order_id"].GetString(), "ord-1");
  EXPECT_STREQ(c["content_type"].GetString(), "product");
  EXPECT_EQ(c["contents"][0]["quantity"].GetInt(), 2);
  EXPECT_DOUBLE_EQ(c["contents"][0]["item_price"].GetDouble(), 19.75);
  EXPECT_STREQ(c["contents"][0]["title"].GetString(), "Mug");
  EXPECT_EQ(c["contents"][1]["quantity"].GetInt(), 1);  // absent quantity counts as one item
  EXPECT_EQ(c["num_items"].GetInt(), 3);
  EXPECT_STREQ(c["content_ids"][1].GetString(), "sku-2");
  EXPECT_STREQ(c["status"].GetString(), "paid");
  EXPECT_EQ(c["tags"].Size(), 2u);
}

TEST_F(Meta, NoCustomDataWhenThereIsNothingToSay) {
  auto l = make();
  Event e = anonymous_event();
  e.ip = "203.0.113.7";
  auto body = parse(build_all(*l->dest, {e})[0].http.body);
  EXPECT_FALSE(body["data"][0].HasMember("custom_data"));
  EXPECT_FALSE(body["data"][0].HasMember("event_source_url"));
}

TEST_F(Meta, EventNamesDefaultsConfigAndOverrides) {
  auto l = make("", "[events.lead]\nmeta = \"QualifiedLead\"\n");
  Event standard = sample_event("1");
  standard.event_name = "begin_checkout";
  Event configured = sample_event("2");
  configured.event_name = "lead";
  Event custom = sample_event("3");
  custom.event_name = "quote_requested";
  Event overridden = sample_event("4");
  overridden.destinations["meta"].event_name = "Donate";
  auto body = parse(build_all(*l->dest, {standard, configured, custom, overridden})[0].http.body);
  EXPECT_STREQ(body["data"][0]["event_name"].GetString(), "InitiateCheckout");
  EXPECT_STREQ(body["data"][1]["event_name"].GetString(), "QualifiedLead");
  EXPECT_STREQ(body["data"][2]["event_name"].GetString(), "quote_requested");
  EXPECT_STREQ(body["data"][3]["event_name"].GetString(), "Donate");
}

TEST_F(Meta, CrmActionSourceIsSentAsSystemGenerated) {
  auto l = make();
  Event e = sample_event();
  e.action_source = "crm";
  Event p = sample_event("2");
  p.action_source = "physical_store";
  auto body = parse(build_all(*l->dest, {e, p})[0].http.body);
  EXPECT_STREQ(body["data"][0]["action_source"].GetString(), "system_generated");
  EXPECT_STREQ(body["data"][1]["action_source"].GetString(), "physical_store");
}

TEST_F(Meta, RequestsGroupByPixelAndTestCodeWithinMaxBatch) {
  auto l = make("max_batch = 2\ntest_event_code = \"TEST1\"\nallowed_pixel_ids = [\"555\"]\n");
  std::vector<Event> events;
  for (int i = 0; i < 5; ++i) events.push_back(sample_event("e" + std::to_string(i)));
  events[1].destinations["meta"].test_event_code = "OTHER";
  events[3].destinations["meta"].target_id = "555";
  events[4].destinations["meta"].target_id = "666";  // not allowed: falls back to the configured pixel
  auto reqs = build_all(*l->dest, events);
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[0].indices, (std::vector<size_t>{0, 2}));
  EXPECT_EQ(reqs[1].indices, (std::vector<size_t>{4}));
  EXPECT_EQ(reqs[2].indices, (std::vector<size_t>{1}));
  EXPECT_EQ(reqs[3].indices, (std::vector<size_t>{3}));
  EXPECT_STREQ(parse(reqs[0].http.body)["test_event_code"].GetString(), "TEST1");
  EXPECT_STREQ(parse(reqs[2].http.body)["test_event_code"].GetString(), "OTHER");
  EXPECT_NE(reqs[1].http.url.find("/1234567890/events"), std::string::npos);
  EXPECT_NE(reqs[3].http.url.find("/555/events"), std::string::npos);
  EXPECT_EQ(parse(reqs[0].http.body)["data"].Size(), 2u);
}

// ---------- classify ----------

TEST_F(Meta, SuccessDeliversEveryEvent) {
  auto l = make();
  auto c = l->dest->classify(request_of(3), answer(200, R"({"events_received":3,"messages":[],"fbtrace_id":"x"})"));
  ASSERT_EQ(c.events.size(), 3u);
  for (const auto& e : c.events) EXPECT_EQ(e.outcome, Outcome::delivered);
  EXPECT_FALSE(c.split);
}

TEST_F(Meta, TransportErrorAndServerErrorsRetry) {
  auto l = make();
  HttpResponse timeout;
  timeout.transport_error = "Operation timed out";
  auto c = l->dest->classify(request_of(2), timeout);
  EXPECT_EQ(c.events[1].outcome, Outcome::retry);
  EXPECT_NE(c.events[1].reason.find("timed out"), std::string::npos);

  c = l->dest->classify(request_of(2), answer(503, "busy", {{"retry-after", "30"}}));
  EXPECT_EQ(c.events[0].outcome, Outcome::retry);
  EXPECT_EQ(c.events[0].reason, "meta: http_503");
  EXPECT_FALSE(c.retry_after.has_value()) << "the Retry-After header is delivery's to read (retry_policy)";
  EXPECT_FALSE(c.split);
}

// A 200 from a proxy or CDN (an HTML page) is no Graph answer: nothing was delivered.
TEST_F(Meta, A2xxWithoutEventsReceivedIsNoAnswerAndRetries) {
  auto l = make();
  for (const char* body : {"<html><body>Bad gateway</body></html>", "", "{}", R"({"events_received":"3"})"}) {
    auto c = l->dest->classify(request_of(2), answer(200, body));
    ASSERT_EQ(c.events.size(), 2u) << body;
    EXPECT_EQ(c.events[0].outcome, Outcome::retry) << body;
    EXPECT_EQ(c.events[1].outcome, Outcome::retry) << body;
    EXPECT_TRUE(c.foreign_body) << body;
    EXPECT_EQ(c.events[0].reason, "meta: no Graph API answer, http_200");
  }
  auto ok = l->dest->classify(request_of(1), answer(200, R"({"events_received":1})"));
  EXPECT_EQ(ok.events[0].outcome, Outcome::delivered);
  EXPECT_FALSE(ok.foreign_body);
}

TEST_F(Meta, RateLimitAndTransientCodesRetryWithoutSplitting) {
  auto l = make();
  for (int code : {1, 2, 4, 17, 32, 341, 368, 613}) {
    std::string body = R"({"error":{"message":"slow down","code":)" + std::to_string(code) + "}}";
    auto c = l->dest->classify(request_of(4), answer(400, body));
    EXPECT_EQ(c.events[0].outcome, Outcome::retry) << code;
    EXPECT_FALSE(c.split) << code;
  }
  auto c = l->dest->classify(request_of(4), answer(400, R"({"error":{"message":"x","code":100,"is_transient":true}})"));
  EXPECT_EQ(c.events[3].outcome, Outcome::retry);
  EXPECT_FALSE(c.split);
  c = l->dest->classify(request_of(1), answer(429, ""));
  EXPECT_EQ(c.events[0].outcome, Outcome::retry);
}

TEST_F(Meta, AuthAndPermissionProblemsStayPendingAndNeverSplit) {
  auto l = make();
  auto c = l->dest->classify(
      request_of(5),
      answer(400, R"({"error":{"message":"Error validating access token","type":"OAuthException","code":190}})"));
  EXPECT_EQ(c.events[0].outcome, Outcome::retry);
  EXPECT_NE(c.events[0].reason.find("access token"), std::string::npos);
  EXPECT_FALSE(c.split);
  EXPECT_FALSE(c.refresh_auth);  // a static token: nothing to refresh

  c = l->dest->classify(request_of(5), answer(403, R"({"error":{"message":"Permissions error","code":200}})"));
  EXPECT_EQ(c.events[4].outcome, Outcome::retry);
  EXPECT_NE(c.events[4].reason.find("permission"), std::string::npos);
  EXPECT_FALSE(c.split);

  c = l->dest->classify(
      request_of(5), answer(400, R"({"error":{"message":"Unsupported post request","code":100,"error_subcode":33}})"));
  EXPECT_EQ(c.events[0].outcome, Outcome::retry);
  EXPECT_FALSE(c.split);

  // A lone event must not be dead-lettered for a missing token or a wrong path either.
  for (int code : {104, 803, 2500}) {
    c = l->dest->classify(request_of(1),
                          answer(400, R"({"error":{"message":"m","code":)" + std::to_string(code) + "}}"));
    EXPECT_EQ(c.events[0].outcome, Outcome::retry) << code;
  }
}

TEST_F(Meta, InvalidParameterSplitsABatchAndRejectsALoneEvent) {
  auto l = make();
  const std::string body = R"({"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100,)"
                           R"("error_subcode":2804019,"is_transient":false}})";
  auto c = l->dest->classify(request_of(3), answer(400, body));
  EXPECT_TRUE(c.split);
  ASSERT_EQ(c.events.size(), 3u);
  EXPECT_EQ(c.events[2].outcome, Outcome::retry);

  c = l->dest->classify(request_of(1), answer(400, body));
  EXPECT_FALSE(c.split);
  EXPECT_EQ(c.events[0].outcome, Outcome::reject);
  EXPECT_EQ(c.events[0].reason, "meta: (#100) Invalid parameter");

  c = l->dest->classify(request_of(1), answer(400, R"({"error":{"message":"Bad value","code":2804}})"));
  EXPECT_EQ(c.events[0].outcome, Outcome::reject);
  EXPECT_EQ(c.events[0].reason, "meta: (#2804) Bad value");
}

TEST_F(Meta, RejectReasonIsClippedTo200Characters) {
  auto l = make();
  std::string long_message(500, 'x');
  auto c =
      l->dest->classify(request_of(1), answer(400, R"({"error":{"message":")" + long_message + R"(","code":100}})"));
  EXPECT_EQ(c.events[0].outcome, Outcome::reject);
  EXPECT_EQ(c.events[0].reason, "meta: " + ("(#100) " + long_message).substr(0, 200));
}

TEST_F(Meta, OtherClientErrorsWithoutABodyStayPending) {
  auto l = make();
  auto c = l->dest->classify(request_of(2), answer(404, "<html>not found</html>"));
  EXPECT_EQ(c.events[0].outcome, Outcome::retry);
  EXPECT_EQ(c.events[0].reason, "meta: http_404");
  EXPECT_FALSE(c.split);
}

}  // namespace
}  // namespace fanout::dest::testing
