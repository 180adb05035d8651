#pragma once
// The Destinations view's numbers. Counts and backlog come from the process's own Prometheus metrics
// (since this process started: reading them costs nothing, where counting the spool's rows would scan
// it); the events-per-second series are sampled from the same counters every kSampleEvery.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace fanout::console {

// The counters the console reads from the Prometheus text of telemetry::Metrics::render().
struct MetricsSnapshot {
  double accepted = 0;                                      // fanout_events_accepted_total
  std::map<std::string, std::map<std::string, double>> deliveries;  // destination -> outcome -> count
  std::map<std::string, double> queue_depth;                // destination -> fanout_queue_depth
};

// Reads the few series above from Prometheus text exposition format; anything else is ignored.
MetricsSnapshot parse_metrics(std::string_view text);

// Per-second rates over the last minutes, from snapshots taken every kSampleEvery.
class RateHistory {
 public:
  static constexpr std::chrono::seconds kSampleEvery{5};
  static constexpr size_t kSamples = 60;  // 60 x 5 s = the last 5 minutes

  // Records a snapshot taken at `at_ms` (Unix ms).
  void add(int64_t at_ms, const MetricsSnapshot& snapshot);

  // {"step_s":5,"until_ms":..,"accepted":[..],"destinations":{"meta":{"delivered":[..]}}} fragments:
  // appends the JSON members "rates" (without braces around the document).
  void append_json(std::string& out) const;

 private:
  mutable std::mutex mu_;  // add() runs on the console's worker thread, append_json too; kept simple
  struct Sample {
    int64_t at_ms = 0;
    double accepted = 0;
    std::map<std::string, double> finished;  // destination -> delivered + failed + skipped
  };
  std::deque<Sample> samples_;  // oldest first, at most kSamples + 1
};

}  // namespace fanout::console
