// The spool's on-disk schema across versions: a version-1 file (one row per delivery from the start)
// is upgraded in place on open with every delivery's state kept; a newer version is refused.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "spool/sqlite_spool.h"
#include "spool_test_util.h"

namespace fanout::spool {
namespace {

using testing::TempDir;

constexpr int64_t kT0 = 1700000000000;

// Runs `sql` on a raw connection to `path`, creating the file.
void exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

// What fanout 0.1 wrote: its schema and one event in each delivery state.
constexpr const char* kVersion1File = R"sql(
PRAGMA journal_mode=WAL;
CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE events(seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, received_at_ms INTEGER NOT NULL,
  payload BLOB NOT NULL);
CREATE TABLE deliveries(seq INTEGER NOT NULL, destination TEXT NOT NULL, state INTEGER NOT NULL,
  reason TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 0, updated_at_ms INTEGER NOT NULL DEFAULT 0,
  next_attempt_at_ms INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(seq, destination)) WITHOUT ROWID;
CREATE INDEX deliveries_pending ON deliveries(destination, seq) WHERE state = 0;
CREATE INDEX deliveries_failed ON deliveries(updated_at_ms) WHERE state = 2;
INSERT INTO meta VALUES('next_seq', 3);
INSERT INTO events VALUES(1, 'a', 1700000000000, '{"event_id":"a"}');
INSERT INTO events VALUES(2, 'b', 1700000000000, '{"event_id":"b"}');
INSERT INTO deliveries VALUES(1, 'meta', 1, '', 1, 1700000001000, 0, '');
INSERT INTO deliveries VALUES(1, 'ga4', 0, '', 0, 1700000000000, 0, '');
INSERT INTO deliveries VALUES(1, 'tiktok', 2, 'invalid_parameter', 1, 1700000002000, 0, '');
INSERT INTO deliveries VALUES(2, 'meta', 0, '', 3, 1700000003000, 1700000060000, 'http_503');
INSERT INTO deliveries VALUES(2, 'ga4', 3, 'missing_identifiers', 0, 1700000000000, 0, '');
PRAGMA user_version = 1;
)sql";

const Delivery* find(const EventStatus& status, const std::string& destination) {
  for (const auto& d : status.deliveries)
    if (d.destination == destination) return &d;
  return nullptr;
}

TEST(SpoolSchema, UpgradesVersion1KeepingEveryDeliveryState) {
  TempDir dir;
  const std::string path = dir.path() + "/spool.db";
  exec(path, kVersion1File);
  auto spool = open_sqlite(SqliteOptions{path});
  ASSERT_TRUE(spool) << spool.error().message;

  auto a = (*spool)->lookup("a");
  ASSERT_TRUE(a && a->has_value());
  ASSERT_EQ((*a)->deliveries.size(), 3u);
  EXPECT_EQ(find(**a, "meta")->state, State::delivered);
  EXPECT_EQ(find(**a, "meta")->updated_at_ms, kT0 + 1000);
  EXPECT_EQ(find(**a, "ga4")->state, State::pending);
  EXPECT_EQ(find(**a, "tiktok")->state, State::failed);
  EXPECT_EQ(find(**a, "tiktok")->reason, "invalid_parameter");
  auto b = (*spool)->lookup("b");
  ASSERT_TRUE(b && b->has_value());
  EXPECT_EQ(find(**b, "meta")->attempts, 3);
  EXPECT_EQ(find(**b, "meta")->last_error, "http_503");
  EXPECT_EQ(find(**b, "ga4")->state, State::skipped);

  // Pending work resumes where it was, retries keep their schedule.
  auto meta = (*spool)->load_pending("meta", 0, 10);
  ASSERT_TRUE(meta);
  ASSERT_EQ(meta->size(), 1u);
  EXPECT_EQ(meta->at(0).seq, 2);
  EXPECT_EQ(meta->at(0).attempts, 3);
  EXPECT_EQ(meta->at(0).next_attempt_at_ms, kT0 + 60000);
  auto ga4 = (*spool)->load_pending("ga4", 0, 10);
  ASSERT_TRUE(ga4);
  ASSERT_EQ(ga4->size(), 1u);
  EXPECT_EQ(ga4->at(0).seq, 1);
  EXPECT_EQ(ga4->at(0).payload, R"({"event_id":"a"})");

  // Dead letters carry over and replay; new events continue the sequence.
  auto dead = (*spool)->dead_letters("", "", 10);
  ASSERT_TRUE(dead);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ(dead->at(0).event_id, "a");
  EXPECT_EQ(dead->at(0).destination, "tiktok");
  EXPECT_EQ(*(*spool)->replay("tiktok", ""), 1);
  EXPECT_EQ((*spool)->load_pending("tiktok", 0, 10)->size(), 1u);
  auto c = testing::enqueue_sync(**spool, {testing::make_event("c", kT0)});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->seq.at(0), 3);
  EXPECT_EQ((*spool)->load_pending("meta", 0, 10)->size(), 2u);
}

TEST(SpoolSchema, RefusesANewerVersion) {
  TempDir dir;
  const std::string path = dir.path() + "/spool.db";
  exec(path, "CREATE TABLE future(x); PRAGMA user_version = 99;");
  auto spool = open_sqlite(SqliteOptions{path});
  ASSERT_FALSE(spool);
  EXPECT_NE(spool.error().message.find("newer"), std::string::npos) << spool.error().message;
}

}  // namespace
}  // namespace fanout::spool
