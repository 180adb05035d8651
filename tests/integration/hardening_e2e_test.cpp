// The real binary under hostile conditions: unsigned bodies refused before they are sent, a low
// open-files limit (raised at start, idle connections shed instead of locking every client out),
// smuggling, a full body budget and failing spool writes as /metrics counts them, and SIGTERM with every
// platform hanging bounded by shutdown_timeout_ms.
#include <signal.h>
#include <sys/resource.h>

#include <thread>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/sha256.h"
#include "harness.h"
#include "../net/raw_client.h"

namespace fanout::itest {
namespace {

using namespace std::chrono_literals;
using net::testing::RawClient;

const char* kDestination =
    "[destinations.meta]\npixel_id = \"1234567890123456\"\naccess_token_env = \"T_META\"\n"
    "base_url = \"http://127.0.0.1:9\"\n";

const char* kSecret = "a-long-enough-webhook-secret";
const char* kAdminToken = "hardening-admin-token";

// `fanout serve` started through /bin/sh so `limits` (ulimit arguments) apply to it alone; `server` is added
// to its [server] table, `env` to its environment.
class LimitedGateway {
 public:
  LimitedGateway(const std::string& dir, const std::string& limits, const std::string& server = "",
                 const std::map<std::string, std::string>& env = {})
      : log_(dir + "/fanout.log") {
    const std::string config = dir + "/fanout.toml";
    write_file(config, "[server]\nlisten = \"127.0.0.1:0\"\nadmin_token_env = \"T_ADMIN\"\n" + server +
                           "[ingest]\nsecret_env = \"T_SECRET\"\n[spool]\npath = \"" + dir + "/data/spool.db\"\n" +
                           kDestination);
    std::map<std::string, std::string> environment{{"T_SECRET", kSecret}, {"T_META", "token"}, {"T_ADMIN", kAdminToken}};
    environment.insert(env.begin(), env.end());
    proc_ = std::make_unique<Process>(
        std::vector<std::string>{"/bin/sh", "-c", "ulimit " + limits + " && exec " FANOUT_BINARY " serve --config " + config},
        environment, log_);
    const bool up = wait_until(
        [&] {
          port_ = static_cast<uint16_t>(log_field(log_, "listening", "port"));
          return port_ > 0 && port_ < 65535;
        },
        15s);
    if (!up) throw std::runtime_error("fanout did not start: " + read_file(log_));
  }
  uint16_t port() const { return port_; }
  const std::string& log() const { return log_; }
  // GET /metrics with the admin token: the Prometheus text.
  std::string metrics() const {
    RawClient client(port_);
    if (!client.send("GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + std::string(kAdminToken) +
                     "\r\n\r\n"))
      return "";
    return client.read_response().body;
  }
  // The value of one series of /metrics ("name{labels}" as rendered), -1 when absent.
  double metric(const std::string& series) const {
    const std::string text = metrics();
    const size_t at = text.find("\n" + series + " ");
    return at == std::string::npos ? -1 : std::atof(text.c_str() + at + series.size() + 2);
  }
  int terminate() {
    proc_->signal(SIGTERM);
    return proc_->wait(20s);
  }

 private:
  std::string log_;
  std::unique_ptr<Process> proc_;
  uint16_t port_ = 0;
};

rlim_t hard_open_files() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_max;
}

TEST(HardeningE2E, AnUnsignedBodyIsRefusedBeforeItIsSent) {
  TempDir dir;
  LimitedGateway gw(dir.path, "-S -n 1024");
  RawClient client(gw.port());
  // Announces a 1 MB body and sends none: the answer must not wait for it.
  ASSERT_TRUE(client.send("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          "Content-Length: 1000000\r\n\r\n"));
  auto r = client.read_response();
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("invalid_signature"), std::string::npos) << r.body;
  EXPECT_EQ(gw.terminate(), 0);
}

TEST(HardeningE2E, TheSoftOpenFilesLimitIsRaisedToTheHardLimitAndLogged) {
  if (hard_open_files() != RLIM_INFINITY && hard_open_files() <= 256) GTEST_SKIP() << "hard limit too low to raise";
  TempDir dir;
  LimitedGateway gw(dir.path, "-S -n 256");
  EXPECT_EQ(log_field(gw.log(), "open_files_limit", "soft_before"), 256);
  const long soft = log_field(gw.log(), "open_files_limit", "soft");
  EXPECT_GT(soft, 256);
  EXPECT_EQ(soft, log_field(gw.log(), "open_files_limit", "hard"));
  EXPECT_EQ(gw.terminate(), 0);
}

TEST(HardeningE2E, IdleConnectionsAtTheOpenFilesLimitDoNotLockOutNewClients) {
  TempDir dir;
  LimitedGateway gw(dir.path, "-n 160");  // soft and hard: nothing to raise
  EXPECT_LT(log_field(gw.log(), "listening", "max_connections"), 160);
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 200; ++i) idle.push_back(std::make_unique<RawClient>(gw.port()));
  RawClient newcomer(gw.port());
  ASSERT_TRUE(newcomer.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(newcomer.read_response().status, 200) << "a new client was locked out by idle connections; the server log:\n" << read_file(gw.log());
  EXPECT_TRUE(wait_until([&] { return read_file(gw.log()).find("\"msg\":\"shed_idle_connections\"") != std::string::npos; },
                         10s));
  idle.clear();
  // Asked again until it answers: right after the idle clients leave, the server may still be at its
  // descriptor limit (their sockets close on its side a moment later), and a fetch then gets nothing.
  EXPECT_TRUE(wait_until(
      [&] { return gw.metric(R"(fanout_http_connections_shed_total{reason="max_connections"})") >= 1; }, 10s));
  EXPECT_EQ(gw.terminate(), 0);
}

// A smuggling attempt and a body beyond the server-wide budget, as an operator sees them: a warn line
// each and a counter by reason on /metrics (the HTTP layer answers them; no route does).
TEST(HardeningE2E, RequestsTheServerRefusesItselfAreCountedOnMetrics) {
  TempDir dir;
  LimitedGateway gw(dir.path, "-S -n 1024", "max_body_bytes = 4096\nmax_body_bytes_in_flight = 4096\n");
  {
    RawClient smuggler(gw.port());
    ASSERT_TRUE(smuggler.send("POST /v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"
                              "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(smuggler.read_response().status, 501);
  }
  // A well-formed (wrong) signature passes the head check; the first body holds the budget while the second
  // asks for more than is left.
  const std::string head = "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "X-CRM-Signature: " + std::string(64, '0') + "\r\nContent-Length: 3000\r\n";
  RawClient holder(gw.port());
  ASSERT_TRUE(holder.send(head + "Expect: 100-continue\r\n\r\n"));
  ASSERT_EQ(holder.read_response().status, 100);
  RawClient late(gw.port());
  ASSERT_TRUE(late.send(head + "\r\n"));
  EXPECT_EQ(late.read_response().status, 503);
  EXPECT_EQ(gw.metric(R"(fanout_http_requests_rejected_total{reason="framing"})"), 1);
  EXPECT_EQ(gw.metric(R"(fanout_http_requests_rejected_total{reason="body_budget"})"), 1);
  EXPECT_TRUE(wait_until([&] { return read_file(gw.log()).find("\"msg\":\"bad_framing\"") != std::string::npos; }, 10s));
  EXPECT_NE(read_file(gw.log()).find("\"msg\":\"body_budget_full\""), std::string::npos);
  EXPECT_EQ(gw.terminate(), 0);
}

// Spool writes failing (FANOUT_DEBUG_FAIL_SPOOL_COMMITS, as a full disk would): 503 to the sender, an error
// line, and fanout_spool_write_failures_total on /metrics.
TEST(HardeningE2E, ASpoolWriteFailureIsCountedOnMetrics) {
  TempDir dir;
  LimitedGateway gw(dir.path, "-S -n 1024", "", {{"FANOUT_DEBUG_FAIL_SPOOL_COMMITS", "2"}});
  EXPECT_EQ(gw.metric("fanout_spool_write_failures_total"), 0);
  const std::string body = purchase_event("disk-1", now_ms() / 1000);
  RawClient sender(gw.port());
  ASSERT_TRUE(sender.send("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-CRM-Signature: " +
                          hmac_sha256_hex(kSecret, body) + "\r\nContent-Length: " + std::to_string(body.size()) +
                          "\r\n\r\n" + body));
  EXPECT_EQ(sender.read_response().status, 503);
  EXPECT_TRUE(wait_until([&] { return read_file(gw.log()).find("\"msg\":\"spool_write_failed\"") != std::string::npos; },
                         10s));
  EXPECT_EQ(gw.metric("fanout_spool_write_failures_total"), 1);
  EXPECT_EQ(gw.terminate(), 0);
}

TEST(HardeningE2E, SigtermWithEveryPlatformHangingExitsWithinTheShutdownTimeout) {
  TempDir dir;
  SandboxProcess box(dir.path);
  std::string destinations = all_destinations_toml(box, 50);
  // Every destination waits 30 s for an answer the sandbox holds back for a minute.
  const std::string timeout = "timeout_ms = 30000\n";
  for (size_t at = 0; (at = destinations.find("linger_ms", at)) != std::string::npos; at += timeout.size() + 1)
    destinations.insert(at, timeout);
  GatewayProcess gw(dir.path, destinations, "");
  for (const std::string p : {"meta", "ga4", "google_ads", "microsoft_ads", "tiktok"})
    box.fault(R"({"platform":")" + p + R"(","mode":"delay_ms","delay_ms":60000,"count":-1})");
  std::string config = read_file(gw.dir() + "/fanout.toml");
  config.replace(config.find("[server]\n"), 9, "[server]\nshutdown_timeout_ms = 3000\n");
  write_file(gw.dir() + "/fanout.toml", config);
  gw.start();
  ASSERT_EQ(gw.post_event(purchase_event("hang-1", now_ms() / 1000)).status, 202);
  ASSERT_TRUE(wait_until([&] { return box.requests("meta") > 0 && box.requests("tiktok") > 0; }, 10s))
      << "the platforms never received the requests that should hang";
  EXPECT_EQ(gw.terminate(), 0);
  const long took = log_field(gw.log_path(), "stopped", "shutdown_ms");
  EXPECT_GE(took, 0);
  EXPECT_LE(took, 3000) << "shutdown_timeout_ms is 3000";
  EXPECT_GT(log_field(gw.log_path(), "delivery_stopped", "abandoned_requests"), 0);
}

}  // namespace
}  // namespace fanout::itest
