// A failing disk (injected: the next N commits fail as ENOSPC would): writability comes back on its own
// once writes work again, with no request needed (for /readyz); delivery outcomes that could not be
// written are held and retried until they are, never dropped; closing while writes fail does not hang.
#include <chrono>
#include <mutex>
#include <thread>

#include "spool/sqlite_spool.h"
#include "spool_test_util.h"

namespace fanout::spool {
namespace {

using testing::enqueue_sync;
using testing::make_event;
using testing::TempDir;

// Polls `pred` every 10 ms; the bound only keeps a broken build from hanging.
bool eventually(const std::function<bool()>& pred) {
  for (int i = 0; i < 1000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

class DiskFault : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteOptions o;
    o.path = dir.path() + "/spool.db";
    o.fault_retry_ms = 20;
    o.on_fault = [this](const SpoolFault& f) {
      std::lock_guard lock(mu);
      faults.push_back(f.kind);
    };
    spool = std::make_unique<SqliteSpool>(o);
    ASSERT_TRUE(spool->start());
  }
  std::string state_of(const std::string& event_id, const std::string& destination) {
    auto status = spool->lookup(event_id);
    if (!status || !*status) return "";
    for (const auto& d : (*status)->deliveries)
      if (d.destination == destination) return state_name(d.state);
    return "";
  }
  std::vector<SpoolFault::Kind> seen() {
    std::lock_guard lock(mu);
    return faults;
  }

  TempDir dir;
  std::unique_ptr<SqliteSpool> spool;
  std::mutex mu;
  std::vector<SpoolFault::Kind> faults;
};

TEST_F(DiskFault, WritabilityComesBackWithoutARequest) {
  spool->fail_next_commits(2);
  auto r = enqueue_sync(*spool, {make_event("e1", 1000)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "unavailable");
  EXPECT_FALSE(spool->writable());
  // Nothing else is asked of the spool: its own probe must notice that writes work again.
  EXPECT_TRUE(eventually([&] { return spool->writable(); }));
  EXPECT_EQ(seen(), (std::vector<SpoolFault::Kind>{SpoolFault::Kind::write_failed, SpoolFault::Kind::write_recovered}));
  EXPECT_TRUE(enqueue_sync(*spool, {make_event("e2", 1000)}));
}

TEST_F(DiskFault, OutcomesWrittenWhileFailingAreKeptAndRetried) {
  auto r = enqueue_sync(*spool, {make_event("e1", 1000, {"meta", "ga4"})});
  ASSERT_TRUE(r);
  const int64_t seq = r->seq[0];
  spool->fail_next_commits(3);
  spool->update({DeliveryUpdate{seq, "meta", State::delivered, "", 1, 0, ""},
                 DeliveryUpdate{seq, "ga4", State::failed, "invalid_event", 1, 0, ""}});
  EXPECT_TRUE(eventually([&] { return state_of("e1", "meta") == "delivered"; })) << state_of("e1", "meta");
  EXPECT_EQ(state_of("e1", "ga4"), "failed");
  auto pending = spool->load_pending("meta", 0, 10);
  ASSERT_TRUE(pending);
  EXPECT_TRUE(pending->empty()) << "a delivered event would be sent again after a restart";
  ASSERT_FALSE(seen().empty());
  EXPECT_EQ(seen().front(), SpoolFault::Kind::write_failed);
}

TEST_F(DiskFault, ClosingWhileWritesFailReportsHeldOutcomesAndReturns) {
  auto r = enqueue_sync(*spool, {make_event("e1", 1000, {"meta"})});
  ASSERT_TRUE(r);
  spool->fail_next_commits(1000000);
  spool->update({DeliveryUpdate{r->seq[0], "meta", State::delivered, "", 1, 0, ""}});
  ASSERT_TRUE(eventually([&] { return !spool->writable(); }));
  spool->close();  // must return: the outcome stays pending on disk (sent again after restart)
  auto kinds = seen();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), SpoolFault::Kind::outcomes_dropped), kinds.end());
}

}  // namespace
}  // namespace fanout::spool
