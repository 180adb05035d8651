#pragma once
// Retry timing: exponential backoff with full jitter (the platform's Retry-After: retry_policy.h).
// Full jitter (a delay drawn uniformly from [0, cap]) spreads the retries of many events and many
// gateways over the whole interval instead of synchronising them into waves.
#include <cstdint>

namespace fanout::delivery {

// min(max_ms, base_ms * 2^exponent), without overflow; exponent < 0 counts as 0.
int64_t backoff_cap_ms(int exponent, int64_t base_ms, int64_t max_ms);

// A full-jitter delay: u * backoff_cap_ms(...), with u in [0, 1) supplied by the caller (testable).
int64_t full_jitter_ms(double u, int exponent, int64_t base_ms, int64_t max_ms);

}  // namespace fanout::delivery
