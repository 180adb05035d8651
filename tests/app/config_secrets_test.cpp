// check-config's rules for the webhook secret: a list that is empty once split on commas, or holds an
// empty item, is refused (every request would get 401); a short secret is accepted with a warning.
#include <cstdlib>

#include <gtest/gtest.h>

#include "app/config.h"

namespace fanout::app {
namespace {

Result<Config> load_with_secret(const char* value) {
  setenv("CS_SECRET", value, 1);
  setenv("CS_META", "meta-token", 1);
  return load_config_text(R"([ingest]
secret_env = "CS_SECRET"
[destinations.meta]
pixel_id = "1234567890123456"
access_token_env = "CS_META"
)",
                          "secrets.toml");
}

TEST(ConfigSecrets, OnlyCommasIsRefused) {
  for (const char* value : {",", " , ", ",,,"}) {
    auto c = load_with_secret(value);
    ASSERT_FALSE(c) << "accepted '" << value << "'";
    EXPECT_NE(c.error().message.find("ingest.secret_env: the secret is empty after splitting on commas"),
              std::string::npos)
        << c.error().message;
  }
}

TEST(ConfigSecrets, AnEmptyItemInTheListIsRefused) {
  for (const char* value : {"0123456789abcdef0123,,fedcba9876543210fedc", "0123456789abcdef0123,"}) {
    auto c = load_with_secret(value);
    ASSERT_FALSE(c) << "accepted '" << value << "'";
    EXPECT_NE(c.error().message.find("empty item"), std::string::npos) << c.error().message;
    EXPECT_EQ(c.error().message.find("0123456789"), std::string::npos) << "the secret was echoed";
  }
}

TEST(ConfigSecrets, AShortSecretIsAcceptedWithAWarningThatNeverEchoesIt) {
  auto c = load_with_secret("0123456789abcdef0123456789abcdef,short1");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->warnings.size(), 1u);
  EXPECT_NE(c->warnings[0].find("secret 2 of 2 is shorter than 16"), std::string::npos) << c->warnings[0];
  EXPECT_EQ(c->warnings[0].find("short1"), std::string::npos);
}

TEST(ConfigSecrets, LongSecretsGiveNoWarning) {
  auto c = load_with_secret(" 0123456789abcdef0123456789abcdef , fedcba9876543210fedcba9876543210 ");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->warnings.empty());
  EXPECT_EQ(c->intake.secrets.size(), 2u);
}

}  // namespace
}  // namespace fanout::app
