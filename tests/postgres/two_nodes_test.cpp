// Several nodes on one PostgreSQL, end to end: the real binary twice, a real PostgreSQL server and the
// sandbox platforms. Loads are small (hundreds of events) so each case takes seconds.
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "integration/harness.h"
#include "postgres/pg_server.h"

namespace fanout::itest {
namespace {

using namespace std::chrono_literals;
using pgtest::PgServer;

const std::vector<std::string> kPlatforms{"meta", "ga4", "google_ads", "microsoft_ads", "tiktok"};
constexpr int64_t kLeaseMs = 3000;  // short, so a killed node's work moves within seconds; long enough for a starved renewal

int64_t now_s() { return now_ms() / 1000; }

bool all_received(SandboxProcess& box, const std::string& platform, const std::vector<std::string>& ids) {
  auto counts = box.event_counts(platform);
  for (const auto& id : ids)
    if (!counts.count(id)) return false;
  return true;
}

std::string node_toml(const std::string& node) {
  return "backend = \"postgres\"\nurl_env = \"T_PG\"\nnode_id = \"" + node +
         "\"\nlease_ms = " + std::to_string(kLeaseMs) + "\n";
}

// Posts events "<prefix>-<n>" round-robin to `nodes` until `stop`; keeps the acknowledged ids and
// counts answers by status.
struct Load {
  std::vector<std::string> acked;
  std::map<long, int> statuses;
  std::mutex mu;
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0};

  void run(std::vector<GatewayProcess*> nodes, const std::string& prefix, int max_events,
           std::atomic<bool>* record_2xx_as_bad = nullptr, std::atomic<int>* bad = nullptr) {
    for (int i = 0; i < max_events && !stop; ++i) {
      std::string id = prefix + "-" + std::to_string(i);
      GatewayProcess* gw = nodes[i % nodes.size()];
      auto r = gw->post_event(purchase_event(id, now_s()));
      ++sent;
      std::lock_guard lock(mu);
      ++statuses[r.status];
      if (r.status == 202) {
        acked.push_back(id);
        if (record_2xx_as_bad && record_2xx_as_bad->load()) ++*bad;
      }
      if (r.status == 0 || r.status == 503) std::this_thread::sleep_for(20ms);  // a node restarting
    }
  }
};

// The thread that runs a Load: stopped and joined however the test leaves (a failed ASSERT, an
// exception from a node that did not start), so gtest reports the failure instead of std::terminate
// ending the process on a joinable std::thread.
class LoadThread {
 public:
  LoadThread(Load& load, std::function<void()> body) : load_(load), thread_(std::move(body)) {}
  ~LoadThread() { join(); }
  void join() {
    load_.stop = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  Load& load_;
  std::thread thread_;
};

// Runs the fanout CLI (inheriting T_PG) and returns its exit code and stdout.
std::pair<int, std::string> run_fanout(const std::string& args, const std::map<std::string, std::string>& env) {
  std::string cmd;
  for (const auto& [k, v] : env) cmd += k + "='" + v + "' ";
  cmd += std::string(FANOUT_BINARY) + " " + args + " 2>/dev/null";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

class TwoNodes : public ::testing::Test {
 protected:
  void SetUp() override {
    if (PgServer::bin_dir().empty())
      GTEST_SKIP() << "PostgreSQL server binaries not found (apt install postgresql-15): skipping";
    pg_ = std::make_unique<PgServer>();
    ::setenv("T_PG", pg_->url().c_str(), 1);  // inherited by the gateways
    box_ = std::make_unique<SandboxProcess>(dir_.path);
    for (const char* name : {"a", "b"}) {
      std::string dir = dir_.path + "/" + name;
      std::filesystem::create_directories(dir);
      nodes_.push_back(std::make_unique<GatewayProcess>(dir, destinations_toml(), spool_toml(name)));
    }
    for (auto& n : nodes_) n->start();
  }

  virtual std::string destinations_toml() const { return all_destinations_toml(*box_, 50); }
  virtual std::string spool_toml(const std::string& node) const { return node_toml(node); }

  void expect_all_delivered(const std::vector<std::string>& ids) {
    for (const auto& p : kPlatforms)
      EXPECT_TRUE(wait_until([&] { return all_received(*box_, p, ids); }, 60s))
          << p << ": not every acknowledged event arrived";
  }

  TempDir dir_;
  std::unique_ptr<PgServer> pg_;
  std::unique_ptr<SandboxProcess> box_;
  std::vector<std::unique_ptr<GatewayProcess>> nodes_;
};

TEST_F(TwoNodes, Kill9OfOneNodeLosesNoAcknowledgedEvent) {
  GatewayProcess& a = *nodes_[0];
  GatewayProcess& b = *nodes_[1];
  // `a` cannot reach one platform for now: what it accepted stays pending on it, so its death
  // leaves work that only a takeover by `b` can deliver.
  box_->fault(R"({"platform":"tiktok","mode":"status","status":503,"count":-1})");
  Load load;
  LoadThread writer(load, [&] { load.run({&a, &b}, "k9", 400); });
  std::this_thread::sleep_for(1500ms);
  a.kill9();
  load.stop = true;
  writer.join();
  box_->clear_faults();
  ASSERT_GT(load.acked.size(), 20u);
  expect_all_delivered(load.acked);
  // Any node answers for any event.
  EXPECT_TRUE(wait_until([&] { return b.state(load.acked.front(), "meta") == "delivered"; }, 10s));
}

TEST_F(TwoNodes, SameIdsAtBothNodesAreAcceptedOnce) {
  constexpr int kIds = 150;
  std::vector<long> at_a(kIds), at_b(kIds);
  const int64_t t = now_s();
  std::thread ta([&] {
    for (int i = 0; i < kIds; ++i) at_a[i] = nodes_[0]->post_event(purchase_event("dup-" + std::to_string(i), t)).status;
  });
  std::thread tb([&] {
    for (int i = 0; i < kIds; ++i) at_b[i] = nodes_[1]->post_event(purchase_event("dup-" + std::to_string(i), t)).status;
  });
  ta.join();
  tb.join();
  for (int i = 0; i < kIds; ++i) {
    std::multiset<long> got{at_a[i], at_b[i]};
    EXPECT_EQ(got, (std::multiset<long>{200, 202})) << "dup-" << i;
  }
  std::vector<std::string> ids;
  for (int i = 0; i < kIds; ++i) ids.push_back("dup-" + std::to_string(i));
  // Each node names itself in /metrics.
  auto metrics = app::http_call("GET", nodes_[1]->url("/metrics"),
                                {{"Authorization", "Bearer " + nodes_[1]->admin_token()}}, "");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("fanout_node_info{node_id=\"b\"} 1"), std::string::npos);
  expect_all_delivered(ids);
  for (const auto& p : kPlatforms) {
    auto counts = box_->event_counts(p);
    int twice = 0;
    for (const auto& id : ids) twice += counts[id] > 1;
    EXPECT_EQ(twice, 0) << p << ": an event accepted once was sent twice";
  }
}

TEST_F(TwoNodes, PostgresStoppedUnderLoadAnswersNo2xxAndRecovers) {
  Load load;
  std::atomic<bool> down{false};
  std::atomic<int> acked_while_down{0};
  LoadThread writer(load, [&] {
    load.run({nodes_[0].get(), nodes_[1].get()}, "pgdown", 100000, &down, &acked_while_down);
  });
  std::this_thread::sleep_for(800ms);
  // `down` is raised after the server is gone: a request acknowledged before the stop began may still
  // be answered while it runs.
  pg_->stop();
  down = true;
  std::this_thread::sleep_for(1500ms);
  const int sent_while_down = load.sent.load();
  std::this_thread::sleep_for(500ms);
  EXPECT_GT(load.sent.load(), sent_while_down) << "requests kept being answered (503) while down";
  down = false;
  pg_->start();
  // Both nodes become ready again by themselves, then accept again.
  for (auto& n : nodes_)
    EXPECT_TRUE(wait_until([&] { return app::http_call("GET", n->url("/readyz"), {}, "").value().status == 200; }, 20s));
  const size_t before = [&] {
    std::lock_guard lock(load.mu);
    return load.acked.size();
  }();
  EXPECT_TRUE(wait_until(
      [&] {
        std::lock_guard lock(load.mu);
        return load.acked.size() > before + 20;
      },
      20s));
  load.stop = true;
  writer.join();
  EXPECT_EQ(acked_while_down.load(), 0);
  EXPECT_GT(load.statuses[503], 0);
  expect_all_delivered(load.acked);
}

TEST_F(TwoNodes, RollingRestartUnderLoadLosesNothing) {
  Load load;
  LoadThread writer(load, [&] { load.run({nodes_[0].get(), nodes_[1].get()}, "roll", 100000); });
  for (auto& n : nodes_) {
    std::this_thread::sleep_for(700ms);
    EXPECT_EQ(n->terminate(), 0);
    n->start();
  }
  std::this_thread::sleep_for(700ms);
  load.stop = true;
  writer.join();
  ASSERT_GT(load.acked.size(), 20u);
  expect_all_delivered(load.acked);
}

TEST_F(TwoNodes, DeadLettersAreListedAndReplayedFromAnyNode) {
  box_->fault(R"({"platform":"meta","mode":"reject_event_ids","event_ids":["dlq-1"],"count":-1})");
  ASSERT_EQ(nodes_[0]->post_event(purchase_event("dlq-1", now_s())).status, 202);
  ASSERT_TRUE(wait_until([&] { return nodes_[1]->state("dlq-1", "meta") == "failed"; }, 20s));
  // The CLI with the other node's config reads the same database.
  const std::string config = "--config " + nodes_[1]->dir() + "/fanout.toml";
  auto [code, out] = run_fanout("dlq list " + config, nodes_[1]->env());
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("\"event_id\":\"dlq-1\""), std::string::npos) << out;
  box_->clear_faults();
  auto [rcode, rout] = run_fanout("dlq replay " + config + " --destination meta --event-id dlq-1", nodes_[1]->env());
  EXPECT_EQ(rcode, 0);
  EXPECT_NE(rout.find("\"replayed\":1"), std::string::npos) << rout;
  // Some node claims the replayed delivery and sends it, once.
  EXPECT_TRUE(wait_until([&] { return nodes_[0]->state("dlq-1", "meta") == "delivered"; }, 20s));
  EXPECT_EQ(box_->event_counts("meta")["dlq-1"], 1);
}

// spool.max_bytes at its minimum (1 MiB): the empty schema takes a fraction of it, a few hundred events
// the rest.
class SmallSpool : public TwoNodes {
 protected:
  std::string spool_toml(const std::string& node) const override {
    return node_toml(node) + "max_bytes = 1048576\n";
  }
};

TEST_F(SmallSpool, OverMaxBytesBothNodesAnswer503AndAreNotReady) {
  GatewayProcess& a = *nodes_[0];
  GatewayProcess& b = *nodes_[1];
  app::ClientResponse refused{0, ""};
  int accepted = 0;
  for (int i = 0; i < 5000; ++i) {
    auto r = a.post_event(purchase_event("size-" + std::to_string(i), now_s()));
    if (r.status != 202) {
      refused = r;
      break;
    }
    ++accepted;
  }
  ASSERT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("\"unavailable\""), std::string::npos) << refused.body;
  EXPECT_GT(accepted, 100) << "refused long before the tables reached max_bytes";
  std::printf("accepted %d events before the first 503\n", accepted);
  // Both nodes measure the same tables: both refuse and leave the load balancer.
  for (GatewayProcess* n : {&a, &b}) {
    EXPECT_TRUE(wait_until([&] { return app::http_call("GET", n->url("/readyz"), {}, "").value().status == 503; }, 10s));
    EXPECT_EQ(n->post_event(purchase_event("size-more", now_s())).status, 503);
  }
  // What was accepted is still delivered.
  std::vector<std::string> ids;
  for (int i = 0; i < accepted; ++i) ids.push_back("size-" + std::to_string(i));
  expect_all_delivered(ids);
}

// A node cut off longer than its lease (here: paused with SIGSTOP, heartbeat and all) while the other
// takes its work over, then back (SIGCONT). Meta is slow and sends small batches, so at the pause the
// node holds events in memory it has not sent yet, besides the requests in flight: when it comes back
// nothing is re-sent but what it had in flight (sent, outcome not recorded: at most max_in_flight x
// max_batch events, plus a batch whose answer came just before the pause), and nothing is lost.
class PausedNode : public TwoNodes {
 protected:
  static constexpr int kMetaBatch = 20, kMetaInFlight = 2;
  std::string destinations_toml() const override {
    std::string toml = all_destinations_toml(*box_, 50);
    const std::string meta = "[destinations.meta]\n";
    toml.insert(toml.find(meta) + meta.size(), "max_batch = " + std::to_string(kMetaBatch) +
                                                   "\nmax_in_flight = " + std::to_string(kMetaInFlight) + "\n");
    return toml;
  }
};

TEST_F(PausedNode, ANodePausedLongerThanItsLeaseResendsOnlyWhatWasInFlight) {
  GatewayProcess& a = *nodes_[0];
  GatewayProcess& b = *nodes_[1];
  constexpr int kEvents = 200;
  box_->fault(R"({"platform":"meta","mode":"delay_ms","delay_ms":2000,"count":-1})");
  std::vector<std::string> ids;
  for (int i = 0; i < kEvents; ++i) {
    ids.push_back("pause-" + std::to_string(i));
    ASSERT_EQ(a.post_event(purchase_event(ids.back(), now_s())).status, 202);
  }
  // `a` owns all of them. Its first meta requests are in flight; the other platforms are done.
  ASSERT_TRUE(wait_until([&] { return box_->event_counts("meta").size() >= kMetaBatch * kMetaInFlight; }, 20s));
  for (const auto& p : kPlatforms) {
    if (p != "meta") {
      ASSERT_TRUE(wait_until([&] { return all_received(*box_, p, ids); }, 30s)) << p;
    }
  }
  std::this_thread::sleep_for(500ms);  // their outcomes committed
  a.signal(SIGSTOP);
  const auto paused_at = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(200ms);  // what a wrote before the pause reaches the sandbox
  // What a had in flight at the pause: sent to meta, its outcome not recorded yet.
  const size_t meta_before = box_->event_counts("meta").size();
  const size_t recorded = std::stoul(pg_->sql(
      "SELECT count(*) FROM fanout_deliveries d JOIN fanout_destinations n ON n.id = d.destination "
      "WHERE n.name = 'meta' AND d.state = 1"));
  const int in_flight = static_cast<int>(meta_before - recorded);
  EXPECT_LE(in_flight, kMetaBatch * kMetaInFlight + kMetaBatch);
  ASSERT_LT(meta_before, static_cast<size_t>(kEvents)) << "meta was too fast: nothing left in a's memory";
  box_->clear_faults();
  // `b` takes a's work over once a's lease lapsed and delivers every event to meta.
  EXPECT_TRUE(wait_until([&] { return all_received(*box_, "meta", ids); }, 40s)) << "b did not take over";
  std::this_thread::sleep_until(paused_at + std::chrono::milliseconds(kLeaseMs + 2500));
  a.signal(SIGCONT);
  // `a` finds its lease gone, registers anew and drops what it held; give it time to misbehave.
  EXPECT_TRUE(wait_until([&] { return read_file(a.log_path()).find("spool_lease_lost") != std::string::npos; }, 20s));
  std::this_thread::sleep_for(std::chrono::milliseconds(kLeaseMs + 2000));
  auto counts = box_->event_counts("meta");
  int twice = 0;
  for (const auto& id : ids) {
    EXPECT_GE(counts[id], 1) << id << " lost";
    twice += counts[id] > 1;
    EXPECT_LE(counts[id], 2) << id;
  }
  std::printf("meta: %zu events sent before the pause, %d of them in flight, %d sent twice\n", meta_before,
              in_flight, twice);
  EXPECT_LE(twice, in_flight) << "re-sent more than a had in flight";
  expect_all_delivered(ids);
  EXPECT_TRUE(wait_until([&] { return b.state(ids.back(), "meta") == "delivered"; }, 10s));
  // `a` is back to normal: ready, accepting, delivering once.
  EXPECT_TRUE(wait_until([&] { return app::http_call("GET", a.url("/readyz"), {}, "").value().status == 200; }, 10s));
  ASSERT_EQ(a.post_event(purchase_event("after-pause", now_s())).status, 202);
  EXPECT_TRUE(wait_until([&] { return a.state("after-pause", "meta") == "delivered"; }, 20s));
  EXPECT_EQ(box_->event_counts("meta")["after-pause"], 1);
}

}  // namespace
}  // namespace fanout::itest
