// A spool written by release 0.1.0 must still deliver after an upgrade: its payloads (testdata/spool/v0.1.0,
// written by that release's encoder through intake) decode with today's code, every hash landing in the field
// of the rule it was made by, and re-encode under today's keys without loss.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/event_codec.h"
#include "core/sha256.h"

namespace fanout {
namespace {

namespace fs = std::filesystem;

std::string payload(const std::string& name) {
  const fs::path path = fs::path(FANOUT_SOURCE_DIR) / "testdata" / "spool" / "v0.1.0" / (name + ".payload.json");
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

Event decoded(const std::string& name) {
  auto e = decode_event(payload(name));
  EXPECT_TRUE(e.has_value()) << name << ": " << (e ? "" : e.error().message);
  return e ? *e : Event{};
}

TEST(EventUpgrade, EmailVariantsNamedByPlatformMoveToTheirRule) {
  const Event e = decoded("up-full");
  const HashedUser& u = e.user;
  // 0.1.0's email_sha256 / email_google_sha256 / email_ms_capi_sha256 are today's lowercase / Gmail / no-dots-tag rules.
  EXPECT_EQ(u.email_lower_sha256, (std::vector<std::string>{sha256_hex("jane.doe+crm@gmail.com"),
                                                             sha256_hex("ann.lee+x@outlook.com")}));
  EXPECT_EQ(u.email_gmail_sha256,
            (std::vector<std::string>{sha256_hex("janedoe@gmail.com"), sha256_hex("ann.lee+x@outlook.com")}));
  EXPECT_EQ(u.email_no_dots_tag_sha256,
            (std::vector<std::string>{sha256_hex("janedoe@gmail.com"), sha256_hex("annlee@outlook.com")}));
  EXPECT_EQ(u.phone_e164_sha256.front(), sha256_hex("+16505551212"));
  EXPECT_EQ(u.phone_digits_sha256.front(), sha256_hex("16505551212"));
  EXPECT_EQ(u.first_name_words_sha256, u.first_name_sha256);  // "zoë" under both rules
  EXPECT_EQ(u.postal_code, "63101");
  EXPECT_EQ(u.external_id, "CRM-42");
}

TEST(EventUpgrade, EveryOtherFieldSurvives) {
  const Event e = decoded("up-full");
  EXPECT_EQ(e.event_id, "up-full");
  EXPECT_EQ(e.event_time, 1764800000);
  EXPECT_EQ(e.received_at_ms, 1764800100000);
  EXPECT_EQ(e.action_source, "website");
  EXPECT_EQ(e.ids.ga_client_id, "1197596843.1673515099");
  EXPECT_EQ(e.value, 125.5);
  ASSERT_EQ(e.contents.size(), 1u);
  EXPECT_EQ(e.contents[0].price, 62.75);
  EXPECT_EQ(e.ad_personalization, Consent::denied);
  EXPECT_EQ(e.properties_json, R"({"coupon":"X1"})");
  EXPECT_EQ(e.destinations.at("meta").test_event_code, "TEST1");
  EXPECT_FALSE(e.destinations.at("tiktok").enabled);
}

TEST(EventUpgrade, ReencodesUnderTodaysKeysWithoutLoss) {
  for (const char* name : {"up-full", "up-hashed", "up-intl"}) {
    const Event old = decoded(name);
    const std::string today = encode_event(old);
    for (const char* legacy : {"\"email_sha256\"", "email_google_sha256", "email_ms_capi_sha256",
                               "email_ms_offline_sha256", "first_name_google_sha256"}) {
      EXPECT_EQ(today.find(legacy), std::string::npos) << name << " still writes " << legacy;
    }
    auto again = decode_event(today);
    ASSERT_TRUE(again.has_value()) << name;
    EXPECT_EQ(encode_event(*again), today) << name;
  }
}

TEST(EventUpgrade, PreHashedValuesOfTheOldReleaseStayWhereTheyWere) {
  // 0.1.0 copied a caller's hash into every variant; those copies decode as they were written.
  const Event e = decoded("up-hashed");
  const std::string email = "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f";
  EXPECT_EQ(e.user.email_lower_sha256, std::vector<std::string>{email});
  EXPECT_EQ(e.user.email_gmail_sha256, std::vector<std::string>{email});
  EXPECT_EQ(e.user.phone_e164_sha256, e.user.phone_digits_sha256);
}

}  // namespace
}  // namespace fanout
