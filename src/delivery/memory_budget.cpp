#include "delivery/memory_budget.h"

namespace fanout::delivery {

size_t MemoryBudget::room(size_t held) const {
  const size_t own = held < share_ ? share_ - held : 0;
  const size_t pooled = borrowed_ < pool_ ? pool_ - borrowed_ : 0;
  return own + pooled;
}

void MemoryBudget::moved(size_t before, size_t after) {
  borrowed_ += excess(after);
  borrowed_ -= excess(before);
}

}  // namespace fanout::delivery
