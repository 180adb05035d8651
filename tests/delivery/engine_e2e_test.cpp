// The engine with real destinations (Meta, Google Ads Data Manager with OAuth) against the platform sandbox:
// the destinations' classify() and the engine's split / refresh handling agree on real platform answers.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <toml++/toml.h>

#include "delivery/engine.h"
#include "delivery_test_util.h"
#include "destinations/google_ads/google_ads.h"
#include "destinations/meta/meta.h"
#include "sandbox/sandbox.h"

namespace fanout::delivery {
namespace {
using namespace std::chrono_literals;
using namespace testing;

constexpr const char* kAction = "customers/1234567890/conversionActions/111";

Event sandbox_event(const std::string& id) {
  Event e = make_event(id);
  e.user.email_lower_sha256 = {std::string(64, 'a')};
  e.user.email_gmail_sha256 = {std::string(64, 'b')};
  e.ip = "203.0.113.7";
  e.user_agent = "Mozilla/5.0";
  e.ids.gclid = "gclid-" + id;
  e.value = 10;
  e.currency = "USD";
  e.destinations["google_ads"].event_name = kAction;
  return e;
}

TEST(EngineEndToEnd, RealDestinationsThroughTheSandboxWithFaults) {
  auto started = sandbox::Sandbox::start({});
  ASSERT_TRUE(started) << started.error().message;
  auto& box = **started;
  ::setenv("FANOUT_E2E_META_TOKEN", "meta-token", 1);
  ::setenv("FANOUT_E2E_REFRESH", "refresh-1", 1);
  ::setenv("FANOUT_E2E_CLIENT_ID", "client-1", 1);
  ::setenv("FANOUT_E2E_CLIENT_SECRET", "secret-1", 1);
  std::string config = R"(
[meta]
pixel_id = "1234567890123456"
access_token_env = "FANOUT_E2E_META_TOKEN"
base_url = ")" + box.base_url("meta") +
                       R"("
linger_ms = 20
[google_ads]
customer_id = "1234567890"
refresh_token_env = "FANOUT_E2E_REFRESH"
client_id_env = "FANOUT_E2E_CLIENT_ID"
client_secret_env = "FANOUT_E2E_CLIENT_SECRET"
oauth_url = ")" + box.base_url("google_ads") +
                       R"(/token"
base_url = ")" + box.base_url("google_ads") +
                       R"("
linger_ms = 20
)";
  toml::table root = toml::parse(config);
  ConfigErrors errors;
  ConfigTable meta_table(root["meta"].as_table(), "destinations.meta", errors);
  ConfigTable ads_table(root["google_ads"].as_table(), "destinations.google_ads", errors);
  auto meta = dest::make_meta(meta_table, {});
  auto ads = dest::make_google_ads(ads_table, {});
  ASSERT_TRUE(errors.ok()) << errors.items.front();
  ASSERT_TRUE(meta && ads);

  ASSERT_TRUE(box.add_fault(R"({"platform":"meta","mode":"reject_event_ids","ids":["e7"],"count":-1})"));
  ASSERT_TRUE(box.add_fault(R"({"platform":"google_ads","mode":"auth_expired","count":1})"));

  Harness h;
  Engine engine({meta.get(), ads.get()}, *h.spool, h.metrics);
  engine.start();
  std::vector<Event> events;
  auto event_ids = ids("e", 20);
  for (const auto& id : event_ids) events.push_back(sandbox_event(id));
  engine.submit(h.commit(events, {"meta", "google_ads"}));

  std::vector<std::string> good = event_ids;
  good.erase(std::find(good.begin(), good.end(), "e7"));
  ASSERT_TRUE(eventually([&] { return h.all_in(good, "meta", spool::State::delivered); }));
  ASSERT_TRUE(eventually([&] { return h.all_in(event_ids, "google_ads", spool::State::delivered); }));
  ASSERT_TRUE(eventually([&] {
    auto d = h.delivery("e7", "meta");
    return d && d->state == spool::State::failed;
  }));
  engine.stop(5s);
  EXPECT_FALSE(h.delivery("e7", "meta")->reason.empty());
  for (const auto& id : good) EXPECT_EQ(box.event_id_count("meta", id), 1u) << id;
  EXPECT_EQ(box.event_id_count("meta", "e7"), 0u);
  for (const auto& id : event_ids) EXPECT_EQ(box.event_id_count("google_ads", id), 1u) << id;
  box.stop();
}

}  // namespace
}  // namespace fanout::delivery
