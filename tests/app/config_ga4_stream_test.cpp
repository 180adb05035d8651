// The configured GA4 measurement id reaches intake: the legacy route reads GA4's session from the
// `_ga_<stream>` cookie of that stream (tests/ingest/legacy_test.cpp has the cookie itself).
#include <cstdlib>

#include <gtest/gtest.h>

#include "app/config.h"

namespace fanout::app {
namespace {

TEST(ConfigGa4Stream, TheMeasurementIdReachesIntake) {
  setenv("CG_SECRET", "0123456789abcdef0123456789abcdef", 1);
  setenv("CG_GA4", "ga4-api-secret", 1);
  auto c = load_config_text(R"([ingest]
secret_env = "CG_SECRET"
[destinations.ga4]
measurement_id = "G-SM37QL5J42"
api_secret_env = "CG_GA4"
)",
                            "ga4.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->intake.ga4_measurement_id, "G-SM37QL5J42");
}

TEST(ConfigGa4Stream, NoGa4DestinationLeavesItEmpty) {
  setenv("CG_SECRET", "0123456789abcdef0123456789abcdef", 1);
  setenv("CG_META", "meta-token", 1);
  auto c = load_config_text(R"([ingest]
secret_env = "CG_SECRET"
[destinations.meta]
pixel_id = "1234567890123456"
access_token_env = "CG_META"
)",
                            "meta.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->intake.ga4_measurement_id, "");
}

}  // namespace
}  // namespace fanout::app
