#pragma once
// The delivery engine: one lane (delivery/lane.h) per enabled destination (own queue, batching, max_in_flight,
// backoff, OAuth token), all driven by one delivery thread over libcurl's multi interface.
// A slow or failing destination never delays another.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/event.h"
#include "destinations/destination.h"
#include "spool/accepted.h"
#include "spool/spool.h"
#include "telemetry/metrics.h"

namespace fanout::delivery {

// An event just committed to the spool, with the destinations it is pending for (spool/accepted.h).
using Accepted = spool::Accepted;

// In-memory bounds. Events past them stay in the spool and are read back when there is room, so the
// bounds cost re-reads, never events. A lane holds at most
//   min(max_queued_per_destination, max(spool_page, 2 * max_in_flight * max_batch))
// events: twice what it can have in flight (more would not make it faster, only bigger). All lanes
// together hold at most lanes * lane_share + shared_pool (MemoryBudget): ~3 KB per decoded event (the
// Event itself is 1,456 bytes, its hashes and texts the rest; jemalloc's statistics at a batched backlog,
// 2026-12-04), so the defaults bound the five lanes to 11,000 events (~35 MB) even when every platform is
// down.
struct EngineOptions {
  size_t max_queued_per_destination = 10000;  // one lane's ceiling (events); also bounds the hand-over inbox
  size_t lane_share = 1000;                   // events each lane may always hold
  size_t shared_pool = 6000;                  // events lanes may hold beyond their share, all lanes together
  size_t spool_page = 2000;                   // rows read per load_pending() page
  int64_t purge_interval_ms = 3600000;        // how often delivered/failed records past the window are purged
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;
};

class Engine {
 public:
  // `destinations` are the enabled ones; they, `spool` and `metrics` outlive the engine.
  Engine(std::vector<const dest::Destination*> destinations, spool::Spool& spool, telemetry::Metrics& metrics,
         EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Starts the delivery thread; every pending delivery in the spool resumes.
  void start();

  // Hands freshly committed events to their lanes. Thread-safe, never blocks on I/O.
  void submit(std::vector<Accepted> events);

  // Stops taking new work, lets in-flight requests finish (bounded by their timeout and `deadline`),
  // records their outcomes, leaves everything else pending in the spool, joins the thread.
  void stop(std::chrono::milliseconds deadline);

  // In-memory queue depth per destination (approximate, for tests and /metrics).
  std::map<std::string, size_t> queue_depths() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fanout::delivery
