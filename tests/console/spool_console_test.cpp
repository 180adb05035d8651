// The spool's console reads (recent events, delivery states, the attempt history) and the in-place
// upgrade of a version-2 spool file to the version with an attempt history.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "../spool/spool_test_util.h"
#include "spool/spool.h"

namespace fanout::spool {
namespace {

using testing::enqueue_sync;
using testing::flush;
using testing::make_event;
using testing::TempDir;

constexpr int64_t kT0 = 1700000000000;

void exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

int64_t scalar(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
  int64_t n = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

DeliveryUpdate with_attempt(int64_t seq, const std::string& destination, State state, int attempts, int64_t at_ms,
                            int http_status, const std::string& error) {
  DeliveryUpdate u;
  u.seq = seq;
  u.destination = destination;
  u.state = state;
  u.attempts = attempts;
  if (state == State::pending) {
    u.next_attempt_at_ms = at_ms + 1000;
    u.last_error = error;
  }
  if (state == State::failed) u.reason = error;
  u.attempt = Attempt{at_ms, http_status, 12.5, error};
  return u;
}

class SpoolConsoleTest : public ::testing::Test {
 protected:
  std::unique_ptr<Spool> open() {
    auto spool = open_sqlite(SqliteOptions{path_});
    EXPECT_TRUE(spool) << (spool ? "" : spool.error().message);
    return spool ? std::move(*spool) : nullptr;
  }
  TempDir dir_;
  std::string path_ = dir_.path() + "/spool.db";
};

TEST_F(SpoolConsoleTest, ListsRecentEventsNewestFirst) {
  auto spool = open();
  ASSERT_TRUE(enqueue_sync(*spool, {make_event("a", kT0), make_event("b", kT0 + 1), make_event("c", kT0 + 2)}));
  auto all = spool->recent_events(0, 10);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ(all->at(0).event_id, "c");
  EXPECT_EQ(all->at(2).event_id, "a");
  EXPECT_EQ(all->at(2).received_at_ms, kT0);
  EXPECT_NE(all->at(0).payload.find("\"c\""), std::string::npos);

  auto newest = spool->recent_events(0, 2);
  ASSERT_EQ(newest->size(), 2u);
  EXPECT_EQ(newest->at(1).event_id, "b");
  auto after = spool->recent_events(all->at(1).seq, 10);  // only what came after b
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ(after->at(0).event_id, "c");

  auto found = spool->find_event("b");
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->seq, all->at(1).seq);
  EXPECT_FALSE(spool->find_event("nope")->has_value());
}

TEST_F(SpoolConsoleTest, DeliveryStatesIncludeFreshPendingOnes) {
  auto spool = open();
  NewEvent e = make_event("a", kT0, {"meta", "ga4", "tiktok"});
  e.deliveries[1].state = State::skipped;
  e.deliveries[1].reason = "consent_denied";
  auto r = enqueue_sync(*spool, {e});
  ASSERT_TRUE(r);
  const int64_t seq = r->seq[0];
  spool->update({DeliveryUpdate{seq, "tiktok", State::delivered, "", 1, 0, ""}});
  flush(*spool);

  auto states = spool->delivery_states(seq, seq);
  ASSERT_TRUE(states);
  ASSERT_EQ(states->size(), 3u);  // by destination name
  EXPECT_EQ(states->at(0).delivery.destination, "ga4");
  EXPECT_EQ(states->at(0).delivery.state, State::skipped);
  EXPECT_EQ(states->at(0).delivery.reason, "consent_denied");
  EXPECT_EQ(states->at(1).delivery.destination, "meta");
  EXPECT_EQ(states->at(1).delivery.state, State::pending);  // an outbox bit, no row yet
  EXPECT_EQ(states->at(2).delivery.destination, "tiktok");
  EXPECT_EQ(states->at(2).delivery.state, State::delivered);
  EXPECT_TRUE(spool->delivery_states(seq + 1, seq + 10)->empty());
}

TEST_F(SpoolConsoleTest, KeepsEachAttemptWithItsOutcome) {
  auto spool = open();
  auto r = enqueue_sync(*spool, {make_event("a", kT0, {"meta", "ga4"})});
  ASSERT_TRUE(r);
  const int64_t seq = r->seq[0];
  spool->update({with_attempt(seq, "meta", State::pending, 1, kT0 + 100, 503, "http_503")});
  spool->update({with_attempt(seq, "meta", State::delivered, 2, kT0 + 2000, 200, "")});
  spool->update({with_attempt(seq, "ga4", State::failed, 1, kT0 + 300, 400, "invalid_parameter")});
  // A late attempt for a delivery already final is not recorded (like its state, it is ignored).
  spool->update({with_attempt(seq, "meta", State::pending, 3, kT0 + 5000, 503, "late")});
  flush(*spool);

  auto attempts = spool->attempts(seq);
  ASSERT_TRUE(attempts);
  ASSERT_EQ(attempts->size(), 3u);  // newest first
  EXPECT_EQ(attempts->at(0).destination, "meta");
  EXPECT_EQ(attempts->at(0).outcome, State::delivered);
  EXPECT_EQ(attempts->at(0).attempt.http_status, 200);
  EXPECT_EQ(attempts->at(0).attempt.at_ms, kT0 + 2000);
  EXPECT_DOUBLE_EQ(attempts->at(0).attempt.latency_ms, 12.5);
  EXPECT_EQ(attempts->at(1).destination, "ga4");
  EXPECT_EQ(attempts->at(1).outcome, State::failed);
  EXPECT_EQ(attempts->at(1).attempt.error, "invalid_parameter");
  EXPECT_EQ(attempts->at(2).outcome, State::pending);
  EXPECT_EQ(attempts->at(2).attempt.error, "http_503");
}

TEST_F(SpoolConsoleTest, AttemptHistoryIsBounded) {
  auto spool = open();
  auto r = enqueue_sync(*spool, {make_event("a", kT0, {"meta"})});
  ASSERT_TRUE(r);
  const int64_t seq = r->seq[0];
  for (int n = 1; n <= 13; ++n)
    spool->update({with_attempt(seq, "meta", State::pending, n, kT0 + n * 1000, 500, "http_" + std::to_string(n))});
  flush(*spool);
  auto attempts = spool->attempts(seq);
  ASSERT_TRUE(attempts);
  ASSERT_EQ(attempts->size(), 10u);
  EXPECT_EQ(attempts->front().attempt.error, "http_13");
  EXPECT_EQ(attempts->back().attempt.error, "http_4");
}

// Attempt numbers restart at a replay: the history before it stays (one round of it), beside the new one.
TEST_F(SpoolConsoleTest, ReplayKeepsThePreviousRoundOfAttempts) {
  auto spool = open();
  auto r = enqueue_sync(*spool, {make_event("a", kT0, {"meta"})});
  ASSERT_TRUE(r);
  const int64_t seq = r->seq[0];
  for (int round = 0; round < 3; ++round) {
    spool->update({with_attempt(seq, "meta", State::pending, 1, kT0 + round * 100 + 1, 503, "round" + std::to_string(round))});
    spool->update({with_attempt(seq, "meta", State::failed, 2, kT0 + round * 100 + 2, 400, "dead" + std::to_string(round))});
    flush(*spool);
    if (round < 2) {
      ASSERT_EQ(*spool->replay("meta", "a"), 1);
    }
  }
  auto attempts = spool->attempts(seq);
  ASSERT_TRUE(attempts);
  ASSERT_EQ(attempts->size(), 4u);  // the last round and the one before; the first is gone
  EXPECT_EQ(attempts->at(0).attempt.error, "dead2");
  EXPECT_EQ(attempts->at(1).attempt.error, "round2");
  EXPECT_EQ(attempts->at(2).attempt.error, "dead1");
  EXPECT_EQ(attempts->at(3).attempt.error, "round1");
}

TEST_F(SpoolConsoleTest, PurgeDeletesTheAttempts) {
  auto spool = open();
  auto r = enqueue_sync(*spool, {make_event("a", kT0, {"meta"})});
  ASSERT_TRUE(r);
  spool->update({with_attempt(r->seq[0], "meta", State::delivered, 1, kT0 + 10, 200, "")});
  flush(*spool);
  ASSERT_EQ(scalar(path_, "SELECT count(*) FROM attempts"), 1);
  ASSERT_TRUE(spool->purge(kT0 + 1));
  EXPECT_EQ(scalar(path_, "SELECT count(*) FROM attempts"), 0);
}

// A spool written by the previous schema (version 2, no attempt history) opens in place: its events and
// states stay, the history table appears and fills from then on.
TEST_F(SpoolConsoleTest, UpgradesAVersion2FileInPlace) {
  {
    auto spool = open();
    NewEvent e = make_event("old", kT0, {"meta", "ga4"});
    e.deliveries[1].state = State::skipped;
    e.deliveries[1].reason = "not_mapped";
    ASSERT_TRUE(enqueue_sync(*spool, {e}));
    spool->close();
  }
  exec(path_, "DROP TABLE attempts; PRAGMA user_version = 2;");
  ASSERT_EQ(scalar(path_, "PRAGMA user_version"), 2);
  ASSERT_EQ(scalar(path_, "SELECT count(*) FROM sqlite_master WHERE name = 'attempts'"), 0);

  auto spool = open();
  ASSERT_TRUE(spool);
  EXPECT_GE(scalar(path_, "PRAGMA user_version"), 3);  // upgraded (to 3, or a later version)
  auto old = spool->find_event("old");
  ASSERT_TRUE(old && old->has_value());
  auto states = spool->delivery_states((*old)->seq, (*old)->seq);
  ASSERT_EQ(states->size(), 2u);
  EXPECT_EQ(states->at(0).delivery.reason, "not_mapped");
  EXPECT_EQ(states->at(1).delivery.state, State::pending);
  EXPECT_EQ(spool->load_pending("meta", 0, 10)->size(), 1u);

  spool->update({with_attempt((*old)->seq, "meta", State::delivered, 1, kT0 + 10, 200, "")});
  flush(*spool);
  auto attempts = spool->attempts((*old)->seq);
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ(attempts->at(0).outcome, State::delivered);
}

}  // namespace
}  // namespace fanout::spool
