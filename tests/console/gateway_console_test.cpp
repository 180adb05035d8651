// The console's wiring in the gateway: /ui/ exists only when an admin token is configured, and then
// answers beside intake's routes on the same port.
#include <cstdlib>

#include <gtest/gtest.h>

#include <string>

#include "../spool/spool_test_util.h"
#include "app/config.h"
#include "app/gateway.h"
#include "app/http_client.h"

namespace fanout::app {
namespace {

std::unique_ptr<Gateway> start(const std::string& dir, bool admin) {
  setenv("GC_SECRET", "gateway-console-secret", 1);
  setenv("GC_ADMIN", "gateway-console-admin", 1);
  setenv("GC_META", "meta-token", 1);
  const std::string text = std::string("[server]\nlisten = \"127.0.0.1:0\"\n") +
                           (admin ? "admin_token_env = \"GC_ADMIN\"\n" : "") +
                           "[ingest]\nsecret_env = \"GC_SECRET\"\n[spool]\npath = \"" + dir +
                           "/spool.db\"\n[destinations.meta]\npixel_id = \"1234567890123456\"\n"
                           "access_token_env = \"GC_META\"\nbase_url = \"http://127.0.0.1:9/meta\"\n";
  auto config = load_config_text(text, dir + "/fanout.toml");
  EXPECT_TRUE(config) << config.error().message;
  auto gateway = Gateway::start(std::move(*config));
  EXPECT_TRUE(gateway) << gateway.error().message;
  return gateway ? std::move(*gateway) : nullptr;
}

TEST(GatewayConsole, AbsentWithoutAnAdminToken) {
  spool::testing::TempDir dir;
  auto g = start(dir.path(), false);
  ASSERT_TRUE(g);
  for (const char* path : {"/ui/", "/ui/app.js", "/ui/api/session"}) {
    auto r = http_call("GET", g->url() + path, {}, "");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << path;
  }
  g->stop();
}

TEST(GatewayConsole, ServedBesideIntakeWithAnAdminToken) {
  spool::testing::TempDir dir;
  auto g = start(dir.path(), true);
  ASSERT_TRUE(g);
  auto page = http_call("GET", g->url() + "/ui/", {}, "");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("app.js"), std::string::npos);
  auto refused = http_call("GET", g->url() + "/ui/api/session", {}, "");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  auto session = http_call("GET", g->url() + "/ui/api/session", {{"Authorization", "Bearer gateway-console-admin"}}, "");
  ASSERT_TRUE(session);
  EXPECT_EQ(session->status, 200);
  EXPECT_EQ(session->body, R"({"destinations":["meta"],"max_rows":500})");
  auto health = http_call("GET", g->url() + "/healthz", {}, "");  // intake still answers its routes
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  g->stop();
}

}  // namespace
}  // namespace fanout::app
