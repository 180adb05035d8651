// The in-memory bound shared by all lanes (MemoryBudget): a lane past its share is refused first, so a
// stalled platform holds at most its share plus the pool and never starves a healthy lane.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include "delivery/engine.h"
#include "delivery/memory_budget.h"
#include "delivery_test_util.h"

namespace fanout::delivery {
namespace {
using namespace std::chrono_literals;
using namespace testing;

TEST(MemoryBudget, ALanePastItsShareIsRefusedFirstWhenThePoolRunsDry) {
  MemoryBudget budget(10, 20);
  EXPECT_EQ(budget.room(0), 30u);
  budget.moved(0, 25);  // lane A: its 10 and 15 from the pool
  EXPECT_EQ(budget.borrowed(), 15u);
  EXPECT_EQ(budget.room(25), 5u);
  EXPECT_EQ(budget.room(0), 15u);  // lane B: its own share and what is left of the pool
  budget.moved(0, 15);             // lane B borrows the last 5
  EXPECT_EQ(budget.borrowed(), 20u);
  EXPECT_EQ(budget.room(25), 0u);
  EXPECT_EQ(budget.room(15), 0u);
  EXPECT_EQ(budget.room(3), 7u);  // lane C, under its share, still gets it
  budget.moved(25, 5);            // lane A gives back
  EXPECT_EQ(budget.borrowed(), 5u);
  EXPECT_EQ(budget.room(15), 15u);
}

TEST(EngineMemory, AStalledLaneHoldsAtMostItsShareAndThePoolWhileAHealthyOneDeliversEverything) {
  Harness h;
  FakePlatform platform;
  std::atomic<bool> meta_down{true};
  platform.script("/meta", [&](const Seen&) { return meta_down ? hang() : answer(200); });
  auto meta_opt = test_options(platform.url("/meta"));
  meta_opt.max_batch = 5;
  meta_opt.max_in_flight = 100;  // its own ceiling (2 * 100 * 5) is far above the budget
  meta_opt.linger_ms = 5;
  TestDestination meta("meta", meta_opt);
  auto tiktok_opt = test_options(platform.url("/tiktok"));
  tiktok_opt.max_batch = 10;
  tiktok_opt.linger_ms = 5;
  TestDestination tiktok("tiktok", tiktok_opt);
  EngineOptions eo;
  eo.lane_share = 10;
  eo.shared_pool = 20;
  eo.spool_page = 4;
  Engine engine({&meta, &tiktok}, *h.spool, h.metrics, eo);
  engine.start();

  std::vector<std::string> all;
  for (int wave = 0; wave < 10; ++wave) {
    auto event_ids = ids("m" + std::to_string(wave) + "-", 20);
    all.insert(all.end(), event_ids.begin(), event_ids.end());
    engine.submit(h.commit(make_events(event_ids), {"meta", "tiktok"}));
  }
  ASSERT_TRUE(eventually([&] { return h.all_in(all, "tiktok", spool::State::delivered); }));
  EXPECT_TRUE(h.all_in(all, "meta", spool::State::pending));
  // The stalled lane took at least its share and at most the whole pool besides (it stops short of the
  // last row or two of the pool: a read of fewer than half a page is not worth it). That it never holds
  // more, at any moment, is tests/delivery/lane_test.cpp's (simulated time, checked after every tick).
  ASSERT_TRUE(eventually([&] { return engine.queue_depths()["meta"] >= 10u; }));
  EXPECT_LE(engine.queue_depths()["meta"], 30u);

  meta_down = false;
  platform.release_hung(net::Response{503, "text/plain", "recovered", {}});
  ASSERT_TRUE(eventually([&] { return h.all_in(all, "meta", spool::State::delivered); }));
  engine.stop(5s);
  std::set<std::string> seen;
  for (const auto& [id, n] : id_counts(platform, "/meta")) seen.insert(id);
  EXPECT_EQ(seen.size(), all.size());
}

TEST(EngineMemory, ALaneHoldsAtMostTwiceWhatItCanHaveInFlight) {
  Harness h;
  FakePlatform platform;
  std::atomic<bool> down{true};
  platform.script("/meta", [&](const Seen&) { return down ? hang() : answer(200); });
  auto opt = test_options(platform.url("/meta"));
  opt.max_batch = 5;
  opt.max_in_flight = 1;  // 2 * 1 * 5 = 10 events: above the spool page (8), so 10 is the bound
  opt.linger_ms = 5;
  TestDestination meta("meta", opt);
  EngineOptions eo;
  eo.spool_page = 8;
  Engine engine({&meta}, *h.spool, h.metrics, eo);
  engine.start();
  auto event_ids = ids("c", 60);
  engine.submit(h.commit(make_events(event_ids), {"meta"}));
  // The engine gives the lane 2 * max_in_flight * max_batch = 10; that the lane never goes past it while
  // the platform hangs is tests/delivery/lane_test.cpp's (simulated time, checked after every tick). It
  // reaches 8 or 10: a first page read from the spool (8) leaves room for 2, less than half a page.
  ASSERT_TRUE(eventually([&] { return engine.queue_depths()["meta"] >= 8u; }));
  EXPECT_LE(engine.queue_depths()["meta"], 10u);
  down = false;
  platform.release_hung(net::Response{503, "text/plain", "recovered", {}});
  ASSERT_TRUE(eventually([&] { return h.all_in(event_ids, "meta", spool::State::delivered); }));
  engine.stop(5s);
}

// Forwards to the real spool and records the limit of every backlog read.
class CountingSpool : public spool::Spool {
 public:
  explicit CountingSpool(spool::Spool& inner) : inner_(inner) {}
  void enqueue(std::vector<spool::NewEvent> events, EnqueueDone done) override {
    inner_.enqueue(std::move(events), std::move(done));
  }
  void update(std::vector<spool::DeliveryUpdate> updates) override { inner_.update(std::move(updates)); }
  Result<std::optional<spool::EventStatus>> lookup(const std::string& event_id) override {
    return inner_.lookup(event_id);
  }
  Result<std::vector<spool::PendingDelivery>> load_pending(const std::string& destination, int64_t after_seq,
                                                           size_t limit) override {
    {
      std::lock_guard lock(mu_);
      limits_[destination].push_back(limit);
    }
    return inner_.load_pending(destination, after_seq, limit);
  }
  Result<std::vector<spool::DeadLetter>> dead_letters(const std::string& destination, const std::string& event_id,
                                                      size_t limit) override {
    return inner_.dead_letters(destination, event_id, limit);
  }
  Result<int64_t> replay(const std::string& destination, const std::string& event_id) override {
    return inner_.replay(destination, event_id);
  }
  Result<int64_t> purge(int64_t cutoff_ms) override { return inner_.purge(cutoff_ms); }
  bool writable() override { return inner_.writable(); }
  void close() override { inner_.close(); }
  std::vector<size_t> limits(const std::string& destination) {
    std::lock_guard lock(mu_);
    return limits_[destination];
  }

 private:
  spool::Spool& inner_;
  std::mutex mu_;
  std::map<std::string, std::vector<size_t>> limits_;
};

// A lane working through a backlog larger than its bound reads the spool in pages of at least half its
// bound, not a few rows each time some complete: each read starts with a cold page cache.
TEST(EngineMemory, ALaggingLaneReadsItsBacklogInSizeablePages) {
  Harness h;
  CountingSpool counting(*h.spool);
  FakePlatform platform;
  platform.script("/meta", [&](const Seen&) { return after(2); });
  auto opt = test_options(platform.url("/meta"));
  opt.max_batch = 2;
  opt.max_in_flight = 1;  // two events complete at a time
  opt.linger_ms = 0;
  TestDestination meta("meta", opt);
  EngineOptions eo;
  eo.spool_page = 40;
  eo.max_queued_per_destination = 40;
  auto event_ids = ids("p", 200);
  h.commit(make_events(event_ids), {"meta"});  // all in the spool before the lane starts: its backlog
  Engine engine({&meta}, counting, h.metrics, eo);
  engine.start();
  ASSERT_TRUE(eventually([&] { return h.all_in(event_ids, "meta", spool::State::delivered); }));
  engine.stop(5s);
  const std::vector<size_t> limits = counting.limits("meta");
  ASSERT_GE(limits.size(), 5u);  // 200 events through a 40-event lane
  for (size_t limit : limits) EXPECT_GE(limit, 20u);
}

// The same while another lane holds the shared pool: the lane has room only below its share (20 here,
// the same as half its page), and it still reads at least half that, not the few rows each turn frees.
TEST(EngineMemory, ALaneShortOfRoomStillReadsInSizeablePages) {
  Harness h;
  CountingSpool counting(*h.spool);
  FakePlatform platform;
  platform.script("/meta", [&](const Seen&) { return hang(); });  // holds its share and the pool
  platform.script("/tiktok", [&](const Seen&) { return after(2); });
  auto meta_opt = test_options(platform.url("/meta"));
  meta_opt.max_batch = 5;
  meta_opt.max_in_flight = 8;
  meta_opt.linger_ms = 0;
  TestDestination meta("meta", meta_opt);
  auto tiktok_opt = test_options(platform.url("/tiktok"));
  tiktok_opt.max_batch = 2;
  tiktok_opt.max_in_flight = 1;
  tiktok_opt.linger_ms = 0;
  TestDestination tiktok("tiktok", tiktok_opt);
  EngineOptions eo;
  eo.lane_share = 20;
  eo.shared_pool = 20;
  eo.spool_page = 40;
  eo.max_queued_per_destination = 40;
  auto event_ids = ids("q", 200);
  h.commit(make_events(event_ids), {"meta", "tiktok"});
  Engine engine({&meta, &tiktok}, counting, h.metrics, eo);
  engine.start();
  ASSERT_TRUE(eventually([&] { return h.all_in(event_ids, "tiktok", spool::State::delivered); }));
  platform.release_hung(net::Response{503, "text/plain", "stop", {}});
  engine.stop(5s);
  const std::vector<size_t> limits = counting.limits("tiktok");
  ASSERT_GE(limits.size(), 5u);
  for (size_t limit : limits) EXPECT_GE(limit, 10u);
}

// A lane whose memory share is smaller than its batch cannot fill a batch: it sends what it holds at
// once instead of lingering for events it may not take (here each 10-event batch would wait 30 s).
TEST(EngineMemory, ALaneWithoutRoomSendsWithoutLingering) {
  Harness h;
  FakePlatform platform;
  std::atomic<int> requests{0};
  platform.script("/meta", [&](const Seen&) {
    ++requests;
    return answer(200);
  });
  auto opt = test_options(platform.url("/meta"));
  opt.max_batch = 50;
  opt.linger_ms = 30000;
  TestDestination meta("meta", opt);
  EngineOptions eo;
  eo.lane_share = 10;
  eo.shared_pool = 0;
  Engine engine({&meta}, *h.spool, h.metrics, eo);
  engine.start();
  auto event_ids = ids("r", 30);
  engine.submit(h.commit(make_events(event_ids), {"meta"}));
  ASSERT_TRUE(eventually([&] { return h.all_in(event_ids, "meta", spool::State::delivered); }, 10s));
  EXPECT_GE(requests.load(), 3);  // at most 10 events per request
  engine.stop(5s);
}

}  // namespace
}  // namespace fanout::delivery
