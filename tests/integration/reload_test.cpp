// `systemctl reload fanout` (SIGHUP) on the real binary with the sandbox platforms: while events are
// posted continuously, the webhook secret (in the --env-file) is rotated and a destination added. No
// acknowledged event is lost or delivered twice, the new secret works and the old one no longer does.
// A config with errors, or one changing a restart-only setting, is refused and the running one kept.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/sha256.h"
#include "harness.h"

namespace fanout::itest {
namespace {

using namespace std::chrono_literals;

const std::string kOldSecret = "reload-old-secret";
const std::string kNewSecret = "reload-new-secret";

// A gateway started as the unit starts it: `serve --config C --env-file E`, secrets only in E.
class ReloadGateway {
 public:
  ReloadGateway(const std::string& dir, const SandboxProcess& box)
      : dir_(dir), box_(box), config_(dir + "/fanout.toml"), env_(dir + "/fanout.env"), log_(dir + "/fanout.log") {}

  // [server]/[ingest]/[spool], meta (slow answers keep requests in flight) and optionally tiktok.
  std::string config(bool with_tiktok, const std::string& listen = "127.0.0.1:0", const std::string& extra = "") const {
    std::string text = "[server]\nlisten = \"" + listen + "\"\nadmin_token_env = \"T_ADMIN\"\n" + extra +
                       "\n[ingest]\nsecret_env = \"T_SECRET\"\n\n[spool]\npath = \"" + dir_ +
                       "/data/spool.db\"\n\n[destinations.meta]\npixel_id = \"1234567890123456\"\n"
                       "access_token_env = \"T_META\"\nlinger_ms = 20\nbase_url = \"" + box_.base_url("meta") + "\"\n";
    if (with_tiktok)
      text += "\n[destinations.tiktok]\npixel_code = \"CTEST00000000000000A\"\naccess_token_env = \"T_TIKTOK\"\n"
              "linger_ms = 20\nbase_url = \"" + box_.base_url("tiktok") + "\"\n";
    return text;
  }
  void write_config(const std::string& text) { write_file(config_, text); }
  void write_env(const std::string& secret) {
    write_file(env_, "# secrets\nT_SECRET=" + secret + "\nT_ADMIN=\"reload-admin\"\nT_META=meta-token\nT_TIKTOK=tiktok-token\n");
  }

  void start() {
    proc_ = std::make_unique<Process>(std::vector<std::string>{FANOUT_BINARY, "serve", "--config", config_, "--env-file", env_},
                                      std::map<std::string, std::string>{}, log_);
    ASSERT_TRUE(wait_until([&] { return (port_ = static_cast<int>(log_field(log_, "listening", "port"))) > 0; }, 15s))
        << read_file(log_);
  }
  // SIGHUP, then waits for the log line that answers it ("config_reloaded" or "reload_refused").
  std::string reload() {
    const size_t before = count_lines("config_reloaded") + count_lines("reload_refused");
    proc_->signal(SIGHUP);
    EXPECT_TRUE(wait_until([&] { return count_lines("config_reloaded") + count_lines("reload_refused") > before; }, 30s))
        << read_file(log_);
    return last_line_with("config_reloaded", "reload_refused");
  }
  int terminate() {
    proc_->signal(SIGTERM);
    return proc_->wait(30s);
  }
  long post(const std::string& id, const std::string& secret) {
    std::string body = purchase_event(id, now_ms() / 1000);
    auto r = app::http_call("POST", "http://127.0.0.1:" + std::to_string(port_) + "/v1/events",
                            {{"Content-Type", "application/json"}, {"X-CRM-Signature", hmac_sha256_hex(secret, body)}},
                            body);
    return r ? r->status : 0;
  }
  size_t count_lines(const std::string& msg) const {
    std::string text = read_file(log_);
    size_t n = 0;
    for (size_t pos = 0; (pos = text.find("\"msg\":\"" + msg + "\"", pos)) != std::string::npos; ++pos) ++n;
    return n;
  }
  std::string last_line_with(const std::string& a, const std::string& b) const {
    std::string text = read_file(log_), last;
    size_t start = 0;
    for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
      std::string line = text.substr(start, end - start);
      if (line.find("\"msg\":\"" + a + "\"") != std::string::npos || line.find("\"msg\":\"" + b + "\"") != std::string::npos)
        last = line;
    }
    return last;
  }
  std::string log() const { return read_file(log_); }

 private:
  std::string dir_;
  const SandboxProcess& box_;
  std::string config_, env_, log_;
  std::unique_ptr<Process> proc_;
  int port_ = 0;
};

TEST(Reload, RotatesTheSecretAndAddsADestinationUnderLoadWithoutLosingOrRepeatingAnEvent) {
  TempDir dir;
  SandboxProcess box(dir.path);
  // Meta answers slowly: at the reload, requests are in flight and must finish, not be sent twice.
  box.fault(R"({"platform":"meta","mode":"delay_ms","delay_ms":150,"count":-1})");
  ReloadGateway gw(dir.path, box);
  gw.write_config(gw.config(false));
  gw.write_env(kOldSecret);
  gw.start();

  // Posters sign like a CRM mid-rotation: the old secret first, the new one when the old is refused.
  std::mutex mu;
  std::vector<std::string> with_old, with_new;  // acknowledged ids, by the secret that got them in
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  auto poster = [&](int worker) {
    for (int i = 0; !stop && i < 5000; ++i) {
      const std::string id = "rl-" + std::to_string(worker) + "-" + std::to_string(i);
      long status = gw.post(id, kOldSecret);
      bool fresh = false;
      if (status == 401) {
        status = gw.post(id, kNewSecret);
        fresh = true;
      }
      std::lock_guard lock(mu);
      if (status == 202)
        (fresh ? with_new : with_old).push_back(id);
      else
        ++failures;
    }
  };
  auto acknowledged = [&] {
    std::lock_guard lock(mu);
    return with_old.size() + with_new.size();
  };
  std::thread a(poster, 0), b(poster, 1);
  ASSERT_TRUE(wait_until([&] { return acknowledged() >= 150; }, 30s));

  gw.write_env(kNewSecret);
  gw.write_config(gw.config(true));
  const std::string answer = gw.reload();
  EXPECT_NE(answer.find("config_reloaded"), std::string::npos) << answer;
  const size_t at_reload = acknowledged();
  EXPECT_TRUE(wait_until([&] { return acknowledged() >= at_reload + 150; }, 30s));
  stop = true;
  a.join();
  b.join();

  EXPECT_EQ(failures, 0);
  EXPECT_EQ(gw.post("rl-after-old", kOldSecret), 401);  // the old secret is refused now
  ASSERT_EQ(gw.post("rl-after-new", kNewSecret), 202);
  with_new.push_back("rl-after-new");
  ASSERT_FALSE(with_old.empty());
  ASSERT_FALSE(with_new.empty());

  // Meta gets every acknowledged event; TikTok, added by the reload, every event the new config took.
  std::set<std::string> all(with_old.begin(), with_old.end());
  all.insert(with_new.begin(), with_new.end());
  const std::set<std::string> added(with_new.begin(), with_new.end());
  auto received = [&](const std::string& platform, const std::set<std::string>& ids) {
    auto counts = box.event_counts(platform);
    for (const auto& id : ids)
      if (!counts.count(id)) return false;
    return true;
  };
  EXPECT_TRUE(wait_until([&] { return received("meta", all); }, 60s));
  EXPECT_TRUE(wait_until([&] { return received("tiktok", added); }, 60s));
  EXPECT_EQ(gw.terminate(), 0);

  // Exactly once each (counted after the graceful stop: a repeat would have been sent by now).
  auto expect_once = [&](const std::string& platform, const std::set<std::string>& ids) {
    auto counts = box.event_counts(platform);
    size_t lost = 0, repeated = 0, unexpected = 0;
    for (const auto& id : ids) {
      if (!counts.count(id)) ++lost;
      else if (counts[id] != 1) ++repeated;
    }
    for (const auto& [id, n] : counts)
      if (!ids.count(id)) ++unexpected;
    EXPECT_EQ(lost, 0u) << platform;
    EXPECT_EQ(repeated, 0u) << platform;
    EXPECT_EQ(unexpected, 0u) << platform;
  };
  expect_once("meta", all);
  expect_once("tiktok", added);
  std::printf("reload under load: %zu events with the old secret, %zu with the new\n", with_old.size(), with_new.size());
}

TEST(Reload, RefusesABrokenOrRestartOnlyChangeAndKeepsTheRunningConfig) {
  TempDir dir;
  SandboxProcess box(dir.path);
  ReloadGateway gw(dir.path, box);
  gw.write_config(gw.config(false));
  gw.write_env(kOldSecret);
  gw.start();
  ASSERT_EQ(gw.post("rf-1", kOldSecret), 202);

  // An unknown key and a new secret: the whole reload is refused, the old secret still rules.
  gw.write_env(kNewSecret);
  gw.write_config(gw.config(true, "127.0.0.1:0", "bogus_key = 1\n"));
  std::string answer = gw.reload();
  EXPECT_NE(answer.find("reload_refused"), std::string::npos) << answer;
  EXPECT_NE(answer.find("server.bogus_key"), std::string::npos) << answer;
  EXPECT_EQ(answer.find(kNewSecret), std::string::npos) << "a secret reached the log";
  EXPECT_EQ(gw.post("rf-2", kOldSecret), 202);
  EXPECT_EQ(gw.post("rf-3", kNewSecret), 401);

  // The listen address changes only with a restart.
  gw.write_config(gw.config(true, "127.0.0.1:1"));
  answer = gw.reload();
  EXPECT_NE(answer.find("reload_refused"), std::string::npos) << answer;
  EXPECT_NE(answer.find("server.listen"), std::string::npos) << answer;
  EXPECT_EQ(gw.post("rf-4", kOldSecret), 202);

  // A malformed environment file is refused too.
  write_file(dir.path + "/fanout.env", "T_SECRET\n");
  gw.write_config(gw.config(true));
  answer = gw.reload();
  EXPECT_NE(answer.find("reload_refused"), std::string::npos) << answer;
  EXPECT_NE(answer.find("fanout.env:1"), std::string::npos) << answer;
  EXPECT_EQ(gw.post("rf-5", kOldSecret), 202);

  // Everything the running config accepted is delivered, to meta only (tiktok never got in).
  const std::set<std::string> ids{"rf-1", "rf-2", "rf-4", "rf-5"};
  EXPECT_TRUE(wait_until([&] {
    auto counts = box.event_counts("meta");
    for (const auto& id : ids)
      if (!counts.count(id)) return false;
    return true;
  }, 30s));
  EXPECT_EQ(gw.terminate(), 0);
  EXPECT_TRUE(box.event_counts("tiktok").empty());
}

}  // namespace
}  // namespace fanout::itest
