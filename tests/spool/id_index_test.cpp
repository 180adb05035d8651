// The two-level event-id index (src/spool/recent_ids.h): ids are found whether they are still recent
// (in memory) or merged into event_ids, across restarts, when their hashes collide, after purge and
// after an upgrade from schema version 3 (events.event_id UNIQUE).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "spool/recent_ids.h"
#include "spool/sqlite_spool.h"
#include "spool_test_util.h"

namespace fanout::spool {
namespace {

using testing::enqueue_sync;
using testing::flush;
using testing::make_event;
using testing::TempDir;

constexpr int64_t kT0 = 1700000000000;
constexpr int64_t kDay = 24 * 3600 * 1000;

class IdIndexTest : public ::testing::Test {
 protected:
  void TearDown() override { set_id_hash_mask_for_tests(~uint64_t{0}); }

  // A spool that merges its recent ids once `recent_limit` are held.
  std::unique_ptr<SqliteSpool> open(size_t recent_limit, int64_t idempotency_ms = 7 * kDay,
                                    size_t merge_chunk = Writer::kMergeChunk) {
    SqliteOptions options;
    options.path = path_;
    options.idempotency_ms = idempotency_ms;
    auto spool = std::make_unique<SqliteSpool>(options);
    spool->set_recent_ids_limit(recent_limit, merge_chunk);
    auto started = spool->start();
    EXPECT_TRUE(started) << (started ? "" : started.error().message);
    return started ? std::move(spool) : nullptr;
  }

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

  // Enqueues ids[from, to) one request each and expects each accepted (or each a duplicate).
  void enqueue_each(Spool& spool, const std::vector<std::string>& ids, bool duplicate) {
    for (const auto& id : ids) {
      auto r = enqueue_sync(spool, {make_event(id, kT0, {"meta"})});
      ASSERT_TRUE(r) << r.error().message;
      EXPECT_EQ(r->duplicate[0], duplicate) << id;
    }
  }

  // Every id found by status lookup and by the console's find, with its own payload.
  void expect_found(Spool& spool, const std::vector<std::string>& ids) {
    for (const auto& id : ids) {
      auto status = spool.lookup(id);
      ASSERT_TRUE(status && status->has_value()) << id;
      EXPECT_EQ((*status)->event_id, id);
      auto stored = spool.find_event(id);
      ASSERT_TRUE(stored && stored->has_value()) << id;
      EXPECT_EQ((*stored)->event_id, id);
      EXPECT_NE((*stored)->payload.find("\"" + id + "\""), std::string::npos) << (*stored)->payload;
    }
  }

  static std::vector<std::string> ids(const std::string& prefix, int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
    return out;
  }

  TempDir dir_;
  std::string path_ = dir_.path() + "/spool.db";
};

TEST_F(IdIndexTest, MergedAndRecentIdsAreDuplicatesAcrossRestarts) {
  const auto first = ids("a-", 10);
  {
    auto spool = open(4);
    ASSERT_TRUE(spool);
    enqueue_each(*spool, first, false);
    flush(*spool);  // the merge runs after the group that reached the limit
    EXPECT_GE(count("SELECT value FROM meta WHERE key = 'ids_indexed'"), 8);
    EXPECT_EQ(count("SELECT count(*) FROM event_ids"), count("SELECT value FROM meta WHERE key = 'ids_indexed'"));
    enqueue_each(*spool, first, true);
    expect_found(*spool, first);
    spool->close();
  }
  // A fresh process: the merged ids from event_ids, the others rebuilt from the events table.
  auto spool = open(1000);
  ASSERT_TRUE(spool);
  EXPECT_LT(count("SELECT count(*) FROM event_ids"), 10);
  enqueue_each(*spool, first, true);
  expect_found(*spool, first);
  EXPECT_FALSE((*spool->lookup("a-10")).has_value());
  EXPECT_FALSE((*spool->find_event("a-10")).has_value());
  enqueue_each(*spool, {"a-10"}, false);
  EXPECT_EQ(count("SELECT count(*) FROM events"), 11);
}

TEST_F(IdIndexTest, CollidingHashesAreTellApartByTheStoredId) {
  set_id_hash_mask_for_tests(0);  // every id hashes to 0
  const auto all = ids("c-", 9);
  {
    auto spool = open(3);
    ASSERT_TRUE(spool);
    enqueue_each(*spool, all, false);
    flush(*spool);
    EXPECT_EQ(count("SELECT count(DISTINCT hash) FROM event_ids"), 1);
    EXPECT_GE(count("SELECT count(*) FROM event_ids"), 6);
    enqueue_each(*spool, all, true);
    expect_found(*spool, all);
    EXPECT_FALSE((*spool->lookup("c-9")).has_value());
    spool->close();
  }
  auto spool = open(1000);
  ASSERT_TRUE(spool);
  enqueue_each(*spool, all, true);
  expect_found(*spool, all);
  enqueue_each(*spool, {"c-9"}, false);
}

TEST_F(IdIndexTest, AnExpiredMergedIdIsReplacedAndFoundAgain) {
  set_id_hash_mask_for_tests(0xff);  // few hashes: the replaced id shares its hash with others
  auto spool = open(2, kDay);
  ASSERT_TRUE(spool);
  auto first = enqueue_sync(*spool, {make_event("x", kT0, {"meta"}), make_event("y", kT0, {"meta"})});
  ASSERT_TRUE(first);
  spool->update({DeliveryUpdate{first->seq[0], "meta", State::delivered, "", 1, 0, ""}});
  flush(*spool);
  ASSERT_EQ(count("SELECT count(*) FROM event_ids"), 2);

  auto again = enqueue_sync(*spool, {make_event("x", kT0 + 2 * kDay, {"meta"})});
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->duplicate[0]);
  EXPECT_GT(again->seq[0], first->seq[1]);
  // The old copy and its index entry are gone; the new one is found.
  EXPECT_EQ(count("SELECT count(*) FROM event_ids WHERE seq = " + std::to_string(first->seq[0])), 0);
  auto status = spool->lookup("x");
  ASSERT_TRUE(status && status->has_value());
  EXPECT_EQ((*status)->received_at_ms, kT0 + 2 * kDay);
  auto dup = enqueue_sync(*spool, {make_event("x", kT0 + 2 * kDay, {"meta"})});
  ASSERT_TRUE(dup);
  EXPECT_TRUE(dup->duplicate[0]);
}

TEST_F(IdIndexTest, PurgeLeavesNoIndexEntryBehind) {
  auto spool = open(3);
  ASSERT_TRUE(spool);
  const auto all = ids("p-", 8);
  std::vector<int64_t> seqs;
  for (const auto& id : all) {
    auto r = enqueue_sync(*spool, {make_event(id, kT0, {"meta"})});
    ASSERT_TRUE(r);
    seqs.push_back(r->seq[0]);
  }
  for (int64_t seq : seqs) spool->update({DeliveryUpdate{seq, "meta", State::delivered, "", 1, 0, ""}});
  flush(*spool);
  ASSERT_GT(count("SELECT count(*) FROM event_ids"), 0);
  auto purged = spool->purge(kT0 + 1);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 8);
  EXPECT_EQ(count("SELECT count(*) FROM event_ids"), 0);
  EXPECT_FALSE((*spool->lookup("p-0")).has_value());
  EXPECT_FALSE((*spool->lookup("p-7")).has_value());
  // Purged ids are new again, wherever they were.
  enqueue_each(*spool, all, false);
}

TEST_F(IdIndexTest, EventsPurgedDuringAMergeAreNotIndexedByIt) {
  // A row per merge transaction: the merge of the first 8 ids is still going when the purge runs.
  auto spool = open(8, kDay, 1);
  ASSERT_TRUE(spool);
  const auto all = ids("m-", 8);
  enqueue_each(*spool, all, false);
  spool->update({DeliveryUpdate{1, "meta", State::delivered, "", 1, 0, ""}});
  for (int64_t seq = 2; seq <= 8; ++seq) spool->update({DeliveryUpdate{seq, "meta", State::delivered, "", 1, 0, ""}});
  flush(*spool);
  ASSERT_LT(count("SELECT count(*) FROM event_ids"), 8);  // merge unfinished
  ASSERT_GT(count("SELECT count(*) FROM event_ids"), 0);  // and started
  auto purged = spool->purge(kT0 + 1);
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 8);
  EXPECT_EQ(count("SELECT count(*) FROM event_ids"), 0);
  for (int i = 0; i < 10; ++i) flush(*spool);  // the merge finishes
  EXPECT_EQ(count("SELECT value FROM meta WHERE key = 'ids_indexed'"), 8);
  EXPECT_EQ(count("SELECT count(*) FROM event_ids"), 0);
  enqueue_each(*spool, all, false);
}

TEST_F(IdIndexTest, ReplayByIdFindsMergedAndRecentEvents) {
  auto spool = open(2);
  ASSERT_TRUE(spool);
  auto r = enqueue_sync(*spool, {make_event("old", kT0, {"meta"}), make_event("mid", kT0, {"meta"})});
  ASSERT_TRUE(r);
  auto recent = enqueue_sync(*spool, {make_event("new", kT0, {"meta"})});
  ASSERT_TRUE(recent);
  for (int64_t seq : {r->seq[0], r->seq[1], recent->seq[0]})
    spool->update({DeliveryUpdate{seq, "meta", State::failed, "invalid_parameter", 1, 0, ""}});
  flush(*spool);
  ASSERT_EQ(count("SELECT value FROM meta WHERE key = 'ids_indexed'"), r->seq[1]);
  EXPECT_EQ(*spool->replay("meta", "old"), 1);
  EXPECT_EQ(*spool->replay("meta", "new"), 1);
  EXPECT_EQ(*spool->replay("meta", "absent"), 0);
  EXPECT_EQ(*spool->replay("", ""), 1);  // "mid" only: the others are pending again
}

TEST_F(IdIndexTest, ARolledBackEventIdIsNotADuplicate) {
  auto spool = open(1000);
  ASSERT_TRUE(spool);
  spool->fail_next_commits(1);
  EXPECT_FALSE(enqueue_sync(*spool, {make_event("r", kT0)}));
  EXPECT_FALSE((*spool->lookup("r")).has_value());
  enqueue_each(*spool, {"r"}, false);
  enqueue_each(*spool, {"r"}, true);
}

// What fanout wrote up to schema version 3: events.event_id UNIQUE, no event_ids.
constexpr const char* kVersion3File = R"sql(
PRAGMA journal_mode=WAL;
CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE events(seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, received_at_ms INTEGER NOT NULL,
  payload BLOB NOT NULL);
CREATE TABLE destinations(id INTEGER PRIMARY KEY CHECK(id BETWEEN 1 AND 62), name TEXT NOT NULL UNIQUE);
CREATE TABLE outbox(seq INTEGER PRIMARY KEY, pending INTEGER NOT NULL);
CREATE TABLE deliveries(seq INTEGER NOT NULL, destination INTEGER NOT NULL, state INTEGER NOT NULL,
  reason TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 0, updated_at_ms INTEGER NOT NULL DEFAULT 0,
  next_attempt_at_ms INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(seq, destination)) WITHOUT ROWID;
CREATE INDEX deliveries_failed ON deliveries(updated_at_ms) WHERE state = 2;
CREATE TABLE attempts(seq INTEGER NOT NULL, destination INTEGER NOT NULL, slot INTEGER NOT NULL,
  at_ms INTEGER NOT NULL, http_status INTEGER NOT NULL, outcome INTEGER NOT NULL, error TEXT NOT NULL,
  latency_us INTEGER NOT NULL, PRIMARY KEY(seq, destination, slot)) WITHOUT ROWID;
INSERT INTO meta VALUES('next_seq', 4);
INSERT INTO destinations VALUES(1, 'meta');
INSERT INTO events VALUES(1, 'v3-a', 1700000000000, '{"event_id":"v3-a"}');
INSERT INTO events VALUES(2, '6f1c2a4e-0d1b-4c3e-9a8f-1b2c3d4e5f60', 1700000000000,
  '{"event_id":"6f1c2a4e-0d1b-4c3e-9a8f-1b2c3d4e5f60"}');
INSERT INTO events VALUES(3, 'v3-c', 1700000000000, '{"event_id":"v3-c"}');
INSERT INTO outbox VALUES(3, 2);
INSERT INTO deliveries VALUES(1, 1, 1, '', 1, 1700000001000, 0, '');
INSERT INTO deliveries VALUES(2, 1, 2, 'invalid_parameter', 1, 1700000002000, 0, '');
PRAGMA user_version = 3;
)sql";

TEST_F(IdIndexTest, UpgradesVersion3IndexingEveryEvent) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, kVersion3File, nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }
  auto spool = open(1000);
  ASSERT_TRUE(spool);
  EXPECT_EQ(count("PRAGMA user_version"), 4);
  EXPECT_EQ(count("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_autoindex_events_1'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM event_ids"), 3);
  EXPECT_EQ(count("SELECT value FROM meta WHERE key = 'ids_indexed'"), 3);
  EXPECT_EQ(count("SELECT count(*) FROM event_ids WHERE hash = " +
                  std::to_string(id_hash("6f1c2a4e-0d1b-4c3e-9a8f-1b2c3d4e5f60")) + " AND seq = 2"),
            1);

  const std::vector<std::string> old = {"v3-a", "6f1c2a4e-0d1b-4c3e-9a8f-1b2c3d4e5f60", "v3-c"};
  expect_found(*spool, old);
  auto a = spool->lookup("v3-a");
  ASSERT_EQ((*a)->deliveries.size(), 1u);
  EXPECT_EQ((*a)->deliveries[0].state, State::delivered);
  EXPECT_EQ((*spool->lookup("v3-c"))->deliveries[0].state, State::pending);
  enqueue_each(*spool, old, true);
  auto fresh = enqueue_sync(*spool, {make_event("v4-d", kT0)});
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->seq[0], 4);
  EXPECT_EQ(*spool->replay("meta", "6f1c2a4e-0d1b-4c3e-9a8f-1b2c3d4e5f60"), 1);
}

}  // namespace
}  // namespace fanout::spool
