#pragma once
// Fault injection, set over HTTP (POST /_sandbox/faults) so tests and the demo drive it from outside:
//   {"platform":"meta","mode":"status","status":503,"count":3}
// Modes: status, rate_limit (429 + Retry-After), delay_ms, partial_failure, reject_event_ids, auth_expired.
// `count` is how many requests the fault affects (default 1; -1 = until cleared).
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"

namespace fanout::sandbox {

enum class FaultMode { status, rate_limit, delay_ms, partial_failure, reject_event_ids, auth_expired };

struct Fault {
  std::string platform;  // one of the five platform names
  FaultMode mode = FaultMode::status;
  int status = 503;              // status: the HTTP status to answer (rate_limit: 429, auth_expired: 401)
  int64_t count = 1;             // requests left to affect; -1 = forever
  int64_t retry_after_s = 1;     // rate_limit: the Retry-After header, seconds
  int64_t delay_ms = 0;          // delay_ms: how long to hold the answer
  std::vector<std::string> ids;  // reject_event_ids / partial_failure: event ids (orderId, transactionId, ...)
  std::string error_code;        // partial_failure: row error code ("" = the platform's default)
  std::string body;              // status: a custom body instead of the platform's error shape
};

// Parses the JSON of POST /_sandbox/faults. Errors ("invalid_fault") name the field.
Result<Fault> parse_fault(const std::string& json);
const char* mode_name(FaultMode mode);

// The faults in force, per platform. Thread-safe.
class FaultTable {
 public:
  // Adds `fault`, replacing the platform's fault of the same mode.
  void set(Fault fault);
  void clear();
  void clear(const std::string& platform);
  // The platform's faults, in the order they were set.
  std::vector<Fault> active(const std::string& platform) const;
  // Uses up one application of the platform's fault of `mode` (removed when its count reaches 0).
  void consume(const std::string& platform, FaultMode mode);
  // {"faults":[...]} for GET /_sandbox/faults.
  std::string json() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<Fault>> faults_;
};

}  // namespace fanout::sandbox
