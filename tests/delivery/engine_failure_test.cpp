// Failures: isolation between destinations, Retry-After, transient retries, batch splitting, per-event
// outcomes and the platform's window closing.
#include <gtest/gtest.h>

#include <atomic>

#include "delivery/engine.h"
#include "delivery_test_util.h"

namespace fanout::delivery {
namespace {
using namespace std::chrono_literals;
using namespace testing;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(EngineFailure, ASlowAndAFailingDestinationNeverHoldBackAHealthyOne) {
  Harness h;
  FakePlatform platform;
  platform.script("/meta", [](const Seen&) { return hang(); });
  platform.script("/ga4", [](const Seen&) { return answer(503); });
  auto meta_opt = test_options(platform.url("/meta"));
  meta_opt.timeout_ms = 300;
  TestDestination meta("meta", meta_opt);
  TestDestination ga4("ga4", test_options(platform.url("/ga4")));
  auto tiktok_opt = test_options(platform.url("/tiktok"));
  tiktok_opt.max_batch = 10;
  TestDestination tiktok("tiktok", tiktok_opt);
  Engine engine({&meta, &ga4, &tiktok}, *h.spool, h.metrics);
  engine.start();
  auto event_ids = ids("i", 200);
  engine.submit(h.commit(make_events(event_ids), {"meta", "ga4", "tiktok"}));

  ASSERT_TRUE(eventually([&] { return id_counts(platform, "/tiktok").size() == 200; }));
  ASSERT_TRUE(eventually([&] { return h.all_in(event_ids, "tiktok", spool::State::delivered); }));
  // Meanwhile the others got nowhere, and their deliveries wait in the spool with the reason.
  EXPECT_TRUE(h.all_in(event_ids, "meta", spool::State::pending));
  EXPECT_TRUE(h.all_in(event_ids, "ga4", spool::State::pending));
  ASSERT_TRUE(eventually([&] {
    auto d = h.delivery("i0", "ga4");
    return d && d->attempts >= 1 && d->last_error == "http_503" && d->next_attempt_at_ms > 0;
  }));
  ASSERT_TRUE(eventually([&] {
    auto d = h.delivery("i0", "meta");
    return d && d->attempts >= 1 && contains(d->last_error, "transport");
  }));
  engine.stop(1s);
  auto depths = engine.queue_depths();
  EXPECT_EQ(depths["tiktok"], 0u);
  EXPECT_EQ(depths["ga4"], 200u);
}

TEST(EngineFailure, RetryAfterIsHonouredBeforeTheNextRequest) {
  Harness h;
  FakePlatform platform;
  std::atomic<int> calls{0};
  platform.script("/meta", [&](const Seen&) {
    return calls++ == 0 ? answer(429, "slow down", {{"Retry-After", "1"}}) : answer(200);
  });
  TestDestination meta("meta", test_options(platform.url("/meta")));
  Engine engine({&meta}, *h.spool, h.metrics);
  engine.start();
  engine.submit(h.commit(make_events({"r1", "r2", "r3"}), {"meta"}));
  ASSERT_TRUE(eventually([&] { return platform.requests("/meta").size() >= 2; }));
  ASSERT_TRUE(eventually([&] { return h.all_in({"r1", "r2", "r3"}, "meta", spool::State::delivered); }));
  // More events arriving while the destination is told to wait also wait.
  engine.submit(h.commit(make_events({"r4"}), {"meta"}));
  ASSERT_TRUE(eventually([&] { return h.all_in({"r4"}, "meta", spool::State::delivered); }));
  engine.stop(5s);
  auto requests = platform.requests("/meta");
  ASSERT_GE(requests.size(), 2u);
  EXPECT_GE(requests[1].at_ms - requests[0].at_ms, 1000);  // nothing was sent before Retry-After elapsed
  EXPECT_EQ(requests[1].ids, (std::vector<std::string>{"r1", "r2", "r3"}));  // the retry kept its batch
  EXPECT_EQ(h.delivery("r1", "meta")->attempts, 2);
  EXPECT_EQ(h.delivery("r4", "meta")->attempts, 1);
}

TEST(EngineFailure, TransientFailuresAreRetriedUntilDelivered) {
  Harness h;
  FakePlatform platform;
  std::atomic<int> calls{0};
  platform.script("/meta", [&](const Seen&) { return calls++ < 2 ? answer(503) : answer(200); });
  TestDestination meta("meta", test_options(platform.url("/meta")));
  Engine engine({&meta}, *h.spool, h.metrics);
  engine.start();
  engine.submit(h.commit(make_events({"t1"}), {"meta"}));
  ASSERT_TRUE(eventually([&] { return h.all_in({"t1"}, "meta", spool::State::delivered); }));
  engine.stop(5s);
  EXPECT_EQ(platform.requests("/meta").size(), 3u);
  EXPECT_EQ(h.delivery("t1", "meta")->attempts, 3);
  EXPECT_TRUE(contains(h.metrics.render(), R"(fanout_deliveries_total{destination="meta",outcome="retry"} 2)"));
}

TEST(EngineFailure, ABatchRejectedForOneEventIsSplitUntilOnlyThatEventFails) {
  Harness h;
  FakePlatform platform;
  platform.script("/meta", [](const Seen& s) {
    bool bad = std::find(s.ids.begin(), s.ids.end(), "s5") != s.ids.end();
    return bad ? answer(400, "invalid parameter") : answer(200);
  });
  auto opt = test_options(platform.url("/meta"));
  opt.max_batch = 8;
  TestDestination meta("meta", opt);
  Engine engine({&meta}, *h.spool, h.metrics);
  engine.start();
  auto event_ids = ids("s", 8);
  engine.submit(h.commit(make_events(event_ids), {"meta"}));
  ASSERT_TRUE(eventually([&] {
    auto d = h.delivery("s5", "meta");
    return d && d->state == spool::State::failed;
  }));
  ASSERT_TRUE(eventually([&] {
    std::vector<std::string> good = event_ids;
    good.erase(good.begin() + 5);
    return h.all_in(good, "meta", spool::State::delivered);
  }));
  engine.stop(5s);
  auto bad = h.delivery("s5", "meta");
  EXPECT_EQ(bad->reason, "bad_event");
  // 8 -> 4 + 4 -> (4..5) + (6..7) -> 4 + 5: each good event was accepted exactly once.
  std::map<std::string, int> accepted;
  for (const Seen& r : platform.requests("/meta"))
    if (std::find(r.ids.begin(), r.ids.end(), "s5") == r.ids.end())
      for (const auto& id : r.ids) ++accepted[id];
  EXPECT_EQ(accepted.size(), 7u);
  for (const auto& [id, n] : accepted) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(platform.requests("/meta").size(), 7u);
  EXPECT_TRUE(contains(h.metrics.render(), R"(fanout_dead_letters_total{destination="meta"} 1)"));
}

TEST(EngineFailure, PerEventOutcomesOfOneResponseAreAppliedEachToItsEvent) {
  Harness h;
  FakePlatform platform;
  std::atomic<int> calls{0};
  platform.script("/meta",
                  [&](const Seen&) { return calls++ == 0 ? answer(200, "reject:p2\nretry:p4\n") : answer(200); });
  TestDestination meta("meta", test_options(platform.url("/meta")));
  Engine engine({&meta}, *h.spool, h.metrics);
  engine.start();
  auto event_ids = ids("p", 6);
  engine.submit(h.commit(make_events(event_ids), {"meta"}));
  ASSERT_TRUE(eventually([&] { return h.all_in({"p0", "p1", "p3", "p4", "p5"}, "meta", spool::State::delivered); }));
  engine.stop(5s);
  auto rejected = h.delivery("p2", "meta");
  EXPECT_EQ(rejected->state, spool::State::failed);
  EXPECT_EQ(rejected->reason, "rejected_by_platform");
  EXPECT_EQ(h.delivery("p4", "meta")->attempts, 2);
  EXPECT_EQ(h.delivery("p0", "meta")->attempts, 1);
  auto requests = platform.requests("/meta");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].ids, std::vector<std::string>{"p4"});
}

TEST(EngineFailure, RetriesStopWhenThePlatformWindowCloses) {
  Harness h;
  FakePlatform platform;
  platform.script("/meta", [](const Seen&) { return answer(503); });
  TestDestination meta("meta", test_options(platform.url("/meta")));
  meta.window_length = std::chrono::seconds(2);
  Engine engine({&meta}, *h.spool, h.metrics);
  engine.start();
  int64_t now_s = now_ms() / 1000;
  // w1's window closes within two seconds (event times are whole seconds, so "now_s - 1" could be up
  // to 1.999 s old and close before the first attempt); w2's had closed before it could be sent at all.
  engine.submit(h.commit({make_event("w1", now_s), make_event("w2", now_s - 10)}, {"meta"}));
  ASSERT_TRUE(eventually([&] { return h.all_in({"w1", "w2"}, "meta", spool::State::failed); }));
  engine.stop(5s);
  auto w1 = h.delivery("w1", "meta");
  EXPECT_EQ(w1->reason, "window_closed: http_503");
  EXPECT_GE(w1->attempts, 1);
  auto w2 = h.delivery("w2", "meta");
  EXPECT_EQ(w2->reason, "window_closed");
  EXPECT_EQ(w2->attempts, 0);
  EXPECT_EQ(id_counts(platform, "/meta").count("w2"), 0u);
}

}  // namespace
}  // namespace fanout::delivery
