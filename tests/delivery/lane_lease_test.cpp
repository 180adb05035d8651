// Lane::forget(): what a lane does when its node lost the lease on its work in a shared spool (another
// node may have taken any of it over). Simulated time and a scripted transport, as in lane_test.cpp; the
// other node is played by marking rows final in the in-memory spool, as its outcomes would.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "delivery/lane.h"
#include "delivery/memory_budget.h"
#include "delivery_test_util.h"
#include "lane_fakes.h"

namespace fanout::delivery {
namespace {
using namespace testing;
using spool::State;

constexpr int64_t kStart = 1'900'000'000'000;  // simulated Unix ms

// The in-memory spool with the PostgreSQL spool's rule for a taken-over row: this node's outcomes for it
// are not recorded (the node that took it over records its own).
class TakeoverSpool final : public spool::Spool {
 public:
  MemorySpool rows;
  std::set<int64_t> taken;

  void enqueue(std::vector<spool::NewEvent> events, EnqueueDone done) override {
    rows.enqueue(std::move(events), std::move(done));
  }
  void update(std::vector<spool::DeliveryUpdate> updates) override {
    std::erase_if(updates, [&](const spool::DeliveryUpdate& u) { return taken.count(u.seq) > 0; });
    rows.update(std::move(updates));
  }
  Result<std::optional<spool::EventStatus>> lookup(const std::string& id) override { return rows.lookup(id); }
  Result<std::vector<spool::PendingDelivery>> load_pending(const std::string& destination, int64_t after_seq,
                                                           size_t limit) override {
    return rows.load_pending(destination, after_seq, limit);
  }
  Result<std::vector<spool::DeadLetter>> dead_letters(const std::string& d, const std::string& e, size_t n) override {
    return rows.dead_letters(d, e, n);
  }
  Result<int64_t> replay(const std::string& d, const std::string& e) override { return rows.replay(d, e); }
  Result<int64_t> purge(int64_t cutoff) override { return rows.purge(cutoff); }
  bool writable() override { return true; }
  void close() override {}
};

class LaneLeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options.base_url = "http://platform.test";
    options.timeout_ms = 5000;
    options.max_batch = 10;
    options.linger_ms = 0;
    options.max_in_flight = 2;
    options.retry_base_ms = 1000;
    options.retry_max_ms = 8000;
    destination = std::make_unique<TestDestination>("meta", options);
    lane = std::make_unique<Lane>(*destination,
                                  LaneContext{transport, clock, spool, metrics, budget, [] { return 0.5; }}, limits);
  }
  int64_t now() const { return clock.now_ms(); }
  std::vector<int64_t> stored(int n) {
    std::vector<int64_t> seqs;
    for (int i = 0; i < n; ++i)
      seqs.push_back(spool.rows.add(make_event("e" + std::to_string(i), now() / 1000), "meta"));
    return seqs;
  }
  // The other node took these over and delivered them (its outcome made the rows final).
  void taken_and_delivered(const std::vector<int64_t>& seqs) {
    std::vector<spool::DeliveryUpdate> done;
    for (int64_t seq : seqs) done.push_back({seq, "meta", State::delivered, "", 1, 0, ""});
    spool.rows.update(std::move(done));
    spool.taken.insert(seqs.begin(), seqs.end());
  }
  // Runs the lane for `ms` of simulated time, answering every request 200 and noting the ids it sent.
  void run_for(int64_t ms) {
    const int64_t until = now() + ms;
    for (int turns = 0; turns < 10000; ++turns) {
      lane->tick(now());
      while (transport.pending() > 0) {
        for (const auto& id : split_ids(transport.request(0).body)) sent.insert(id);
        transport.answer(0, 200);
        lane->tick(now());
      }
      const int64_t wake = lane->next_wakeup_ms(now());
      if (wake > until) break;
      clock.set(std::max(wake, now() + 1));
    }
    clock.set(until);
    lane->tick(now());
  }

  SimClock clock{kStart};
  ScriptedTransport transport;
  TakeoverSpool spool;
  telemetry::Metrics metrics;
  MemoryBudget budget{1000000, 0};
  dest::DeliveryOptions options;
  LaneLimits limits;
  std::unique_ptr<TestDestination> destination;
  std::unique_ptr<Lane> lane;
  std::set<std::string> sent;  // ids sent after the lease was lost
};

TEST_F(LaneLeaseTest, ForgetDropsEverythingNotInFlight) {
  auto seqs = stored(25);
  lane->tick(now());
  ASSERT_EQ(transport.pending(), 2u);  // e0..e19 in flight, e20..e24 waiting in memory
  ASSERT_EQ(lane->depth(), 25u);
  // The lease lapsed; the other node took all 25 over and delivered them (e0..e19 a second time).
  taken_and_delivered(seqs);
  lane->forget();
  EXPECT_EQ(lane->depth(), 20u) << "only the requests in flight stay in memory";
  // The two flights come back; nothing else is ever sent by this node.
  transport.answer_all(200);
  run_for(60000);
  EXPECT_TRUE(sent.empty()) << "sent " << sent.size() << " events another node had taken over";
  EXPECT_EQ(transport.started(), 2u);
  EXPECT_EQ(lane->depth(), 0u);
}

TEST_F(LaneLeaseTest, AFlightFromBeforeForgetIsNotRetriedFromMemory) {
  auto seqs = stored(10);
  lane->tick(now());
  ASSERT_EQ(transport.pending(), 1u);
  // The lease lapsed; the other node took e0..e4 over and delivered them; e5..e9 are still this node's
  // (nobody took them).
  taken_and_delivered({seqs.begin(), seqs.begin() + 5});
  lane->forget();
  // The answer of the flight sent before the lapse: retry. Recorded where it still applies (e5..e9),
  // but nothing is kept in memory.
  transport.answer(0, 503);
  run_for(60000);
  // This node re-read what is still its own from the spool and sent only that again.
  EXPECT_EQ(sent, (std::set<std::string>{"e5", "e6", "e7", "e8", "e9"}));
  EXPECT_EQ(spool.rows.count(State::pending), 0u);
}

}  // namespace
}  // namespace fanout::delivery
