// The console's Events view and Detail on a PostgreSQL spool shared by two nodes (a real server started
// by the test, skipped when the server binaries are missing): events accepted by either node show on
// both, an event that commits after one with a higher seq still takes its place, delivery states
// change live, and the detail reads any node's event.
#include <gtest/gtest.h>

#include <future>

#include "console/detail.h"
#include "console/event_window.h"
#include "postgres/open_spool.h"
#include "postgres/pg_server.h"
#include "spool/postgres_spool.h"

namespace fanout::console {
namespace {

using spool::Delivery;
using spool::NewEvent;
using spool::PostgresSpool;
using spool::State;

NewEvent event(const std::string& id) {
  NewEvent e;
  e.event_id = id;
  e.received_at_ms = 1700000000000;
  e.payload = "{}";
  Delivery meta;
  meta.destination = "meta";
  Delivery ga4;
  ga4.destination = "ga4";
  ga4.state = State::skipped;
  ga4.reason = "missing_identifiers";
  e.deliveries = {meta, ga4};
  return e;
}

int64_t enqueue(spool::Spool& s, std::vector<NewEvent> events) {
  std::promise<Result<spool::EnqueueResult>> p;
  auto f = p.get_future();
  s.enqueue(std::move(events), [&p](Result<spool::EnqueueResult> r) { p.set_value(std::move(r)); });
  auto r = f.get();
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r && !r->seq.empty() ? r->seq.front() : 0;
}

using pgtest::open_spool;

std::vector<std::string> ids(const std::vector<EventRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.event_id);
  return out;
}

std::vector<std::string> ids(const std::deque<EventRow>& rows) { return ids(std::vector<EventRow>(rows.begin(), rows.end())); }

// Two nodes on one real server.
class PgConsoleEvents : public ::testing::Test {
 protected:
  void SetUp() override {
    if (pgtest::PgServer::bin_dir().empty())
      GTEST_SKIP() << "PostgreSQL server binaries not found (apt install postgresql-15): skipping";
    server = std::make_unique<pgtest::PgServer>();
    a = open_spool(*server, "a");
    b = open_spool(*server, "b");
    ASSERT_TRUE(a && b);
  }
  void TearDown() override {
    if (b) b->close();
    if (a) a->close();
  }
  std::unique_ptr<pgtest::PgServer> server;
  std::unique_ptr<PostgresSpool> a, b;
};

TEST_F(PgConsoleEvents, BothNodesEventsLateCommitsAndLiveStates) {
  ASSERT_FALSE(a->seqs_in_commit_order());
  enqueue(*a, {event("a-1")});
  const int64_t b1 = enqueue(*b, {event("b-1")});
  enqueue(*a, {event("a-2")});

  EventWindow window;
  auto first = window.poll(*a);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(ids(*first), (std::vector<std::string>{"a-2", "b-1", "a-1"}));
  ASSERT_EQ((*first)[1].deliveries.size(), 2u);
  EXPECT_EQ((*first)[1].deliveries[0].destination, "ga4");
  EXPECT_EQ((*first)[1].deliveries[0].state, State::skipped);
  EXPECT_EQ((*first)[1].deliveries[1].destination, "meta");
  EXPECT_EQ((*first)[1].deliveries[1].state, State::pending);
  auto quiet = window.poll(*a);
  ASSERT_TRUE(quiet);
  EXPECT_TRUE(quiet->empty()) << "nothing changed";

  // Another node took a seq, then committed after a higher one was already shown.
  const std::string late_seq = server->sql("SELECT nextval(pg_get_serial_sequence('fanout_events', 'seq'))");
  enqueue(*a, {event("a-3")});
  auto next = window.poll(*a);
  ASSERT_TRUE(next);
  EXPECT_EQ(ids(*next), (std::vector<std::string>{"a-3"}));
  server->sql("INSERT INTO fanout_events(seq, event_id, received_at_ms, payload) OVERRIDING SYSTEM VALUE VALUES (" +
             late_seq + ", 'late', 1700000000000, '{}');" +
             "INSERT INTO fanout_outbox(seq, destination) SELECT " + late_seq +
             ", id FROM fanout_destinations WHERE name = 'meta'");
  auto late = window.poll(*a);
  ASSERT_TRUE(late);
  EXPECT_EQ(ids(*late), (std::vector<std::string>{"late"}));
  EXPECT_EQ(ids(window.rows()), (std::vector<std::string>{"a-3", "late", "a-2", "b-1", "a-1"}));

  // Node b delivers its event: node a's window shows the change.
  b->update({{b1, "meta", State::delivered, "", 1, 0, ""}});
  enqueue(*b, {});  // a barrier: the outcome is committed
  auto changed = window.poll(*a);
  ASSERT_TRUE(changed);
  ASSERT_EQ(ids(*changed), (std::vector<std::string>{"b-1"}));
  EXPECT_EQ((*changed)[0].deliveries[1].state, State::delivered);

  // The detail of b's event from node a: states, no attempt history on PostgreSQL.
  auto detail = event_detail_json(*a, "b-1", {});
  ASSERT_TRUE(detail) << detail.error().message;
  ASSERT_TRUE(*detail);
  EXPECT_NE((*detail)->find("\"destination\":\"meta\",\"state\":\"delivered\""), std::string::npos) << **detail;
  EXPECT_NE((*detail)->find("\"attempts\":[]"), std::string::npos) << **detail;
  auto missing = event_detail_json(*a, "nope", {});
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
}

// A window smaller than the spool keeps the newest events, whichever node accepted them.
TEST_F(PgConsoleEvents, AFullWindowKeepsTheNewest) {
  EventWindow window(3);
  for (int i = 0; i < 6; ++i) enqueue(i % 2 ? *b : *a, {event("e-" + std::to_string(i))});
  auto rows = window.poll(*b);
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_EQ(ids(*rows), (std::vector<std::string>{"e-5", "e-4", "e-3"}));
  enqueue(*a, {event("e-6")});
  auto next = window.poll(*b);
  ASSERT_TRUE(next);
  EXPECT_EQ(ids(*next), (std::vector<std::string>{"e-6"}));
  EXPECT_EQ(ids(window.rows()), (std::vector<std::string>{"e-6", "e-5", "e-4"}));
}

}  // namespace
}  // namespace fanout::console
