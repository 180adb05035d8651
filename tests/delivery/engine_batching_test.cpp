// Batching, linger and the concurrency limit of one destination's lane.
#include <gtest/gtest.h>

#include "delivery/engine.h"
#include "delivery_test_util.h"

namespace fanout::delivery {
namespace {
using namespace std::chrono_literals;
using namespace testing;

TEST(EngineBatching, ManyEventsLeaveInFewFullBatches) {
  Harness h;
  FakePlatform platform;
  auto opt = test_options(platform.url("/meta"));
  opt.max_batch = 100;
  opt.linger_ms = 200;
  TestDestination meta("meta", opt);
  Engine engine({&meta}, *h.spool, h.metrics);
  engine.start();
  auto event_ids = ids("b", 500);
  engine.submit(h.commit(make_events(event_ids), {"meta"}));

  ASSERT_TRUE(eventually([&] { return id_counts(platform, "/meta").size() == 500; }));
  engine.stop(5s);
  auto requests = platform.requests("/meta");
  EXPECT_EQ(requests.size(), 5u);
  for (const Seen& r : requests) EXPECT_EQ(r.ids.size(), 100u);
  for (const auto& [id, n] : id_counts(platform, "/meta")) EXPECT_EQ(n, 1) << id;
  EXPECT_TRUE(h.all_in(event_ids, "meta", spool::State::delivered));
  auto d = h.delivery("b0", "meta");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->attempts, 1);
  EXPECT_NE(h.metrics.render().find(R"(fanout_deliveries_total{destination="meta",outcome="delivered"} 500)"),
            std::string::npos);
  EXPECT_EQ(engine.queue_depths()["meta"], 0u);
}

TEST(EngineBatching, EventsArrivingWithinLingerShareARequestAndALoneEventStillLeaves) {
  Harness h;
  FakePlatform platform;
  auto opt = test_options(platform.url("/meta"));
  opt.max_batch = 100;
  opt.linger_ms = 1000;  // far longer than the three submits below take
  TestDestination meta("meta", opt);
  // Pending before start: read back from the spool in the lane's start-up backlog mode, which it then
  // leaves to take submitted events directly.
  h.commit({make_event("l1"), make_event("l2"), make_event("l3")}, {"meta"});
  Engine engine({&meta}, *h.spool, h.metrics);
  engine.start();
  ASSERT_TRUE(eventually([&] { return id_counts(platform, "/meta").size() == 3; }));

  auto a = h.commit({make_event("l4")}, {"meta"});
  auto b = h.commit({make_event("l5")}, {"meta"});
  engine.submit(a);
  engine.submit(b);
  ASSERT_TRUE(eventually([&] { return id_counts(platform, "/meta").count("l5") == 1; }));
  auto requests = platform.requests("/meta");
  ASSERT_EQ(requests.size(), 2u);  // l1..l3 (read back from the spool), then l4 + l5 together
  EXPECT_EQ(requests[1].ids, (std::vector<std::string>{"l4", "l5"}));

  // A lone event below max_batch leaves once it has lingered.
  engine.submit(h.commit({make_event("l6")}, {"meta"}));
  ASSERT_TRUE(eventually([&] { return id_counts(platform, "/meta").count("l6") == 1; }));
  engine.stop(5s);
  EXPECT_EQ(platform.requests("/meta").back().ids, std::vector<std::string>{"l6"});
  EXPECT_TRUE(h.all_in({"l1", "l2", "l3", "l4", "l5", "l6"}, "meta", spool::State::delivered));
}

TEST(EngineBatching, NeverMoreThanMaxInFlightRequests) {
  Harness h;
  FakePlatform platform;
  platform.script("/meta", [](const Seen&) { return after(100); });
  auto opt = test_options(platform.url("/meta"));
  opt.max_batch = 10;
  opt.max_in_flight = 2;
  TestDestination meta("meta", opt);
  Engine engine({&meta}, *h.spool, h.metrics);
  engine.start();
  auto event_ids = ids("f", 100);
  engine.submit(h.commit(make_events(event_ids), {"meta"}));
  ASSERT_TRUE(eventually([&] { return id_counts(platform, "/meta").size() == 100; }));
  engine.stop(5s);
  EXPECT_EQ(platform.requests("/meta").size(), 10u);
  EXPECT_EQ(platform.max_concurrent("/meta"), 2);  // the limit is used, never exceeded
  EXPECT_TRUE(h.all_in(event_ids, "meta", spool::State::delivered));
}

}  // namespace
}  // namespace fanout::delivery
