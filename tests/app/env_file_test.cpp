// The environment file `serve --env-file` reads (systemd's EnvironmentFile format).
#include "app/env_file.h"

#include <gtest/gtest.h>

namespace fanout::app {
namespace {

TEST(EnvFile, ReadsNamesAndValuesLikeSystemd) {
  auto env = parse_env_text(
      "# comment\n; also a comment\n\nA=1\n  B = spaced value  \nC=\"quoted \\\"x\\\" \\\\ y\"\nD='single # kept'\n"
      "E=\nF=a=b\r\n",
      "f.env");
  ASSERT_TRUE(env) << env.error().message;
  EXPECT_EQ(env->size(), 6u);
  EXPECT_EQ(env->at("A"), "1");
  EXPECT_EQ(env->at("B"), "spaced value");
  EXPECT_EQ(env->at("C"), "quoted \"x\" \\ y");
  EXPECT_EQ(env->at("D"), "single # kept");
  EXPECT_EQ(env->at("E"), "");
  EXPECT_EQ(env->at("F"), "a=b");
}

TEST(EnvFile, AMalformedLineIsAnErrorNamingTheLineNotItsContent) {
  for (const std::string bad : {"SECRET_VALUE_123\n", "1X=secret\n", "X=\"secret\n", "BAD-NAME=secret\n"}) {
    auto env = parse_env_text("OK=1\n" + bad, "/etc/fanout/fanout.env");
    ASSERT_FALSE(env) << bad;
    EXPECT_NE(env.error().message.find("/etc/fanout/fanout.env:2"), std::string::npos) << env.error().message;
    EXPECT_EQ(env.error().message.find("secret"), std::string::npos) << env.error().message;
    EXPECT_EQ(env.error().message.find("SECRET"), std::string::npos) << env.error().message;
  }
}

TEST(EnvFile, AMissingFileIsAnError) {
  auto env = read_env_file("/nonexistent/fanout.env");
  ASSERT_FALSE(env);
  EXPECT_NE(env.error().message.find("/nonexistent/fanout.env"), std::string::npos);
}

}  // namespace
}  // namespace fanout::app
