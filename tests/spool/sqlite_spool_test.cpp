#include "spool/sqlite_spool.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "../telemetry/stderr_capture.h"
#include "spool_test_util.h"
#include "telemetry/log.h"

namespace fanout::spool {
namespace {

using testing::enqueue_sync;
using testing::flush;
using testing::make_event;
using testing::TempDir;

constexpr int64_t kT0 = 1700000000000;  // a fixed "now" in Unix ms
constexpr int64_t kDay = 24 * 3600 * 1000;
// (event, destination) pairs stored: rows, plus fresh pending deliveries (an outbox bit without a row).
const std::string kDeliveryCount =
    "SELECT (SELECT count(*) FROM deliveries) + (SELECT count(*) FROM outbox o JOIN destinations n "
    "ON ((o.pending >> n.id) & 1) = 1 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = o.seq "
    "AND d.destination = n.id))";

class SqliteSpoolTest : public ::testing::Test {
 protected:
  std::unique_ptr<Spool> open(SqliteOptions options = {}) {
    if (options.path.empty()) options.path = path_;
    auto spool = open_sqlite(options);
    EXPECT_TRUE(spool) << (spool ? "" : spool.error().message);
    return spool ? std::move(*spool) : nullptr;
  }

  // Counts rows with a raw connection, independent of the spool's own queries.
  int64_t count(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    int64_t n = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW) n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
  }

  TempDir dir_;
  std::string path_ = dir_.path() + "/data/nested/spool.db";
};

TEST_F(SqliteSpoolTest, CommitsAndLooksUp) {
  auto spool = open();
  NewEvent e = make_event("ev-1", kT0, {"meta", "ga4"});
  e.deliveries[1].state = State::skipped;
  e.deliveries[1].reason = "missing_identifiers";
  auto r = enqueue_sync(*spool, {e});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->seq.size(), 1u);
  EXPECT_GT(r->seq[0], 0);
  EXPECT_FALSE(r->duplicate[0]);

  auto status = spool->lookup("ev-1");
  ASSERT_TRUE(status);
  ASSERT_TRUE(status->has_value());
  EXPECT_EQ((*status)->event_id, "ev-1");
  EXPECT_EQ((*status)->received_at_ms, kT0);
  ASSERT_EQ((*status)->deliveries.size(), 2u);
  const Delivery& ga4 = (*status)->deliveries[0];  // ordered by destination name
  EXPECT_EQ(ga4.destination, "ga4");
  EXPECT_EQ(ga4.state, State::skipped);
  EXPECT_EQ(ga4.reason, "missing_identifiers");
  EXPECT_EQ(ga4.updated_at_ms, kT0);
  EXPECT_EQ((*status)->deliveries[1].destination, "meta");
  EXPECT_EQ((*status)->deliveries[1].state, State::pending);

  auto missing = spool->lookup("nope");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
  EXPECT_TRUE(spool->writable());
}

TEST_F(SqliteSpoolTest, CreatesPrivateDirectoryAndFile) {
  auto spool = open();
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(enqueue_sync(*spool, {make_event("x", kT0)}));
  ASSERT_EQ(::stat((path_ + "-wal").c_str(), &st), 0);  // SQLite gives its side files the database's mode
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_.path() + "/data/nested").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir_.path() + "/data").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  spool->close();
  EXPECT_FALSE(spool->writable());
}

TEST_F(SqliteSpoolTest, UsesWalWithFullSync) {
  auto spool = open();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(SqliteSpoolTest, SameIdTwiceIsDuplicate) {
  auto spool = open();
  auto first = enqueue_sync(*spool, {make_event("dup", kT0)});
  ASSERT_TRUE(first);
  auto second = enqueue_sync(*spool, {make_event("dup", kT0 + 1000)});
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->duplicate[0]);
  EXPECT_EQ(second->seq[0], 0);
  EXPECT_EQ(count("SELECT count(*) FROM events"), 1);
  EXPECT_EQ(count(kDeliveryCount), 5);
  auto status = spool->lookup("dup");
  ASSERT_TRUE(status && status->has_value());
  EXPECT_EQ((*status)->received_at_ms, kT0);  // the first acceptance stands
}

TEST_F(SqliteSpoolTest, SameIdTwiceInOneBatchIsDuplicate) {
  auto spool = open();
  auto r = enqueue_sync(*spool, {make_event("a", kT0), make_event("b", kT0), make_event("a", kT0)});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->duplicate, (std::vector<bool>{false, false, true}));
  EXPECT_GT(r->seq[1], r->seq[0]);
  EXPECT_EQ(r->seq[2], 0);
  EXPECT_EQ(count("SELECT count(*) FROM events"), 2);
}

TEST_F(SqliteSpoolTest, SameIdInOneGroupCommitIsDuplicate) {
  auto spool = open();
  // Queue both before the writer can take either: whatever grouping happens, exactly one wins.
  std::promise<Result<EnqueueResult>> p1, p2;
  spool->enqueue({make_event("g", kT0)}, [&](Result<EnqueueResult> r) { p1.set_value(std::move(r)); });
  spool->enqueue({make_event("g", kT0)}, [&](Result<EnqueueResult> r) { p2.set_value(std::move(r)); });
  auto r1 = p1.get_future().get();
  auto r2 = p2.get_future().get();
  ASSERT_TRUE(r1 && r2);
  EXPECT_FALSE(r1->duplicate[0]);  // queue order is commit order
  EXPECT_TRUE(r2->duplicate[0]);
  EXPECT_EQ(count("SELECT count(*) FROM events WHERE event_id = 'g'"), 1);
}

TEST_F(SqliteSpoolTest, ExpiredIdIsAcceptedAgain) {
  SqliteOptions options;
  options.idempotency_ms = kDay;
  auto spool = open(options);
  auto first = enqueue_sync(*spool, {make_event("old", kT0, {"meta"})});
  ASSERT_TRUE(first);
  // Still pending: a duplicate even after the window, since it is still being delivered.
  auto pending = enqueue_sync(*spool, {make_event("old", kT0 + 2 * kDay, {"meta"})});
  ASSERT_TRUE(pending);
  EXPECT_TRUE(pending->duplicate[0]);

  spool->update({DeliveryUpdate{first->seq[0], "meta", State::delivered, "", 1, 0, ""}});
  flush(*spool);
  auto again = enqueue_sync(*spool, {make_event("old", kT0 + 2 * kDay, {"meta"})});
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->duplicate[0]);
  EXPECT_GT(again->seq[0], first->seq[0]);
  auto status = spool->lookup("old");
  ASSERT_TRUE(status && status->has_value());
  EXPECT_EQ((*status)->received_at_ms, kT0 + 2 * kDay);
  EXPECT_EQ((*status)->deliveries.at(0).state, State::pending);
}

TEST_F(SqliteSpoolTest, IdIsAcceptedAgainAfterPurge) {
  auto spool = open();
  auto first = enqueue_sync(*spool, {make_event("p", kT0, {"meta"})});
  ASSERT_TRUE(first);
  spool->update({DeliveryUpdate{first->seq[0], "meta", State::delivered, "", 1, 0, ""}});
  flush(*spool);
  auto purged = spool->purge(kT0 + 1);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 1);
  auto again = enqueue_sync(*spool, {make_event("p", kT0 + 10, {"meta"})});
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->duplicate[0]);
}

TEST_F(SqliteSpoolTest, BatchIsAllOrNothing) {
  auto spool = open();
  NewEvent bad = make_event("bad", kT0, {"meta", "meta"});  // the same destination twice violates the key
  std::promise<Result<EnqueueResult>> p_ok1, p_bad, p_ok2;
  spool->enqueue({make_event("ok1", kT0)}, [&](auto r) { p_ok1.set_value(std::move(r)); });
  spool->enqueue({make_event("good", kT0), bad}, [&](auto r) { p_bad.set_value(std::move(r)); });
  spool->enqueue({make_event("ok2", kT0)}, [&](auto r) { p_ok2.set_value(std::move(r)); });
  auto r_bad = p_bad.get_future().get();
  ASSERT_FALSE(r_bad);
  EXPECT_EQ(r_bad.error().code, "internal");
  // The other enqueues (possibly in the same group commit) are unaffected.
  EXPECT_TRUE(p_ok1.get_future().get());
  EXPECT_TRUE(p_ok2.get_future().get());
  EXPECT_FALSE(spool->lookup("good")->has_value());
  EXPECT_FALSE(spool->lookup("bad")->has_value());
  EXPECT_TRUE(spool->lookup("ok1")->has_value());
  EXPECT_TRUE(spool->lookup("ok2")->has_value());
  EXPECT_EQ(count(kDeliveryCount), 10);
  // The failed batch can be sent again once fixed, and its ids were not consumed.
  auto retry = enqueue_sync(*spool, {make_event("good", kT0), make_event("bad", kT0, {"meta"})});
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->duplicate, (std::vector<bool>{false, false}));
}

TEST_F(SqliteSpoolTest, UpdateAndLoadPendingPagesBySeq) {
  auto spool = open();
  std::vector<NewEvent> events;
  for (int i = 0; i < 10; ++i) events.push_back(make_event("e" + std::to_string(i), kT0 + i, {"meta", "tiktok"}));
  auto r = enqueue_sync(*spool, events);
  ASSERT_TRUE(r);

  // Page through all pending meta deliveries, 4 at a time.
  std::vector<int64_t> seen;
  int64_t after = 0;
  for (;;) {
    auto page = spool->load_pending("meta", after, 4);
    ASSERT_TRUE(page);
    if (page->empty()) break;
    EXPECT_LE(page->size(), 4u);
    for (const auto& p : *page) {
      EXPECT_GT(p.seq, after);
      seen.push_back(p.seq);
      after = p.seq;
    }
  }
  EXPECT_EQ(seen, r->seq);
  auto first = spool->load_pending("meta", 0, 1);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->at(0).payload, events[0].payload);

  // Deliver e0, schedule a retry for e1, dead-letter e2: only e1 and e3.. stay pending for meta.
  spool->update({DeliveryUpdate{r->seq[0], "meta", State::delivered, "", 1, 0, ""},
                 DeliveryUpdate{r->seq[1], "meta", State::pending, "", 2, kT0 + 60000, "http_503"},
                 DeliveryUpdate{r->seq[2], "meta", State::failed, "invalid_parameter", 1, 0, ""}});
  flush(*spool);
  auto pending = spool->load_pending("meta", 0, 100);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 8u);
  EXPECT_EQ(pending->at(0).seq, r->seq[1]);
  EXPECT_EQ(pending->at(0).attempts, 2);
  EXPECT_EQ(pending->at(0).next_attempt_at_ms, kT0 + 60000);
  EXPECT_EQ(pending->at(1).seq, r->seq[3]);
  // Another destination is independent.
  auto tiktok = spool->load_pending("tiktok", 0, 100);
  ASSERT_TRUE(tiktok);
  EXPECT_EQ(tiktok->size(), 10u);

  auto status = spool->lookup("e1");
  ASSERT_TRUE(status && status->has_value());
  const Delivery& meta = (*status)->deliveries.at(0);
  EXPECT_EQ(meta.destination, "meta");
  EXPECT_EQ(meta.last_error, "http_503");
  EXPECT_EQ(meta.attempts, 2);
  EXPECT_GT(meta.updated_at_ms, 0);
}

TEST_F(SqliteSpoolTest, DeadLettersAndReplay) {
  auto spool = open();
  auto r = enqueue_sync(*spool, {make_event("x", kT0, {"meta", "ga4"}), make_event("y", kT0, {"meta"})});
  ASSERT_TRUE(r);
  spool->update({DeliveryUpdate{r->seq[0], "meta", State::failed, "invalid_parameter", 3, 0, ""}});
  flush(*spool);
  spool->update({DeliveryUpdate{r->seq[0], "ga4", State::failed, "window_closed", 9, 0, ""},
                 DeliveryUpdate{r->seq[1], "meta", State::failed, "invalid_parameter", 1, 0, ""}});
  flush(*spool);

  auto all = spool->dead_letters("", "", 10);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ(all->back().event_id, "x");  // the oldest failure comes last
  EXPECT_EQ(all->back().destination, "meta");
  EXPECT_EQ(all->back().reason, "invalid_parameter");
  EXPECT_EQ(all->back().attempts, 3);
  EXPECT_EQ(spool->dead_letters("meta", "", 10)->size(), 2u);
  EXPECT_EQ(spool->dead_letters("", "x", 10)->size(), 2u);
  EXPECT_EQ(spool->dead_letters("ga4", "x", 10)->size(), 1u);
  EXPECT_EQ(spool->dead_letters("", "", 1)->size(), 1u);
  EXPECT_EQ(spool->load_pending("meta", 0, 10)->size(), 0u);
  EXPECT_EQ(*spool->replay_generation(), 0);

  auto replayed = spool->replay("meta", "x");
  ASSERT_TRUE(replayed);
  EXPECT_EQ(*replayed, 1);
  auto pending = spool->load_pending("meta", 0, 10);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->at(0).seq, r->seq[0]);
  EXPECT_EQ(pending->at(0).attempts, 0);
  EXPECT_EQ(spool->dead_letters("", "", 10)->size(), 2u);
  EXPECT_EQ(*spool->replay_generation(), 1);  // delivery watches this to re-read pending work

  auto rest = spool->replay("", "");
  ASSERT_TRUE(rest);
  EXPECT_EQ(*rest, 2);
  EXPECT_TRUE(spool->dead_letters("", "", 10)->empty());
  EXPECT_EQ(*spool->replay("", ""), 0);
  EXPECT_EQ(*spool->replay_generation(), 2);  // a replay that re-queued nothing does not count
}

// A writer transaction takes a bounded number of updates (enqueues go first): a result for thousands of
// deliveries is spread over several commits, every update still lands, and an empty enqueue waits for
// all of them (the barrier flush() relies on).
TEST_F(SqliteSpoolTest, LargeUpdateBatchesAllLandBeforeABarrier) {
  auto spool = open();
  std::vector<NewEvent> events;
  for (int i = 0; i < 3000; ++i) events.push_back(make_event("big" + std::to_string(i), kT0, {"meta"}));
  auto r = enqueue_sync(*spool, events);
  ASSERT_TRUE(r);
  std::vector<DeliveryUpdate> updates;
  for (int64_t seq : r->seq) updates.push_back(DeliveryUpdate{seq, "meta", State::delivered, "", 1, 0, ""});
  spool->update(std::move(updates));
  // An enqueue made now commits (it may go ahead of the updates) and is itself pending.
  auto later = enqueue_sync(*spool, {make_event("later", kT0, {"meta"})});
  ASSERT_TRUE(later);
  flush(*spool);
  auto pending = spool->load_pending("meta", 0, 10);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->at(0).seq, later->seq[0]);
}

// A final state stays final (until a replay): a late or repeated report for the same delivery is ignored.
TEST_F(SqliteSpoolTest, FinalStateIsNotOverwritten) {
  auto spool = open();
  auto r = enqueue_sync(*spool, {make_event("fin", kT0, {"meta", "ga4"})});
  ASSERT_TRUE(r);
  spool->update({DeliveryUpdate{r->seq[0], "meta", State::delivered, "", 1, 0, ""}});
  spool->update({DeliveryUpdate{r->seq[0], "meta", State::failed, "late", 2, 0, ""},
                 DeliveryUpdate{r->seq[0], "meta", State::pending, "", 2, kT0, "http_503"},
                 DeliveryUpdate{r->seq[0] + 100, "meta", State::delivered, "", 1, 0, ""}});  // unknown event
  flush(*spool);
  auto status = spool->lookup("fin");
  ASSERT_TRUE(status && status->has_value());
  ASSERT_EQ((*status)->deliveries.size(), 2u);
  EXPECT_EQ((*status)->deliveries[0].destination, "ga4");
  EXPECT_EQ((*status)->deliveries[0].state, State::pending);  // fresh: pending since it was received
  EXPECT_EQ((*status)->deliveries[0].attempts, 0);
  EXPECT_EQ((*status)->deliveries[0].updated_at_ms, kT0);
  EXPECT_EQ((*status)->deliveries[1].state, State::delivered);
  EXPECT_EQ((*status)->deliveries[1].attempts, 1);
  EXPECT_TRUE(spool->dead_letters("", "", 10)->empty());
  EXPECT_TRUE(spool->load_pending("meta", 0, 10)->empty());
  EXPECT_EQ(spool->load_pending("ga4", 0, 10)->size(), 1u);
}

// The destinations' results arrive interleaved in small pieces: each still lands on its own delivery.
TEST_F(SqliteSpoolTest, InterleavedResultsOfSeveralDestinationsAllLand) {
  auto spool = open();
  std::vector<NewEvent> events;
  for (int i = 0; i < 6; ++i) events.push_back(make_event("mix" + std::to_string(i), kT0, {"meta", "ga4"}));
  auto r = enqueue_sync(*spool, events);
  ASSERT_TRUE(r);
  std::vector<DeliveryUpdate> updates;
  for (size_t i = 0; i < r->seq.size(); i += 2) {
    for (const char* d : {"meta", "ga4"}) {
      for (size_t j = i; j < i + 2; ++j) {
        if (j == 5 && std::string(d) == "ga4") {
          updates.push_back(DeliveryUpdate{r->seq[j], d, State::failed, "invalid_parameter", 1, 0, ""});
        } else {
          updates.push_back(DeliveryUpdate{r->seq[j], d, State::delivered, "", 1, 0, ""});
        }
      }
    }
  }
  spool->update(std::move(updates));
  flush(*spool);
  EXPECT_EQ(count("SELECT count(*) FROM outbox"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM deliveries WHERE state = 1"), 11);
  auto dead = spool->dead_letters("", "", 10);
  ASSERT_TRUE(dead);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ(dead->at(0).event_id, "mix5");
  EXPECT_EQ(dead->at(0).destination, "ga4");
}

// Two reports for the same delivery in one batch apply in the order they were made, even when the
// later one has the same outcome as a report for another delivery made before both.
TEST_F(SqliteSpoolTest, ReportsForOneDeliveryKeepTheirOrder) {
  auto spool = open();
  auto r = enqueue_sync(*spool, {make_event("a", kT0, {"meta"}), make_event("b", kT0, {"meta"})});
  ASSERT_TRUE(r);
  const int64_t a = r->seq[0], b = r->seq[1];
  spool->update({DeliveryUpdate{b, "meta", State::pending, "", 2, kT0 + 2000, "http_503"},
                 DeliveryUpdate{a, "meta", State::pending, "", 1, kT0 + 1000, "http_500"},
                 DeliveryUpdate{a, "meta", State::pending, "", 2, kT0 + 2000, "http_503"}});
  flush(*spool);
  auto pending = spool->load_pending("meta", 0, 10);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 2u);
  for (const auto& p : *pending) {
    EXPECT_EQ(p.attempts, 2) << p.seq;
    EXPECT_EQ(p.next_attempt_at_ms, kT0 + 2000) << p.seq;
  }
  auto status = spool->lookup("a");
  ASSERT_TRUE(status && status->has_value());
  EXPECT_EQ((*status)->deliveries.at(0).last_error, "http_503");
}

// A replay asked for right after a failure was reported sees that failure.
TEST_F(SqliteSpoolTest, ReplayRunsAfterUpdatesQueuedBeforeIt) {
  auto spool = open();
  auto r = enqueue_sync(*spool, {make_event("f", kT0, {"meta"})});
  ASSERT_TRUE(r);
  spool->update({DeliveryUpdate{r->seq[0], "meta", State::failed, "invalid_parameter", 1, 0, ""}});
  auto replayed = spool->replay("meta", "");
  ASSERT_TRUE(replayed);
  EXPECT_EQ(*replayed, 1);
  EXPECT_EQ(spool->load_pending("meta", 0, 10)->size(), 1u);
}

TEST_F(SqliteSpoolTest, PurgeDeletesOnlyOldFinishedEvents) {
  auto spool = open();
  auto r =
      enqueue_sync(*spool, {make_event("old-done", kT0, {"meta", "ga4"}), make_event("old-pending", kT0 + 1, {"meta"}),
                            make_event("new-done", kT0 + 5 * kDay, {"meta"})});
  ASSERT_TRUE(r);
  spool->update({DeliveryUpdate{r->seq[0], "meta", State::delivered, "", 1, 0, ""},
                 DeliveryUpdate{r->seq[0], "ga4", State::failed, "invalid", 1, 0, ""},
                 DeliveryUpdate{r->seq[2], "meta", State::delivered, "", 1, 0, ""}});
  flush(*spool);
  auto purged = spool->purge(kT0 + kDay);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 1);
  EXPECT_FALSE(spool->lookup("old-done")->has_value());
  EXPECT_TRUE(spool->lookup("old-pending")->has_value());
  EXPECT_TRUE(spool->lookup("new-done")->has_value());
  EXPECT_EQ(count("SELECT count(*) FROM deliveries WHERE seq = " + std::to_string(r->seq[0])), 0);
  EXPECT_TRUE(spool->dead_letters("", "", 10)->empty());  // its dead letter went with it
  EXPECT_EQ(*spool->purge(kT0 + kDay), 0);
}

TEST_F(SqliteSpoolTest, PurgeRunsInChunksAndSeqIsNeverReused) {
  auto spool = open();
  std::vector<NewEvent> events;
  for (int i = 0; i < 4500; ++i) events.push_back(make_event("c" + std::to_string(i), kT0, {}));  // no deliveries
  auto r = enqueue_sync(*spool, events);
  ASSERT_TRUE(r);
  auto purged = spool->purge(kT0 + 1);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 4500);  // more than one purge chunk
  EXPECT_EQ(count("SELECT count(*) FROM events"), 0);
  // The table is empty, yet the next event gets a higher seq than any before (delivery cursors rely on it).
  auto next = enqueue_sync(*spool, {make_event("after", kT0 + 2)});
  ASSERT_TRUE(next);
  EXPECT_GT(next->seq[0], r->seq.back());
  spool->close();
  auto reopened = open();
  auto after_reopen = enqueue_sync(*reopened, {make_event("after-reopen", kT0 + 3)});
  ASSERT_TRUE(after_reopen);
  EXPECT_GT(after_reopen->seq[0], next->seq[0]);
}

TEST_F(SqliteSpoolTest, OverMaxBytesIsUnavailable) {
  SqliteOptions options;
  options.max_bytes = 64 * 1024;
  auto spool = open(options);
  std::vector<NewEvent> big;
  for (int i = 0; i < 50; ++i) {
    NewEvent e = make_event("big" + std::to_string(i), kT0, {"meta"});
    e.payload.assign(4096, 'x');
    big.push_back(std::move(e));
  }
  ASSERT_TRUE(enqueue_sync(*spool, big));  // accepted: the limit is checked before each group
  auto refused = enqueue_sync(*spool, {make_event("one-more", kT0)});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "unavailable");
  EXPECT_FALSE(spool->writable());
  EXPECT_FALSE(spool->lookup("one-more")->has_value());

  // Delivering and purging frees the space; the spool is writable again.
  std::vector<DeliveryUpdate> done;
  for (int i = 0; i < 50; ++i) {
    auto status = spool->lookup("big" + std::to_string(i));
    ASSERT_TRUE(status && status->has_value());
  }
  auto pending = spool->load_pending("meta", 0, 100);
  ASSERT_TRUE(pending);
  for (const auto& p : *pending) done.push_back(DeliveryUpdate{p.seq, "meta", State::delivered, "", 1, 0, ""});
  spool->update(done);
  ASSERT_EQ(*spool->purge(kT0 + 1), 50);
  EXPECT_TRUE(spool->writable());
  EXPECT_TRUE(enqueue_sync(*spool, {make_event("one-more", kT0 + 2)}));
}

TEST_F(SqliteSpoolTest, FullWriteQueueIsUnavailable) {
  SqliteOptions options;
  options.max_queue_bytes = 1024;  // smaller than one event below
  auto spool = open(options);
  NewEvent e = make_event("huge", kT0);
  e.payload.assign(4096, 'y');
  auto r = enqueue_sync(*spool, {e});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "unavailable");
  EXPECT_TRUE(enqueue_sync(*spool, {make_event("small", kT0)}));
}

// Delivery updates have their own bound: a pile of them (the writer serves enqueues first) never makes an
// acknowledgement fail, and a sender past the bound waits rather than drops.
TEST_F(SqliteSpoolTest, QueuedUpdatesNeverFillTheEnqueueQueue) {
  SqliteOptions options;
  options.max_queue_bytes = 8192;       // room for a few events
  options.max_update_bytes = 64 << 10;  // far less than the updates below: the second call waits its turn
  auto spool = open(options);
  auto first = enqueue_sync(*spool, {make_event("u0", kT0, {"meta"})});
  ASSERT_TRUE(first);
  const int64_t seq = first->seq[0];
  std::vector<DeliveryUpdate> updates;
  for (int i = 0; i < 10000; ++i) updates.push_back({seq, "meta", State::pending, "", i, kT0 + i, "http_503"});
  auto more = updates;
  spool->update(std::move(updates));  // ~1 MB queued in one call: admitted, the update queue was empty
  spool->update(std::move(more));     // waits until the writer has made room
  auto r = enqueue_sync(*spool, {make_event("u1", kT0, {"meta"})});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(enqueue_sync(*spool, {}));  // barrier: every update above is applied
  EXPECT_EQ(count("SELECT attempts FROM deliveries WHERE seq = " + std::to_string(seq)), 9999);
}

TEST_F(SqliteSpoolTest, FailedCommitWritesNothing) {
  auto spool = open();
  auto keep = enqueue_sync(*spool, {make_event("before", kT0, {"meta"})});
  ASSERT_TRUE(keep);
  static_cast<SqliteSpool&>(*spool).fail_next_commits(1);
  auto r = enqueue_sync(*spool, {make_event("f1", kT0), make_event("f2", kT0)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "unavailable");
  EXPECT_FALSE(spool->writable());
  EXPECT_FALSE(spool->lookup("f1")->has_value());
  EXPECT_FALSE(spool->lookup("f2")->has_value());
  EXPECT_EQ(count("SELECT count(*) FROM events"), 1);
  EXPECT_EQ(count(kDeliveryCount), 1);

  // The next commit works and the same ids are accepted: the failed attempt left no trace.
  auto again = enqueue_sync(*spool, {make_event("f1", kT0), make_event("f2", kT0)});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->duplicate, (std::vector<bool>{false, false}));
  EXPECT_GT(again->seq[0], keep->seq[0]);
  EXPECT_TRUE(spool->writable());
}

TEST_F(SqliteSpoolTest, ReopensAfterClose) {
  int64_t seq = 0;
  {
    auto spool = open();
    auto r = enqueue_sync(*spool, {make_event("durable", kT0, {"meta", "ga4"})});
    ASSERT_TRUE(r);
    seq = r->seq[0];
    spool->update({DeliveryUpdate{seq, "ga4", State::delivered, "", 1, 0, ""}});
    spool->close();  // drains the queued update
    auto late = enqueue_sync(*spool, {make_event("late", kT0)});
    EXPECT_FALSE(late);
    EXPECT_FALSE(spool->lookup("durable"));
    spool->close();  // idempotent
  }
  auto spool = open();
  auto status = spool->lookup("durable");
  ASSERT_TRUE(status && status->has_value());
  ASSERT_EQ((*status)->deliveries.size(), 2u);
  EXPECT_EQ((*status)->deliveries[0].state, State::delivered);  // ga4
  EXPECT_EQ((*status)->deliveries[1].state, State::pending);    // meta
  auto pending = spool->load_pending("meta", 0, 10);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->at(0).seq, seq);
  EXPECT_TRUE(enqueue_sync(*spool, {make_event("durable", kT0 + 1)})->duplicate[0]);
}

TEST_F(SqliteSpoolTest, DestructorFlushesQueuedWork) {
  std::atomic<int> acked{0};
  {
    auto spool = open();
    for (int i = 0; i < 200; ++i) {
      spool->enqueue({make_event("d" + std::to_string(i), kT0)}, [&](Result<EnqueueResult> r) {
        if (r) ++acked;
      });
    }
  }
  EXPECT_EQ(acked.load(), 200);
  EXPECT_EQ(count("SELECT count(*) FROM events"), 200);
}

TEST_F(SqliteSpoolTest, ConcurrentEnqueuesGetUniqueIncreasingSeqs) {
  auto spool = open();
  constexpr int kThreads = 4, kPerThread = 250;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::vector<int64_t> seqs;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = enqueue_sync(*spool, {make_event("t" + std::to_string(t) + "-" + std::to_string(i), kT0)});
        ASSERT_TRUE(r);
        std::lock_guard lock(mu);
        seqs.push_back(r->seq[0]);
      }
    });
  }
  // Readers run alongside the writer.
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(spool->load_pending("meta", 0, 10));
  for (auto& t : threads) t.join();
  std::sort(seqs.begin(), seqs.end());
  EXPECT_EQ(std::adjacent_find(seqs.begin(), seqs.end()), seqs.end());
  EXPECT_EQ(seqs.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(count(kDeliveryCount), kThreads * kPerThread * 5);
}

TEST_F(SqliteSpoolTest, AdminCallsWorkFromCallbacks) {
  auto spool = open();
  std::promise<Result<int64_t>> replayed;
  spool->enqueue({make_event("cb", kT0)}, [&](Result<EnqueueResult>) { replayed.set_value(spool->replay("", "")); });
  auto r = replayed.get_future().get();
  ASSERT_TRUE(r);  // no deadlock: run inline on the writer thread
  EXPECT_EQ(*r, 0);
}

TEST_F(SqliteSpoolTest, AGroupsCallbacksLogTogetherAfterTheLastOne) {
  // A callback answers its request with a log line; the group's lines leave in one write() once every
  // callback of the group has run, not one write() per request.
  auto spool = open();
  fanout::testing::StderrCapture capture;
  std::promise<std::string> written_meanwhile;
  spool->enqueue({make_event("logged", kT0)}, [&](Result<EnqueueResult> r) {
    log::Line("answered").boolean("ok", r.has_value()).emit();
    written_meanwhile.set_value(capture.take());
  });
  EXPECT_EQ(written_meanwhile.get_future().get(), "");  // held while the group's callbacks run
  flush(*spool);                                        // the group is over: its lines are out
  const std::string out = capture.take();
  EXPECT_NE(out.find(R"("msg":"answered")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("ok":true)"), std::string::npos) << out;
}

TEST(SpoolState, Names) {
  EXPECT_STREQ(state_name(State::pending), "pending");
  EXPECT_STREQ(state_name(State::delivered), "delivered");
  EXPECT_STREQ(state_name(State::failed), "failed");
  EXPECT_STREQ(state_name(State::skipped), "skipped");
}

TEST(SqliteSpoolOpen, UnopenablePathIsAnError) {
  SqliteOptions options;
  options.path = "/proc/fanout-cannot-exist/spool.db";
  auto spool = open_sqlite(options);
  ASSERT_FALSE(spool);
  EXPECT_EQ(spool.error().code, "unavailable");
}

}  // namespace
}  // namespace fanout::spool
