// Field rules each platform documents (docs/platforms.md cites the source of each): time windows by
// action_source, events a platform would refuse, hash rules per platform, TikTok's event sources.
#include <gtest/gtest.h>

#include "destination_testing.h"

namespace fanout::dest::testing {
namespace {

constexpr int64_t kDay = 24 * 3600;

std::unique_ptr<Loaded> meta(const std::string& extra = "") {
  setenv("FANOUT_T_META_TOKEN", "meta-token", 1);
  auto l = load("[destinations.meta]\npixel_id = \"1234567890\"\naccess_token_env = \"FANOUT_T_META_TOKEN\"\n" + extra,
                "meta");
  EXPECT_TRUE(l->errors.ok()) << (l->errors.items.empty() ? "" : l->errors.items.front());
  return l;
}

std::unique_ptr<Loaded> tiktok(const std::string& extra = "") {
  setenv("FANOUT_T_TIKTOK_TOKEN", "tiktok-token", 1);
  auto l = load("[destinations.tiktok]\npixel_code = \"CPIXEL\"\naccess_token_env = \"FANOUT_T_TIKTOK_TOKEN\"\n" + extra,
                "tiktok");
  EXPECT_TRUE(l->errors.ok()) << (l->errors.items.empty() ? "" : l->errors.items.front());
  return l;
}

std::string action_source_sent(const Destination& d, const Event& e) {
  auto reqs = build_all(d, {e});
  auto body = parse_valid(reqs.at(0).http.body);
  return body["data"][0]["action_source"].GetString();
}

// Meta: "For offline and physical store events with physical_store as action_source, you should upload
// transactions within 62 days of the conversion"; every other event within 7 days.
TEST(MetaWindow, PhysicalStoreEventsHave62Days) {
  auto l = meta();
  Event store = sample_event();
  store.action_source = "physical_store";
  EXPECT_EQ(l->dest->skip_reason(store, store.event_time + 30 * kDay), "");
  EXPECT_EQ(l->dest->skip_reason(store, store.event_time + 63 * kDay), "too_old");
  Event web = sample_event();
  EXPECT_EQ(l->dest->skip_reason(web, web.event_time + 8 * kDay), "too_old");
  EXPECT_EQ(l->dest->window_for(store), std::chrono::hours(24 * 62));
  EXPECT_EQ(l->dest->window_for(web), std::chrono::hours(24 * 7));
  EXPECT_EQ(l->dest->window(), std::chrono::hours(24 * 62));  // the delivery bound covers the longest window
}

// Meta requires app_data (advertiser_tracking_enabled, application_tracking_enabled, extinfo) of app events;
// the canonical event carries none, so they are skipped rather than sent to be refused.
TEST(MetaAppEvents, SkippedWithAReason) {
  auto l = meta();
  Event e = sample_event();
  e.action_source = "app";
  EXPECT_EQ(l->dest->skip_reason(e, e.event_time + 60), "app_data_missing");
}

// Website events need client_user_agent and event_source_url. Without them the default sends "other".
TEST(MetaWebsiteWithoutBrowserData, DefaultSendsOther) {
  auto l = meta();
  Event complete = sample_event();
  EXPECT_EQ(action_source_sent(*l->dest, complete), "website");
  Event no_agent = sample_event();
  no_agent.user_agent.clear();
  EXPECT_EQ(l->dest->skip_reason(no_agent, no_agent.event_time + 60), "");
  EXPECT_EQ(action_source_sent(*l->dest, no_agent), "other");
  Event no_url = sample_event();
  no_url.event_source_url.clear();
  EXPECT_EQ(action_source_sent(*l->dest, no_url), "other");
}

TEST(MetaWebsiteWithoutBrowserData, SkipOrSendAsWebsiteWhenConfigured) {
  Event e = sample_event();
  e.user_agent.clear();
  auto skip = meta("website_without_browser = \"skip\"\n");
  EXPECT_EQ(skip->dest->skip_reason(e, e.event_time + 60), "website_without_browser_data");
  auto as_is = meta("website_without_browser = \"website\"\n");
  EXPECT_EQ(action_source_sent(*as_is->dest, e), "website");
  setenv("FANOUT_T_META_TOKEN", "meta-token", 1);
  auto bad = load("[destinations.meta]\npixel_id = \"1\"\naccess_token_env = \"FANOUT_T_META_TOKEN\"\n"
                  "website_without_browser = \"maybe\"\n",
                  "meta");
  EXPECT_TRUE(bad->has_error("destinations.meta.website_without_browser"));
}

// A hash made by another platform's rule is never sent: Meta reads the lowercase-rule email and the
// digits-only phone; an event holding only Google-rule email and E.164 phone hashes has nothing for Meta.
TEST(HashRules, EachPlatformReadsOnlyItsRule) {
  Event e = anonymous_event();
  e.user.email_gmail_sha256 = {std::string(64, 'a')};
  e.user.phone_e164_sha256 = {std::string(64, 'b')};
  EXPECT_EQ(meta()->dest->skip_reason(e, e.event_time + 60), "missing_identifiers");
  auto t = tiktok();
  EXPECT_EQ(t->dest->skip_reason(e, e.event_time + 60), "");  // TikTok takes E.164 phones
  auto body = parse_valid(build_all(*t->dest, {e}).at(0).http.body);
  EXPECT_FALSE(body["data"][0]["user"].HasMember("email"));
}

// TikTok: event_source follows action_source, each source with its own configured id.
TEST(TiktokEventSource, FollowsActionSourceWithItsOwnId) {
  auto l = tiktok("app_id = \"7000000001\"\noffline_event_set_id = \"7000000002\"\ncrm_event_set_id = \"7000000003\"\n");
  std::vector<Event> events;
  for (const char* source : {"website", "app", "physical_store", "crm", "phone_call", "system_generated"}) {
    Event e = sample_event(std::string("e-") + source);
    e.action_source = source;
    EXPECT_EQ(l->dest->skip_reason(e, e.event_time + 60), "") << source;
    events.push_back(e);
  }
  auto reqs = build_all(*l->dest, events);
  ASSERT_EQ(reqs.size(), 4u);  // web, app, offline (store + phone), crm (crm + system_generated)
  std::map<std::string, std::pair<std::string, size_t>> seen;
  for (const Request& r : reqs) {
    auto body = parse_valid(r.http.body);
    seen[body["event_source"].GetString()] = {body["event_source_id"].GetString(), r.indices.size()};
  }
  EXPECT_EQ(seen["web"], std::make_pair(std::string("CPIXEL"), size_t{1}));
  EXPECT_EQ(seen["app"], std::make_pair(std::string("7000000001"), size_t{1}));
  EXPECT_EQ(seen["offline"], std::make_pair(std::string("7000000002"), size_t{2}));
  EXPECT_EQ(seen["crm"], std::make_pair(std::string("7000000003"), size_t{2}));
}

TEST(TiktokEventSource, SourceWithoutAnIdIsSkippedNotSentAsWeb) {
  auto l = tiktok();
  Event e = sample_event();
  e.action_source = "crm";
  EXPECT_EQ(l->dest->skip_reason(e, e.event_time + 60), "no_event_source_id:crm");
  e.action_source = "app";
  EXPECT_EQ(l->dest->skip_reason(e, e.event_time + 60), "no_event_source_id:app");
  e.action_source = "other";
  EXPECT_EQ(l->dest->skip_reason(e, e.event_time + 60), "");
}

// GA4: user_id is the event's ga4_user_id, else the external id; user_data is sent without one (Google
// recommends, not requires, user_id with user_data).
TEST(Ga4UserId, SendsWhatIsAvailable) {
  setenv("FANOUT_T_GA4_SECRET", "s", 1);
  auto l = load("[destinations.ga4]\nmeasurement_id = \"G-T1\"\napi_secret_env = \"FANOUT_T_GA4_SECRET\"\n", "ga4");
  ASSERT_TRUE(l->errors.ok()) << l->errors.items.front();
  Event e = sample_event();
  e.ids.ga_client_id = "1.2";
  e.user.email_gmail_sha256 = {std::string(64, 'c')};
  auto body = parse_valid(build_all(*l->dest, {e}).at(0).http.body);
  EXPECT_STREQ(body["user_id"].GetString(), "crm-42");
  e.user.external_id.clear();
  body = parse_valid(build_all(*l->dest, {e}).at(0).http.body);
  EXPECT_FALSE(body.HasMember("user_id"));
  EXPECT_TRUE(body.HasMember("user_data"));
}

// GA4 user_data.address: Google's rules (city/region without digits and symbols, postal code as written,
// country as ISO alpha-2).
TEST(Ga4Address, CountryIsIsoAlpha2) {
  setenv("FANOUT_T_GA4_SECRET", "s", 1);
  auto l = load("[destinations.ga4]\nmeasurement_id = \"G-T1\"\napi_secret_env = \"FANOUT_T_GA4_SECRET\"\n", "ga4");
  Event e = sample_event();
  e.ids.ga_client_id = "1.2";
  e.user.country = "gb";
  e.user.postal_code = "NE1 4ST";
  auto body = parse_valid(build_all(*l->dest, {e}).at(0).http.body);
  const auto& address = body["user_data"]["address"][0];
  EXPECT_STREQ(address["country"].GetString(), "GB");
  EXPECT_STREQ(address["postal_code"].GetString(), "NE1 4ST");
}

}  // namespace
}  // namespace fanout::dest::testing
