// Fault injection over HTTP: POST/GET/DELETE /_sandbox/faults and each mode's effect.
#include <chrono>

#include "fixture.h"

namespace fanout::sandbox {
namespace {

using namespace std::chrono_literals;

TEST_F(SandboxTest, StatusFaultAnswersWithThePlatformsErrorForCountRequests) {
  fault(R"({"platform":"meta","mode":"status","status":503,"count":2})");
  for (int i = 0; i < 2; ++i) {
    HttpResponse r = post_meta(batch({meta_event("s-1")}));
    ASSERT_EQ(r.result_int(), 503);
    auto d = parse(r);
    EXPECT_EQ(d["error"]["code"].GetInt(), 2);
    EXPECT_TRUE(d["error"]["is_transient"].GetBool());
  }
  EXPECT_EQ(post_meta(batch({meta_event("s-1")})).result_int(), 200);  // used up
  auto stats = box->stats("meta");
  EXPECT_EQ(stats.requests, 3u);
  EXPECT_EQ(stats.faulted_requests, 2u);
  EXPECT_EQ(stats.events, 1u);
  EXPECT_EQ(box->event_id_count("meta", "s-1"), 1u);
  // Other platforms are untouched.
  EXPECT_EQ(parse(post_tiktok(tiktok_body({tiktok_event("x")})))["code"].GetInt(), 0);
}

TEST_F(SandboxTest, ForeverFaultLastsUntilDeleted) {
  fault(R"({"platform":"tiktok","mode":"status","status":500,"count":-1})");
  for (int i = 0; i < 3; ++i) {
    HttpResponse r = post_tiktok(tiktok_body({tiktok_event("f-1")}));
    EXPECT_EQ(r.result_int(), 500);
    EXPECT_EQ(parse(r)["code"].GetInt(), 50000);
  }
  EXPECT_EQ(del("/_sandbox/faults").result_int(), 200);
  EXPECT_EQ(parse(post_tiktok(tiktok_body({tiktok_event("f-1")})))["code"].GetInt(), 0);
  EXPECT_EQ(box->event_id_count("tiktok", "f-1"), 1u);
}

TEST_F(SandboxTest, StatusFaultMayCarryACustomBody) {
  fault(R"({"platform":"ga4","mode":"status","status":400,"body":"{\"error\":\"custom\"}"})");
  HttpResponse r = post_ga4(ga4_body({"c-1"}));
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_EQ(r.body(), R"({"error":"custom"})");
}

TEST_F(SandboxTest, RateLimitFaultSends429WithRetryAfter) {
  fault(R"({"platform":"tiktok","mode":"rate_limit","retry_after":7})");
  HttpResponse r = post_tiktok(tiktok_body({tiktok_event("r-1")}));
  EXPECT_EQ(r.result_int(), 429);
  EXPECT_EQ(r["Retry-After"], "7");
  EXPECT_EQ(parse(r)["code"].GetInt(), 40100);

  fault(R"({"platform":"google_ads","mode":"rate_limit"})");
  HttpResponse g = post_dm(dm_body({dm_event("r-2")}), "t");
  EXPECT_EQ(g.result_int(), 429);
  EXPECT_EQ(g["Retry-After"], "1");
  EXPECT_STREQ(parse(g)["error"]["status"].GetString(), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(box->events("tiktok") + box->events("google_ads"), 0u);
}

TEST_F(SandboxTest, DelayFaultHoldsTheAnswer) {
  fault(R"({"platform":"meta","mode":"delay_ms","delay_ms":300})");
  const auto start = std::chrono::steady_clock::now();
  HttpResponse r = post_meta(batch({meta_event("d-1")}));
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);  // never earlier than asked
  EXPECT_EQ(box->event_id_count("meta", "d-1"), 1u);
}

TEST_F(SandboxTest, RejectEventIdsRefusesOnlyBatchesHoldingThem) {
  fault(R"({"platform":"meta","mode":"reject_event_ids","event_ids":["bad-3"],"count":-1})");
  HttpResponse r = post_meta(batch({meta_event("ok-1"), meta_event("bad-3")}));
  ASSERT_EQ(r.result_int(), 400);
  auto d = parse(r);
  EXPECT_EQ(d["error"]["code"].GetInt(), 100);
  EXPECT_FALSE(d["error"]["is_transient"].GetBool());
  EXPECT_EQ(post_meta(batch({meta_event("ok-1"), meta_event("ok-2")})).result_int(), 200);
  EXPECT_EQ(post_meta(batch({meta_event("bad-3")})).result_int(), 400);  // -1: still in force
  EXPECT_EQ(box->event_id_count("meta", "ok-1"), 1u);
  EXPECT_EQ(box->event_id_count("meta", "bad-3"), 0u);

  fault(R"({"platform":"tiktok","mode":"reject_event_ids","event_ids":["bad-t"]})");
  EXPECT_EQ(parse(post_tiktok(tiktok_body({tiktok_event("bad-t")})))["code"].GetInt(), 40002);
  EXPECT_EQ(parse(post_tiktok(tiktok_body({tiktok_event("bad-t")})))["code"].GetInt(), 0);  // count 1: used up

  fault(R"({"platform":"microsoft_ads","mode":"reject_event_ids","event_ids":["bad-m"]})");
  HttpResponse ms = post_ms_capi(batch({ms_event("ok-m"), ms_event("bad-m")}));
  EXPECT_EQ(ms.result_int(), 400);
  EXPECT_STREQ(parse(ms)["error"]["code"].GetString(), "ValidationError");
}

TEST_F(SandboxTest, PartialFailureFailsTheNamedClickConversionRows) {
  fault(R"({"platform":"google_ads","mode":"partial_failure","event_ids":["pf-2"],"count":-1})");
  HttpResponse r = post_click(click_body({click("pf-1"), click("pf-2"), click("pf-3")}));
  ASSERT_EQ(r.result_int(), 200);
  auto d = parse(r);
  EXPECT_FALSE(d["results"][0].ObjectEmpty());
  EXPECT_TRUE(d["results"][1].ObjectEmpty());
  EXPECT_FALSE(d["results"][2].ObjectEmpty());
  const auto& errors = d["partialFailureError"]["details"][0]["errors"];
  ASSERT_EQ(errors.Size(), 1u);
  EXPECT_STREQ(errors[0]["errorCode"]["conversionUploadError"].GetString(), "EXPIRED_EVENT");
  EXPECT_EQ(errors[0]["location"]["fieldPathElements"][0]["index"].GetInt(), 1);
  EXPECT_EQ(box->event_id_count("google_ads", "pf-1"), 1u);
  EXPECT_EQ(box->event_id_count("google_ads", "pf-2"), 0u);
  EXPECT_EQ(box->event_id_count("google_ads", "pf-3"), 1u);
}

TEST_F(SandboxTest, PartialFailureWithoutIdsFailsTheFirstRowWithTheGivenCode) {
  fault(R"({"platform":"google_ads","mode":"partial_failure","error_code":"TOO_RECENT_EVENT"})");
  auto d = parse(post_click(click_body({click("a"), click("b")})));
  EXPECT_TRUE(d["results"][0].ObjectEmpty());
  EXPECT_STREQ(d["partialFailureError"]["details"][0]["errors"][0]["errorCode"]["conversionUploadError"].GetString(),
               "TOO_RECENT_EVENT");
  // Data Manager has no partial failure: the same fault fails the whole request.
  fault(R"({"platform":"google_ads","mode":"partial_failure","event_ids":["dm-2"]})");
  HttpResponse dm = post_dm(dm_body({dm_event("dm-1"), dm_event("dm-2")}), "t");
  EXPECT_EQ(dm.result_int(), 400);
  EXPECT_STREQ(parse(dm)["error"]["details"][0]["fieldViolations"][0]["field"].GetString(), "events[1]");
}

TEST_F(SandboxTest, PartialFailureOnMicrosoftOfflineFailsTheMatchingRows) {
  const std::string access = token("microsoft_ads");
  fault(R"({"platform":"microsoft_ads","mode":"partial_failure","event_ids":["click-2"]})");
  auto d = parse(post_offline(
      R"({"OfflineConversions":[)" + offline_row("click-1") + "," + offline_row("click-2") + "]}", access));
  ASSERT_EQ(d["PartialErrors"].Size(), 1u);
  EXPECT_EQ(d["PartialErrors"][0]["Index"].GetInt(), 1);
  EXPECT_EQ(box->events("microsoft_ads"), 1u);
}

TEST_F(SandboxTest, AuthExpiredRevokesIssuedTokensUntilTheClientRefreshes) {
  const std::string first = token("google_ads");
  ASSERT_EQ(post_dm(dm_body({dm_event("a-1")}), first).result_int(), 200);
  fault(R"({"platform":"google_ads","mode":"auth_expired","count":1})");
  HttpResponse expired = post_dm(dm_body({dm_event("a-2")}), first);
  EXPECT_EQ(expired.result_int(), 401);
  EXPECT_STREQ(parse(expired)["error"]["status"].GetString(), "UNAUTHENTICATED");
  EXPECT_EQ(post_dm(dm_body({dm_event("a-2")}), first).result_int(), 401);  // the old token stays dead
  const std::string second = token("google_ads");                           // token endpoint: never faulted
  EXPECT_EQ(post_dm(dm_body({dm_event("a-2")}), second).result_int(), 200);
  EXPECT_EQ(box->event_id_count("google_ads", "a-2"), 1u);
  EXPECT_EQ(box->stats("google_ads").faulted_requests, 1u);
  EXPECT_EQ(box->stats("google_ads").token_requests, 2u);

  fault(R"({"platform":"meta","mode":"auth_expired"})");
  HttpResponse meta = post_meta(batch({meta_event("a-3")}));
  EXPECT_EQ(meta.result_int(), 401);
  EXPECT_EQ(parse(meta)["error"]["code"].GetInt(), 190);
}

TEST_F(SandboxTest, FaultsAreListedReplacedAndClearedPerPlatform) {
  fault(R"({"platform":"meta","mode":"status","status":500,"count":5})");
  fault(R"({"platform":"meta","mode":"status","status":502,"count":1})");  // same mode: replaces
  fault(R"({"platform":"ga4","mode":"delay_ms","delay_ms":10,"count":-1})");
  auto listed = parse(get("/_sandbox/faults"));
  ASSERT_EQ(listed["faults"].Size(), 2u);
  EXPECT_EQ(post_meta(batch({meta_event("x")})).result_int(), 502);
  EXPECT_EQ(post_meta(batch({meta_event("x")})).result_int(), 200);

  EXPECT_EQ(del("/_sandbox/faults?platform=ga4").result_int(), 200);
  EXPECT_EQ(parse(get("/_sandbox/faults"))["faults"].Size(), 0u);
}

TEST_F(SandboxTest, InvalidFaultsAreRefusedNamingTheField) {
  struct Case {
    const char* json;
    const char* field;
  };
  for (const Case& c : {Case{R"({"platform":"myspace","mode":"status"})", "platform"},
                        Case{R"({"platform":"meta","mode":"explode"})", "mode"},
                        Case{R"({"platform":"meta","mode":"status","status":42})", "status"},
                        Case{R"({"platform":"meta","mode":"status","count":0})", "count"},
                        Case{R"({"platform":"meta","mode":"reject_event_ids"})", "event_ids"},
                        Case{R"({"platform":"meta","mode":"delay_ms"})", "delay_ms"}}) {
    HttpResponse r = post("/_sandbox/faults", c.json);
    EXPECT_EQ(r.result_int(), 400) << c.json;
    auto d = parse(r);
    EXPECT_STREQ(d["error"].GetString(), "invalid_fault");
    EXPECT_STREQ(d["field"].GetString(), c.field) << c.json;
  }
  EXPECT_EQ(post("/_sandbox/faults", "not json").result_int(), 400);
  EXPECT_FALSE(box->add_fault(R"({"platform":"meta"})"));
  EXPECT_TRUE(box->add_fault(R"({"platform":"meta","mode":"status","status":503})"));
  EXPECT_EQ(post_meta(batch({meta_event("x")})).result_int(), 503);
}

}  // namespace
}  // namespace fanout::sandbox
