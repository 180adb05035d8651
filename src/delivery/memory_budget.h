#pragma once
// How many events the delivery lanes together keep in memory. Each lane may always hold `share` events
// of its own and borrow more from one pool common to all lanes; a lane past its share is the one refused
// when the pool runs dry. So the total stays under lanes * share + pool, and a stalled platform hoarding
// the pool never starves a healthy lane of its share. Refused events stay in the spool and are read back
// later (the lane's backlog mode). Used on the delivery thread only.
#include <cstddef>

namespace fanout::delivery {

class MemoryBudget {
 public:
  MemoryBudget(size_t share, size_t pool) : share_(share), pool_(pool) {}

  // How many more events a lane that holds `held` may take now.
  size_t room(size_t held) const;

  // A lane's holding went from `before` to `after` events: keeps count of what is borrowed from the pool.
  void moved(size_t before, size_t after);

  // Events held past their lane's share, all lanes together (<= pool).
  size_t borrowed() const { return borrowed_; }

 private:
  size_t excess(size_t held) const { return held > share_ ? held - share_ : 0; }

  size_t share_;
  size_t pool_;
  size_t borrowed_ = 0;
};

}  // namespace fanout::delivery
