// Microsoft Ads destination, both modes: config reading, skip rules, request building, classification.
#include <gtest/gtest.h>

#include "destination_testing.h"

namespace fanout::dest::testing {
namespace {

constexpr const char* kCapi = R"(
[destinations.microsoft_ads]
tag_id = "12345678"
capi_token_env = "FANOUT_T_MS_CAPI"
)";

constexpr const char* kOffline = R"(
[destinations.microsoft_ads]
mode = "offline"
customer_id = "111"
account_id = "222"
developer_token_env = "FANOUT_T_MS_DEV"
refresh_token_env = "FANOUT_T_MS_REFRESH"
client_id_env = "FANOUT_T_MS_CLIENT"
)";

constexpr const char* kOfflineNames = R"(
[events.purchase]
microsoft_ads = "Offline purchase"
)";

class MicrosoftAds : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("FANOUT_T_MS_CAPI", "capi-token", 1);
    setenv("FANOUT_T_MS_DEV", "dev-token", 1);
    setenv("FANOUT_T_MS_REFRESH", "refresh-token", 1);
    setenv("FANOUT_T_MS_CLIENT", "client-id", 1);
  }
  std::unique_ptr<Loaded> make(const std::string& text) {
    auto l = load(text, "microsoft_ads");
    EXPECT_TRUE(l->errors.ok()) << (l->errors.items.empty() ? "" : l->errors.items.front());
    return l;
  }
};

// ---------- config ----------

TEST_F(MicrosoftAds, CapiIsTheDefaultMode) {
  auto l = make(kCapi);
  EXPECT_EQ(l->dest->name(), "microsoft_ads");
  EXPECT_EQ(l->dest->options().base_url, "https://capi.uet.microsoft.com");
  EXPECT_EQ(l->dest->options().max_batch, 1000u);
  EXPECT_EQ(l->dest->window(), std::chrono::hours(24 * 7));
  EXPECT_FALSE(l->dest->oauth().has_value());
  auto reqs = build_all(*l->dest, {sample_event()});
  EXPECT_EQ(reqs[0].http.url, "https://capi.uet.microsoft.com/v1/12345678/events");
  EXPECT_EQ(header(reqs[0].http, "authorization"), "Bearer capi-token");
}

TEST_F(MicrosoftAds, OfflineModeDefaultsAndOAuth) {
  auto l = make(std::string(kOffline) + "client_secret_env = \"FANOUT_T_MS_CLIENT\"\n");
  EXPECT_EQ(l->dest->options().base_url, "https://campaign.api.bingads.microsoft.com");
  EXPECT_EQ(l->dest->window(), std::chrono::hours(24 * 90));
  auto oauth = l->dest->oauth();
  ASSERT_TRUE(oauth.has_value());
  EXPECT_EQ(oauth->token_url, "https://login.microsoftonline.com/common/oauth2/v2.0/token");
  EXPECT_EQ(oauth->client_id, "client-id");
  EXPECT_EQ(oauth->client_secret, "client-id");
  EXPECT_EQ(oauth->refresh_token, "refresh-token");
  EXPECT_EQ(oauth->scope, "https://ads.microsoft.com/msads.manage offline_access");
  EXPECT_TRUE(oauth->static_token.empty());
}

TEST_F(MicrosoftAds, ModeIsValidated) {
  auto l = load(std::string(kCapi) + "mode = \"soap\"\n", "microsoft_ads");
  EXPECT_TRUE(l->has_error("destinations.microsoft_ads.mode: must be \"capi\" or \"offline\""));
}

TEST_F(MicrosoftAds, KeysOfTheOtherModeAreErrors) {
  auto capi = load(std::string(kCapi) + "customer_id = \"111\"\n", "microsoft_ads");
  EXPECT_TRUE(capi->has_error("destinations.microsoft_ads.customer_id: only used when mode = \"offline\""));
  EXPECT_FALSE(capi->has_error("unknown key"));
  auto offline = load(std::string(kOffline) + "tag_id = \"1\"\n", "microsoft_ads");
  EXPECT_TRUE(offline->has_error("destinations.microsoft_ads.tag_id: only used when mode = \"capi\""));
}

TEST_F(MicrosoftAds, MissingSecretsAndIdsAreNamedByKey) {
  unsetenv("MS_ADS_CAPI_TOKEN");
  auto capi = load("[destinations.microsoft_ads]\n", "microsoft_ads");
  EXPECT_TRUE(capi->has_error("destinations.microsoft_ads.tag_id: required"));
  EXPECT_TRUE(
      capi->has_error("destinations.microsoft_ads.capi_token_env: environment variable MS_ADS_CAPI_TOKEN is not set"));

  unsetenv("FANOUT_T_MS_REFRESH");
  auto offline = load(std::string(kOffline) + "bogus = 1\n", "microsoft_ads");
  EXPECT_TRUE(
      offline->has_error("destinations.microsoft_ads.refresh_token_env: environment variable FANOUT_T_MS_REFRESH"));
  EXPECT_TRUE(offline->has_error("destinations.microsoft_ads.bogus: unknown key"));
  auto ids = load("[destinations.microsoft_ads]\nmode = \"offline\"\naccount_id = \"12-3\"\n", "microsoft_ads");
  EXPECT_TRUE(ids->has_error("destinations.microsoft_ads.customer_id: required"));
  EXPECT_TRUE(ids->has_error("destinations.microsoft_ads.account_id: must be digits only"));
}

// ---------- capi: skip and build ----------

TEST_F(MicrosoftAds, CapiSkipReasons) {
  auto l = make(kCapi);
  const Destination& d = *l->dest;
  const int64_t now = kEventTime + 60;
  EXPECT_EQ(d.skip_reason(sample_event(), now), "");
  EXPECT_EQ(d.skip_reason(sample_event(), kEventTime + 8 * 86400), "too_old");
  Event denied = sample_event();
  denied.ad_user_data = Consent::denied;
  EXPECT_EQ(d.skip_reason(denied, now), "consent_denied");
  Event ip_ua = anonymous_event();
  ip_ua.ip = "203.0.113.7";
  ip_ua.user_agent = "Mozilla/5.0";
  EXPECT_EQ(d.skip_reason(ip_ua, now), "missing_identifiers");
  Event external = anonymous_event();
  external.user.external_id = "crm-42";
  EXPECT_EQ(d.skip_reason(external, now), "");
}

TEST_F(MicrosoftAds, CapiEventShape) {
  auto l = make(kCapi);
  Event e = sample_event();
  e.ad_user_data = Consent::granted;
  e.user.email_no_dots_tag_sha256.push_back(kEmailMeta);  // only the first is sent
  auto body = parse(build_all(*l->dest, {e})[0].http.body);
  EXPECT_FALSE(body["continueOnValidationError"].GetBool());
  const auto& ev = body["data"][0];
  EXPECT_STREQ(ev["eventType"].GetString(), "custom");
  EXPECT_STREQ(ev["eventId"].GetString(), "ord-1");
  EXPECT_STREQ(ev["eventName"].GetString(), "purchase");
  EXPECT_EQ(ev["eventTime"].GetInt64(), kEventTime);
  EXPECT_STREQ(ev["adStorageConsent"].GetString(), "G");
  EXPECT_STREQ(ev["userData"]["em"].GetString(), kEmailMsCapi);
  EXPECT_STREQ(ev["userData"]["ph"].GetString(), kPhoneE164);
  EXPECT_STREQ(ev["userData"]["externalId"].GetString(), "crm-42");
  EXPECT_STREQ(ev["userData"]["msclkid"].GetString(), "0c5e6b1d-2f3a-4b5c-8d7e-8f9a0b1c2d3e");
  EXPECT_STREQ(ev["customData"]["transactionId"].GetString(), "ord-1");
  EXPECT_EQ(ev["customData"]["items"][0]["quantity"].GetInt(), 2);
  EXPECT_STREQ(ev["customData"]["items"][0]["name"].GetString(), "Mug");
  EXPECT_FALSE(ev["customData"]["items"][1].HasMember("quantity"));
}

TEST_F(MicrosoftAds, PageViewWithUrlIsAPageLoad) {
  auto l = make(kCapi);
  Event pv = sample_event("pv");
  pv.event_name = "page_view";
  Event no_url = pv;
  no_url.event_source_url.clear();
  auto body = parse(build_all(*l->dest, {pv, no_url})[0].http.body);
  EXPECT_STREQ(body["data"][0]["eventType"].GetString(), "pageLoad");
  EXPECT_FALSE(body["data"][0].HasMember("eventName"));
  EXPECT_FALSE(body["data"][0].HasMember("adStorageConsent"));  // unspecified consent: nothing sent
  EXPECT_STREQ(body["data"][1]["eventType"].GetString(), "custom");
  EXPECT_STREQ(body["data"][1]["eventName"].GetString(), "page_view");
}

TEST_F(MicrosoftAds, CapiBatchesWithinMaxBatch) {
  auto l = make(std::string(kCapi) + "max_batch = 2\n");
  auto reqs = build_all(*l->dest, std::vector<Event>(5, sample_event()));
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[2].indices, (std::vector<size_t>{4}));
  EXPECT_EQ(parse(reqs[0].http.body)["data"].Size(), 2u);
}

// ---------- capi: classify ----------

TEST_F(MicrosoftAds, CapiClassify) {
  auto l = make(kCapi);
  const Destination& d = *l->dest;
  auto c = d.classify(request_of(2), answer(200, R"({"eventsReceived":2})"));
  EXPECT_EQ(c.events[1].outcome, Outcome::delivered);

  const std::string invalid =
      R"({"error":{"code":"ValidationError","message":"Invalid events","details":[)"
      R"({"index":0,"propertyName":"data[0].referrerUrl","errorMessage":"dropped","isWarning":true},)"
      R"({"index":1,"propertyName":"data[1].eventTime","errorMessage":"too old","errorCode":"InvalidEventTime",)"
      R"("isWarning":false}]}})";
  c = d.classify(request_of(2), answer(400, invalid));
  EXPECT_TRUE(c.split);
  EXPECT_EQ(c.events[0].outcome, Outcome::retry);
  c = d.classify(request_of(1), answer(400, invalid));
  EXPECT_FALSE(c.split);
  EXPECT_EQ(c.events[0].outcome, Outcome::reject);
  EXPECT_EQ(c.events[0].reason, "microsoft_ads: ValidationError: Invalid events; data[1].eventTime: too old");

  c = d.classify(request_of(3), answer(401, R"({"error":{"code":"Unauthorized","message":"bad token"}})"));
  EXPECT_EQ(c.events[2].outcome, Outcome::retry);
  EXPECT_FALSE(c.split);
  EXPECT_NE(c.events[2].reason.find("token rejected"), std::string::npos);

  c = d.classify(request_of(3), answer(429, "", {{"retry-after", "5"}}));
  EXPECT_EQ(c.events[0].outcome, Outcome::retry);
  EXPECT_FALSE(c.retry_after.has_value()) << "the Retry-After header is delivery's to read (retry_policy)";
  c = d.classify(request_of(3), answer(500, ""));
  EXPECT_EQ(c.events[0].outcome, Outcome::retry);
  HttpResponse timeout;
  timeout.transport_error = "timeout";
  c = d.classify(request_of(3), timeout);
  EXPECT_EQ(c.events[0].outcome, Outcome::retry);
  EXPECT_FALSE(c.split);
}

// ---------- offline: skip and build ----------

TEST_F(MicrosoftAds, OfflineSkipReasons) {
  auto l = make(std::string(kOffline) + kOfflineNames);
  const Destination& d = *l->dest;
  const int64_t now = kEventTime + 60;
  EXPECT_EQ(d.skip_reason(sample_event(), now), "");
  EXPECT_EQ(d.skip_reason(sample_event(), kEventTime + 60 * 86400), "");  // 90-day window
  EXPECT_EQ(d.skip_reason(sample_event(), kEventTime + 91 * 86400), "too_old");
  Event unmapped = sample_event();
  unmapped.event_name = "lead";
  EXPECT_EQ(d.skip_reason(unmapped, now), "not_mapped");
  unmapped.destinations["microsoft_ads"].event_name = "Lead goal";
  EXPECT_EQ(d.skip_reason(unmapped, now), "");
  Event no_ids = sample_event();
  no_ids.ids.msclkid.clear();
  no_ids.user.phone_e164_sha256.clear();
  no_ids.user.email_no_dots_tag_sha256.clear();
  EXPECT_EQ(d.skip_reason(no_ids, now), "missing_identifiers");
  Event denied = sample_event();
  denied.ad_user_data = Consent::denied;
  EXPECT_EQ(d.skip_reason(denied, now), "consent_denied");
}

TEST_F(MicrosoftAds, OfflineRequestShape) {
  auto l = make(std::string(kOffline) + kOfflineNames);
  auto reqs = build_all(*l->dest, {sample_event()}, Auth{"oauth-access"});
  ASSERT_EQ(reqs.size(), 1u);
  const HttpRequest& h = reqs[0].http;
  EXPECT_EQ(h.url, "https://campaign.api.bingads.microsoft.com/CampaignManagement/v13/OfflineConversions/Apply");
  EXPECT_EQ(header(h, "authorization"), "Bearer oauth-access");
  EXPECT_EQ(header(h, "developertoken"), "dev-token");
  EXPECT_EQ(header(h, "customerid"), "111");
  EXPECT_EQ(header(h, "customeraccountid"), "222");
  auto body = parse(h.body);
  const auto& oc = body["OfflineConversions"][0];
  EXPECT_STREQ(oc["ConversionName"].GetString(), "Offline purchase");
  EXPECT_STREQ(oc["ConversionTime"].GetString(), "2026-11-23T12:00:00Z");
  EXPECT_STREQ(oc["MicrosoftClickId"].GetString(), "0c5e6b1d-2f3a-4b5c-8d7e-8f9a0b1c2d3e");
  EXPECT_DOUBLE_EQ(oc["ConversionValue"].GetDouble(), 49.5);
  EXPECT_STREQ(oc["ConversionCurrencyCode"].GetString(), "EUR");
  EXPECT_STREQ(oc["HashedEmailAddress"].GetString(), kEmailMsCapi);
  EXPECT_STREQ(oc["HashedPhoneNumber"].GetString(), kPhoneE164);
}

// ---------- offline: classify ----------

TEST_F(MicrosoftAds, OfflinePartialErrorsByIndex) {
  auto l = make(std::string(kOffline) + kOfflineNames);
  const std::string body =
      R"({"PartialErrors":[)"
      R"({"Code":5604,"ErrorCode":"OfflineConversionMicrosoftClickIdInvalid","Message":"bad click id","Index":1},)"
      R"({"Code":5615,"ErrorCode":"OfflineConversionNotAcceptedForGoal","Message":"goal too new","Index":2},)"
      R"({"Code":5604,"ErrorCode":"X","Message":"not ours","Index":9}]})";
  auto c = l->dest->classify(request_of(4), answer(200, body));
  ASSERT_EQ(c.events.size(), 4u);
  EXPECT_EQ(c.events[0].outcome, Outcome::delivered);
  EXPECT_EQ(c.events[1].outcome, Outcome::reject);
  EXPECT_EQ(c.events[1].reason, "microsoft_ads: 5604 OfflineConversionMicrosoftClickIdInvalid: bad click id");
  EXPECT_EQ(c.events[2].outcome, Outcome::retry);
  EXPECT_EQ(c.events[3].outcome, Outcome::delivered);
  EXPECT_FALSE(c.split);
  EXPECT_FALSE(c.refresh_auth);

  c = l->dest->classify(request_of(2), answer(200, R"({"PartialErrors":[]})"));
  EXPECT_EQ(c.events[0].outcome, Outcome::delivered);
  EXPECT_EQ(c.events[1].outcome, Outcome::delivered);
}

TEST_F(MicrosoftAds, OfflineAuthFailuresAskForATokenRefresh) {
  auto l = make(std::string(kOffline) + kOfflineNames);
  auto c = l->dest->classify(request_of(2), answer(401, ""));
  EXPECT_TRUE(c.refresh_auth);
  EXPECT_EQ(c.events[0].outcome, Outcome::retry);
  c = l->dest->classify(request_of(2),
                        answer(500, R"({"TrackingId":"t","OperationErrors":[)"
                                    R"({"Code":109,"ErrorCode":"AuthenticationTokenExpired","Message":"expired"}]})"));
  EXPECT_TRUE(c.refresh_auth);
  EXPECT_EQ(c.events[1].outcome, Outcome::retry);
  EXPECT_FALSE(c.split);
}

TEST_F(MicrosoftAds, OfflineThrottlingWaitsAMinute) {
  auto l = make(std::string(kOffline) + kOfflineNames);
  auto c = l->dest->classify(
      request_of(2),
      answer(400, R"({"OperationErrors":[{"Code":117,"ErrorCode":"CallRateExceeded","Message":"slow"}]})"));
  EXPECT_EQ(c.events[0].outcome, Outcome::retry);
  EXPECT_EQ(c.retry_after, std::chrono::milliseconds(60000));
  EXPECT_FALSE(c.split);
  c = l->dest->classify(request_of(1), answer(503, "", {{"retry-after", "7"}}));
  EXPECT_EQ(c.events[0].outcome, Outcome::retry);
  EXPECT_FALSE(c.retry_after.has_value()) << "the Retry-After header is delivery's to read (retry_policy)";
}

// A 200 from a proxy or CDN (an HTML page) is no Microsoft answer: nothing was delivered, in either mode.
TEST_F(MicrosoftAds, A2xxThatIsNoJsonObjectIsNoAnswerAndRetries) {
  auto capi = make(kCapi);
  auto offline = make(std::string(kOffline) + kOfflineNames);
  for (const Loaded* l : {capi.get(), offline.get()}) {
    for (const char* body : {"<html><body>Gateway Timeout</body></html>", ""}) {
      auto c = l->dest->classify(request_of(2), answer(200, body));
      ASSERT_EQ(c.events.size(), 2u) << body;
      EXPECT_EQ(c.events[0].outcome, Outcome::retry) << body;
      EXPECT_EQ(c.events[1].outcome, Outcome::retry) << body;
      EXPECT_TRUE(c.foreign_body) << body;
    }
  }
  EXPECT_EQ(capi->dest->classify(request_of(1), answer(200, "")).events[0].reason,
            "microsoft_ads: no API answer, http_200");
  EXPECT_EQ(offline->dest->classify(request_of(1), answer(200, "")).events[0].reason,
            "microsoft_ads: http_200 without an API answer");
}

TEST_F(MicrosoftAds, OfflineLimitExceededSplits) {
  auto l = make(std::string(kOffline) + kOfflineNames);
  const std::string body =
      R"({"OperationErrors":[{"Code":5601,"ErrorCode":"OfflineConversionsLimitExceeded","Message":"too many"}]})";
  auto c = l->dest->classify(request_of(3), answer(400, body));
  EXPECT_TRUE(c.split);
  c = l->dest->classify(request_of(1), answer(400, body));
  EXPECT_EQ(c.events[0].outcome, Outcome::reject);
}

TEST_F(MicrosoftAds, OfflineFaultWithBatchErrorsRetriesTheOthers) {
  auto l = make(std::string(kOffline) + kOfflineNames);
  auto c = l->dest->classify(
      request_of(3),
      answer(400, R"({"BatchErrors":[)"
                  R"({"Code":5609,"ErrorCode":"OfflineConversionTimeOutOfWindow","Message":"late","Index":0}]})"));
  EXPECT_EQ(c.events[0].outcome, Outcome::reject);
  EXPECT_EQ(c.events[1].outcome, Outcome::retry);
  EXPECT_EQ(c.events[2].outcome, Outcome::retry);
  HttpResponse down;
  down.transport_error = "reset";
  c = l->dest->classify(request_of(3), down);
  EXPECT_EQ(c.events[2].outcome, Outcome::retry);
}

}  // namespace
}  // namespace fanout::dest::testing
