// The sandbox's five platforms: a valid request is accepted and counted, an invalid one is refused with
// the platform's own error shape.
#include "fixture.h"

namespace fanout::sandbox {
namespace {

// ---- Meta -------------------------------------------------------------------------------------------------

TEST_F(SandboxTest, MetaAcceptsAValidBatchAndCountsEachEventId) {
  HttpResponse r = post_meta(batch({meta_event("m-1"), meta_event("m-2")}));
  ASSERT_EQ(r.result_int(), 200) << r.body();
  auto d = parse(r);
  EXPECT_EQ(d["events_received"].GetInt(), 2);
  EXPECT_TRUE(d["fbtrace_id"].IsString());

  EXPECT_EQ(post_meta(batch({meta_event("m-1")})).result_int(), 200);  // a resend
  EXPECT_EQ(box->requests("meta"), 2u);
  EXPECT_EQ(box->events("meta"), 3u);
  EXPECT_EQ(box->event_id_count("meta", "m-1"), 2u);
  EXPECT_EQ(box->event_id_count("meta", "m-2"), 1u);
  EXPECT_EQ(box->stats("meta").duplicate_events, 1u);
  EXPECT_EQ(box->stats("meta").rejected_requests, 0u);
}

TEST_F(SandboxTest, MetaRejectsUnhashedEmailWithAGraphError) {
  std::string bad = meta_event("m-3");
  bad.replace(bad.find(kHash), kHash.size(), "jane@example.com");
  HttpResponse r = post_meta(batch({meta_event("m-ok"), bad}));
  ASSERT_EQ(r.result_int(), 400);
  auto d = parse(r);
  const auto& e = d["error"];
  EXPECT_EQ(e["code"].GetInt(), 100);
  EXPECT_FALSE(e["is_transient"].GetBool());
  EXPECT_STREQ(e["type"].GetString(), "OAuthException");
  EXPECT_NE(std::string(e["error_user_msg"].GetString()).find("data[1]"), std::string::npos);
  EXPECT_EQ(box->events("meta"), 0u);  // the whole batch is refused
  EXPECT_EQ(box->stats("meta").rejected_requests, 1u);
  EXPECT_EQ(box->event_id_count("meta", "m-ok"), 0u);
}

TEST_F(SandboxTest, MetaChecksRequiredFields) {
  EXPECT_EQ(post("/meta/v25.0/123/events", batch({meta_event("a")})).result_int(), 400);  // no access_token
  EXPECT_EQ(parse(post("/meta/v25.0/123/events", batch({meta_event("a")})))["error"]["code"].GetInt(), 104);
  EXPECT_EQ(post_meta(R"({"data":[]})").result_int(), 400);
  EXPECT_EQ(post_meta(R"({"nodata":1})").result_int(), 400);
  EXPECT_EQ(post_meta(batch({meta_event("old", now - 8 * 24 * 3600)})).result_int(), 400);  // older than 7 days
  EXPECT_EQ(post_meta(batch({R"({"event_name":"Lead","event_time":1,"action_source":"website"})"})).result_int(), 400);
  std::string no_source = meta_event("x");
  no_source.replace(no_source.find("website"), 7, "web");
  EXPECT_EQ(post_meta(batch({no_source})).result_int(), 400);
  std::vector<std::string> many(1001, meta_event("same"));
  EXPECT_EQ(post_meta(batch(many)).result_int(), 400);
  // The access token may also come in the body, as Meta's SDK sends it.
  EXPECT_EQ(post("/meta/v25.0/123/events", R"({"access_token":"t","data":[)" + meta_event("b") + "]}").result_int(),
            200);
  EXPECT_EQ(box->events("meta"), 1u);
}

// ---- TikTok -----------------------------------------------------------------------------------------------

TEST_F(SandboxTest, TikTokAcceptsAValidBatch) {
  HttpResponse r = post_tiktok(tiktok_body({tiktok_event("t-1"), tiktok_event("t-2")}));
  ASSERT_EQ(r.result_int(), 200);
  auto d = parse(r);
  EXPECT_EQ(d["code"].GetInt(), 0);
  EXPECT_STREQ(d["message"].GetString(), "OK");
  EXPECT_TRUE(d["request_id"].IsString());
  EXPECT_EQ(box->events("tiktok"), 2u);
  EXPECT_EQ(box->event_id_count("tiktok", "t-2"), 1u);
}

TEST_F(SandboxTest, TikTokErrorsAreHttp200WithANonZeroCode) {
  HttpResponse no_token = post_tiktok(tiktok_body({tiktok_event("t-1")}), false);
  EXPECT_EQ(no_token.result_int(), 200);
  EXPECT_EQ(parse(no_token)["code"].GetInt(), 40104);

  std::string bad_source = tiktok_body({tiktok_event("t-1")});
  bad_source.replace(bad_source.find("\"web\""), 5, "\"tv\"");
  EXPECT_EQ(parse(post_tiktok(bad_source))["code"].GetInt(), 40002);

  EXPECT_EQ(parse(post_tiktok(tiktok_body({R"({"event":"Purchase"})"})))["code"].GetInt(), 40002);  // no event_time

  std::string plain = tiktok_event("t-3");
  plain.replace(plain.find(kHash), kHash.size(), "jane@example.com");
  EXPECT_EQ(parse(post_tiktok(tiktok_body({plain})))["code"].GetInt(), 40062);

  EXPECT_EQ(box->events("tiktok"), 0u);
  EXPECT_EQ(box->stats("tiktok").rejected_requests, 4u);
}

// ---- Microsoft Ads ----------------------------------------------------------------------------------------

TEST_F(SandboxTest, MicrosoftCapiAcceptsAValidBatch) {
  HttpResponse r = post_ms_capi(batch({ms_event("ms-1"), ms_event("ms-2")}));
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_EQ(parse(r)["eventsReceived"].GetInt(), 2);
  EXPECT_EQ(box->event_id_count("microsoft_ads", "ms-1"), 1u);
}

TEST_F(SandboxTest, MicrosoftCapiRejectsWithValidationErrorDetails) {
  EXPECT_EQ(post_ms_capi(batch({ms_event("ms-1")}), "").result_int(), 401);
  EXPECT_STREQ(parse(post_ms_capi(batch({ms_event("ms-1")}), ""))["error"]["code"].GetString(), "Unauthorized");

  std::string bad = ms_event("ms-bad");
  bad.replace(bad.find("custom"), 6, "click");
  HttpResponse r = post_ms_capi(batch({ms_event("ms-ok"), bad}));
  ASSERT_EQ(r.result_int(), 400);
  auto d = parse(r);
  EXPECT_STREQ(d["error"]["code"].GetString(), "ValidationError");
  const auto& detail = d["error"]["details"][0];
  EXPECT_EQ(detail["index"].GetInt(), 1);
  EXPECT_STREQ(detail["propertyName"].GetString(), "data[1].eventType");
  EXPECT_STREQ(detail["errorCode"].GetString(), "InvalidEnumValue");
  EXPECT_EQ(box->events("microsoft_ads"), 0u);

  // With continueOnValidationError the valid events go through and the bad one is reported.
  HttpResponse partial =
      post_ms_capi(R"({"continueOnValidationError":true,"data":[)" + ms_event("ms-ok") + "," + bad + "]}");
  ASSERT_EQ(partial.result_int(), 200);
  auto p = parse(partial);
  EXPECT_EQ(p["eventsReceived"].GetInt(), 1);
  EXPECT_EQ(p["details"][0]["index"].GetInt(), 1);
  EXPECT_EQ(box->event_id_count("microsoft_ads", "ms-ok"), 1u);
  EXPECT_EQ(box->event_id_count("microsoft_ads", "ms-bad"), 0u);
}

TEST_F(SandboxTest, MicrosoftOfflineNeedsAnIssuedTokenAndReportsRowErrors) {
  const std::string access = token("microsoft_ads");
  ASSERT_EQ(access.rfind("sandbox-token-", 0), 0u);
  const std::string row = offline_row("click-1");
  HttpResponse r = post_offline(R"({"OfflineConversions":[)" + row + "," + offline_row("click-2", "") + "]}", access);
  ASSERT_EQ(r.result_int(), 200) << r.body();
  auto d = parse(r);
  ASSERT_EQ(d["PartialErrors"].Size(), 1u);
  EXPECT_EQ(d["PartialErrors"][0]["Index"].GetInt(), 1);
  EXPECT_STREQ(d["PartialErrors"][0]["Type"].GetString(), "BatchError");
  EXPECT_EQ(box->events("microsoft_ads"), 1u);
  EXPECT_EQ(box->event_id_count("microsoft_ads", "click-1|" + format_rfc3339(now)), 1u);

  HttpResponse stale = post_offline(R"({"OfflineConversions":[)" + row + "]}", "not-issued-here");
  EXPECT_EQ(stale.result_int(), 401);
  EXPECT_EQ(parse(stale)["OperationErrors"][0]["Code"].GetInt(), 109);
  HttpResponse no_dev = post_offline(R"({"OfflineConversions":[)" + row + "]}", access, false);
  EXPECT_EQ(no_dev.result_int(), 400);
  EXPECT_STREQ(parse(no_dev)["Type"].GetString(), "ApiFault");
  EXPECT_EQ(box->stats("microsoft_ads").token_requests, 1u);
}

// ---- GA4 --------------------------------------------------------------------------------------------------

TEST_F(SandboxTest, Ga4Answers204AndCountsTransactionIds) {
  HttpResponse r = post_ga4(ga4_body({"ord-1", "ord-2"}));
  EXPECT_EQ(r.result_int(), 204);
  EXPECT_TRUE(r.body().empty());
  EXPECT_EQ(box->events("ga4"), 2u);
  EXPECT_EQ(box->event_id_count("ga4", "ord-2"), 1u);
}

TEST_F(SandboxTest, Ga4DropsInvalidRequestsSilentlyButCountsThemAsRejected) {
  // Like GA4: still 204, but nothing is recorded as received.
  EXPECT_EQ(post_ga4(R"({"events":[{"name":"purchase"}]})").result_int(), 204);  // no client_id
  std::vector<std::string> ids(26, "x");
  EXPECT_EQ(post_ga4(ga4_body(ids)).result_int(), 204);                                      // more than 25 events
  EXPECT_EQ(post("/ga4/mp/collect?measurement_id=G-1", ga4_body({"y"})).result_int(), 204);  // no api_secret
  EXPECT_EQ(box->events("ga4"), 0u);
  EXPECT_EQ(box->stats("ga4").rejected_requests, 3u);

  HttpResponse debug = post_ga4(R"({"client_id":"1.2","events":[{"name":"9bad"}]})", "/ga4/debug/mp/collect");
  ASSERT_EQ(debug.result_int(), 200);
  auto d = parse(debug);
  ASSERT_EQ(d["validationMessages"].Size(), 1u);
  EXPECT_STREQ(d["validationMessages"][0]["validationCode"].GetString(), "NAME_INVALID");
  EXPECT_STREQ(d["validationMessages"][0]["fieldPath"].GetString(), "events[0].name");
  EXPECT_EQ(box->events("ga4"), 0u);
}

// ---- Google Ads -------------------------------------------------------------------------------------------

TEST_F(SandboxTest, GoogleTokenEndpointIssuesTokensForARefreshTokenGrant) {
  HttpResponse bad = post("/google_ads/token", "grant_type=password&client_id=a&refresh_token=b");
  EXPECT_EQ(bad.result_int(), 400);
  EXPECT_STREQ(parse(bad)["error"].GetString(), "unsupported_grant_type");
  EXPECT_EQ(post("/google_ads/token", "grant_type=refresh_token&client_id=a").result_int(), 400);

  HttpResponse r = post("/google_ads/token", "grant_type=refresh_token&client_id=a&client_secret=s&refresh_token=b");
  ASSERT_EQ(r.result_int(), 200);
  auto d = parse(r);
  EXPECT_EQ(std::string(d["access_token"].GetString()).rfind("sandbox-token-", 0), 0u);
  EXPECT_EQ(d["expires_in"].GetInt(), 3600);
  EXPECT_NE(token("google_ads"), d["access_token"].GetString());  // each grant gets a new token
}

TEST_F(SandboxTest, GoogleDataManagerAcceptsValidEventsWithAnIssuedToken) {
  // Before any token was issued, any non-empty bearer token is accepted (static access token setups).
  EXPECT_EQ(post_dm(dm_body({dm_event("tx-0")}), "static-token").result_int(), 200);

  const std::string access = token("google_ads");
  HttpResponse r = post_dm(dm_body({dm_event("tx-1"), dm_event("tx-2")}), access);
  ASSERT_EQ(r.result_int(), 200) << r.body();
  EXPECT_TRUE(parse(r)["requestId"].IsString());
  EXPECT_EQ(box->event_id_count("google_ads", "tx-2"), 1u);
  EXPECT_EQ(box->events("google_ads"), 3u);

  HttpResponse stranger = post_dm(dm_body({dm_event("tx-3")}), "static-token");  // OAuth now in use
  EXPECT_EQ(stranger.result_int(), 401);
  EXPECT_STREQ(parse(stranger)["error"]["status"].GetString(), "UNAUTHENTICATED");
}

TEST_F(SandboxTest, GoogleDataManagerRejectsTheWholeRequestForOneBadEvent) {
  std::string bad = dm_event("tx-bad");
  bad.replace(bad.find(format_rfc3339(now)), format_rfc3339(now).size(), "yesterday");
  HttpResponse r = post_dm(dm_body({dm_event("tx-ok"), bad}), "t");
  ASSERT_EQ(r.result_int(), 400);
  auto d = parse(r);
  EXPECT_EQ(d["error"]["code"].GetInt(), 400);
  EXPECT_STREQ(d["error"]["status"].GetString(), "INVALID_ARGUMENT");
  const auto& violation = d["error"]["details"][0]["fieldViolations"][0];
  EXPECT_STREQ(violation["field"].GetString(), "events[1].eventTimestamp");
  EXPECT_EQ(box->events("google_ads"), 0u);

  EXPECT_EQ(post_dm(R"({"events":[)" + dm_event("tx") + "]}", "t").result_int(), 400);  // no destinations
  std::string plain = dm_event("tx-plain");
  plain.replace(plain.find(kHash), kHash.size(), "jane@example.com");
  EXPECT_EQ(post_dm(dm_body({plain}), "t").result_int(), 400);
}

TEST_F(SandboxTest, GoogleClickConversionsAcceptsRowsAndEchoesResults) {
  HttpResponse r = post_click(click_body({click("o-1"), click("o-2")}));
  ASSERT_EQ(r.result_int(), 200) << r.body();
  auto d = parse(r);
  ASSERT_EQ(d["results"].Size(), 2u);
  EXPECT_STREQ(d["results"][0]["gclid"].GetString(), "Cj0KCQtest");
  EXPECT_FALSE(d.HasMember("partialFailureError"));
  EXPECT_EQ(box->event_id_count("google_ads", "o-2"), 1u);
}

TEST_F(SandboxTest, GoogleClickConversionsRowErrorsComeBackAsPartialFailure) {
  HttpResponse r = post_click(click_body({click("o-1"), click("o-2", "2026-11-23T12:00:00Z")}));
  ASSERT_EQ(r.result_int(), 200);
  auto d = parse(r);
  EXPECT_TRUE(d["results"][1].ObjectEmpty());
  const auto& error = d["partialFailureError"]["details"][0]["errors"][0];
  EXPECT_STREQ(error["errorCode"]["dateError"].GetString(), "INVALID_FIELD_VALUES_IN_DATE_TIME");
  EXPECT_EQ(error["location"]["fieldPathElements"][0]["index"].GetInt(), 1);
  EXPECT_EQ(box->events("google_ads"), 1u);
  EXPECT_EQ(box->event_id_count("google_ads", "o-1"), 1u);
}

TEST_F(SandboxTest, GoogleClickConversionsRequestLevelErrors) {
  HttpResponse no_partial = post_click(click_body({click("o-1")}, false));
  EXPECT_EQ(no_partial.result_int(), 400);
  auto d = parse(no_partial);
  EXPECT_STREQ(d["error"]["status"].GetString(), "INVALID_ARGUMENT");
  EXPECT_STREQ(d["error"]["details"][0]["errors"][0]["errorCode"]["partialFailureError"].GetString(),
               "PARTIAL_FAILURE_MODE_REQUIRED");
  EXPECT_EQ(post_click(click_body({click("o-1")}), "t", false).result_int(), 400);  // no developer-token
  EXPECT_EQ(post("/google_ads/v25/customers/123-456-7890:uploadClickConversions", click_body({click("o-1")}),
                 {{"Authorization", "Bearer t"}, {"developer-token", "d"}})
                .result_int(),
            400);
  EXPECT_EQ(box->events("google_ads"), 0u);
}

TEST_F(SandboxTest, LargeBatchesAreCountedExactly) {
  std::vector<std::string> events;
  for (int i = 0; i < 1000; ++i) events.push_back(meta_event("bulk-" + std::to_string(i)));
  const std::string body = batch(events);
  for (int round = 0; round < 20; ++round) ASSERT_EQ(post_meta(body).result_int(), 200);
  EXPECT_EQ(box->events("meta"), 20000u);
  EXPECT_EQ(box->event_id_count("meta", "bulk-999"), 20u);
  EXPECT_EQ(box->stats("meta").duplicate_events, 19000u);
}

}  // namespace
}  // namespace fanout::sandbox
