// The configured GA4 measurement id reaches intake: the legacy route reads GA4's session from the
// `_ga_<stream>` cookie of that stream (tests/ingest/legacy_test.cpp has the cookie itself).
#include <cstdlib>

#include <gtest/gtest.h>

#include "app/config.h"

namespace fanout::app {
namespace {

// A config with the webhook secret and `destination` (one destination's table).
std::string ga4_stream_of(const std::string& destination) {
  setenv("CG_SECRET", "0123456789abcdef0123456789abcdef", 1);
  setenv("CG_TOKEN", "platform-token", 1);
  auto c = load_config_text("[ingest]\nsecret_env = \"CG_SECRET\"\n" + destination, "ga4.toml");
  EXPECT_TRUE(c) << c.error().message;
  return c ? c->intake.ga4_measurement_id : "(failed)";
}

TEST(ConfigGa4Stream, TheMeasurementIdReachesIntake) {
  EXPECT_EQ(ga4_stream_of("[destinations.ga4]\nmeasurement_id = \"G-SM37QL5J42\"\napi_secret_env = \"CG_TOKEN\"\n"),
            "G-SM37QL5J42");
}

TEST(ConfigGa4Stream, NoGa4DestinationLeavesItEmpty) {
  EXPECT_EQ(ga4_stream_of("[destinations.meta]\npixel_id = \"1234567890123456\"\naccess_token_env = \"CG_TOKEN\"\n"), "");
}

}  // namespace
}  // namespace fanout::app
