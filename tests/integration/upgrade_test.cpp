// Upgrades and rollbacks of the installed service: a spool written by a newer release is refused by an
// older binary, with both versions named, and left untouched.
#include <sqlite3.h>

#include <gtest/gtest.h>

#include "harness.h"

namespace fanout::itest {
namespace {

using namespace std::chrono_literals;

// Runs `sql` on the SQLite file at `path` (created when missing).
void exec_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

int user_version(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr);
  int version = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : -1;
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return version;
}

TEST(Upgrade, AnOlderBinaryRefusesANewerSpoolNamingBothVersions) {
  TempDir dir;
  // First a spool this release writes, then what a later release would leave: a higher schema version.
  GatewayProcess gw(dir.path, "[destinations.meta]\npixel_id = \"1\"\naccess_token_env = \"T_META\"\n"
                              "base_url = \"http://127.0.0.1:9\"\n");
  gw.start();
  ASSERT_EQ(gw.terminate(), 0);
  const std::string spool = dir.path + "/data/spool.db";
  exec_sql(spool, "CREATE TABLE from_the_future(x); PRAGMA user_version = 7;");

  const std::string log = dir.path + "/refused.log";
  Process serve({FANOUT_BINARY, "serve", "--config", dir.path + "/fanout.toml"}, gw.env(), log);
  EXPECT_EQ(serve.wait(15s), 1);
  const std::string text = read_file(log);
  EXPECT_NE(text.find("schema version 7"), std::string::npos) << text;                 // the spool's
  EXPECT_NE(text.find(std::string("fanout ") + FANOUT_VERSION), std::string::npos) << text;  // the binary's
  EXPECT_NE(text.find("supports (schema version "), std::string::npos) << text;        // what it reads
  EXPECT_EQ(user_version(spool), 7);  // left as it was: the newer release can still open it
}

}  // namespace
}  // namespace fanout::itest
