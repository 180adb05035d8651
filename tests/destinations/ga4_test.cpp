// GA4 Measurement Protocol: config, skip decisions, request grouping and classification.
#include "destinations/ga4/ga4.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <toml++/toml.h>

#include <cstdlib>
#include <set>

#include "core/config_table.h"
#include "destination_testing.h"

namespace fanout::dest {
namespace {

using testing::parse_valid;
using testing::ptrs;

constexpr int64_t kTime = 1763899200;

struct Made {
  ConfigErrors errors;
  std::unique_ptr<Destination> dest;
};

// Builds the destination from the body of a [destinations.ga4] table.
std::unique_ptr<Made> make(const std::string& table_body, const EventNameMap& names = {}, bool redact = false) {
  auto m = std::make_unique<Made>();
  m->errors.redact_secrets = redact;
  toml::table root = toml::parse("[destinations.ga4]\n" + table_body);
  ConfigTable t(root["destinations"]["ga4"].as_table(), "destinations.ga4", m->errors);
  m->dest = make_ga4(t, names);
  return m;
}

const char* kConfig = "measurement_id = \"G-T1\"\napi_secret_env = \"FANOUT_TEST_GA4_SECRET\"\n";

class Ga4Test : public ::testing::Test {
 protected:
  void SetUp() override { setenv("FANOUT_TEST_GA4_SECRET", "sec", 1); }
};

Event event(const std::string& name, const std::string& client_id = "1.2") {
  Event e;
  e.event_id = "id-" + name + "-" + client_id;
  e.event_name = name;
  e.event_time = kTime;
  e.ids.ga_client_id = client_id;
  return e;
}

std::string first_event_name(const Destination& d, const Event& e) {
  const Event* p = &e;
  auto reqs = d.build(std::span<const Event* const>(&p, 1), Auth{});
  return parse_valid(reqs.at(0).http.body)["events"][0]["name"].GetString();
}

// --- config ---

TEST_F(Ga4Test, DefaultsFollowThePlatform) {
  auto m = make(kConfig);
  ASSERT_TRUE(m->errors.ok()) << m->errors.items.front();
  EXPECT_EQ(m->dest->name(), "ga4");
  EXPECT_EQ(m->dest->options().base_url, "https://www.google-analytics.com");
  EXPECT_EQ(m->dest->options().max_batch, 25u);
  EXPECT_EQ(m->dest->window(), std::chrono::hours(72));
  EXPECT_FALSE(m->dest->oauth().has_value());
}

TEST_F(Ga4Test, MissingMeasurementIdIsNamed) {
  auto m = make("api_secret_env = \"FANOUT_TEST_GA4_SECRET\"\n");
  ASSERT_EQ(m->errors.items.size(), 1u);
  EXPECT_EQ(m->errors.items[0], "destinations.ga4.measurement_id: required");
}

TEST_F(Ga4Test, MissingSecretIsNamedByItsKey) {
  unsetenv("FANOUT_TEST_GA4_UNSET");
  auto m = make("measurement_id = \"G-T1\"\napi_secret_env = \"FANOUT_TEST_GA4_UNSET\"\n");
  ASSERT_EQ(m->errors.items.size(), 1u);
  EXPECT_NE(m->errors.items[0].find("destinations.ga4.api_secret_env"), std::string::npos);
  EXPECT_NE(m->errors.items[0].find("FANOUT_TEST_GA4_UNSET"), std::string::npos);
}

TEST_F(Ga4Test, UnknownKeyIsReported) {
  auto m = make(std::string(kConfig) + "pixel_id = \"x\"\n");
  ASSERT_EQ(m->errors.items.size(), 1u);
  EXPECT_EQ(m->errors.items[0], "destinations.ga4.pixel_id: unknown key");
}

TEST_F(Ga4Test, MaxBatchAbovePlatformLimitIsRejected) {
  auto m = make(std::string(kConfig) + "max_batch = 26\n");
  ASSERT_EQ(m->errors.items.size(), 1u);
  EXPECT_NE(m->errors.items[0].find("destinations.ga4.max_batch"), std::string::npos);
}

TEST_F(Ga4Test, InvalidConfiguredEventNameIsNamed) {
  auto m = make(kConfig, {{"lead", "bad-name"}, {"purchase", "purchase"}});
  ASSERT_EQ(m->errors.items.size(), 1u);
  EXPECT_EQ(m->errors.items[0].rfind("events.lead.ga4: ", 0), 0u) << m->errors.items[0];
}

TEST_F(Ga4Test, PreviewRedactsTheApiSecretInTheUrl) {
  auto m = make(kConfig, {}, /*redact=*/true);
  ASSERT_TRUE(m->errors.ok());
  Event e = event("purchase");
  const Event* p = &e;
  auto reqs = m->dest->build(std::span<const Event* const>(&p, 1), Auth{});
  EXPECT_EQ(reqs.at(0).http.url, "https://www.google-analytics.com/mp/collect?measurement_id=G-T1&api_secret=REDACTED");
}

TEST_F(Ga4Test, BaseUrlPathPrefixIsKept) {
  auto m = make(std::string(kConfig) + "base_url = \"http://127.0.0.1:9900/ga4/\"\n");
  ASSERT_TRUE(m->errors.ok());
  Event e = event("purchase");
  const Event* p = &e;
  EXPECT_EQ(m->dest->build(std::span<const Event* const>(&p, 1), Auth{}).at(0).http.url,
            "http://127.0.0.1:9900/ga4/mp/collect?measurement_id=G-T1&api_secret=sec");
}

// --- skip decisions ---

TEST_F(Ga4Test, SkipReasons) {
  auto m = make(kConfig);
  const Destination& d = *m->dest;
  Event ok = event("purchase");
  EXPECT_EQ(d.skip_reason(ok, kTime + 10), "");
  EXPECT_EQ(d.skip_reason(ok, kTime + 72 * 3600), "") << "the window's last second still counts";
  EXPECT_EQ(d.skip_reason(ok, kTime + 72 * 3600 + 1), "too_old");

  Event no_client = event("purchase", "");
  EXPECT_EQ(d.skip_reason(no_client, kTime), "missing_identifiers");

  Event disabled = event("purchase");
  disabled.destinations["ga4"].enabled = false;
  EXPECT_EQ(d.skip_reason(disabled, kTime), "disabled_for_event");

  Event intake_skip = event("purchase");
  intake_skip.destinations["ga4"].skip_reason = "not_mapped";
  EXPECT_EQ(d.skip_reason(intake_skip, kTime), "not_mapped");

  Event bad_name = event("purchase");
  bad_name.destinations["ga4"].event_name = "has-dash";
  EXPECT_EQ(d.skip_reason(bad_name, kTime), "invalid_event_name");
  EXPECT_EQ(d.skip_reason(event("session_start"), kTime), "invalid_event_name") << "reserved by MP";
  EXPECT_EQ(d.skip_reason(event("google_thing"), kTime), "invalid_event_name") << "reserved prefix";
  EXPECT_EQ(d.skip_reason(event(std::string(41, 'a')), kTime), "invalid_event_name");
  EXPECT_EQ(d.skip_reason(event(std::string(40, 'a')), kTime), "");
}

TEST_F(Ga4Test, ConsentDeniedIsStillSentWithItsSignals) {
  auto m = make(kConfig);
  Event e = event("purchase");
  e.ad_user_data = Consent::denied;
  EXPECT_EQ(m->dest->skip_reason(e, kTime), "");
  const Event* p = &e;
  auto body = parse_valid(m->dest->build(std::span<const Event* const>(&p, 1), Auth{}).at(0).http.body);
  EXPECT_STREQ(body["consent"]["ad_user_data"].GetString(), "DENIED");
  EXPECT_FALSE(body["consent"].HasMember("ad_personalization")) << "unspecified signals are left out";
}

// --- event names ---

TEST_F(Ga4Test, BuiltInNamesConfiguredNamesAndOverrides) {
  auto m = make(kConfig, {{"purchase", "big_purchase"}});
  const Destination& d = *m->dest;
  EXPECT_EQ(first_event_name(d, event("lead")), "generate_lead");
  EXPECT_EQ(first_event_name(d, event("complete_registration")), "sign_up");
  EXPECT_EQ(first_event_name(d, event("initiate_checkout")), "begin_checkout");
  EXPECT_EQ(first_event_name(d, event("view_content")), "view_item");
  EXPECT_EQ(first_event_name(d, event("page_view")), "page_view");
  EXPECT_EQ(first_event_name(d, event("subscribe")), "subscribe");
  EXPECT_EQ(first_event_name(d, event("submit_application")), "submit_application");
  EXPECT_EQ(first_event_name(d, event("purchase")), "big_purchase");
  Event overridden = event("purchase");
  overridden.destinations["ga4"].event_name = "vip_purchase";
  EXPECT_EQ(first_event_name(d, overridden), "vip_purchase");
}

// --- grouping ---

TEST_F(Ga4Test, OneRequestPerClientAndRequestLevelFields) {
  auto m = make(kConfig);
  std::vector<Event> events{event("purchase", "1.1"), event("lead", "2.2"), event("search", "1.1"),
                            event("add_to_cart", "1.1"), event("purchase", "1.1")};
  events[3].ad_user_data = Consent::granted;                    // different consent
  events[4].user.email_gmail_sha256 = {std::string(64, 'a')};  // different user_data
  auto p = ptrs(events);
  auto reqs = m->dest->build(p, Auth{});
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[0].indices, (std::vector<size_t>{0, 2}));
  EXPECT_EQ(reqs[1].indices, (std::vector<size_t>{1}));
  EXPECT_EQ(reqs[2].indices, (std::vector<size_t>{3}));
  EXPECT_EQ(reqs[3].indices, (std::vector<size_t>{4}));
  auto body = parse_valid(reqs[0].http.body);
  EXPECT_STREQ(body["client_id"].GetString(), "1.1");
  ASSERT_EQ(body["events"].Size(), 2u);
  EXPECT_STREQ(body["events"][0]["name"].GetString(), "purchase");
  EXPECT_STREQ(body["events"][1]["name"].GetString(), "search");
}

// user_data values, hashes or not, are JSON strings escaped where needed.
TEST_F(Ga4Test, UserDataHashesAndOtherValuesAreWrittenAsJsonStrings) {
  auto m = make(kConfig);
  Event e = event("purchase", "1.1");
  const std::string hash(64, 'f');
  e.user.email_gmail_sha256 = {hash, "A\"B\\C"};
  e.user.phone_e164_sha256 = {std::string(64, 'A')};  // uppercase: not taken as a hash, still written
  e.user.first_name_words_sha256 = std::string(63, '0') + "\n";
  e.user.last_name_words_sha256 = hash;
  e.user.city = "Zürich";
  std::vector<Event> events{e};
  auto p = ptrs(events);
  auto reqs = m->dest->build(p, Auth{});
  ASSERT_EQ(reqs.size(), 1u);
  auto body = parse_valid(reqs[0].http.body);
  const auto& u = body["user_data"];
  ASSERT_EQ(u["sha256_email_address"].Size(), 2u);
  EXPECT_EQ(u["sha256_email_address"][0].GetString(), hash);
  EXPECT_STREQ(u["sha256_email_address"][1].GetString(), "A\"B\\C");
  EXPECT_EQ(u["sha256_phone_number"][0].GetString(), std::string(64, 'A'));
  const auto& a = u["address"][0];
  EXPECT_EQ(a["sha256_first_name"].GetString(), std::string(63, '0') + "\n");
  EXPECT_EQ(a["sha256_last_name"].GetString(), hash);
  EXPECT_STREQ(a["city"].GetString(), "Zürich");
  EXPECT_NE(reqs[0].http.body.find(R"("sha256_email_address":[")" + hash + R"(","A\"B\\C"])"), std::string::npos)
      << reqs[0].http.body;
}

TEST_F(Ga4Test, BatchesAreCutAtMaxBatchAndEveryEventAppearsOnce) {
  for (size_t max_batch : {25u, 4u}) {
    auto m = make(std::string(kConfig) + "max_batch = " + std::to_string(max_batch) + "\n");
    ASSERT_TRUE(m->errors.ok());
    std::vector<Event> events;
    for (int i = 0; i < 30; ++i) events.push_back(event("purchase", i % 2 ? "odd.1" : "even.1"));
    auto p = ptrs(events);
    auto reqs = m->dest->build(p, Auth{});
    std::multiset<size_t> seen;
    for (const auto& r : reqs) {
      EXPECT_LE(r.indices.size(), max_batch);
      EXPECT_EQ(parse_valid(r.http.body)["events"].Size(), r.indices.size());
      std::string client = parse_valid(r.http.body)["client_id"].GetString();
      for (size_t i : r.indices) {
        seen.insert(i);
        EXPECT_EQ(events[i].ids.ga_client_id, client);
      }
    }
    EXPECT_EQ(seen.size(), 30u);
    EXPECT_EQ(std::set<size_t>(seen.begin(), seen.end()).size(), 30u);
    EXPECT_EQ(reqs.size(), max_batch == 25u ? 2u : 8u);  // 15 per client: 1 or 4 requests each
  }
}

TEST_F(Ga4Test, EventsAtOtherTimesCarryTheirOwnTimestamp) {
  auto m = make(kConfig);
  std::vector<Event> events{event("purchase"), event("lead")};
  events[1].event_time = kTime + 5;
  auto p = ptrs(events);
  auto body = parse_valid(m->dest->build(p, Auth{}).at(0).http.body);
  EXPECT_EQ(body["timestamp_micros"].GetInt64(), kTime * 1000000);
  EXPECT_FALSE(body["events"][0].HasMember("timestamp_micros"));
  EXPECT_EQ(body["events"][1]["timestamp_micros"].GetInt64(), (kTime + 5) * 1000000);
}

TEST_F(Ga4Test, PropertiesAreBoundedToGa4Limits) {
  auto m = make(kConfig);
  Event e = event("purchase");
  std::string props = "{\"long\":\"" + std::string(150, 'x') + "\"";
  for (int i = 0; i < 40; ++i) props += ",\"p" + std::to_string(i) + "\":" + std::to_string(i);
  props += "}";
  e.properties_json = props;
  const Event* p = &e;
  auto body = parse_valid(m->dest->build(std::span<const Event* const>(&p, 1), Auth{}).at(0).http.body);
  const auto& params = body["events"][0]["params"];
  EXPECT_EQ(params.MemberCount(), 25u);
  EXPECT_EQ(params["long"].GetStringLength(), 100u);
  EXPECT_STREQ(params["transaction_id"].GetString(), e.event_id.c_str());
}

TEST_F(Ga4Test, UserIdFallsBackToExternalId) {
  auto m = make(kConfig);
  Event e = event("purchase");
  e.user.external_id = "crm-1";
  const Event* p = &e;
  auto body = parse_valid(m->dest->build(std::span<const Event* const>(&p, 1), Auth{}).at(0).http.body);
  EXPECT_STREQ(body["user_id"].GetString(), "crm-1");
  e.ga4_user_id = "site-1";
  body = parse_valid(m->dest->build(std::span<const Event* const>(&p, 1), Auth{}).at(0).http.body);
  EXPECT_STREQ(body["user_id"].GetString(), "site-1");
}

// --- classification ---

Classification classify(const Destination& d, int status, size_t n = 3,
                        std::map<std::string, std::string> headers = {}) {
  Request r;
  for (size_t i = 0; i < n; ++i) r.indices.push_back(i);
  HttpResponse resp;
  resp.status = status;
  resp.headers = std::move(headers);
  if (status == 0) resp.transport_error = "Connection refused";
  return d.classify(r, resp);
}

TEST_F(Ga4Test, ClassifiesEveryAnswer) {
  auto m = make(kConfig);
  const Destination& d = *m->dest;
  for (int s : {200, 204}) {
    auto c = classify(d, s);
    ASSERT_EQ(c.events.size(), 3u);
    for (const auto& e : c.events) EXPECT_EQ(e.outcome, Outcome::delivered) << s;
    EXPECT_FALSE(c.split);
  }
  for (int s : {0, 429, 500, 503}) {
    auto c = classify(d, s);
    ASSERT_EQ(c.events.size(), 3u);
    for (const auto& e : c.events) EXPECT_EQ(e.outcome, Outcome::retry) << s;
    EXPECT_FALSE(c.split);
    EXPECT_FALSE(c.refresh_auth);
  }
  for (int s : {400, 403, 404}) {
    auto c = classify(d, s);
    ASSERT_EQ(c.events.size(), 3u);  // an empty answer would pass the loop below
    for (const auto& e : c.events) EXPECT_EQ(e.outcome, Outcome::reject) << s;
    EXPECT_FALSE(c.split) << "GA4 errors are never about one event";
  }
  EXPECT_EQ(classify(d, 0).events[0].reason, "transport_error: Connection refused");
}

// Retry-After is read once, by delivery's retry policy (tests/delivery/retry_policy_test.cpp).
TEST_F(Ga4Test, RateLimitRetriesAndLeavesRetryAfterToDelivery) {
  auto m = make(kConfig);
  auto c = classify(*m->dest, 429, 1, {{"retry-after", "30"}});
  EXPECT_EQ(c.events[0].outcome, Outcome::retry);
  EXPECT_FALSE(c.retry_after.has_value());
}

}  // namespace
}  // namespace fanout::dest
