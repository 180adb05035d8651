// `fanout demo`: the main job without ad accounts. Starts the platform sandbox and the gateway on
// loopback with a generated config, posts signed sample events, and prints what each platform got.
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "app/commands.h"
#include "app/config.h"
#include "app/gateway.h"
#include "app/http_client.h"
#include "core/clock.h"
#include "core/sha256.h"
#include "core/stop_signals.h"
#include "sandbox/sandbox.h"
#include "telemetry/log.h"

namespace fanout::app {
namespace {

struct Sample {
  std::string title;
  std::string body;
};

std::string demo_config(const sandbox::Sandbox& box, const std::string& dir) {
  auto url = [&](const char* platform) { return box.base_url(platform); };
  return R"([server]
listen = "127.0.0.1:0"
admin_token_env = "FANOUT_DEMO_ADMIN_TOKEN"

[ingest]
secret_env = "FANOUT_DEMO_WEBHOOK_SECRET"

[spool]
path = ")" + dir + R"(/spool.db"

[destinations.meta]
pixel_id = "1234567890123456"
access_token_env = "FANOUT_DEMO_META_TOKEN"
base_url = ")" + url("meta") + R"("
linger_ms = 50

[destinations.ga4]
measurement_id = "G-DEMO12345"
api_secret_env = "FANOUT_DEMO_GA4_SECRET"
base_url = ")" + url("ga4") + R"("
linger_ms = 50

[destinations.google_ads]
mode = "data_manager"
customer_id = "1234567890"
refresh_token_env = "FANOUT_DEMO_GOOGLE_REFRESH"
client_id_env = "FANOUT_DEMO_GOOGLE_CLIENT_ID"
client_secret_env = "FANOUT_DEMO_GOOGLE_CLIENT_SECRET"
oauth_url = ")" + url("google_ads") + R"(/token"
base_url = ")" + url("google_ads") + R"("
linger_ms = 50

[destinations.microsoft_ads]
mode = "capi"
tag_id = "12345678"
capi_token_env = "FANOUT_DEMO_MS_TOKEN"
base_url = ")" + url("microsoft_ads") + R"("
linger_ms = 50

[destinations.tiktok]
pixel_code = "CDEMO000000000000000"
access_token_env = "FANOUT_DEMO_TIKTOK_TOKEN"
base_url = ")" + url("tiktok") + R"("
linger_ms = 50

[events.purchase]
google_ads = "customers/1234567890/conversionActions/111"

[events.lead]
google_ads = "customers/1234567890/conversionActions/222"
)";
}

std::vector<Sample> samples(int64_t now_s) {
  std::string t = std::to_string(now_s - 60);
  return {
      {"purchase, every identifier",
       R"({"event_id":"demo-purchase-1","event_name":"purchase","event_time":)" + t +
           R"(,"event_source_url":"https://shop.example.com/checkout/done","user":{"email":" Jane.Doe@Example.com ",)"
           R"("phone":"(650) 555-1212","first_name":"Jane","last_name":"Doe","country":"US","zip":"94035",)"
           R"("ip":"203.0.113.7","user_agent":"Mozilla/5.0 demo"},"ids":{"fbclid":"IwAR2demo","fbp":"fb.1.1700000000000.123456789",)"
           R"("gclid":"Cj0KCQdemo","msclkid":"4a5b6c7d-1234-4abc-9def-0123456789ab","ttclid":"E.C.P.demo",)"
           R"("ga_client_id":"GA1.1.1197596843.1673515099"},"value":125.5,"currency":"USD","order_id":"ORD-1001",)"
           R"("contents":[{"id":"SKU-1","quantity":2,"price":62.75,"name":"Trail shoe"}],)"
           R"("consent":{"ad_user_data":"granted","ad_personalization":"granted"}})"},
      {"lead, email only (no GA client id)",
       R"({"event_id":"demo-lead-1","event_name":"lead","event_time":)" + t +
           R"(,"action_source":"crm","user":{"email":"lead@example.org","external_id":"crm-42"}})"},
      {"purchase, ad_user_data consent denied",
       R"({"event_id":"demo-purchase-2","event_name":"purchase","event_time":)" + t +
           R"(,"user":{"email":"eu.buyer@example.de","phone":"030 12345678","country":"DE"},)"
           R"("ids":{"gclid":"Cj0KCQdemo2","ga_client_id":"1234567890.1700000000"},"value":40,"currency":"EUR",)"
           R"("consent":{"ad_user_data":"denied","ad_personalization":"denied"}})"},
      {"bad event (misspelt field)",
       R"({"event_id":"demo-bad-1","event_name":"purchase","user":{"emial":"typo@example.com"}})"},
  };
}

std::string cell(const std::string& state, const std::string& reason) {
  return reason.empty() ? state : state + " (" + reason + ")";
}

}  // namespace

int cmd_demo(bool keep_running) {
  if (!std::getenv("FANOUT_LOG_LEVEL")) log::set_level(log::Level::warn);
  // Kept running, Ctrl-C or SIGTERM stops the demo cleanly (its temporary directory removed): blocked
  // here, before any thread starts, so only the sigwait below receives them.
  sigset_t stop_signals{};
  if (keep_running) stop_signals = block_stop_signals();
  char dir_template[] = "/tmp/fanout-demo-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (!dir) return failure("cannot create a temporary directory");

  auto box = sandbox::Sandbox::start(sandbox::SandboxOptions{});
  if (!box) return failure("sandbox: " + box.error().message);

  // Demo-only secrets, generated per run; real deployments name their own variables in the config.
  std::string secret = sha256_hex(std::to_string(now_ms()) + std::to_string(getpid())).substr(0, 32);
  setenv("FANOUT_DEMO_WEBHOOK_SECRET", secret.c_str(), 1);
  setenv("FANOUT_DEMO_ADMIN_TOKEN", ("admin-" + secret.substr(0, 8)).c_str(), 1);
  setenv("FANOUT_DEMO_META_TOKEN", "demo-meta-token", 1);
  setenv("FANOUT_DEMO_GA4_SECRET", "demo-ga4-secret", 1);
  setenv("FANOUT_DEMO_GOOGLE_REFRESH", "demo-refresh-token", 1);
  setenv("FANOUT_DEMO_GOOGLE_CLIENT_ID", "demo-client-id", 1);
  setenv("FANOUT_DEMO_GOOGLE_CLIENT_SECRET", "demo-client-secret", 1);
  setenv("FANOUT_DEMO_MS_TOKEN", "demo-ms-token", 1);
  setenv("FANOUT_DEMO_TIKTOK_TOKEN", "demo-tiktok-token", 1);

  // Written to a file and loaded from it as `serve` does, so the gateway can re-read it with secrets
  // redacted for the console's request previews. It names environment variables, never a secret.
  const std::string config_path = std::string(dir) + "/fanout.toml";
  {
    std::ofstream file(config_path, std::ios::trunc);
    file << demo_config(**box, dir);
    if (!file.flush()) return failure("cannot write " + config_path);
  }
  auto config = load_config(config_path);
  if (!config) return failure(config.error().message);
  auto gateway = Gateway::start(std::move(*config));
  if (!gateway) return failure(gateway.error().message);
  Gateway& gw = **gateway;

  std::printf("fanout demo: gateway %s, sandbox platforms at %s, spool %s/spool.db\n\n", gw.url().c_str(),
              (*box)->base_url("").c_str(), dir);
  std::vector<std::string> accepted;
  for (const Sample& s : samples(now_ms() / 1000)) {
    auto r = http_call("POST", gw.url() + "/v1/events",
                       {{"Content-Type", "application/json"}, {"X-CRM-Signature", hmac_sha256_hex(secret, s.body)}},
                       s.body);
    if (!r) return failure(r.error().message);
    std::printf("POST /v1/events  %-40s -> %ld %s\n", s.title.c_str(), r->status, r->body.c_str());
    if (r->status == 202) {
      auto id_start = s.body.find("\"event_id\":\"") + 12;
      accepted.push_back(s.body.substr(id_start, s.body.find('"', id_start) - id_start));
    }
  }

  // Wait (bounded) until every delivery of every accepted event is final.
  std::vector<spool::EventStatus> statuses;
  for (int i = 0; i < 150; ++i) {
    statuses.clear();
    bool settled = true;
    for (const auto& id : accepted) {
      auto st = gw.spool().lookup(id);
      if (!st || !*st) {
        settled = false;
        continue;
      }
      for (const auto& d : (*st)->deliveries) settled = settled && d.state != spool::State::pending;
      statuses.push_back(**st);
    }
    if (settled && statuses.size() == accepted.size()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  std::printf("\n%-18s", "event");
  for (const auto* d : gw.config().destination_ptrs()) std::printf(" | %-30s", std::string(d->name()).c_str());
  std::printf("\n");
  for (const auto& st : statuses) {
    std::printf("%-18s", st.event_id.c_str());
    for (const auto* d : gw.config().destination_ptrs()) {
      std::string text = "-";
      for (const auto& del : st.deliveries)
        if (del.destination == d->name()) text = cell(spool::state_name(del.state), del.reason);
      std::printf(" | %-30s", text.c_str());
    }
    std::printf("\n");
  }
  std::printf("\nWhat the sandbox platforms received (requests / events):\n");
  for (const auto* d : gw.config().destination_ptrs()) {
    std::string platform(d->name());
    std::printf("  %-14s %llu / %llu\n", platform.c_str(), static_cast<unsigned long long>((*box)->requests(platform)),
                static_cast<unsigned long long>((*box)->events(platform)));
  }
  std::printf("\nNext: build/fanout preview --config examples/fanout.toml examples/purchase.json shows the exact requests;\ndocs/platforms.md explains every state and skip reason.\n");

  if (keep_running) {
    // The token travels in the fragment, which the browser never sends; the page drops it from the address bar.
    std::printf("\nConsole: %s/ui/#token=%s\n", gw.url().c_str(), std::getenv("FANOUT_DEMO_ADMIN_TOKEN"));
    std::printf("Running until Ctrl-C. Webhook secret: $FANOUT_DEMO_WEBHOOK_SECRET=%s\n", secret.c_str());
    std::fflush(stdout);
    int sig = 0;
    sigwait(&stop_signals, &sig);
  } else {
    std::printf("With --keep-running, the demo keeps going and prints a link to these events in the web console.\n");
  }
  gw.stop();
  (*box)->stop();
  std::filesystem::remove_all(dir);  // the demo's spool and generated config: nothing to keep
  return 0;
}

}  // namespace fanout::app
