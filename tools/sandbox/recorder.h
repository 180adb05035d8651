#pragma once
// What one fake platform received: counters, how many times each event id arrived, and a bounded ring
// of the last requests (for debugging and for tests that check what was sent). Thread-safe.
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/id_counts.h"
#include "sandbox/json.h"

namespace fanout::sandbox {

struct PlatformStats {
  uint64_t requests = 0;           // requests to the platform's event endpoints, whatever the answer
  uint64_t events = 0;             // events the platform accepted (rows that failed are not counted)
  uint64_t rejected_requests = 0;  // requests refused for their content or credentials
  uint64_t faulted_requests = 0;   // requests answered by an injected status / rate_limit / auth_expired
  uint64_t duplicate_events = 0;   // accepted events whose id had been accepted before
  uint64_t token_requests = 0;     // calls to the OAuth token endpoint
};

// One received request as kept in the ring, as it arrived (moved in, not copied: most requests are never
// looked at). Credentials are redacted when the ring is shown (requests_json).
struct RecordedRequest {
  std::string method;
  std::string target;                          // path and query
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  bool body_is_json = false;  // embed the body as JSON rather than as a string
  int status = 0;             // the status the sandbox answered
};

class Recorder {
 public:
  static constexpr size_t kMaxEventIds = 2000000;    // distinct ids remembered; more are only counted
  static constexpr size_t kMaxRing = 200;            // requests kept
  static constexpr size_t kMaxRingBytes = 32 << 20;  // body bytes kept in the ring

  // Records one event-endpoint request and its accepted events ("" for an event without an id).
  void request(RecordedRequest recorded, const std::vector<std::string_view>& accepted_ids, bool rejected,
               bool faulted);
  void token_request();

  PlatformStats stats() const;
  // How many times `event_id` was accepted (0 = never).
  uint64_t event_id_count(std::string_view event_id) const;
  // The last `n` requests' bodies, oldest first.
  std::vector<std::string> last_bodies(size_t n) const;

  // {"requests":..,"events":..,...} (and "event_ids":{...} when `with_ids`).
  std::string stats_json(bool with_ids) const;
  // {"event_ids":{"id":count,...},"dropped_ids":N}
  std::string event_ids_json() const;
  // {"requests":[{"method","target","headers","body","status"},...]} for the last `n`, oldest first, with
  // credentials (access_token, api_secret, authorization, access-token, developer tokens, cookies) redacted.
  std::string requests_json(size_t n) const;

  void reset();

 private:
  void write_ids(JsonOut& j) const;  // {"<id>":count,...}

  mutable std::mutex mutex_;
  PlatformStats stats_;
  IdCounts ids_;
  uint64_t dropped_ids_ = 0;  // accepted events whose id was not remembered (cap reached)
  std::deque<RecordedRequest> ring_;
  size_t ring_bytes_ = 0;
};

}  // namespace fanout::sandbox
