// Intake end to end: every status code of docs/api.md from the real binary over HTTP, idempotency across a
// restart, and no secret or raw personal data in logs or in any file under the spool directory.
#include <filesystem>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/sha256.h"
#include "harness.h"

namespace fanout::itest {
namespace {

using namespace std::chrono_literals;

class IntakeE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    box = std::make_unique<SandboxProcess>(dir.path);
    gw = std::make_unique<GatewayProcess>(dir.path, all_destinations_toml(*box, 20),
                                          "[legacy]\ngoogle_ads_labels = { ABC123 = \"customers/1234567890/conversionActions/333\" }\n");
    gw->start();
  }
  app::ClientResponse raw(const std::string& method, const std::string& path, const std::string& body,
                          std::vector<std::pair<std::string, std::string>> headers) {
    auto r = app::http_call(method, gw->url(path), headers, body);
    return r ? *r : app::ClientResponse{0, ""};
  }
  TempDir dir;
  std::unique_ptr<SandboxProcess> box;
  std::unique_ptr<GatewayProcess> gw;
};

TEST_F(IntakeE2E, AcceptsSingleAndBatchAndDetectsDuplicates) {
  int64_t t = now_ms() / 1000;
  auto r = gw->post_event(purchase_event("in-1", t));
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, R"({"received":"in-1"})");
  r = gw->post_event(purchase_event("in-1", t));
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"duplicate\":true"), std::string::npos);
  r = gw->post_event("{\"events\":[" + purchase_event("in-2", t) + "," + purchase_event("in-3", t) + "]}");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, R"({"received":["in-2","in-3"]})");
  // Idempotency survives a restart.
  EXPECT_EQ(gw->terminate(), 0);
  gw->start();
  EXPECT_EQ(gw->post_event(purchase_event("in-2", t)).status, 200);
}

TEST_F(IntakeE2E, EveryErrorStatusIsReachable) {
  int64_t t = now_ms() / 1000;
  EXPECT_EQ(gw->post_event("{not json").status, 400);
  auto bad = gw->post_event(R"({"event_id":"x","event_name":"purchase","user":{"emial":"a@b.c"}})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("\"invalid_event\""), std::string::npos);
  EXPECT_NE(bad.body.find("user.emial"), std::string::npos);
  // A batch with one bad event enqueues nothing and names the index.
  auto batch = gw->post_event("{\"events\":[" + purchase_event("b-ok", t) + R"(,{"event_name":"lead"}]})");
  EXPECT_EQ(batch.status, 400);
  EXPECT_NE(batch.body.find("events[1].event_id"), std::string::npos);
  EXPECT_EQ(gw->status("b-ok").IsObject(), false);
  // Signature.
  std::string body = purchase_event("sig-1", t);
  EXPECT_EQ(raw("POST", "/v1/events", body, {{"Content-Type", "application/json"}}).status, 401);
  EXPECT_EQ(raw("POST", "/v1/events", body, {{"Content-Type", "application/json"}, {"X-CRM-Signature", "sha256=00"}}).status, 401);
  EXPECT_EQ(raw("POST", "/v1/events", body,
                {{"Content-Type", "application/json"}, {"X-CRM-Signature", "sha256=" + hmac_sha256_hex(gw->secret(), body)}})
                .status,
            202);
  EXPECT_EQ(raw("POST", "/v1/events", body, {{"Content-Type", "text/plain"}, {"X-CRM-Signature", hmac_sha256_hex(gw->secret(), body)}}).status, 415);
  EXPECT_EQ(raw("GET", "/nope", "", {}).status, 404);
  EXPECT_EQ(raw("GET", "/v1/events", "", {}).status, 405);
  EXPECT_EQ(raw("GET", "/v1/events/sig-1", "", {}).status, 401);
  std::string big(2 * 1048576, 'x');
  EXPECT_EQ(raw("POST", "/v1/events", big, {{"Content-Type", "application/json"}}).status, 413);
  EXPECT_EQ(raw("GET", "/healthz", "", {}).body, "ok");
  EXPECT_EQ(raw("GET", "/readyz", "", {}).status, 200);
  // A consent-denied event: Meta, TikTok and Microsoft are skipped, and counted as such.
  ASSERT_EQ(gw->post_event(R"({"event_id":"cd-1","event_name":"purchase","user":{"email":"a@example.com"},)"
                           R"("consent":{"ad_user_data":"denied"}})").status,
            202);
  auto metrics = raw("GET", "/metrics", "", {{"Authorization", "Bearer " + gw->admin_token()}});
  EXPECT_NE(metrics.body.find(R"(fanout_deliveries_total{destination="meta",outcome="skipped"} 1)"), std::string::npos)
      << metrics.body;
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("fanout_events_accepted_total"), std::string::npos);
  EXPECT_NE(metrics.body.find("fanout_http_requests_total"), std::string::npos);
}

TEST_F(IntakeE2E, LegacyRouteAnswersLikeTheWorker) {
  std::string body =
      R"({"data":{"metaEvent":"Purchase","gaEvent":"purchase","gadsConversionLabel":"ABC123","eventUrl":"https://example.com/thanks",)"
      R"("eventId":"legacy-1","userId":"u-1","userData":{"email":"legacy@example.com","phone":"+14155550100","name":"John Doe"},)"
      R"("cookieFbp":"fb.1.1700000000000.42","cookieGclid":"Cj0legacy"},"meta":{"metaPixelId":"999","metaTestCode":null,"gaMeasurementId":"G-X"}})";
  auto r = raw("POST", "/", body, {{"Content-Type", "application/json"}, {"User-Agent", "legacy-agent"},
                                   {"X-CRM-Signature", hmac_sha256_hex(gw->secret(), body)}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Events API worker started");
  EXPECT_TRUE(wait_until([&] { return gw->state("legacy-1", "google_ads") == "delivered"; }, 20s));
}

TEST_F(IntakeE2E, NoSecretOrRawPersonalDataInLogsOrSpool) {
  int64_t t = now_ms() / 1000;
  ASSERT_EQ(gw->post_event(purchase_event("pii-1", t)).status, 202);
  ASSERT_TRUE(wait_until([&] { return gw->state("pii-1", "meta") == "delivered"; }, 20s));
  EXPECT_EQ(gw->terminate(), 0);
  std::vector<std::string> forbidden{"Jane.Doe", "jane.doe", "Example.com", "5551212", "555-1212", "Jane", "Doe"};
  for (const auto& [k, v] : gw->env())
    if (k != "T_G_ID") forbidden.push_back(v);  // every secret (the OAuth client id is not one)
  std::vector<std::string> files{gw->log_path()};
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path + "/data")) files.push_back(e.path());
  for (const auto& f : files) {
    std::string text = read_file(f);
    for (const auto& s : forbidden) EXPECT_EQ(text.find(s), std::string::npos) << "'" << s << "' found in " << f;
  }
}

}  // namespace
}  // namespace fanout::itest
