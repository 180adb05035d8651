// fanout_outcomes: the rows bound are read back column by column, NULLs where there was no attempt,
// nothing when the argument is not rows bound by bind_outcome_rows(), and a join looks each row up
// in the other table rather than scanning it.
#include "spool/outcome_rows.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fanout::spool {
namespace {

class OutcomeRowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    ASSERT_TRUE(register_outcome_rows(db_));
  }
  void TearDown() override { sqlite3_close(db_); }

  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db_);
    return stmt;
  }

  // Every row the statement returns, columns joined by '|', NULL as "NULL".
  static std::vector<std::string> rows(sqlite3_stmt* stmt) {
    std::vector<std::string> out;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      std::string line;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        if (i > 0) line += '|';
        const auto* text = sqlite3_column_text(stmt, i);
        line += text ? reinterpret_cast<const char*>(text) : "NULL";
      }
      out.push_back(line);
    }
    EXPECT_EQ(rc, SQLITE_DONE);
    sqlite3_finalize(stmt);
    return out;
  }

  sqlite3* db_ = nullptr;
};

std::vector<OutcomeRow> two_rows() {
  OutcomeRow attempted{7, 3, 1, "", 2, 1000, 0, "", true, 200, 12500, "HTTP 503", 1};
  OutcomeRow skipped{9, 5, 3, "no consent", 0, 2000, 3000, "timeout", false, 404, 99, "ignored", 4};
  return {attempted, skipped};
}

TEST_F(OutcomeRowsTest, ReadsEveryColumnOfTheBoundRows) {
  const auto bound = two_rows();
  sqlite3_stmt* stmt = prepare(
      "SELECT seq, destination, state, reason, attempts, updated_at_ms, next_attempt_at_ms, last_error, "
      "http_status, latency_us, error, slot, typeof(reason) FROM fanout_outcomes(?1)");
  ASSERT_EQ(bind_outcome_rows(stmt, 1, &bound), SQLITE_OK);
  EXPECT_EQ(rows(stmt), (std::vector<std::string>{"7|3|1||2|1000|0||200|12500|HTTP 503|1|text",
                                                  "9|5|3|no consent|0|2000|3000|timeout|NULL|NULL|NULL|4|text"}));
}

TEST_F(OutcomeRowsTest, AnythingButBoundRowsReadsAsNoRows) {
  const auto bound = two_rows();
  EXPECT_TRUE(rows(prepare("SELECT seq FROM fanout_outcomes(NULL)")).empty());
  EXPECT_TRUE(rows(prepare("SELECT seq FROM fanout_outcomes")).empty());
  // A pointer bound under another type name reads as NULL (sqlite3_bind_pointer's check).
  sqlite3_stmt* stmt = prepare("SELECT seq FROM fanout_outcomes(?1)");
  ASSERT_EQ(sqlite3_bind_pointer(stmt, 1, const_cast<std::vector<OutcomeRow>*>(&bound), "carray", nullptr),
            SQLITE_OK);
  EXPECT_TRUE(rows(stmt).empty());
  const std::vector<OutcomeRow> none;
  stmt = prepare("SELECT seq FROM fanout_outcomes(?1)");
  ASSERT_EQ(bind_outcome_rows(stmt, 1, &none), SQLITE_OK);
  EXPECT_TRUE(rows(stmt).empty());
}

TEST_F(OutcomeRowsTest, AJoinLooksEachRowUpInTheOtherTable) {
  ASSERT_EQ(sqlite3_exec(db_,
                         "CREATE TABLE outbox(seq INTEGER PRIMARY KEY, pending INTEGER NOT NULL);"
                         "INSERT INTO outbox(seq, pending) VALUES(7, 8), (8, 8), (9, 2);",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  const char* join =
      "SELECT r.seq FROM fanout_outcomes(?1) r JOIN outbox o ON o.seq = r.seq "
      "WHERE ((o.pending >> r.destination) & 1) = 1";
  const auto bound = two_rows();
  sqlite3_stmt* stmt = prepare(join);
  ASSERT_EQ(bind_outcome_rows(stmt, 1, &bound), SQLITE_OK);
  EXPECT_EQ(rows(stmt), std::vector<std::string>{"7"});  // 9's bit 5 is not pending
  stmt = prepare((std::string("EXPLAIN QUERY PLAN ") + join).c_str());
  std::string plan;
  for (const auto& line : rows(stmt)) plan += line + "\n";
  EXPECT_NE(plan.find("SCAN r VIRTUAL TABLE"), std::string::npos) << plan;
  EXPECT_NE(plan.find("SEARCH o USING INTEGER PRIMARY KEY"), std::string::npos) << plan;
}

}  // namespace
}  // namespace fanout::spool
