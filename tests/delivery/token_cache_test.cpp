#include "delivery/token_cache.h"

#include <gtest/gtest.h>

namespace fanout::delivery {
namespace {

dest::OAuthSettings settings() {
  dest::OAuthSettings s;
  s.token_url = "https://auth.example/token";
  s.client_id = "client 1";
  s.client_secret = "s&cret=";
  s.refresh_token = "1//refresh+token";
  s.scope = "https://ads.example/manage offline_access";
  return s;
}

dest::HttpResponse answer(int status, std::string body) {
  dest::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

TEST(TokenCache, NoOAuthNeedsNothing) {
  TokenCache cache(std::nullopt);
  EXPECT_FALSE(cache.needed());
  EXPECT_TRUE(cache.valid(0));
  EXPECT_EQ(cache.auth().access_token, "");
}

TEST(TokenCache, StaticTokenIsUsedAsIsAndNeverDropped) {
  auto s = settings();
  s.static_token = "static-abc";
  TokenCache cache(s);
  EXPECT_TRUE(cache.needed());
  EXPECT_FALSE(cache.refreshable());
  EXPECT_TRUE(cache.valid(0));
  cache.invalidate(cache.generation());
  EXPECT_TRUE(cache.valid(1LL << 50));
  EXPECT_EQ(cache.auth().access_token, "static-abc");
}

TEST(TokenCache, RefreshRequestIsFormEncoded) {
  TokenCache cache(settings());
  dest::HttpRequest r = cache.refresh_request();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://auth.example/token");
  EXPECT_EQ(
      r.body,
      "grant_type=refresh_token&client_id=client%201&client_secret=s%26cret%3D&refresh_token=1%2F%2Frefresh%2Btoken"
      "&scope=https%3A%2F%2Fads.example%2Fmanage%20offline_access");
  bool form = false;
  for (auto& [k, v] : r.headers) form = form || (k == "content-type" && v == "application/x-www-form-urlencoded");
  EXPECT_TRUE(form);
}

TEST(TokenCache, OptionalFieldsAreLeftOut) {
  auto s = settings();
  s.client_secret.clear();
  s.scope.clear();
  TokenCache cache(s);
  EXPECT_EQ(cache.refresh_request().body,
            "grant_type=refresh_token&client_id=client%201&refresh_token=1%2F%2Frefresh%2Btoken");
}

TEST(TokenCache, CachesUntilSixtySecondsBeforeExpiry) {
  TokenCache cache(settings());
  EXPECT_FALSE(cache.valid(1000));
  uint64_t before = cache.generation();
  ASSERT_TRUE(cache.accept(answer(200, R"({"access_token":"tok-1","expires_in":3600,"token_type":"Bearer"})"), 1000));
  EXPECT_NE(cache.generation(), before);
  EXPECT_EQ(cache.auth().access_token, "tok-1");
  EXPECT_TRUE(cache.valid(1000 + 3540000 - 1));
  EXPECT_FALSE(cache.valid(1000 + 3540000));
}

TEST(TokenCache, InvalidateOnlyDropsTheGenerationThatFailed) {
  TokenCache cache(settings());
  ASSERT_TRUE(cache.accept(answer(200, R"({"access_token":"tok-1","expires_in":3600})"), 0));
  uint64_t first = cache.generation();
  ASSERT_TRUE(cache.accept(answer(200, R"({"access_token":"tok-2","expires_in":3600})"), 0));
  cache.invalidate(first);  // a late 401 for a request sent with tok-1
  EXPECT_TRUE(cache.valid(1));
  EXPECT_EQ(cache.auth().access_token, "tok-2");
  cache.invalidate(cache.generation());
  EXPECT_FALSE(cache.valid(1));
}

TEST(TokenCache, ErrorsNameStatusAndCodeButNeverTheBody) {
  TokenCache cache(settings());
  auto s = cache.accept(answer(400, R"({"error":"invalid_grant","error_description":"secret-ish detail"})"), 0);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("http_400"), std::string::npos);
  EXPECT_NE(s.error().message.find("invalid_grant"), std::string::npos);
  EXPECT_EQ(s.error().message.find("secret-ish"), std::string::npos);
  EXPECT_FALSE(cache.valid(0));

  EXPECT_FALSE(cache.accept(answer(200, R"({"token_type":"Bearer"})"), 0));
  EXPECT_FALSE(cache.accept(answer(200, "not json"), 0));
  dest::HttpResponse down;
  down.transport_error = "Couldn't connect to server";
  auto t = cache.accept(down, 0);
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("Couldn't connect"), std::string::npos);
}

TEST(TokenCache, BogusLifetimeStillGivesAUsableToken) {
  TokenCache cache(settings());
  ASSERT_TRUE(cache.accept(answer(200, R"({"access_token":"t","expires_in":0})"), 0));
  EXPECT_TRUE(cache.valid(TokenCache::kMinUsableMs - 1));
  ASSERT_TRUE(cache.accept(answer(200, R"({"access_token":"t","expires_in":"100"})"), 0));
  EXPECT_TRUE(cache.valid(49999));  // 100 s: half of it
  EXPECT_FALSE(cache.valid(50000));
}

}  // namespace
}  // namespace fanout::delivery
