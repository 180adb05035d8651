// Which commits fsync: every transaction that acknowledges something runs at synchronous=FULL, one of
// delivery-state updates alone at NORMAL. Read back from SQLite itself, since a PRAGMA kept as a prepared
// statement takes effect when compiled, not when run (that mistake once left every commit at NORMAL).
#include <gtest/gtest.h>

#include "spool/writer.h"
#include "spool_test_util.h"

namespace fanout::spool {
namespace {

using testing::TempDir;

constexpr int64_t kFull = 2, kNormal = 1;

TEST(WriterSync, AcknowledgingTransactionsRunAtFullAndUpdateOnlyOnesAtNormal) {
  TempDir dir;
  Writer writer;
  ASSERT_TRUE(writer.open(dir.path() + "/spool.db", 3600000));
  EXPECT_EQ(writer.synchronous().value_or(-1), kFull);  // after open

  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(writer.begin(Writer::Sync::full));
    EXPECT_EQ(writer.synchronous().value_or(-1), kFull) << round;
    ASSERT_TRUE(writer.enqueue({testing::make_event("e" + std::to_string(round), 1700000000000)}));
    ASSERT_TRUE(writer.commit());

    ASSERT_TRUE(writer.begin(Writer::Sync::normal));
    EXPECT_EQ(writer.synchronous().value_or(-1), kNormal) << round;
    ASSERT_TRUE(writer.commit());
  }
  // A replay or a purge after an update-only transaction is back at FULL.
  ASSERT_TRUE(writer.replay("meta", "e0", 1700000000000));
  EXPECT_EQ(writer.synchronous().value_or(-1), kFull);
  writer.close();
}

}  // namespace
}  // namespace fanout::spool
