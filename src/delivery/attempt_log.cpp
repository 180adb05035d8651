#include "delivery/attempt_log.h"

#include "telemetry/log.h"

namespace fanout::delivery {

void log_attempt(const AttemptRecord& r) {
  const log::Level level = r.outcome == "delivered" ? log::Level::info : log::Level::warn;
  if (level < log::level()) return;  // filtered out: the id list is not built either
  log::Line line("delivery_attempt", level);
  line.str("destination", r.destination)
      .str("outcome", r.outcome)
      .num("http_status", static_cast<int64_t>(r.http_status))
      .num("latency_ms", r.latency_ms)
      .num("batch_size", static_cast<int64_t>(r.event_ids.size()))
      .num("attempt", static_cast<int64_t>(r.attempt));
  if (r.event_ids.size() <= kMaxLoggedEventIds) {
    std::string ids;
    ids.reserve(2 + r.event_ids.size() * 40);  // a quoted UUID and a comma each, usually
    ids.push_back('[');
    for (size_t i = 0; i < r.event_ids.size(); ++i) {
      if (i) ids.push_back(',');
      log::append_json_string(ids, r.event_ids[i]);
    }
    ids.push_back(']');
    line.raw("event_ids", ids);
  } else {
    line.num("event_count", static_cast<int64_t>(r.event_ids.size()));
  }
  if (!r.error.empty()) line.str("error", r.error);
  line.emit();
}

}  // namespace fanout::delivery
