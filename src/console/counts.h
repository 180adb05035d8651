#pragma once
// The Destinations view's delivered / failed / skipped / pending counts, read from the spool: every
// event it still holds (the 7-day idempotency window; the hourly purge drops older finished events),
// so they survive restarts and, on a shared PostgreSQL spool, cover every node. Counting scans every
// delivery row, so one count is shared by every request until it is older than kRefreshEvery or, on a
// big spool, kCostFactor times what it took: counting then costs the console's worker at most
// 1/kCostFactor of its time however big the spool is, and nothing while nobody looks.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "spool/spool.h"

namespace fanout::console {

class SpoolCounts {
 public:
  using Clock = std::chrono::steady_clock;
  // A count younger than this is reused.
  static constexpr std::chrono::seconds kRefreshEvery{5};
  // ... and so is one younger than this many times its own duration (a 1 s count: every 20 s).
  static constexpr int kCostFactor = 20;

  struct Snapshot {
    std::map<std::string, std::map<spool::State, int64_t>> counts;  // destination -> state -> count
    int64_t at_ms = 0;  // Unix ms when counted; 0 = never (the spool could not be counted yet)
  };

  // The counts, counted again first when due. A failed count keeps the last good one (at_ms tells its
  // age) and is tried again kRefreshEvery later. `now` is a parameter for the tests.
  const Snapshot& get(spool::Spool& spool, Clock::time_point now = Clock::now());

  // When a count that finished at `finished` after running for `took` is due again.
  static Clock::time_point next_due(Clock::time_point finished, Clock::duration took);

 private:
  Snapshot snapshot_;
  Clock::time_point due_{};  // the epoch: the first get() counts
};

}  // namespace fanout::console
