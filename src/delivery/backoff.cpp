#include "delivery/backoff.h"

#include <algorithm>

namespace fanout::delivery {

int64_t backoff_cap_ms(int exponent, int64_t base_ms, int64_t max_ms) {
  int64_t cap = std::max<int64_t>(base_ms, 0);
  for (int i = 0; i < exponent && cap < max_ms; ++i) cap *= 2;  // stops long before overflow: cap < max_ms
  return std::min(cap, max_ms);
}

int64_t full_jitter_ms(double u, int exponent, int64_t base_ms, int64_t max_ms) {
  u = std::clamp(u, 0.0, 1.0);
  return static_cast<int64_t>(u * static_cast<double>(backoff_cap_ms(exponent, base_ms, max_ms)));
}

}  // namespace fanout::delivery
