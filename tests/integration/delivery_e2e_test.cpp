// Delivery end to end: the real binary, the real spool, the sandbox platforms over real sockets.
#include <signal.h>

#include <atomic>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "harness.h"

namespace fanout::itest {
namespace {

using namespace std::chrono_literals;
const std::vector<std::string> kPlatforms{"meta", "ga4", "google_ads", "microsoft_ads", "tiktok"};

int64_t now_s() { return now_ms() / 1000; }

// Every event id in `ids` was received by `platform` at least once.
bool all_received(SandboxProcess& box, const std::string& platform, const std::vector<std::string>& ids) {
  auto counts = box.event_counts(platform);
  for (const auto& id : ids)
    if (!counts.count(id)) return false;
  return true;
}

std::string batch_of(const std::vector<std::string>& ids, int64_t t) {
  std::string body = "{\"events\":[";
  for (size_t i = 0; i < ids.size(); ++i) body += (i ? "," : "") + purchase_event(ids[i], t);
  return body + "]}";
}

TEST(DeliveryE2E, EveryPlatformReceivesEveryEventInBatches) {
  TempDir dir;
  SandboxProcess box(dir.path);
  GatewayProcess gw(dir.path, all_destinations_toml(box, 300));
  gw.start();
  std::vector<std::string> ids;
  for (int b = 0; b < 10; ++b) {
    std::vector<std::string> batch;
    for (int i = 0; i < 40; ++i) batch.push_back("e2e-" + std::to_string(b) + "-" + std::to_string(i));
    auto r = gw.post_event(batch_of(batch, now_s()));
    ASSERT_EQ(r.status, 202) << r.body;
    ids.insert(ids.end(), batch.begin(), batch.end());
  }
  for (const auto& p : kPlatforms)
    EXPECT_TRUE(wait_until([&] { return all_received(box, p, ids); }, 30s)) << p;
  // Batched: far fewer requests than events for the batching platforms.
  for (const std::string p : {"meta", "tiktok", "google_ads", "microsoft_ads"}) {
    long requests = box.requests(p);
    EXPECT_GT(requests, 0) << p;
    EXPECT_LE(requests, 40) << p << " sent " << requests << " requests for 400 events";
  }
  EXPECT_TRUE(wait_until([&] { return gw.state(ids.back(), "meta") == "delivered"; }, 10s));
  EXPECT_TRUE(wait_until([&] { return gw.state(ids.front(), "tiktok") == "delivered"; }, 10s));
  EXPECT_EQ(gw.terminate(), 0);
}

TEST(DeliveryE2E, OnePlatformDownDelaysNobodyAndCatchesUp) {
  TempDir dir;
  SandboxProcess box(dir.path);
  box.fault(R"({"platform":"tiktok","mode":"status","status":503,"count":-1})");
  GatewayProcess gw(dir.path, all_destinations_toml(box, 50));
  gw.start();
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    ids.push_back("iso-" + std::to_string(i));
    ASSERT_EQ(gw.post_event(purchase_event(ids.back(), now_s())).status, 202);
  }
  for (const std::string p : {"meta", "ga4", "google_ads", "microsoft_ads"})
    EXPECT_TRUE(wait_until([&] { return all_received(box, p, ids); }, 20s)) << p;
  EXPECT_EQ(gw.state(ids[0], "tiktok"), "pending");
  box.clear_faults();
  EXPECT_TRUE(wait_until([&] { return all_received(box, "tiktok", ids); }, 30s));
  EXPECT_TRUE(wait_until([&] { return gw.state(ids.back(), "tiktok") == "delivered"; }, 10s));
}

TEST(DeliveryE2E, RetryAfterIsHonoured) {
  TempDir dir;
  SandboxProcess box(dir.path);
  box.fault(R"({"platform":"meta","mode":"rate_limit","retry_after":2,"count":1})");
  GatewayProcess gw(dir.path, all_destinations_toml(box, 20));
  gw.start();
  auto sent = std::chrono::steady_clock::now();
  ASSERT_EQ(gw.post_event(purchase_event("ra-1", now_s())).status, 202);
  ASSERT_TRUE(wait_until([&] { return all_received(box, "meta", {"ra-1"}); }, 20s));
  // The retry came no sooner than the 2 s the platform asked for (the first, rate-limited attempt
  // is not counted as received).
  EXPECT_GE(std::chrono::steady_clock::now() - sent, 2s);
  EXPECT_EQ(box.requests("meta"), 2);
}

TEST(DeliveryE2E, PermanentRejectDeadLettersOnlyTheBadEvent) {
  TempDir dir;
  SandboxProcess box(dir.path);
  box.fault(R"({"platform":"meta","mode":"reject_event_ids","event_ids":["bad-3"],"count":-1})");
  GatewayProcess gw(dir.path, all_destinations_toml(box, 300));
  gw.start();
  std::vector<std::string> ids;
  for (int i = 0; i < 8; ++i) ids.push_back(i == 3 ? "bad-3" : "ok-" + std::to_string(i));
  ASSERT_EQ(gw.post_event(batch_of(ids, now_s())).status, 202);
  std::vector<std::string> good;
  for (const auto& id : ids)
    if (id != "bad-3") good.push_back(id);
  EXPECT_TRUE(wait_until([&] { return all_received(box, "meta", good); }, 20s));
  EXPECT_TRUE(wait_until([&] { return gw.state("bad-3", "meta") == "failed"; }, 20s));
  for (const auto& id : good) EXPECT_EQ(gw.state(id, "meta"), "delivered") << id;
  EXPECT_EQ(gw.state("bad-3", "tiktok"), "delivered");  // other platforms unaffected
  auto d = gw.status("bad-3");
  ASSERT_TRUE(d.IsObject());
  EXPECT_TRUE(d["destinations"]["meta"].HasMember("reason"));
}

TEST(DeliveryE2E, Kill9UnderLoadLosesNoAcknowledgedEvent) {
  TempDir dir;
  SandboxProcess box(dir.path);
  GatewayProcess gw(dir.path, all_destinations_toml(box, 100));
  gw.start();
  std::vector<std::string> acked;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 100000 && !stop; ++i) {
      std::string id = "k9-" + std::to_string(i);
      auto r = gw.post_event(purchase_event(id, now_s()));
      if (r.status == 202) acked.push_back(id);
      if (r.status == 0) break;  // the process is gone
    }
  });
  std::this_thread::sleep_for(1500ms);
  gw.kill9();
  stop = true;
  writer.join();
  ASSERT_GT(acked.size(), 10u);
  gw.start();  // same spool
  for (const auto& p : kPlatforms)
    EXPECT_TRUE(wait_until([&] { return all_received(box, p, acked); }, 60s))
        << p << ": not every acknowledged event arrived after the restart";
}

TEST(DeliveryE2E, GoogleAdsPartialFailureFailsOnlyThoseRows) {
  TempDir dir;
  SandboxProcess box(dir.path);
  box.fault(R"({"platform":"google_ads","mode":"partial_failure","event_ids":["pf-2"],"count":-1})");
  std::string toml = all_destinations_toml(box, 300);
  // Click-conversions mode reports per-row errors (Data Manager has no partial failure).
  auto pos = toml.find("mode = \"data_manager\"");
  toml.replace(pos, 21, "mode = \"click_conversions\"\ndeveloper_token_env = \"T_G_DEV\"");
  GatewayProcess gw(dir.path, toml);
  setenv("T_G_DEV", "dev-token-SECRET7", 1);  // inherited by the child
  gw.start();
  std::vector<std::string> ids{"pf-1", "pf-2", "pf-3"};
  ASSERT_EQ(gw.post_event(batch_of(ids, now_s())).status, 202);
  EXPECT_TRUE(wait_until([&] { return gw.state("pf-2", "google_ads") == "failed"; }, 20s));
  EXPECT_TRUE(wait_until([&] { return gw.state("pf-1", "google_ads") == "delivered"; }, 20s));
  EXPECT_EQ(gw.state("pf-3", "google_ads"), "delivered");
}

TEST(DeliveryE2E, OAuthTokenRefreshedOn401) {
  TempDir dir;
  SandboxProcess box(dir.path);
  GatewayProcess gw(dir.path, all_destinations_toml(box, 20));
  gw.start();
  ASSERT_EQ(gw.post_event(purchase_event("oa-1", now_s())).status, 202);
  ASSERT_TRUE(wait_until([&] { return all_received(box, "google_ads", {"oa-1"}); }, 20s));
  box.fault(R"({"platform":"google_ads","mode":"auth_expired","count":1})");
  ASSERT_EQ(gw.post_event(purchase_event("oa-2", now_s())).status, 202);
  EXPECT_TRUE(wait_until([&] { return all_received(box, "google_ads", {"oa-2"}); }, 20s));
  EXPECT_TRUE(wait_until([&] { return gw.state("oa-2", "google_ads") == "delivered"; }, 10s));
}

}  // namespace
}  // namespace fanout::itest
