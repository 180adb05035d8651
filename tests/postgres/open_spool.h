#pragma once
// Test helper: a started PostgresSpool for node `node` on the test's server (nullptr, with a test
// failure, when it does not start).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "postgres/pg_server.h"
#include "spool/postgres_spool.h"

namespace fanout::pgtest {

inline std::unique_ptr<spool::PostgresSpool> open_spool(const PgServer& server, const std::string& node) {
  spool::PostgresOptions o;
  o.url = server.url();
  o.node_id = node;
  auto s = std::make_unique<spool::PostgresSpool>(o);
  auto started = s->start();
  EXPECT_TRUE(started) << (started ? "" : started.error().message);
  return started ? std::move(s) : nullptr;
}

}  // namespace fanout::pgtest
