#include "console/counts.h"

#include <algorithm>

#include "core/clock.h"

namespace fanout::console {

SpoolCounts::Clock::time_point SpoolCounts::next_due(Clock::time_point finished, Clock::duration took) {
  return finished + std::max<Clock::duration>(kRefreshEvery, took * kCostFactor);
}

const SpoolCounts::Snapshot& SpoolCounts::get(spool::Spool& spool, Clock::time_point now) {
  if (now < due_) return snapshot_;
  const auto started = Clock::now();
  auto counts = spool.state_counts();
  const auto took = Clock::now() - started;
  if (!counts) {
    due_ = now + kRefreshEvery;
    return snapshot_;
  }
  Snapshot next;
  next.at_ms = now_ms();
  for (const spool::StateCount& c : *counts) next.counts[c.destination][c.state] += c.count;
  snapshot_ = std::move(next);
  due_ = next_due(now, took);
  return snapshot_;
}

}  // namespace fanout::console
