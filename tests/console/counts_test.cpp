// The Destinations view's cached counts: one count serves every request until it is due again, a slow
// count waits in proportion to its cost, a failing spool keeps the last good count.
#include "console/counts.h"

#include <gtest/gtest.h>

#include "../spool/spool_test_util.h"

namespace fanout::console {
namespace {

using namespace std::chrono_literals;
using spool::State;

class SpoolCountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = spool::open_sqlite(spool::SqliteOptions{dir_.path() + "/spool.db"});
    ASSERT_TRUE(s) << s.error().message;
    spool_ = std::move(*s);
    auto r = spool::testing::enqueue_sync(*spool_, {spool::testing::make_event("a", 1700000000000, {"meta"})});
    ASSERT_TRUE(r);
    seq_ = r->seq.at(0);
  }
  void deliver() {
    spool_->update({spool::DeliveryUpdate{seq_, "meta", State::delivered, "", 1, 0, ""}});
    spool::testing::flush(*spool_);
  }
  static int64_t count(const SpoolCounts::Snapshot& s, State state) {
    auto d = s.counts.find("meta");
    if (d == s.counts.end()) return 0;
    auto c = d->second.find(state);
    return c == d->second.end() ? 0 : c->second;
  }

  spool::testing::TempDir dir_;
  std::unique_ptr<spool::Spool> spool_;
  int64_t seq_ = 0;
  SpoolCounts counts_;
  const SpoolCounts::Clock::time_point t0_ = SpoolCounts::Clock::now();
};

TEST_F(SpoolCountsTest, ReusesOneCountUntilItIsDue) {
  const auto& first = counts_.get(*spool_, t0_);
  EXPECT_GT(first.at_ms, 0);
  EXPECT_EQ(count(first, State::pending), 1);
  deliver();
  const int64_t at = first.at_ms;
  // Requests within kRefreshEvery get the same count, however many there are.
  for (auto later : {1s, 2s, 4s}) {
    const auto& again = counts_.get(*spool_, t0_ + later);
    EXPECT_EQ(again.at_ms, at);
    EXPECT_EQ(count(again, State::pending), 1);
    EXPECT_EQ(count(again, State::delivered), 0);
  }
  const auto& fresh = counts_.get(*spool_, t0_ + 1h);  // due whatever the count cost
  EXPECT_EQ(count(fresh, State::pending), 0);
  EXPECT_EQ(count(fresh, State::delivered), 1);
}

TEST_F(SpoolCountsTest, ASlowCountWaitsInProportionToItsCost) {
  EXPECT_EQ(SpoolCounts::next_due(t0_, 10ms), t0_ + SpoolCounts::kRefreshEvery);
  EXPECT_EQ(SpoolCounts::next_due(t0_, 2s), t0_ + 2s * SpoolCounts::kCostFactor);
}

TEST_F(SpoolCountsTest, KeepsTheLastCountWhileTheSpoolCannotBeRead) {
  const int64_t at = counts_.get(*spool_, t0_).at_ms;
  spool_->close();
  const auto& kept = counts_.get(*spool_, t0_ + 1h);
  EXPECT_EQ(kept.at_ms, at);  // its age shows
  EXPECT_EQ(count(kept, State::pending), 1);

  SpoolCounts never;
  const auto& none = never.get(*spool_, t0_);
  EXPECT_EQ(none.at_ms, 0);
  EXPECT_TRUE(none.counts.empty());
}

}  // namespace
}  // namespace fanout::console
