#pragma once
// The one log line per delivery attempt (docs/operations.md, "Logs"): destination, outcome, http_status, latency_ms,
// batch_size, attempt and the event ids (or only their count for big batches). Never bodies or tokens.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::delivery {

// Batches up to this size list their event ids; bigger ones log event_count only.
inline constexpr size_t kMaxLoggedEventIds = 20;

struct AttemptRecord {
  std::string_view destination;
  std::string_view outcome;  // delivered | retry | failed | partial | split | refresh_auth
  int http_status = 0;       // 0 = no HTTP answer
  double latency_ms = 0;
  int attempt = 0;                          // highest attempt number among the batch's events (1 = first try)
  std::vector<std::string_view> event_ids;  // every event of the request
  std::string_view error;  // first non-delivered reason ("" when all delivered); operator-facing, no PII
};

void log_attempt(const AttemptRecord& record);

}  // namespace fanout::delivery
