// The gauges alerts and the dashboard read (fanout_ready, the spool size, fanout_build_info) and the fault counters.
#include "telemetry/metrics.h"

#include <gtest/gtest.h>

namespace fanout::telemetry {
namespace {

TEST(Metrics, GaugesAreRefreshedFromTheirSourceAtEachScrape) {
  Metrics metrics;
  bool writable = true;
  double live = 4096;
  metrics.on_render([&] {
    metrics.ready(writable);
    metrics.spool_size(live, 1048576);
  });
  std::string text = metrics.render();
  EXPECT_NE(text.find("fanout_ready 1"), std::string::npos) << text;
  EXPECT_NE(text.find("fanout_spool_bytes 4096"), std::string::npos) << text;
  EXPECT_NE(text.find("fanout_spool_max_bytes 1048576"), std::string::npos) << text;
  EXPECT_NE(text.find(std::string("fanout_build_info{version=\"") + FANOUT_VERSION + "\"} 1"), std::string::npos) << text;

  writable = false;
  live = -1;  // unknown: the last measured size stays
  text = metrics.render();
  EXPECT_NE(text.find("fanout_ready 0"), std::string::npos) << text;
  EXPECT_NE(text.find("fanout_spool_bytes 4096"), std::string::npos) << text;
}

// The counters of the faults docs/operations.md lists ("Limits and faults"), under the names and labels the
// alerts and the dashboard read.
TEST(Metrics, FaultCountersCarryTheirReason) {
  Metrics metrics;
  metrics.http_request_rejected("framing");
  metrics.http_request_rejected("body_budget", 3);
  metrics.connections_shed("max_connections", 16);
  metrics.connections_shed("out_of_file_descriptors", 2);
  metrics.connections_refused("max_connections");
  metrics.spool_write_failure();
  metrics.spool_write_failure();
  const std::string text = metrics.render();
  for (const char* line : {
           R"(fanout_http_requests_rejected_total{reason="framing"} 1)",
           R"(fanout_http_requests_rejected_total{reason="body_budget"} 3)",
           R"(fanout_http_connections_shed_total{reason="max_connections"} 16)",
           R"(fanout_http_connections_shed_total{reason="out_of_file_descriptors"} 2)",
           R"(fanout_http_connections_refused_total{reason="max_connections"} 1)",
           "fanout_spool_write_failures_total 2",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
}

// A counter without a label is exposed at 0 before its first fault, so rate() and alerts see a series.
TEST(Metrics, TheSpoolWriteFailureCounterStartsAtZero) {
  Metrics metrics;
  EXPECT_NE(metrics.render().find("fanout_spool_write_failures_total 0"), std::string::npos);
}

}  // namespace
}  // namespace fanout::telemetry
