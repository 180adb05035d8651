#include "delivery/backoff.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace fanout::delivery {
namespace {
constexpr int64_t kMaxRetryAfterMs = 24LL * 3600 * 1000;
}

int64_t backoff_cap_ms(int exponent, int64_t base_ms, int64_t max_ms) {
  int64_t cap = std::max<int64_t>(base_ms, 0);
  for (int i = 0; i < exponent && cap < max_ms; ++i) cap *= 2;  // stops long before overflow: cap < max_ms
  return std::min(cap, max_ms);
}

int64_t full_jitter_ms(double u, int exponent, int64_t base_ms, int64_t max_ms) {
  u = std::clamp(u, 0.0, 1.0);
  return static_cast<int64_t>(u * static_cast<double>(backoff_cap_ms(exponent, base_ms, max_ms)));
}

std::optional<int64_t> parse_retry_after_ms(std::string_view value, int64_t now_ms) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
  if (value.empty() || value.size() > 64) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return kMaxRetryAfterMs;
    int64_t seconds = std::stoll(std::string(value));
    return std::min(seconds * 1000, kMaxRetryAfterMs);
  }
  std::string text(value);
  time_t at = curl_getdate(text.c_str(), nullptr);  // RFC 7231 HTTP-date and its legacy forms
  if (at < 0) return std::nullopt;
  int64_t wait = static_cast<int64_t>(at) * 1000 - now_ms;
  return std::clamp<int64_t>(wait, 0, kMaxRetryAfterMs);
}

}  // namespace fanout::delivery
