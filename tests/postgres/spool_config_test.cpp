// The [spool] keys of a shared spool: backend, url_env/url_file, node_id, lease_ms, each problem named
// by its key; the URL (it holds the password) never appears in an error.
#include <stdlib.h>

#include <gtest/gtest.h>

#include "app/config.h"

namespace fanout::app {
namespace {

std::string config(const std::string& spool) {
  return "[ingest]\nsecret_env = \"SC_SECRET\"\n[spool]\n" + spool +
         "\n[destinations.meta]\npixel_id = \"1234567890123456\"\naccess_token_env = \"SC_SECRET\"\n";
}

class SpoolConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("SC_SECRET", "x", 1);
    unsetenv("SC_DB");
    unsetenv("FANOUT_DATABASE_URL");
  }
};

TEST_F(SpoolConfig, SqliteIsTheDefault) {
  auto c = load_config_text(config(""), "t.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->spool_backend, "sqlite");
}

TEST_F(SpoolConfig, PostgresReadsItsKeys) {
  setenv("SC_DB", "postgresql://u:Pa55@db.example:5433/f", 1);
  auto c = load_config_text(config("backend = \"postgres\"\nurl_env = \"SC_DB\"\nnode_id = \"n1\"\nlease_ms = 5000"),
                            "t.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->spool_backend, "postgres");
  EXPECT_EQ(c->postgres.url, "postgresql://u:Pa55@db.example:5433/f");
  EXPECT_EQ(c->postgres.url_key, "spool.url_env (SC_DB)");
  EXPECT_EQ(c->postgres.node_id, "n1");
  EXPECT_EQ(c->postgres.lease_ms, 5000);
}

// A bound on PostgreSQL is opt-in; on SQLite the file is bounded by default.
TEST_F(SpoolConfig, MaxBytesIsUnboundedByDefaultOnPostgresOnly) {
  setenv("SC_DB", "postgresql://db/f", 1);
  auto pg = load_config_text(config("backend = \"postgres\"\nurl_env = \"SC_DB\""), "t.toml");
  ASSERT_TRUE(pg) << pg.error().message;
  EXPECT_EQ(pg->spool.max_bytes, 0);
  auto pg_set = load_config_text(config("backend = \"postgres\"\nurl_env = \"SC_DB\"\nmax_bytes = 2097152"), "t.toml");
  ASSERT_TRUE(pg_set) << pg_set.error().message;
  EXPECT_EQ(pg_set->spool.max_bytes, 2097152);
  auto sqlite = load_config_text(config(""), "t.toml");
  ASSERT_TRUE(sqlite) << sqlite.error().message;
  EXPECT_EQ(sqlite->spool.max_bytes, 1073741824);
  auto zero = load_config_text(config("max_bytes = 0"), "t.toml");
  ASSERT_FALSE(zero);
  EXPECT_NE(zero.error().message.find("spool.max_bytes"), std::string::npos) << zero.error().message;
}

TEST_F(SpoolConfig, NodeIdDefaultsToHostAndPid) {
  setenv("FANOUT_DATABASE_URL", "postgresql://db/f", 1);
  auto c = load_config_text(config("backend = \"postgres\""), "t.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_NE(c->postgres.node_id.find(':' + std::to_string(getpid())), std::string::npos) << c->postgres.node_id;
  EXPECT_EQ(c->postgres.lease_ms, 10000);
}

TEST_F(SpoolConfig, ProblemsAreNamedByKey) {
  auto missing = load_config_text(config("backend = \"postgres\"\nurl_env = \"SC_DB\""), "t.toml");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("spool.url_env"), std::string::npos) << missing.error().message;
  auto backend = load_config_text(config("backend = \"mysql\""), "t.toml");
  ASSERT_FALSE(backend);
  EXPECT_NE(backend.error().message.find("spool.backend"), std::string::npos) << backend.error().message;
  setenv("SC_DB", "postgresql://db/f", 1);
  auto lease = load_config_text(config("backend = \"postgres\"\nurl_env = \"SC_DB\"\nlease_ms = 10"), "t.toml");
  ASSERT_FALSE(lease);
  EXPECT_NE(lease.error().message.find("spool.lease_ms"), std::string::npos) << lease.error().message;
}

TEST_F(SpoolConfig, PostgresUnreachableAtStartIsOneLineNamingKeyAndHost) {
  // Nothing listens on port 1: the connection is refused at once.
  setenv("SC_DB", "postgresql://fanout:Hunter2-Secret@127.0.0.1:1/f", 1);
  auto c = load_config_text(config("backend = \"postgres\"\nurl_env = \"SC_DB\""), "t.toml");
  ASSERT_TRUE(c) << c.error().message;
  auto spool = open_spool(*c, true);
  ASSERT_FALSE(spool);
  const std::string& m = spool.error().message;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  EXPECT_NE(m.find("spool.url_env (SC_DB)"), std::string::npos) << m;
  EXPECT_NE(m.find("host 127.0.0.1 port 1"), std::string::npos) << m;
  EXPECT_EQ(m.find("Hunter2-Secret"), std::string::npos) << m;
}

}  // namespace
}  // namespace fanout::app
