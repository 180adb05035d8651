#pragma once
// One lane's OAuth token: the cached token (token_cache.h) and when to fetch the next one. A fetch goes
// through the lane's Transport when the lane has work and no usable token; a failed fetch backs off this
// lane's fetches only (full jitter, at least the endpoint's Retry-After), never its requests' retries.
// Used on the delivery thread only, like the lane that owns it.
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>

#include "delivery/token_cache.h"
#include "delivery/transport.h"
#include "destinations/destination.h"

namespace fanout::delivery {

class LaneAuth {
 public:
  // `transport`, `clock` and `options` outlive this; `uniform` draws in [0, 1) for the backoff jitter.
  LaneAuth(std::optional<dest::OAuthSettings> settings, std::string destination, const dest::DeliveryOptions& options,
           Transport& transport, const Clock& clock, std::function<double()> uniform);

  // True when build() can be given a usable token at `now_ms`. Otherwise starts a fetch, unless one is
  // under way or the fetches are backing off.
  bool ready(int64_t now_ms);
  // When ready() may next turn true without a completion: INT64_MAX while a fetch is under way.
  int64_t retry_at_ms(int64_t now_ms) const;

  bool valid(int64_t now_ms) const { return token_.valid(now_ms); }
  bool needed() const { return token_.needed(); }
  bool refreshable() const { return token_.refreshable(); }
  dest::Auth auth() const { return token_.auth(); }
  uint64_t generation() const { return token_.generation(); }
  // A 401 said the token of `generation` no longer works: drop it if it is still the current one.
  void invalidate(uint64_t generation) { token_.invalidate(generation); }

 private:
  void on_token(dest::HttpResponse&& response);

  TokenCache token_;
  std::string destination_;
  const dest::DeliveryOptions& options_;
  Transport& transport_;
  const Clock& clock_;
  std::function<double()> uniform_;
  bool fetching_ = false;
  int failures_ = 0;      // consecutive failed fetches: the backoff exponent
  int64_t retry_at_ = 0;  // no fetch before this (Unix ms)
};

}  // namespace fanout::delivery
