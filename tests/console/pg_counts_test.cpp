// Spool::state_counts() on PostgreSQL against a real server (started by the test, skipped when the
// server binaries are missing): the same mix of states as on SQLite gives the same counts, from any
// node, and a restart of the node keeps them.
#include <gtest/gtest.h>

#include <future>

#include "counts_scenario.h"
#include "postgres/open_spool.h"
#include "postgres/pg_server.h"
#include "spool/postgres_spool.h"

namespace fanout::spool {
namespace {

constexpr int64_t kT0 = 1700000000000;

Result<EnqueueResult> enqueue(Spool& s, std::vector<NewEvent> events) {
  std::promise<Result<EnqueueResult>> p;
  auto f = p.get_future();
  s.enqueue(std::move(events), [&p](Result<EnqueueResult> r) { p.set_value(std::move(r)); });
  return f.get();
}

using pgtest::open_spool;

TEST(PgStateCounts, CountDeliveriesByStateAcrossARestart) {
  if (pgtest::PgServer::bin_dir().empty())
    GTEST_SKIP() << "PostgreSQL server binaries not found (apt install postgresql-15): skipping";
  namespace scenario = counts_scenario;
  pgtest::PgServer server;
  {
    auto node = open_spool(server, "a");
    ASSERT_TRUE(node);
    auto empty = node->state_counts();
    ASSERT_TRUE(empty) << empty.error().message;
    EXPECT_TRUE(empty->empty());
    auto r = enqueue(*node, scenario::events(kT0));
    ASSERT_TRUE(r) << r.error().message;
    node->update(scenario::updates(r->seq, kT0));
    ASSERT_TRUE(enqueue(*node, {}));  // a barrier: the updates are committed
    auto counts = node->state_counts();
    ASSERT_TRUE(counts) << counts.error().message;
    EXPECT_EQ(scenario::as_map(*counts), scenario::expected());
    auto other = open_spool(server, "b");  // every node counts the shared spool
    ASSERT_TRUE(other);
    EXPECT_EQ(scenario::as_map(*other->state_counts()), scenario::expected());
    other->close();
    node->close();
    EXPECT_FALSE(node->state_counts());  // closed: an error, not zeros
  }
  auto restarted = open_spool(server, "a");
  ASSERT_TRUE(restarted);
  auto counts = restarted->state_counts();
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ(scenario::as_map(*counts), scenario::expected());
  restarted->close();
}

}  // namespace
}  // namespace fanout::spool
