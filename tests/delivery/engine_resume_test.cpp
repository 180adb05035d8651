// Durability of the delivery side: pending deliveries resume from the spool at start, a delivery in flight
// when the engine went away is sent again, the bounded queue spills to the spool and reads back, and
// stop() records the outcome of requests it lets finish.
#include <gtest/gtest.h>


#include "delivery/engine.h"
#include "delivery_test_util.h"

namespace fanout::delivery {
namespace {
using namespace std::chrono_literals;
using namespace testing;

TEST(EngineResume, DeliveriesPendingInTheSpoolAtStartAreDelivered) {
  Harness h;
  FakePlatform platform;
  auto event_ids = ids("p", 30);
  h.commit(make_events(event_ids), {"meta", "ga4"});  // accepted by an earlier run, never delivered
  // One of them was already retried once by that run and is due now.
  h.spool->update({{1, "meta", spool::State::pending, "", 1, now_ms() - 10, "http_503"}});
  h.reopen();  // a restart

  TestDestination meta("meta", test_options(platform.url("/meta")));  // ga4 is no longer enabled
  Engine engine({&meta}, *h.spool, h.metrics);
  engine.start();
  ASSERT_TRUE(eventually([&] { return h.all_in(event_ids, "meta", spool::State::delivered); }));
  engine.stop(5s);
  for (const auto& [id, n] : id_counts(platform, "/meta")) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(id_counts(platform, "/meta").size(), 30u);
  EXPECT_EQ(h.delivery("p0", "meta")->attempts, 2);
  EXPECT_TRUE(h.all_in(event_ids, "ga4", spool::State::pending));
}

TEST(EngineResume, ARetryScheduledInTheFutureWaitsForItsTime) {
  Harness h;
  FakePlatform platform;
  h.commit(make_events({"later", "now"}), {"meta"});
  int64_t not_before = now_ms() + 1500;
  h.spool->update({{1, "meta", spool::State::pending, "", 1, not_before, "http_503"}});
  h.reopen();
  TestDestination meta("meta", test_options(platform.url("/meta")));
  Engine engine({&meta}, *h.spool, h.metrics);
  engine.start();
  ASSERT_TRUE(eventually([&] { return h.all_in({"now", "later"}, "meta", spool::State::delivered); }));
  engine.stop(5s);
  auto requests = platform.requests("/meta");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].ids, std::vector<std::string>{"now"});
  EXPECT_EQ(requests[1].ids, std::vector<std::string>{"later"});
  EXPECT_GE(requests[1].at_ms, not_before);
}

TEST(EngineResume, ADeliveryInFlightWhenTheEngineStoppedIsSentAgainAfterRestart) {
  Harness h;
  auto event_ids = ids("c", 5);
  {
    FakePlatform dead;
    dead.script("/meta", [](const Seen&) { return hang(); });
    TestDestination meta("meta", test_options(dead.url("/meta")));
    Engine engine({&meta}, *h.spool, h.metrics);
    engine.start();
    engine.submit(h.commit(make_events(event_ids), {"meta"}));
    ASSERT_TRUE(eventually([&] { return dead.requests("/meta").size() == 1; }));
    engine.stop(100ms);  // the request never answers: abandoned at the deadline
    EXPECT_TRUE(h.all_in(event_ids, "meta", spool::State::pending));
  }
  h.reopen();
  FakePlatform platform;
  TestDestination meta("meta", test_options(platform.url("/meta")));
  Engine engine({&meta}, *h.spool, h.metrics);
  engine.start();
  ASSERT_TRUE(eventually([&] { return h.all_in(event_ids, "meta", spool::State::delivered); }));
  engine.stop(5s);
  EXPECT_EQ(id_counts(platform, "/meta").size(), 5u);
}

TEST(EngineResume, StopLetsRequestsInFlightFinishAndRecordsThem) {
  Harness h;
  FakePlatform platform;
  platform.script("/meta", [](const Seen&) { return after(300); });
  auto opt = test_options(platform.url("/meta"));
  opt.max_batch = 5;
  opt.max_in_flight = 1;
  TestDestination meta("meta", opt);
  Engine engine({&meta}, *h.spool, h.metrics);
  engine.start();
  auto event_ids = ids("s", 10);
  engine.submit(h.commit(make_events(event_ids), {"meta"}));
  ASSERT_TRUE(eventually([&] { return platform.requests("/meta").size() == 1; }));
  engine.stop(10s);
  std::vector<std::string> first(event_ids.begin(), event_ids.begin() + 5),
      rest(event_ids.begin() + 5, event_ids.end());
  EXPECT_TRUE(h.all_in(first, "meta", spool::State::delivered));  // its answer came during stop()
  EXPECT_TRUE(h.all_in(rest, "meta", spool::State::pending));     // never started: left for the next run
  EXPECT_EQ(platform.requests("/meta").size(), 1u);
  engine.submit(h.commit(make_events({"too-late"}), {"meta"}));  // ignored once stopped
  EXPECT_EQ(engine.queue_depths()["meta"], 5u);
}

TEST(EngineResume, ABoundedQueueSpillsToTheSpoolAndReadsBackWithoutLossOrDuplicates) {
  Harness h;
  FakePlatform platform;
  platform.script("/meta", [](const Seen&) { return after(5); });
  auto opt = test_options(platform.url("/meta"));
  opt.max_batch = 4;
  opt.max_in_flight = 2;
  opt.linger_ms = 5;
  TestDestination meta("meta", opt);
  EngineOptions eo;
  eo.max_queued_per_destination = 10;
  eo.spool_page = 4;
  Engine engine({&meta}, *h.spool, h.metrics, eo);
  engine.start();
  std::vector<std::string> all;
  for (int wave = 0; wave < 10; ++wave) {
    auto event_ids = ids("q" + std::to_string(wave) + "-", 30);
    all.insert(all.end(), event_ids.begin(), event_ids.end());
    engine.submit(h.commit(make_events(event_ids), {"meta"}));
  }
  ASSERT_TRUE(eventually([&] { return id_counts(platform, "/meta").size() == all.size(); }));
  ASSERT_TRUE(eventually([&] { return h.all_in(all, "meta", spool::State::delivered); }));
  engine.stop(5s);
  for (const auto& [id, n] : id_counts(platform, "/meta")) EXPECT_EQ(n, 1) << id;
  // That the queue never holds more than its bound at any moment is checked after every tick in
  // tests/delivery/lane_test.cpp (AnOverflowingQueueSpillsToTheSpool...), in simulated time.
}

TEST(EngineResume, EventsSubmittedBeforeStartAreNotLost) {
  Harness h;
  FakePlatform platform;
  TestDestination meta("meta", test_options(platform.url("/meta")));
  Engine engine({&meta}, *h.spool, h.metrics);
  auto event_ids = ids("e", 7);
  engine.submit(h.commit(make_events(event_ids), {"meta"}));
  engine.start();
  ASSERT_TRUE(eventually([&] { return h.all_in(event_ids, "meta", spool::State::delivered); }));
  engine.stop(5s);
  for (const auto& [id, n] : id_counts(platform, "/meta")) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(id_counts(platform, "/meta").size(), 7u);  // every event arrived (the loop above checks "once")
}

}  // namespace
}  // namespace fanout::delivery
