// The lane state machine (delivery/lane.h) in simulated time: one test per rule. Requests are answered by
// hand (ScriptedTransport), time only moves when the test moves it (SimClock), the spool is in memory.
// Nothing sleeps and nothing here depends on how fast the machine is.
#include "delivery/lane.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "delivery/memory_budget.h"
#include "delivery_test_util.h"
#include "lane_fakes.h"

namespace fanout::delivery {
namespace {
using namespace testing;
using spool::State;

constexpr int64_t kStart = 1'900'000'000'000;  // simulated Unix ms, far from the wall clock on purpose

std::string authorization(const dest::HttpRequest& r) {
  for (const auto& [name, value] : r.headers)
    if (name == "authorization") return value;
  return {};
}

dest::DeliveryOptions lane_options() {
  dest::DeliveryOptions o;
  o.base_url = "http://platform.test";
  o.timeout_ms = 5000;
  o.max_batch = 10;
  o.linger_ms = 0;  // the linger tests set their own
  o.max_in_flight = 2;
  o.retry_base_ms = 1000;
  o.retry_max_ms = 8000;
  return o;
}

class LaneTest : public ::testing::Test {
 protected:
  SimClock clock{kStart};
  ScriptedTransport transport;
  MemorySpool spool;
  telemetry::Metrics metrics;
  MemoryBudget budget{1000000, 0};
  double u = 0.5;  // every full-jitter draw
  dest::DeliveryOptions options = lane_options();
  LaneLimits limits;
  std::unique_ptr<TestDestination> destination;
  std::unique_ptr<Lane> lane;

  void make(const std::function<void(TestDestination&)>& setup = {}) {
    destination = std::make_unique<TestDestination>("meta", options);
    if (setup) setup(*destination);
    lane = std::make_unique<Lane>(*destination,
                                  LaneContext{transport, clock, spool, metrics, budget, [this] { return u; }}, limits);
  }
  int64_t now() const { return clock.now_ms(); }
  Event event(const std::string& id) const { return make_event(id, now() / 1000); }
  // Events pending in the spool (read by the lane's backlog pages).
  std::vector<int64_t> stored(int n, const std::string& prefix = "e") {
    std::vector<int64_t> seqs;
    for (int i = 0; i < n; ++i) seqs.push_back(spool.add(event(prefix + std::to_string(i)), "meta"));
    return seqs;
  }
  // Events committed now and handed to the lane directly, as the engine does after intake.
  std::vector<int64_t> submitted(int n, const std::string& prefix = "s") {
    std::vector<int64_t> seqs;
    for (int i = 0; i < n; ++i) {
      Event e = event(prefix + std::to_string(i));
      int64_t seq = spool.add(e, "meta");
      lane->submit(seq, std::make_shared<const Event>(e), now());
      seqs.push_back(seq);
    }
    return seqs;
  }
  void tick() { lane->tick(now()); }
  // Runs the lane like the engine's loop, waking when it asks to, until simulated time `until`; `check`
  // runs after every tick.
  void run_until(int64_t until, const std::function<void()>& check = {}) {
    for (int turns = 0;; ++turns) {
      ASSERT_LT(turns, 100000) << "the lane keeps asking to run at once";
      tick();
      if (check) check();
      int64_t wake = lane->next_wakeup_ms(now());
      if (wake > until) break;
      clock.set(std::max(wake, now() + 1));
    }
    clock.set(until);
    tick();
    if (check) check();
  }
  std::vector<std::string> ids_of(size_t i = 0) const { return split_ids(transport.request(i).body); }
};

// --- batching and linger ---

TEST_F(LaneTest, AFullBatchLeavesAtOnce) {
  make();
  stored(25);
  tick();
  ASSERT_EQ(transport.pending(), 2u);  // max_in_flight
  EXPECT_EQ(ids_of(0).size(), 10u);
  EXPECT_EQ(ids_of(1).size(), 10u);
  EXPECT_EQ(ids_of(0).front(), "e0");
}

TEST_F(LaneTest, ASmallBatchLingersFromItsOldestEvent) {
  options.linger_ms = 100;
  make();
  tick();  // the empty spool ends backlog mode: submitted events are taken directly
  ASSERT_FALSE(lane->backlog());
  submitted(3);
  const int64_t first = now();
  tick();
  EXPECT_EQ(transport.pending(), 0u);
  EXPECT_EQ(lane->next_wakeup_ms(now()), first + options.linger_ms);
  clock.advance(60);
  submitted(2, "late");
  clock.set(first + options.linger_ms - 1);
  tick();
  EXPECT_EQ(transport.pending(), 0u);
  clock.set(first + options.linger_ms);
  tick();
  ASSERT_EQ(transport.pending(), 1u);
  EXPECT_EQ(ids_of().size(), 5u);
}

// --- in-flight limit ---

TEST_F(LaneTest, NeverMoreThanMaxInFlightRequests) {
  make();
  auto seqs = stored(50);
  tick();
  EXPECT_EQ(transport.pending(), 2u);
  for (int round = 0; round < 3; ++round) {
    transport.answer(0, 200);
    tick();
    EXPECT_EQ(transport.pending(), 2u) << "a completion frees one slot, filled at the next tick";
  }
  EXPECT_EQ(lane->in_flight(), 2u);
  transport.answer_all(200);
  tick();
  transport.answer_all(200);
  tick();
  EXPECT_EQ(spool.count(State::delivered), 50u);
  EXPECT_EQ(lane->depth(), 0u);
}

// --- retries, backoff and Retry-After ---

TEST_F(LaneTest, ATransientFailureRetriesAfterFullJitterThatDoublesPerFailure) {
  make();
  auto seqs = stored(1);
  tick();
  const int64_t t1 = now();
  transport.answer(0, 503);
  tick();
  // u = 0.5 of retry_base_ms * 2^0, from the simulated clock (not the wall clock).
  EXPECT_EQ(spool.row(seqs[0]).next_attempt_at_ms, t1 + 500);
  EXPECT_EQ(spool.row(seqs[0]).reason, "http_503");
  EXPECT_EQ(spool.row(seqs[0]).attempts, 1);
  clock.set(t1 + 499);
  tick();
  EXPECT_EQ(transport.pending(), 0u);
  clock.set(t1 + 500);
  tick();
  ASSERT_EQ(transport.pending(), 1u) << "a due retry does not linger again";
  const int64_t t2 = now();
  transport.answer(0, 503);
  tick();
  EXPECT_EQ(spool.row(seqs[0]).next_attempt_at_ms, t2 + 1000);  // 0.5 * 1000 * 2^1
  EXPECT_EQ(spool.row(seqs[0]).attempts, 2);
}

TEST_F(LaneTest, RetryAfterIsHonouredForTheEventsAndTheLaneAndCapped) {
  make();
  auto seqs = stored(1);
  tick();
  const int64_t t = now();
  transport.answer(0, 429, "", {{"retry-after", "7200"}});
  tick();
  EXPECT_EQ(spool.row(seqs[0]).next_attempt_at_ms, t + kMaxRetryAfterMs);
  EXPECT_EQ(lane->paused_until_ms(), t + kMaxRetryAfterMs);
}

// --- pause ---

TEST_F(LaneTest, ARequestFailingWholePausesNewRequests) {
  make();
  stored(1, "old");
  tick();
  const int64_t t = now();
  transport.answer(0, 503, "", {{"retry-after", "5"}});
  tick();
  EXPECT_EQ(lane->paused_until_ms(), t + 5000);
  submitted(10);  // a full batch, ready at once
  run_until(t + 4999);
  EXPECT_EQ(transport.started(), 1u) << "nothing new while paused";
  clock.set(t + 5000);
  tick();
  EXPECT_GE(transport.pending(), 1u);
}

TEST_F(LaneTest, A2xxNeverPausesEvenWithRowsToRetry) {
  make();
  stored(2);
  tick();
  transport.answer(0, 200, "retry:e1\n");
  tick();
  EXPECT_EQ(lane->paused_until_ms(), 0);
  EXPECT_EQ(spool.state(1), State::delivered);
  EXPECT_EQ(spool.state(2), State::pending);
  EXPECT_EQ(spool.row(2).reason, "platform_busy");
}

TEST_F(LaneTest, ASuccessEndsTheLanesBackoffStreak) {
  options.max_batch = 1;
  make();
  stored(3);
  tick();
  transport.answer(0, 503);  // failure 1: pause 0.5 * 1000
  transport.answer(0, 503);  // failure 2: pause 0.5 * 2000
  tick();
  const int64_t t = now();
  EXPECT_EQ(lane->paused_until_ms(), t + 1000);
  run_until(t + 1000);
  ASSERT_GE(transport.pending(), 1u);
  transport.answer(0, 200);
  transport.answer_all(503);  // the next failure starts from retry_base_ms again
  tick();
  EXPECT_EQ(lane->paused_until_ms(), now() + 500);
}

// --- split ---

TEST_F(LaneTest, ABatchRejectedForOneEventIsBisectedUntilOnlyThatEventIsDeadLettered) {
  make();
  auto seqs = stored(4);
  tick();
  ASSERT_EQ(transport.pending(), 1u);
  for (int turn = 0; turn < 10 && transport.pending() > 0; ++turn) {
    while (transport.pending() > 0) {
      bool bad = transport.request(0).body.find("e2") != std::string::npos;
      transport.answer(0, bad ? 400 : 200);
    }
    tick();
    EXPECT_LE(transport.pending(), 2u);
    EXPECT_EQ(lane->paused_until_ms(), 0) << "a split is no failure of the destination";
  }
  EXPECT_EQ(spool.state(seqs[0]), State::delivered);
  EXPECT_EQ(spool.state(seqs[1]), State::delivered);
  EXPECT_EQ(spool.state(seqs[2]), State::failed);
  EXPECT_EQ(spool.row(seqs[2]).reason, "bad_event");
  EXPECT_EQ(spool.row(seqs[2]).attempts, 3);  // 4 events, then 2, then alone
  EXPECT_EQ(spool.state(seqs[3]), State::delivered);
}

TEST_F(LaneTest, SplitHalvesGoAheadOfOtherWorkAtOnce) {
  options.max_batch = 4;
  make();
  stored(8);
  tick();
  ASSERT_EQ(transport.pending(), 2u);
  transport.answer(0, 400);  // e0..e3 rejected as a batch
  tick();
  ASSERT_EQ(transport.pending(), 2u);
  EXPECT_EQ(ids_of(1), (std::vector<std::string>{"e0", "e1"}));
}

// --- window close ---

TEST_F(LaneTest, ARetryThatCannotMakeTheWindowIsDeadLetteredAtOnce) {
  make([](TestDestination& d) { d.window_length = std::chrono::seconds(3600); });
  Event e = make_event("old", now() / 1000 - 3598);  // two seconds of window left
  int64_t seq = spool.add(e, "meta");
  tick();
  transport.answer(0, 503, "", {{"retry-after", "10"}});
  tick();
  EXPECT_EQ(spool.state(seq), State::failed);
  EXPECT_EQ(spool.row(seq).reason, "window_closed: http_503");
}

TEST_F(LaneTest, QueuedEventsWhoseWindowClosesAreDeadLettered) {
  make([](TestDestination& d) { d.window_length = std::chrono::seconds(3600); });
  stored(1, "first");
  tick();
  transport.answer(0, 503, "", {{"retry-after", "600"}});  // the lane pauses ten minutes
  Event e = make_event("late", now() / 1000 - 3599);
  int64_t seq = spool.add(e, "meta");
  lane->overflow(seq);  // left to the spool: the lane reads it back
  run_until(now() + 5000);
  EXPECT_EQ(spool.state(seq), State::failed);
  EXPECT_EQ(spool.row(seq).reason, "window_closed");
  EXPECT_EQ(transport.started(), 1u);
}

// --- memory ---

TEST_F(LaneTest, ALaneNeverHoldsMoreThanItsBoundWhileItsPlatformHangs) {
  options.max_batch = 5;
  options.max_in_flight = 1;
  limits.max_queued = 10;  // what the engine gives it: 2 * max_in_flight * max_batch
  limits.spool_page = 4;
  make();
  stored(60);
  run_until(now() + 60000, [&] { ASSERT_LE(lane->depth(), 10u); });
  EXPECT_EQ(lane->depth(), 10u);
  EXPECT_EQ(transport.started(), 1u) << "the platform never answered";
}

TEST_F(LaneTest, ALanePastItsShareIsRefusedBeforeAHealthyLane) {
  MemoryBudget shared(10, 20);
  options.max_batch = 5;
  options.max_in_flight = 100;
  auto meta = std::make_unique<TestDestination>("meta", options);
  auto tiktok = std::make_unique<TestDestination>("tiktok", options);
  Lane stalled(*meta, LaneContext{transport, clock, spool, metrics, shared, [] { return 0.5; }}, {});
  ScriptedTransport healthy_transport;
  Lane healthy(*tiktok, LaneContext{healthy_transport, clock, spool, metrics, shared, [] { return 0.5; }}, {});
  for (int i = 0; i < 100; ++i) spool.add(event("m" + std::to_string(i)), "meta");
  for (int i = 0; i < 100; ++i) spool.add(event("t" + std::to_string(i)), "tiktok");
  for (int turn = 0; turn < 200; ++turn) {
    stalled.tick(now());
    healthy.tick(now());
    healthy_transport.answer_all(200);
    EXPECT_LE(stalled.depth(), 30u) << "its share and the whole pool at most";
    EXPECT_LE(stalled.depth() + healthy.depth(), 40u);
    clock.advance(10);
  }
  EXPECT_EQ(stalled.depth(), 30u);
  EXPECT_EQ(healthy.depth(), 0u);
  size_t delivered = 0;
  for (const auto& u : spool.updates()) delivered += u.destination == "tiktok" && u.state == State::delivered;
  EXPECT_EQ(delivered, 100u) << "the healthy lane delivered everything meanwhile";
}

TEST_F(LaneTest, ALaneWithoutRoomSendsWithoutLingering) {
  budget = MemoryBudget(3, 0);
  options.linger_ms = 30000;
  make();
  stored(5);
  tick();
  ASSERT_EQ(transport.pending(), 1u) << "three events, no room for more: waiting cannot fill the batch";
  EXPECT_EQ(ids_of().size(), 3u);
}

// --- backlog mode ---

TEST_F(LaneTest, BacklogModeReadsTheSpoolThenTakesSubmittedEventsDirectly) {
  make();
  EXPECT_TRUE(lane->backlog());
  stored(3);
  tick();
  EXPECT_FALSE(lane->backlog()) << "a short page with nothing ignored past it";
  EXPECT_EQ(spool.reads().size(), 1u);
  submitted(10);
  tick();
  EXPECT_EQ(spool.reads().size(), 1u) << "taken from submit(), not read back";
  EXPECT_EQ(transport.started(), 2u);
}

TEST_F(LaneTest, AnOverflowSendsTheLaneBackToTheSpool) {
  make();
  tick();
  ASSERT_FALSE(lane->backlog());
  auto seqs = stored(4);
  lane->overflow(seqs[0]);  // dropped at the engine's inbox
  EXPECT_TRUE(lane->backlog());
  tick();
  EXPECT_EQ(lane->depth(), 4u);
  EXPECT_FALSE(lane->backlog());
}

TEST_F(LaneTest, AnOverflowingQueueSpillsToTheSpoolAndReadsBackWithoutLossOrDuplicates) {
  options.max_batch = 4;
  limits.max_queued = 10;
  limits.spool_page = 4;
  make();
  tick();
  std::map<std::string, int> sent;
  for (int wave = 0; wave < 10; ++wave) {
    submitted(30, "w" + std::to_string(wave) + "-");
    for (int turn = 0; turn < 5; ++turn) {
      tick();
      ASSERT_LE(lane->depth(), 10u);
      while (transport.pending() > 0) {
        for (const auto& id : ids_of()) ++sent[id];
        transport.answer(0, 200);
      }
      clock.advance(1);
    }
  }
  run_until(now() + 10000, [&] {
    ASSERT_LE(lane->depth(), 10u);
    while (transport.pending() > 0) {
      for (const auto& id : ids_of()) ++sent[id];
      transport.answer(0, 200);
    }
  });
  tick();  // hands the last outcomes to the spool
  EXPECT_EQ(sent.size(), 300u);
  for (const auto& [id, n] : sent) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(spool.count(State::delivered), 300u);
}

TEST_F(LaneTest, RescanRereadsFromTheStartAndSkipsEventsHeld) {
  options.linger_ms = 1000;
  make();
  auto seqs = stored(3);
  tick();
  ASSERT_EQ(transport.pending(), 0u);  // lingering
  lane->rescan();
  tick();
  EXPECT_EQ(lane->depth(), 3u) << "no duplicates of events already in memory";
}

// --- OAuth ---

class LaneOAuthTest : public LaneTest {
 protected:
  void make_oauth() {
    make([](TestDestination& d) {
      dest::OAuthSettings s;
      s.token_url = "http://token.test/token";
      s.client_id = "id";
      s.refresh_token = "refresh";
      d.oauth_settings = s;
    });
  }
  bool is_token_request(size_t i) const { return transport.request(i).url == "http://token.test/token"; }
  void grant(const std::string& token) {
    ASSERT_TRUE(is_token_request(0));
    transport.answer(0, 200, R"({"access_token":")" + token + R"(","expires_in":3600})");
  }
};

TEST_F(LaneOAuthTest, TheTokenIsFetchedBeforeTheFirstRequest) {
  make_oauth();
  stored(10);
  tick();
  ASSERT_EQ(transport.pending(), 1u);
  grant("t1");
  tick();
  ASSERT_EQ(transport.pending(), 1u);
  EXPECT_EQ(authorization(transport.request(0)), "Bearer t1");
}

TEST_F(LaneOAuthTest, A401RefreshesOnceAndResendsThenRetries) {
  make_oauth();
  auto seqs = stored(10);
  tick();
  grant("t1");
  tick();
  transport.answer(0, 401);
  tick();
  EXPECT_EQ(lane->paused_until_ms(), 0) << "the refresh is no failure";
  grant("t2");
  tick();
  ASSERT_EQ(transport.pending(), 1u);
  EXPECT_EQ(authorization(transport.request(0)), "Bearer t2");
  EXPECT_EQ(ids_of().size(), 10u);
  const int64_t t = now();
  transport.answer(0, 401);  // still refused with a fresh token: the destination's setup
  tick();
  EXPECT_EQ(transport.pending(), 0u) << "no second refresh in a row";
  EXPECT_EQ(spool.state(seqs[0]), State::pending);
  EXPECT_EQ(spool.row(seqs[0]).attempts, 2);
  EXPECT_GT(spool.row(seqs[0]).next_attempt_at_ms, t);
  EXPECT_GT(lane->paused_until_ms(), t);
}

TEST_F(LaneOAuthTest, ATokenEndpointFailureBacksOffTheFetches) {
  make_oauth();
  stored(1);
  tick();
  const int64_t t = now();
  transport.answer(0, 503, "", {{"retry-after", "30"}});
  run_until(t + 29999);
  EXPECT_EQ(transport.started(), 1u);
  clock.set(t + 30000);
  tick();
  EXPECT_EQ(transport.started(), 2u);
  EXPECT_TRUE(is_token_request(0));
}

// --- stop ---

TEST_F(LaneTest, AfterStopNothingNewLeavesAndCompletionsAreStillRecorded) {
  options.max_in_flight = 1;
  make();
  auto seqs = stored(15);
  tick();
  const size_t started = transport.started();
  lane->stop();
  transport.answer(0, 200);
  tick();
  EXPECT_EQ(transport.started(), started);
  EXPECT_EQ(spool.state(seqs[0]), State::delivered);
  EXPECT_EQ(lane->next_wakeup_ms(now()), std::numeric_limits<int64_t>::max());
}

}  // namespace
}  // namespace fanout::delivery
