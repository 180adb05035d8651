// The sandbox's per-event-id counter: counts, the cap, growth past many ids, order and reset.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sandbox/id_counts.h"

namespace fanout::sandbox {
namespace {

TEST(SandboxIdCounts, CountsEachArrival) {
  IdCounts ids;
  EXPECT_EQ(ids.count("a"), 0u);
  EXPECT_EQ(ids.add("a", 10), IdCounts::Added::first);
  EXPECT_EQ(ids.add("b", 10), IdCounts::Added::first);
  EXPECT_EQ(ids.add("a", 10), IdCounts::Added::again);
  EXPECT_EQ(ids.count("a"), 2u);
  EXPECT_EQ(ids.count("b"), 1u);
  EXPECT_EQ(ids.count("c"), 0u);
  EXPECT_EQ(ids.size(), 2u);
}

TEST(SandboxIdCounts, NewIdsBeyondTheCapAreDroppedButKnownOnesStillCount) {
  IdCounts ids;
  EXPECT_EQ(ids.add("a", 2), IdCounts::Added::first);
  EXPECT_EQ(ids.add("b", 2), IdCounts::Added::first);
  EXPECT_EQ(ids.add("c", 2), IdCounts::Added::dropped);
  EXPECT_EQ(ids.add("a", 2), IdCounts::Added::again);
  EXPECT_EQ(ids.count("c"), 0u);
  EXPECT_EQ(ids.size(), 2u);
}

TEST(SandboxIdCounts, KeepsEveryIdAcrossGrowthInArrivalOrder) {
  IdCounts ids;
  const int n = 100000;  // many times the initial table
  for (int i = 0; i < n; ++i) ASSERT_EQ(ids.add("event-" + std::to_string(i), n), IdCounts::Added::first);
  for (int i = 0; i < n; i += 2) ids.add("event-" + std::to_string(i), n);
  ASSERT_EQ(ids.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) ASSERT_EQ(ids.count("event-" + std::to_string(i)), i % 2 == 0 ? 2u : 1u) << i;
  int next = 0;
  ids.for_each([&](std::string_view id, uint64_t count) {
    EXPECT_EQ(id, "event-" + std::to_string(next));
    EXPECT_EQ(count, next % 2 == 0 ? 2u : 1u);
    ++next;
  });
  EXPECT_EQ(next, n);
}

TEST(SandboxIdCounts, ClearForgetsEverything) {
  IdCounts ids;
  ids.add("a", 10);
  ids.clear();
  EXPECT_EQ(ids.size(), 0u);
  EXPECT_EQ(ids.count("a"), 0u);
  EXPECT_EQ(ids.add("a", 10), IdCounts::Added::first);
}

TEST(SandboxIdCounts, IdsThatAreEmptyOrBinaryAreKeysLikeAnyOther) {
  IdCounts ids;
  const std::string binary("x\0y", 3);
  ids.add(binary, 10);
  ids.add("x", 10);
  EXPECT_EQ(ids.count(binary), 1u);
  EXPECT_EQ(ids.count("x"), 1u);
  EXPECT_EQ(ids.count(std::string_view("x\0z", 3)), 0u);
}

}  // namespace
}  // namespace fanout::sandbox
