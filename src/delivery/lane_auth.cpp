#include "delivery/lane_auth.h"

#include <algorithm>
#include <utility>

#include "delivery/backoff.h"
#include "delivery/retry_policy.h"
#include "telemetry/log.h"

namespace fanout::delivery {

LaneAuth::LaneAuth(std::optional<dest::OAuthSettings> settings, std::string destination,
                   const dest::DeliveryOptions& options, Transport& transport, const Clock& clock,
                   std::function<double()> uniform)
    : token_(std::move(settings)),
      destination_(std::move(destination)),
      options_(options),
      transport_(transport),
      clock_(clock),
      uniform_(std::move(uniform)) {}

bool LaneAuth::ready(int64_t now_ms) {
  if (token_.valid(now_ms)) return true;
  if (!fetching_ && now_ms >= retry_at_) {
    fetching_ = true;
    transport_.start(token_.refresh_request(), options_.timeout_ms,
                     [this](dest::HttpRequest&&, dest::HttpResponse&& r, double) { on_token(std::move(r)); });
  }
  return false;
}

int64_t LaneAuth::retry_at_ms(int64_t now_ms) const {
  return fetching_ ? std::numeric_limits<int64_t>::max() : std::max(now_ms, retry_at_);
}

void LaneAuth::on_token(dest::HttpResponse&& response) {
  fetching_ = false;
  const int64_t now = clock_.now_ms();
  Status s = token_.accept(response, now);
  if (s) {
    failures_ = 0;
    log::Line("oauth_token_refreshed").str("destination", destination_).emit();
    return;
  }
  const int64_t delay =
      std::max(requested_wait_ms(response, std::nullopt, now),
               full_jitter_ms(uniform_(), failures_++, options_.retry_base_ms, options_.retry_max_ms));
  retry_at_ = now + delay;
  log::Line("oauth_token_failed", log::Level::warn)
      .str("destination", destination_)
      .str("error", s.error().message)
      .num("retry_in_ms", delay)
      .emit();
}

}  // namespace fanout::delivery
