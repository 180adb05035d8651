// Google Ads: config, skip decisions and request building in both modes.
#include "destinations/google_ads/google_ads.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <toml++/toml.h>

#include <cstdlib>
#include <set>

#include "core/config_table.h"
#include "destination_testing.h"
#include "destinations/google_ads/conversion_action.h"

namespace fanout::dest {
namespace {

using testing::parse_valid;
using testing::ptrs;

constexpr int64_t kTime = 1763899200;
const EventNameMap kNames{{"purchase", "customers/1234567890/conversionActions/111"}, {"lead", "222"}};

struct Made {
  ConfigErrors errors;
  std::unique_ptr<Destination> dest;
};

// Builds the destination from the body of a [destinations.google_ads] table.
std::unique_ptr<Made> make(const std::string& table_body, const EventNameMap& names = kNames) {
  auto m = std::make_unique<Made>();
  toml::table root = toml::parse("[destinations.google_ads]\n" + table_body);
  ConfigTable t(root["destinations"]["google_ads"].as_table(), "destinations.google_ads", m->errors);
  m->dest = make_google_ads(t, names);
  return m;
}

const std::string kOAuth =
    "refresh_token_env = \"FANOUT_TEST_GADS_REFRESH\"\nclient_id_env = \"FANOUT_TEST_GADS_CLIENT_ID\"\n"
    "client_secret_env = \"FANOUT_TEST_GADS_CLIENT_SECRET\"\n";
const std::string kDataManager = "customer_id = \"1234567890\"\n" + kOAuth;
const std::string kClick =
    "mode = \"click_conversions\"\ncustomer_id = \"123-456-7890\"\n"
    "developer_token_env = \"FANOUT_TEST_GADS_DEVELOPER_TOKEN\"\n" +
    kOAuth;

class GoogleAdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("FANOUT_TEST_GADS_REFRESH", "refresh", 1);
    setenv("FANOUT_TEST_GADS_CLIENT_ID", "client", 1);
    setenv("FANOUT_TEST_GADS_CLIENT_SECRET", "client-secret", 1);
    setenv("FANOUT_TEST_GADS_DEVELOPER_TOKEN", "dev-token", 1);
    setenv("FANOUT_TEST_GADS_STATIC", "static-token", 1);
    unsetenv("FANOUT_TEST_GADS_UNSET");
  }
};

Event event(const std::string& name, const std::string& gclid = "g-1") {
  Event e;
  e.event_id = "id-" + name;
  e.event_name = name;
  e.event_time = kTime;
  e.ids.gclid = gclid;
  return e;
}

bool has_error(const ConfigErrors& errors, const std::string& prefix) {
  for (const auto& item : errors.items)
    if (item.rfind(prefix, 0) == 0) return true;
  return false;
}

// --- config ---

TEST_F(GoogleAdsTest, DataManagerDefaults) {
  auto m = make(kDataManager);
  ASSERT_TRUE(m->errors.ok()) << m->errors.items.front();
  const Destination& d = *m->dest;
  EXPECT_EQ(d.name(), "google_ads");
  EXPECT_EQ(d.options().base_url, "https://datamanager.googleapis.com");
  EXPECT_EQ(d.options().max_batch, 2000u);
  EXPECT_EQ(d.window(), std::chrono::hours(24 * 90));
  auto oauth = d.oauth();
  ASSERT_TRUE(oauth.has_value());
  EXPECT_EQ(oauth->token_url, "https://oauth2.googleapis.com/token");
  EXPECT_EQ(oauth->scope, "https://www.googleapis.com/auth/datamanager");
  EXPECT_EQ(oauth->refresh_token, "refresh");
  EXPECT_EQ(oauth->client_id, "client");
  EXPECT_EQ(oauth->client_secret, "client-secret");
  EXPECT_EQ(oauth->static_token, "");
}

TEST_F(GoogleAdsTest, ClickConversionsDefaults) {
  auto m = make(kClick + "oauth_url = \"http://127.0.0.1:9/token\"\n");
  ASSERT_TRUE(m->errors.ok()) << m->errors.items.front();
  EXPECT_EQ(m->dest->options().base_url, "https://googleads.googleapis.com");
  EXPECT_EQ(m->dest->oauth()->scope, "https://www.googleapis.com/auth/adwords");
  EXPECT_EQ(m->dest->oauth()->token_url, "http://127.0.0.1:9/token");
  Event e = event("purchase");
  const Event* p = &e;
  auto reqs = m->dest->build(std::span<const Event* const>(&p, 1), Auth{"tok"});
  EXPECT_EQ(reqs.at(0).http.url, "https://googleads.googleapis.com/v26/customers/1234567890:uploadClickConversions")
      << "customer id dashes are stripped";
}

TEST_F(GoogleAdsTest, InvalidModeIsNamed) {
  auto m = make("mode = \"offline\"\n" + kDataManager);
  ASSERT_EQ(m->errors.items.size(), 1u);
  EXPECT_TRUE(has_error(m->errors, "destinations.google_ads.mode: ")) << m->errors.items[0];
}

TEST_F(GoogleAdsTest, CustomerIdIsRequiredAndDigitsOnly) {
  auto missing = make(kOAuth);
  EXPECT_TRUE(has_error(missing->errors, "destinations.google_ads.customer_id: required"));
  auto bad = make("customer_id = \"12a4\"\nlogin_customer_id = \"x\"\n" + kOAuth);
  EXPECT_TRUE(has_error(bad->errors, "destinations.google_ads.customer_id: "));
  EXPECT_TRUE(has_error(bad->errors, "destinations.google_ads.login_customer_id: "));
}

TEST_F(GoogleAdsTest, MissingSecretsAreNamedByTheirKeys) {
  auto m = make(
      "customer_id = \"1\"\nrefresh_token_env = \"FANOUT_TEST_GADS_UNSET\"\n"
      "client_id_env = \"FANOUT_TEST_GADS_CLIENT_ID\"\nclient_secret_env = \"FANOUT_TEST_GADS_CLIENT_SECRET\"\n");
  ASSERT_EQ(m->errors.items.size(), 1u);
  EXPECT_TRUE(has_error(m->errors, "destinations.google_ads.refresh_token_env: ")) << m->errors.items[0];
  EXPECT_NE(m->errors.items[0].find("FANOUT_TEST_GADS_UNSET"), std::string::npos);
}

TEST_F(GoogleAdsTest, ClickConversionsNeedsADeveloperToken) {
  auto m = make(
      "mode = \"click_conversions\"\ncustomer_id = \"1\"\n"
      "developer_token_env = \"FANOUT_TEST_GADS_UNSET\"\n" +
      kOAuth);
  ASSERT_EQ(m->errors.items.size(), 1u);
  EXPECT_TRUE(has_error(m->errors, "destinations.google_ads.developer_token_env: ")) << m->errors.items[0];
}

TEST_F(GoogleAdsTest, StaticAccessTokenReplacesTheRefreshFlow) {
  auto m = make(
      "customer_id = \"1\"\naccess_token_env = \"FANOUT_TEST_GADS_STATIC\"\n"
      "refresh_token_env = \"FANOUT_TEST_GADS_UNSET\"\n");
  ASSERT_TRUE(m->errors.ok()) << m->errors.items.front();
  EXPECT_EQ(m->dest->oauth()->static_token, "static-token");
}

TEST_F(GoogleAdsTest, UnknownKeyAndBadValuesAreReported) {
  auto m = make(kDataManager + "pixel_id = \"1\"\napi_version = \"25\"\noauth_url = \"ftp://x\"\n");
  EXPECT_TRUE(has_error(m->errors, "destinations.google_ads.pixel_id: unknown key"));
  EXPECT_TRUE(has_error(m->errors, "destinations.google_ads.api_version: "));
  EXPECT_TRUE(has_error(m->errors, "destinations.google_ads.oauth_url: "));
  EXPECT_EQ(m->errors.items.size(), 3u);
}

TEST_F(GoogleAdsTest, DeveloperTokenKeyIsAcceptedInDataManagerMode) {
  auto m = make(kDataManager + "developer_token_env = \"FANOUT_TEST_GADS_UNSET\"\n");
  EXPECT_TRUE(m->errors.ok()) << m->errors.items.front();
}

TEST_F(GoogleAdsTest, InvalidConversionMappingIsNamed) {
  auto m = make(kDataManager, {{"purchase", "conversionActions/111"}, {"lead", "222"}});
  ASSERT_EQ(m->errors.items.size(), 1u);
  EXPECT_TRUE(has_error(m->errors, "events.purchase.google_ads: ")) << m->errors.items[0];
}

TEST(GoogleAdsIds, ConversionActionAndCustomerIdParsing) {
  using google_ads::conversion_action_id;
  EXPECT_EQ(conversion_action_id("customers/1234567890/conversionActions/111"), "111");
  EXPECT_EQ(conversion_action_id("987"), "987");
  EXPECT_FALSE(conversion_action_id("customers/12/conversionActions/"));
  EXPECT_FALSE(conversion_action_id("customers/x/conversionActions/1"));
  EXPECT_FALSE(conversion_action_id("AW-123/abc"));
  EXPECT_FALSE(conversion_action_id(""));
  EXPECT_EQ(google_ads::normalize_customer_id("123-456-7890"), "1234567890");
  EXPECT_EQ(google_ads::normalize_customer_id("123 456"), "");
  EXPECT_EQ(google_ads::normalize_customer_id("--"), "");
}

// --- skip decisions ---

TEST_F(GoogleAdsTest, SkipReasons) {
  auto m = make(kDataManager);
  const Destination& d = *m->dest;
  EXPECT_EQ(d.skip_reason(event("purchase"), kTime), "");
  EXPECT_EQ(d.skip_reason(event("purchase"), kTime + 90LL * 86400), "");
  EXPECT_EQ(d.skip_reason(event("purchase"), kTime + 90LL * 86400 + 1), "too_old");
  EXPECT_EQ(d.skip_reason(event("page_view"), kTime), "not_mapped") << "no built-in conversion";

  Event bad_override = event("purchase");
  bad_override.destinations["google_ads"].event_name = "label-abc";
  EXPECT_EQ(d.skip_reason(bad_override, kTime), "invalid_conversion_action");

  Event no_ids = event("purchase", "");
  EXPECT_EQ(d.skip_reason(no_ids, kTime), "missing_identifiers");
  no_ids.user.phone_e164_sha256 = {std::string(64, 'b')};
  EXPECT_EQ(d.skip_reason(no_ids, kTime), "") << "a hashed phone is enough";
  Event braid_only = event("purchase", "");
  braid_only.ids.wbraid = "wb";
  EXPECT_EQ(d.skip_reason(braid_only, kTime), "");
  Event meta_hash_only = event("purchase", "");
  meta_hash_only.user.email_lower_sha256 = {std::string(64, 'c')};  // Meta's normalization, not Google's
  EXPECT_EQ(d.skip_reason(meta_hash_only, kTime), "missing_identifiers");

  Event denied = event("purchase");
  denied.ad_user_data = Consent::denied;
  EXPECT_EQ(d.skip_reason(denied, kTime), "") << "Google receives denied events with the consent set";

  Event intake_skip = event("purchase");
  intake_skip.destinations["google_ads"].skip_reason = "not_mapped";
  EXPECT_EQ(d.skip_reason(intake_skip, kTime), "not_mapped");
}

// --- building ---

TEST_F(GoogleAdsTest, DataManagerGroupsByConversionAction) {
  auto m = make(kDataManager);
  std::vector<Event> events{event("purchase"), event("lead"), event("purchase"), event("lead")};
  events[3].destinations["google_ads"].event_name = "customers/1/conversionActions/111";
  auto p = ptrs(events);
  auto reqs = m->dest->build(p, Auth{"tok"});
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].indices, (std::vector<size_t>{0, 2, 3}));
  EXPECT_EQ(reqs[1].indices, (std::vector<size_t>{1}));
  auto b0 = parse_valid(reqs[0].http.body);
  EXPECT_STREQ(b0["destinations"][0]["productDestinationId"].GetString(), "111");
  EXPECT_EQ(b0["events"].Size(), 3u);
  EXPECT_STREQ(b0["events"][2]["transactionId"].GetString(), "id-lead");
  EXPECT_FALSE(b0["destinations"][0].HasMember("loginAccount"));
  EXPECT_STREQ(parse_valid(reqs[1].http.body)["destinations"][0]["productDestinationId"].GetString(), "222");
}

TEST_F(GoogleAdsTest, BatchesAreCutAtMaxBatchInBothModes) {
  for (const std::string& mode : {kDataManager, kClick}) {
    auto m = make(mode + "max_batch = 3\n");
    ASSERT_TRUE(m->errors.ok()) << m->errors.items.front();
    std::vector<Event> events;
    for (int i = 0; i < 8; ++i) events.push_back(event(i % 4 == 3 ? "lead" : "purchase"));
    auto p = ptrs(events);
    auto reqs = m->dest->build(p, Auth{"tok"});
    std::multiset<size_t> seen;
    for (const auto& r : reqs) {
      EXPECT_LE(r.indices.size(), 3u);
      auto body = parse_valid(r.http.body);
      const char* list = body.HasMember("events") ? "events" : "conversions";
      EXPECT_EQ(body[list].Size(), r.indices.size());
      seen.insert(r.indices.begin(), r.indices.end());
    }
    EXPECT_EQ(seen.size(), 8u);
    EXPECT_EQ(std::set<size_t>(seen.begin(), seen.end()).size(), 8u);
  }
}

TEST_F(GoogleAdsTest, ClickConversionsCarryTheirOwnActionAndHeaders) {
  auto m = make(kClick);
  std::vector<Event> events{event("purchase"), event("lead")};
  auto p = ptrs(events);
  auto reqs = m->dest->build(p, Auth{"tok"});
  ASSERT_EQ(reqs.size(), 1u);
  auto body = parse_valid(reqs[0].http.body);
  EXPECT_STREQ(body["conversions"][0]["conversionAction"].GetString(), "customers/1234567890/conversionActions/111");
  EXPECT_STREQ(body["conversions"][1]["conversionAction"].GetString(), "customers/1234567890/conversionActions/222");
  EXPECT_TRUE(body["partialFailure"].GetBool());
  std::map<std::string, std::string> headers(reqs[0].http.headers.begin(), reqs[0].http.headers.end());
  EXPECT_EQ(headers["authorization"], "Bearer tok");
  EXPECT_EQ(headers["developer-token"], "dev-token");
  EXPECT_EQ(headers.count("login-customer-id"), 0u) << "only when configured";
}

TEST_F(GoogleAdsTest, IdentifierCountsStayWithinPlatformLimits) {
  Event e = event("purchase");
  for (int i = 0; i < 12; ++i) e.user.email_gmail_sha256.push_back(std::string(63, 'a') + char('a' + i));
  e.user.phone_e164_sha256 = {std::string(64, 'f')};
  e.user.first_name_words_sha256 = std::string(64, '1');
  e.user.last_name_words_sha256 = std::string(64, '2');
  e.user.country = "de";
  e.user.postal_code = "10115";
  const Event* p = &e;

  auto dm = make(kDataManager);
  auto dm_body = parse_valid(dm->dest->build(std::span<const Event* const>(&p, 1), Auth{}).at(0).http.body);
  const auto& dm_ids = dm_body["events"][0]["userData"]["userIdentifiers"];
  ASSERT_EQ(dm_ids.Size(), 10u);
  EXPECT_TRUE(dm_ids[1].HasMember("phoneNumber")) << "phones are not crowded out by emails";
  EXPECT_TRUE(dm_ids[9].HasMember("address")) << "the address keeps its slot";
  EXPECT_STREQ(dm_ids[9]["address"]["regionCode"].GetString(), "DE");

  auto click = make(kClick);
  auto click_body = parse_valid(click->dest->build(std::span<const Event* const>(&p, 1), Auth{}).at(0).http.body);
  const auto& click_ids = click_body["conversions"][0]["userIdentifiers"];
  ASSERT_EQ(click_ids.Size(), 5u);
  EXPECT_TRUE(click_ids[1].HasMember("hashedPhoneNumber"));
  for (const auto& id : click_ids.GetArray())
    EXPECT_FALSE(id.HasMember("address")) << "ClickConversion takes no address";
}

TEST_F(GoogleAdsTest, PartialAddressIsLeftOut) {
  auto m = make(kDataManager);
  Event e = event("purchase");
  e.user.first_name_words_sha256 = std::string(64, '1');
  e.user.country = "us";  // no last name, no postal code: AddressInfo needs all four
  const Event* p = &e;
  auto body = parse_valid(m->dest->build(std::span<const Event* const>(&p, 1), Auth{}).at(0).http.body);
  EXPECT_FALSE(body["events"][0].HasMember("userData"));
  EXPECT_STREQ(body["events"][0]["adIdentifiers"]["gclid"].GetString(), "g-1");
}

}  // namespace
}  // namespace fanout::dest
