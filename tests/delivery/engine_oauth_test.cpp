// OAuth: the access token is fetched through the delivery thread's client, cached, refreshed once on a
// 401, and a failing token endpoint only holds back its own destination.
#include <gtest/gtest.h>

#include <atomic>

#include "delivery/engine.h"
#include "delivery_test_util.h"

namespace fanout::delivery {
namespace {
using namespace std::chrono_literals;
using namespace testing;

// A token endpoint issuing "tok-1", "tok-2", ... and an API that accepts only the latest token.
struct OAuthPlatform {
  FakePlatform platform;
  std::atomic<int> issued{0};
  std::atomic<bool> token_endpoint_up{true};
  std::atomic<int> force_401{0};  // the next N API calls answer 401 whatever the token

  OAuthPlatform() {
    platform.script("/token", [this](const Seen&) {
      if (!token_endpoint_up) return answer(500, R"({"error":"internal"})");
      int n = ++issued;
      return answer(200, R"({"access_token":"tok-)" + std::to_string(n) + R"(","expires_in":3600})");
    });
    platform.script("/google_ads", [this](const Seen& s) {
      if (force_401 > 0) {
        --force_401;
        return answer(401);
      }
      auto it = s.headers.find("authorization");
      bool current = it != s.headers.end() && it->second == "Bearer tok-" + std::to_string(issued.load());
      return current ? answer(200) : answer(401);
    });
  }

  TestDestination destination() {
    TestDestination d("google_ads", test_options(platform.url("/google_ads")));
    dest::OAuthSettings s;
    s.token_url = platform.url("/token");
    s.client_id = "cid";
    s.client_secret = "csecret";
    s.refresh_token = "rtoken";
    d.oauth_settings = s;
    return d;
  }
};

TEST(EngineOAuth, TokenIsFetchedOnceAndCached) {
  Harness h;
  OAuthPlatform p;
  TestDestination ads = p.destination();
  Engine engine({&ads}, *h.spool, h.metrics);
  engine.start();
  for (int wave = 0; wave < 3; ++wave) {
    auto event_ids = ids("o" + std::to_string(wave) + "-", 5);
    engine.submit(h.commit(make_events(event_ids), {"google_ads"}));
    ASSERT_TRUE(eventually([&] { return h.all_in(event_ids, "google_ads", spool::State::delivered); }));
  }
  engine.stop(5s);
  auto token_calls = p.platform.requests("/token");
  ASSERT_EQ(token_calls.size(), 1u);
  EXPECT_EQ(token_calls[0].body, "grant_type=refresh_token&client_id=cid&client_secret=csecret&refresh_token=rtoken");
  EXPECT_EQ(token_calls[0].headers["content-type"], "application/x-www-form-urlencoded");
  auto api_calls = p.platform.requests("/google_ads");
  EXPECT_EQ(api_calls.size(), 3u);
  for (const Seen& s : api_calls) EXPECT_EQ(s.headers.at("authorization"), "Bearer tok-1");
}

TEST(EngineOAuth, A401RefreshesTheTokenOnceAndResends) {
  Harness h;
  OAuthPlatform p;
  p.force_401 = 1;  // the platform revoked tok-1 right after issuing it
  TestDestination ads = p.destination();
  Engine engine({&ads}, *h.spool, h.metrics);
  engine.start();
  auto event_ids = ids("a", 3);
  engine.submit(h.commit(make_events(event_ids), {"google_ads"}));
  ASSERT_TRUE(eventually([&] { return h.all_in(event_ids, "google_ads", spool::State::delivered); }));
  engine.stop(5s);
  EXPECT_EQ(p.platform.requests("/token").size(), 2u);
  auto api_calls = p.platform.requests("/google_ads");
  ASSERT_EQ(api_calls.size(), 2u);
  EXPECT_EQ(api_calls[0].headers["authorization"], "Bearer tok-1");
  EXPECT_EQ(api_calls[1].headers["authorization"], "Bearer tok-2");
  EXPECT_EQ(api_calls[1].ids, event_ids);
}

TEST(EngineOAuth, ASecond401InARowIsRetriedWithBackoffNotRefreshedInALoop) {
  Harness h;
  OAuthPlatform p;
  p.force_401 = 1000000;  // credentials that never work
  TestDestination ads = p.destination();
  Engine engine({&ads}, *h.spool, h.metrics);
  engine.start();
  engine.submit(h.commit(make_events({"x1"}), {"google_ads"}));
  ASSERT_TRUE(eventually([&] {
    auto d = h.delivery("x1", "google_ads");
    return d && d->state == spool::State::pending && d->last_error == "http_401" && d->next_attempt_at_ms > 0;
  }));
  engine.stop(5s);
  // Every refresh is followed by exactly one resend: never two refreshes for one failed request.
  size_t api = p.platform.requests("/google_ads").size();
  size_t tokens = p.platform.requests("/token").size();
  EXPECT_GE(api, 2u);
  EXPECT_LE(tokens, api);
}

TEST(EngineOAuth, AFailingTokenEndpointOnlyHoldsBackItsOwnDestination) {
  Harness h;
  OAuthPlatform p;
  p.token_endpoint_up = false;
  TestDestination ads = p.destination();
  TestDestination tiktok("tiktok", test_options(p.platform.url("/tiktok")));
  Engine engine({&ads, &tiktok}, *h.spool, h.metrics);
  engine.start();
  auto event_ids = ids("k", 20);
  engine.submit(h.commit(make_events(event_ids), {"google_ads", "tiktok"}));
  ASSERT_TRUE(eventually([&] { return h.all_in(event_ids, "tiktok", spool::State::delivered); }));
  ASSERT_TRUE(eventually([&] { return p.platform.requests("/token").size() >= 2; }));  // retried with backoff
  EXPECT_TRUE(p.platform.requests("/google_ads").empty());                             // nothing sent without a token
  EXPECT_TRUE(h.all_in(event_ids, "google_ads", spool::State::pending));

  p.token_endpoint_up = true;  // the endpoint recovers: the waiting queue drains
  ASSERT_TRUE(eventually([&] { return h.all_in(event_ids, "google_ads", spool::State::delivered); }));
  engine.stop(5s);
}

TEST(EngineOAuth, AStaticTokenIsSentAsIsWithoutAnyTokenRequest) {
  Harness h;
  FakePlatform platform;
  TestDestination ads("google_ads", test_options(platform.url("/google_ads")));
  dest::OAuthSettings s;
  s.token_url = platform.url("/token");
  s.static_token = "static-1";
  ads.oauth_settings = s;
  Engine engine({&ads}, *h.spool, h.metrics);
  engine.start();
  engine.submit(h.commit(make_events({"st1"}), {"google_ads"}));
  ASSERT_TRUE(eventually([&] { return h.all_in({"st1"}, "google_ads", spool::State::delivered); }));
  engine.stop(5s);
  EXPECT_TRUE(platform.requests("/token").empty());
  EXPECT_EQ(platform.requests("/google_ads").at(0).headers["authorization"], "Bearer static-1");
}

}  // namespace
}  // namespace fanout::delivery
