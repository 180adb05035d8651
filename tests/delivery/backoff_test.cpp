#include "delivery/backoff.h"

#include <gtest/gtest.h>

namespace fanout::delivery {
namespace {

TEST(Backoff, CapDoublesFromBaseUntilMax) {
  EXPECT_EQ(backoff_cap_ms(0, 1000, 300000), 1000);
  EXPECT_EQ(backoff_cap_ms(1, 1000, 300000), 2000);
  EXPECT_EQ(backoff_cap_ms(5, 1000, 300000), 32000);
  EXPECT_EQ(backoff_cap_ms(9, 1000, 300000), 300000);
  EXPECT_EQ(backoff_cap_ms(10000, 1000, 300000), 300000);  // huge exponents do not overflow
  EXPECT_EQ(backoff_cap_ms(-3, 1000, 300000), 1000);
}

TEST(Backoff, FullJitterSpansZeroToCap) {
  EXPECT_EQ(full_jitter_ms(0.0, 3, 100, 10000), 0);
  EXPECT_EQ(full_jitter_ms(0.5, 3, 100, 10000), 400);
  EXPECT_EQ(full_jitter_ms(0.999, 3, 100, 10000), 799);
  EXPECT_EQ(full_jitter_ms(1.5, 3, 100, 10000), 800);  // u is clamped to [0, 1]
}

}  // namespace
}  // namespace fanout::delivery
