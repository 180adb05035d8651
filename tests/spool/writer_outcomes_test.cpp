// The rows Writer::update() leaves in `deliveries`, `outbox` and `attempts` for every kind of outcome,
// compared with a dump of those tables taken before the writer's statements were last rewritten: a
// change of how outcomes are applied (statements, grouping, order) must leave exactly the same rows.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "spool/writer.h"
#include "spool_test_util.h"

namespace fanout::spool {
namespace {

using testing::TempDir;

constexpr int64_t kT0 = 1700000000000;

// Every row of the three tables, one line each, in key order.
std::string dump(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::string out;
  for (const char* sql : {"SELECT 'd', * FROM deliveries ORDER BY seq, destination",
                          "SELECT 'o', * FROM outbox ORDER BY seq",
                          "SELECT 'a', * FROM attempts ORDER BY seq, destination, slot"}) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        if (i > 0) out += '|';
        const auto* text = sqlite3_column_text(stmt, i);
        out += text ? reinterpret_cast<const char*>(text) : "NULL";
      }
      out += '\n';
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

DeliveryUpdate outcome(int64_t seq, const std::string& destination, State state, int attempts,
                       std::optional<Attempt> attempt, std::string reason = "", int64_t next_attempt_at_ms = 0,
                       std::string last_error = "") {
  return DeliveryUpdate{seq, destination, state, std::move(reason), attempts, next_attempt_at_ms, std::move(last_error),
                        std::move(attempt)};
}

Attempt answer(int64_t at_ms, int http_status, double latency_ms, std::string error = "") {
  return Attempt{at_ms, http_status, latency_ms, std::move(error)};
}

TEST(WriterOutcomes, LeaveTheSameRowsForEveryKindOfOutcome) {
  TempDir dir;
  const std::string path = dir.path() + "/spool.db";
  Writer writer;
  ASSERT_TRUE(writer.open(path, 3600000));
  ASSERT_TRUE(writer.begin());
  std::vector<NewEvent> events;
  for (int i = 1; i <= 8; ++i) events.push_back(testing::make_event("e" + std::to_string(i), kT0 + i));
  events[7].deliveries[4] = Delivery{"tiktok", State::skipped, "consent", 0, 0, 0, ""};  // not pending from the start
  ASSERT_TRUE(writer.enqueue(events));
  ASSERT_TRUE(writer.commit());

  ASSERT_TRUE(writer.begin(Writer::Sync::normal));
  writer.update(
      {
          // A batch's result: one answer for several events, interleaved with GA4's one per event.
          outcome(1, "meta", State::delivered, 1, answer(kT0 + 100, 200, 12.5)),
          outcome(1, "ga4", State::delivered, 1, answer(kT0 + 101, 204, 3.25)),
          outcome(2, "meta", State::delivered, 1, answer(kT0 + 100, 200, 12.5)),
          outcome(2, "ga4", State::delivered, 1, answer(kT0 + 102, 204, 4.5)),
          outcome(3, "meta", State::delivered, 1, answer(kT0 + 100, 200, 12.5)),
          outcome(3, "ga4", State::delivered, 1, answer(kT0 + 102, 204, 4.5)),
          // Retries scheduled (history rows), one of them then settled in the same call.
          outcome(1, "google_ads", State::pending, 1, answer(kT0 + 110, 503, 7, "HTTP 503"), "", kT0 + 5000, "HTTP 503"),
          outcome(2, "google_ads", State::pending, 1, answer(kT0 + 110, 503, 7, "HTTP 503"), "", kT0 + 5000, "HTTP 503"),
          outcome(1, "google_ads", State::delivered, 2, answer(kT0 + 120, 200, 9)),
          // Dead letters: at the first attempt with the reason as its error (the row tells it), and not.
          outcome(1, "microsoft_ads", State::failed, 1, answer(kT0 + 130, 400, 5, "HTTP 400"), "HTTP 400"),
          outcome(2, "microsoft_ads", State::failed, 1, answer(kT0 + 130, 400, 5, "HTTP 400: bad"), "HTTP 400"),
          // Settled, then reported again in the same call: ignored.
          outcome(3, "tiktok", State::delivered, 1, answer(kT0 + 140, 200, 2)),
          outcome(3, "tiktok", State::failed, 2, answer(kT0 + 141, 500, 2, "HTTP 500"), "HTTP 500"),
          // Without an attempt: skipped, and a delivery settled without a request.
          outcome(4, "meta", State::skipped, 0, std::nullopt, "no consent"),
          outcome(4, "ga4", State::delivered, 0, std::nullopt),
          // Not pending (skipped at enqueue), unknown seq, unknown destination: ignored.
          outcome(8, "tiktok", State::delivered, 1, answer(kT0 + 150, 200, 1)),
          outcome(99, "meta", State::delivered, 1, answer(kT0 + 150, 200, 1)),
          outcome(5, "nowhere", State::delivered, 1, answer(kT0 + 150, 200, 1)),
          // Delivered at the first attempt, yet with an error to keep (history row).
          outcome(5, "meta", State::delivered, 1, answer(kT0 + 160, 200, 1, "partial: 1 of 2 kept")),
          // Every destination of event 6 settled: its outbox row goes.
          outcome(6, "meta", State::delivered, 1, answer(kT0 + 170, 200, 1)),
          outcome(6, "ga4", State::delivered, 1, answer(kT0 + 171, 204, 1)),
          outcome(6, "google_ads", State::delivered, 1, answer(kT0 + 170, 200, 1)),
          outcome(6, "microsoft_ads", State::delivered, 1, answer(kT0 + 170, 200, 1)),
          outcome(6, "tiktok", State::skipped, 0, std::nullopt, "no consent"),
      },
      kT0 + 1000);
  ASSERT_FALSE(writer.aborted());
  ASSERT_TRUE(writer.commit());

  ASSERT_TRUE(writer.begin(Writer::Sync::normal));
  writer.update(
      {
          // Already final: ignored. Still pending after a retry: a second retry, then a dead letter
          // after a third attempt (the ring's next slots).
          outcome(1, "meta", State::failed, 2, answer(kT0 + 200, 500, 1, "HTTP 500"), "HTTP 500"),
          outcome(2, "google_ads", State::pending, 2, answer(kT0 + 210, 0, 30000, "timeout"), "", kT0 + 9000, "timeout"),
          outcome(2, "google_ads", State::failed, 3, answer(kT0 + 220, 503, 8, "HTTP 503"), "retries exhausted"),
          // The rest of events 7 and 8 settle: their outbox rows go; 8's skipped one stays skipped.
          outcome(7, "meta", State::delivered, 1, answer(kT0 + 230, 200, 1)),
          outcome(8, "meta", State::delivered, 1, answer(kT0 + 230, 200, 1)),
          outcome(7, "ga4", State::delivered, 1, answer(kT0 + 231, 204, 1)),
          outcome(8, "ga4", State::delivered, 1, answer(kT0 + 232, 204, 1)),
          outcome(7, "google_ads", State::delivered, 1, answer(kT0 + 230, 200, 1)),
          outcome(8, "google_ads", State::delivered, 1, answer(kT0 + 230, 200, 1)),
          outcome(7, "microsoft_ads", State::delivered, 1, answer(kT0 + 230, 200, 1)),
          outcome(8, "microsoft_ads", State::delivered, 1, answer(kT0 + 230, 200, 1)),
          outcome(7, "tiktok", State::delivered, 1, answer(kT0 + 230, 200, 1)),
          outcome(8, "tiktok", State::delivered, 1, answer(kT0 + 230, 200, 1)),
      },
      kT0 + 2000);
  ASSERT_FALSE(writer.aborted());
  ASSERT_TRUE(writer.commit());
  writer.close();

  // Destination ids follow first use: meta 1, ga4 2, google_ads 3, microsoft_ads 4, tiktok 5.
  EXPECT_EQ(dump(path), R"(d|1|1|1||1|1700000000100|0||200|12500
d|1|2|1||1|1700000000101|0||204|3250
d|1|3|1||2|1700000000120|0||200|9000
d|1|4|2|HTTP 400|1|1700000000130|0||400|5000
d|2|1|1||1|1700000000100|0||200|12500
d|2|2|1||1|1700000000102|0||204|4500
d|2|3|2|retries exhausted|3|1700000000220|0||503|8000
d|2|4|2|HTTP 400|1|1700000000130|0||400|5000
d|3|1|1||1|1700000000100|0||200|12500
d|3|2|1||1|1700000000102|0||204|4500
d|3|5|1||1|1700000000140|0||200|2000
d|4|1|3|no consent|0|1700000001000|0||NULL|NULL
d|4|2|1||0|1700000001000|0||NULL|NULL
d|5|1|1||1|1700000000160|0||200|1000
d|6|1|1||1|1700000000170|0||200|1000
d|6|2|1||1|1700000000171|0||204|1000
d|6|3|1||1|1700000000170|0||200|1000
d|6|4|1||1|1700000000170|0||200|1000
d|6|5|3|no consent|0|1700000001000|0||NULL|NULL
d|7|1|1||1|1700000000230|0||200|1000
d|7|2|1||1|1700000000231|0||204|1000
d|7|3|1||1|1700000000230|0||200|1000
d|7|4|1||1|1700000000230|0||200|1000
d|7|5|1||1|1700000000230|0||200|1000
d|8|1|1||1|1700000000230|0||200|1000
d|8|2|1||1|1700000000232|0||204|1000
d|8|3|1||1|1700000000230|0||200|1000
d|8|4|1||1|1700000000230|0||200|1000
d|8|5|3|consent|0|1700000000008|0||NULL|NULL
o|1|32
o|2|32
o|3|24
o|4|56
o|5|60
a|1|3|0|1700000000110|503|0|HTTP 503|7000
a|1|3|1|1700000000120|200|1||9000
a|2|3|0|1700000000110|503|0|HTTP 503|7000
a|2|3|1|1700000000210|0|0|timeout|30000000
a|2|3|2|1700000000220|503|2|HTTP 503|8000
a|2|4|0|1700000000130|400|2|HTTP 400: bad|5000
a|5|1|0|1700000000160|200|1|partial: 1 of 2 kept|1000
)");
}

}  // namespace
}  // namespace fanout::spool
