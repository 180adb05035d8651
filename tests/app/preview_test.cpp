// `fanout preview` from canonical input to each platform's request: the platforms' published
// normalization examples must come out as their published hashes, secrets never appear, and every
// skip carries its reason.
#include "app/preview.h"

#include <cstdlib>

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include "core/clock.h"

namespace fanout::app {
namespace {

const char* kConfig = R"([ingest]
secret_env = "PV_SECRET"
[destinations.meta]
pixel_id = "1234567890123456"
access_token_env = "PV_META"
[destinations.ga4]
measurement_id = "G-TEST12345"
api_secret_env = "PV_GA4"
[destinations.google_ads]
customer_id = "123-456-7890"
refresh_token_env = "PV_G"
client_id_env = "PV_G"
client_secret_env = "PV_G"
[destinations.microsoft_ads]
tag_id = "12345678"
capi_token_env = "PV_MS"
[destinations.tiktok]
pixel_code = "CTEST00000000000000A"
access_token_env = "PV_TT"
[events.purchase]
google_ads = "customers/1234567890/conversionActions/111"
)";

class PreviewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Real secret values exist in the environment; preview must never print them.
    for (const char* v : {"PV_SECRET", "PV_META", "PV_GA4", "PV_G", "PV_MS", "PV_TT"}) setenv(v, "TOPSECRET-VALUE", 1);
    auto c = load_config_text(kConfig, "preview.toml", LoadOptions{.redact_secrets = true});
    ASSERT_TRUE(c) << c.error().message;
    config = std::make_unique<Config>(std::move(*c));
  }
  rapidjson::Document run(const std::string& event) {
    auto out = preview(*config, event, now_s);
    EXPECT_TRUE(out) << (out ? "" : out.error().message);
    rapidjson::Document d;
    if (out) {
      EXPECT_EQ(out->find("TOPSECRET"), std::string::npos) << *out;
      d.Parse(out->c_str());
      EXPECT_FALSE(d.HasParseError()) << *out;
    }
    return d;
  }
  // The preview entry of one destination.
  const rapidjson::Value& entry(const rapidjson::Document& d, const std::string& name) {
    for (const auto& e : d["destinations"].GetArray())
      if (name == e["destination"].GetString()) return e;
    static rapidjson::Value none;
    ADD_FAILURE() << "no entry for " << name;
    return none;
  }
  std::string body_at(const rapidjson::Document& d, const std::string& dest, const std::string& pointer) {
    const auto& e = entry(d, dest);
    if (!e.IsObject() || !e.HasMember("request")) return "<no request>";
    const rapidjson::Value* v = rapidjson::Pointer(pointer.c_str()).Get(e["request"]["body"]);
    return v && v->IsString() ? v->GetString() : "<missing " + pointer + ">";
  }
  int64_t now_s = now_ms() / 1000;
  std::unique_ptr<Config> config;
};

TEST_F(PreviewTest, MetaPublishedExamplesHashAsPublished) {
  auto d = run(R"({"event_id":"pv-1","event_name":"purchase","value":10,"currency":"usd",
    "user":{"email":"John_Smith@gmail.com","phone":"(650)555-1212","first_name":"Mary","last_name":"Valéry",
            "country":"United States","date_of_birth":"2/16/1997","ip":"203.0.113.7","user_agent":"UA"}})");
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(std::string(d["event_id"].GetString()), "pv-1");
  EXPECT_EQ(body_at(d, "meta", "/data/0/user_data/em/0"), "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f");
  EXPECT_EQ(body_at(d, "meta", "/data/0/user_data/ph/0"), "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176");
  EXPECT_EQ(body_at(d, "meta", "/data/0/user_data/fn"), "6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec");
  EXPECT_EQ(body_at(d, "meta", "/data/0/user_data/ln"), "08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c");
  EXPECT_EQ(body_at(d, "meta", "/data/0/user_data/country"), "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621");
  EXPECT_EQ(body_at(d, "meta", "/data/0/user_data/db"), "01acdbf6ec7b4f478a225f1a246e5d6767eeab1a7ffa17f025265b5b94f40f0c");
  EXPECT_EQ(body_at(d, "meta", "/data/0/user_data/client_ip_address"), "203.0.113.7");
  EXPECT_EQ(body_at(d, "meta", "/data/0/event_id"), "pv-1");
  // TikTok: E.164 with '+' for the same phone.
  EXPECT_EQ(body_at(d, "tiktok", "/data/0/user/phone/0"), "1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8");
  EXPECT_EQ(body_at(d, "tiktok", "/data/0/event_id"), "pv-1");
  // Secrets are shown as REDACTED where they would be sent.
  std::string meta_url = entry(d, "meta")["request"]["url"].GetString();
  EXPECT_EQ(meta_url, "https://graph.facebook.com/v26.0/1234567890123456/events?access_token=REDACTED");
  const auto& tt_headers = entry(d, "tiktok")["request"]["headers"];
  EXPECT_EQ(std::string(tt_headers["access-token"].GetString()), "REDACTED");
}

TEST_F(PreviewTest, MicrosoftPublishedExamplesHashAsPublished) {
  auto d = run(R"({"event_id":"pv-2","event_name":"purchase","user":{"email":"john@contoso.com","phone":"+14255551234"},
    "ids":{"msclkid":"4a5b6c7d-1234-4abc-9def-0123456789ab"}})");
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(body_at(d, "microsoft_ads", "/data/0/userData/em"), "ec81f3ac7b2b19675bab9d54cf416f9f18cff87c97da5cca82c0f0891bc40602");
  EXPECT_EQ(body_at(d, "microsoft_ads", "/data/0/userData/ph"), "c59475d96e9f01d7d18d06cfad84dd02333207f02c0c2c5663ef2782cda0390e");
  EXPECT_EQ(body_at(d, "microsoft_ads", "/data/0/userData/msclkid"), "4a5b6c7d-1234-4abc-9def-0123456789ab");
  EXPECT_EQ(body_at(d, "microsoft_ads", "/data/0/eventId"), "pv-2");
}

TEST_F(PreviewTest, GoogleEmailRuleAndConsent) {
  // Data Manager formatting guide: gmail dots and +suffix removed; other domains keep them.
  auto d = run(R"({"event_id":"pv-3","event_name":"purchase","user":{"email":"cloudy.sanfrancisco+shopping@gmail.com"},
    "ids":{"gclid":"Cj0KCQ","ga_client_id":"GA1.1.1197596843.1673515099"},"consent":{"ad_user_data":"denied"}})");
  ASSERT_TRUE(d.IsObject());
  std::string dm = body_at(d, "google_ads", "/events/0/userData/userIdentifiers/0/emailAddress");
  std::string ga4 = body_at(d, "ga4", "/user_data/sha256_email_address/0");
  EXPECT_EQ(dm, "223ebda6f6889b1494551ba902d9d381daf2f642bae055888e96343d53e9f9c4");  // sha256 of "cloudysanfrancisco@gmail.com"
  EXPECT_EQ(dm, ga4);  // one Google rule for Google Ads and GA4
  EXPECT_EQ(std::string(entry(d, "ga4")["action"].GetString()), "send");
  EXPECT_EQ(body_at(d, "ga4", "/client_id"), "1197596843.1673515099");
  EXPECT_EQ(body_at(d, "ga4", "/consent/ad_user_data"), "DENIED");
  // Consent denied: Meta, TikTok and Microsoft are skipped with the reason.
  for (const char* name : {"meta", "tiktok", "microsoft_ads"}) {
    EXPECT_EQ(std::string(entry(d, name)["action"].GetString()), "skip") << name;
    EXPECT_EQ(std::string(entry(d, name)["reason"].GetString()), "consent_denied") << name;
  }
  EXPECT_EQ(std::string(entry(d, "google_ads")["request"]["headers"]["authorization"].GetString()), "Bearer REDACTED");
}

TEST_F(PreviewTest, SkipReasons) {
  // No Google identifiers, no GA client id, unmapped Google Ads conversion, too old for GA4.
  auto d = run(R"({"event_id":"pv-4","event_name":"lead","user":{"email":"a@example.com"}})");
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(std::string(entry(d, "google_ads")["reason"].GetString()), "not_mapped");
  EXPECT_EQ(std::string(entry(d, "ga4")["reason"].GetString()), "missing_identifiers");
  auto old = run(R"({"event_id":"pv-5","event_name":"purchase","event_time":)" + std::to_string(now_s - 4 * 86400) +
                 R"(,"user":{"email":"a@example.com"},"ids":{"ga_client_id":"1.2","gclid":"x"}})");
  EXPECT_EQ(std::string(entry(old, "ga4")["reason"].GetString()), "too_old");
  EXPECT_EQ(std::string(entry(old, "meta")["action"].GetString()), "send");
  auto off = run(R"({"event_id":"pv-6","event_name":"purchase","user":{"email":"a@example.com"},"destinations":{"meta":false}})");
  EXPECT_EQ(std::string(entry(off, "meta")["reason"].GetString()), "disabled_for_event");
}

TEST_F(PreviewTest, InvalidEventIsAnErrorDocument) {
  auto out = preview(*config, R"({"event_id":"x","event_name":"purchase","user":{"emial":"a@b.c"}})", now_s);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, "invalid_event");
  EXPECT_NE(out.error().message.find("user.emial"), std::string::npos);
  auto bad = preview(*config, "{nope", now_s);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "invalid_json");
}

}  // namespace
}  // namespace fanout::app
