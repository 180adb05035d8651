// The gauges alerts and the dashboard read: fanout_ready, the spool size, fanout_build_info.
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

}  // namespace
}  // namespace fanout::telemetry
