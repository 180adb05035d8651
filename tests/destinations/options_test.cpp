// Shared destination helpers: cutting a request's events into batches.
#include "destinations/options.h"

#include <gtest/gtest.h>

#include <vector>

namespace fanout::dest {
namespace {

using Batches = std::vector<std::vector<size_t>>;

TEST(Batches, CutsInOrderIntoRunsOfAtMostMaxBatch) {
  EXPECT_EQ(batches(5, 2), (Batches{{0, 1}, {2, 3}, {4}}));
  EXPECT_EQ(batches(4, 2), (Batches{{0, 1}, {2, 3}}));
  EXPECT_EQ(batches(3, 10), (Batches{{0, 1, 2}}));
  EXPECT_TRUE(batches(0, 3).empty());
  const std::vector<size_t> group{7, 3, 9};
  EXPECT_EQ(batches(group, 2), (Batches{{7, 3}, {9}}));
}

TEST(Batches, AZeroMaxBatchMeansOneEventPerRequest) {
  EXPECT_EQ(batches(2, 0), (Batches{{0}, {1}}));
}

TEST(Options, TransportReasonIsTheSameWordsForEveryPlatformAndClipped) {
  HttpResponse r;
  r.transport_error = "Connection refused";
  EXPECT_EQ(transport_reason(r), "transport_error: Connection refused");
  r.transport_error = std::string(500, 'x') + "\n";
  EXPECT_EQ(transport_reason(r), "transport_error: " + std::string(200, 'x'));
  r.transport_error.clear();
  EXPECT_EQ(transport_reason(r), "transport_error: no answer");
}

}  // namespace
}  // namespace fanout::dest
