// The sandbox control API (stats, event ids, request log, reset) and routing.
#include "fixture.h"

namespace fanout::sandbox {
namespace {

TEST_F(SandboxTest, BaseUrlIsThePlatformPrefixOnTheBoundPort) {
  EXPECT_EQ(box->base_url("meta"), "http://127.0.0.1:" + std::to_string(box->port()) + "/meta");
}

TEST_F(SandboxTest, StatsCoverEveryPlatform) {
  post_meta(batch({meta_event("st-1"), meta_event("st-2")}));
  post_tiktok(tiktok_body({tiktok_event("st-1")}), false);  // rejected: no token
  auto d = parse(get("/_sandbox/stats"));
  for (const char* p : kPlatformNames) {
    ASSERT_TRUE(d.HasMember(p)) << p;
    for (const char* key : {"requests", "events", "rejected_requests", "faulted_requests", "duplicate_events"}) {
      EXPECT_TRUE(d[p].HasMember(key)) << p << "." << key;
    }
    EXPECT_FALSE(d[p].HasMember("event_ids"));
  }
  EXPECT_EQ(d["meta"]["requests"].GetInt64(), 1);
  EXPECT_EQ(d["meta"]["events"].GetInt64(), 2);
  EXPECT_EQ(d["tiktok"]["rejected_requests"].GetInt64(), 1);
  EXPECT_EQ(d["tiktok"]["events"].GetInt64(), 0);

  auto with_ids = parse(get("/_sandbox/stats?event_ids=1"));
  EXPECT_EQ(with_ids["meta"]["event_ids"]["st-2"].GetInt(), 1);
}

TEST_F(SandboxTest, EventsListsHowOftenEachIdArrived) {
  post_meta(batch({meta_event("e-1"), meta_event("e-2")}));
  post_meta(batch({meta_event("e-1")}));
  auto d = parse(get("/_sandbox/events?platform=meta"));
  EXPECT_EQ(d["event_ids"]["e-1"].GetInt(), 2);
  EXPECT_EQ(d["event_ids"]["e-2"].GetInt(), 1);
  EXPECT_EQ(d["event_ids"].MemberCount(), 2u);
  EXPECT_EQ(parse(get("/_sandbox/events?platform=ga4"))["event_ids"].MemberCount(), 0u);
  EXPECT_EQ(get("/_sandbox/events?platform=orkut").result_int(), 400);
  EXPECT_EQ(get("/_sandbox/events").result_int(), 400);
}

TEST_F(SandboxTest, RequestsShowsTheLastBodiesWithCredentialsRedacted) {
  post_meta(batch({meta_event("q-1")}));
  post_meta(batch({meta_event("q-2")}));
  post_meta(batch({meta_event("q-3")}));
  auto d = parse(get("/_sandbox/requests?platform=meta&last=2"));
  ASSERT_EQ(d["requests"].Size(), 2u);
  const auto& last = d["requests"][1];
  EXPECT_STREQ(last["body"]["data"][0]["event_id"].GetString(), "q-3");  // the body is embedded as JSON
  EXPECT_STREQ(d["requests"][0]["body"]["data"][0]["event_id"].GetString(), "q-2");
  EXPECT_EQ(last["status"].GetInt(), 200);
  EXPECT_STREQ(last["target"].GetString(), "/meta/v25.0/1234567890/events?access_token=REDACTED");
  EXPECT_EQ(box->last_bodies("meta", 1).at(0), batch({meta_event("q-3")}));

  post_tiktok(tiktok_body({tiktok_event("q-4")}));
  auto t = parse(get("/_sandbox/requests?platform=tiktok&last=1"));
  EXPECT_STREQ(t["requests"][0]["headers"]["access-token"].GetString(), "REDACTED");

  const std::string issued = token("google_ads");
  post_dm(dm_body({dm_event("q-5")}), issued);
  auto g = parse(get("/_sandbox/requests?platform=google_ads&last=1"));
  EXPECT_EQ(g["requests"][0]["headers"]["authorization"].GetString(), "Bearer " + issued);  // not a secret

  EXPECT_EQ(get("/_sandbox/requests?platform=meta&last=x").result_int(), 400);
}

// The control answers are written with RapidJSON: a body that is not JSON (quotes, a backslash, control
// characters, UTF-8) comes back in the request log as the same string, and an event id with a quote in it
// is a key of /_sandbox/events like any other.
TEST_F(SandboxTest, RequestLogAndEventIdsKeepOddTextIntact) {
  const std::string text = "not \"json\" \\ \x01\t\n\xc3\xa9";
  post_ga4(text);
  auto d = parse(get("/_sandbox/requests?platform=ga4&last=1"));
  ASSERT_EQ(d["requests"].Size(), 1u);
  const auto& body = d["requests"][0]["body"];
  ASSERT_TRUE(body.IsString());
  EXPECT_EQ(std::string(body.GetString(), body.GetStringLength()), text);

  ASSERT_EQ(post_meta(batch({meta_event("q\\\"uote")})).result_int(), 200);  // JSON "q\"uote": q"uote
  auto e = parse(get("/_sandbox/events?platform=meta"));
  ASSERT_TRUE(e["event_ids"].HasMember("q\"uote"));
  EXPECT_EQ(e["event_ids"]["q\"uote"].GetInt(), 1);
}

TEST_F(SandboxTest, ResetClearsCountersIdsRequestsFaultsAndTokens) {
  post_meta(batch({meta_event("z-1")}));
  token("google_ads");
  fault(R"({"platform":"meta","mode":"status","status":503,"count":-1})");
  EXPECT_EQ(post("/_sandbox/reset", "").result_int(), 200);
  EXPECT_EQ(box->requests("meta"), 0u);
  EXPECT_EQ(box->event_id_count("meta", "z-1"), 0u);
  EXPECT_TRUE(box->last_bodies("meta", 5).empty());
  EXPECT_EQ(post_meta(batch({meta_event("z-1")})).result_int(), 200);          // fault gone
  EXPECT_EQ(post_dm(dm_body({dm_event("z-2")}), "static").result_int(), 200);  // OAuth no longer enforced
}

TEST_F(SandboxTest, UnknownPathsAndMethodsAreRefused) {
  EXPECT_EQ(post("/myspace/events", "{}").result_int(), 404);
  EXPECT_EQ(post("/", "{}").result_int(), 404);
  EXPECT_EQ(get("/meta/v25.0/1/events").result_int(), 405);
  EXPECT_EQ(get("/_sandbox/nothing").result_int(), 404);
  EXPECT_EQ(get("/_sandbox/reset").result_int(), 405);
  EXPECT_EQ(post_meta("not json").result_int(), 400);
  EXPECT_EQ(post("/tiktok/open_api/v1.3/pixel/track/", "{}").result_int(), 404);
  EXPECT_EQ(post("/google_ads/v1/nothing", "{}", {{"Authorization", "Bearer t"}}).result_int(), 404);
  EXPECT_EQ(box->events("meta"), 0u);
}

TEST(SandboxLifecycle, StopIsIdempotentAndFreesThePort) {
  auto started = Sandbox::start(SandboxOptions{});
  ASSERT_TRUE(started);
  auto& box = *started;
  const uint16_t port = box->port();
  box->stop();
  box->stop();
  SandboxOptions again;
  again.listen = "127.0.0.1:" + std::to_string(port);
  auto second = Sandbox::start(again);
  EXPECT_TRUE(second) << second.error().message;

  SandboxOptions bad;
  bad.listen = "no-port";
  auto failed = Sandbox::start(bad);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, "bind_failed");
}

}  // namespace
}  // namespace fanout::sandbox
