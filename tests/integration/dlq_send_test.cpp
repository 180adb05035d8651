// `fanout send` against a running gateway, and the dead-letter round trip: a permanent rejection is
// listed by `fanout dlq list`, re-queued by `fanout dlq replay`, and delivered after the restart.
#include <sys/wait.h>

#include <cstdio>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "harness.h"

namespace fanout::itest {
namespace {

using namespace std::chrono_literals;

struct Output {
  int code = -1;
  std::string out;
};

Output run_fanout(const std::string& args, const std::map<std::string, std::string>& env) {
  std::string cmd;
  for (const auto& [k, v] : env) cmd += k + "='" + v + "' ";
  cmd += std::string(FANOUT_BINARY) + " " + args + " 2>/dev/null";
  Output o;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) o.out.append(buf, n);
  int st = pclose(p);
  o.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return o;
}

TEST(SendAndDlq, SendSignsAndPosts) {
  TempDir dir;
  SandboxProcess box(dir.path);
  GatewayProcess gw(dir.path, all_destinations_toml(box, 20));
  gw.start();
  write_file(dir.path + "/event.json", purchase_event("send-1", now_ms() / 1000));
  Output o = run_fanout("send --url " + gw.url("/v1/events") + " --secret-env T_SECRET " + dir.path + "/event.json",
                        {{"T_SECRET", gw.secret()}});
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("202"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("send-1"), std::string::npos) << o.out;
  Output wrong = run_fanout("send --url " + gw.url("/v1/events") + " --secret-env T_SECRET " + dir.path + "/event.json",
                            {{"T_SECRET", "not-the-secret"}});
  EXPECT_EQ(wrong.code, 1);
  EXPECT_NE(wrong.out.find("401"), std::string::npos) << wrong.out;
}

TEST(SendAndDlq, DeadLetterListReplayAndDeliverWhileRunning) {
  TempDir dir;
  SandboxProcess box(dir.path);
  box.fault(R"({"platform":"meta","mode":"reject_event_ids","event_ids":["dlq-1"],"count":-1})");
  GatewayProcess gw(dir.path, all_destinations_toml(box, 20));
  gw.start();
  ASSERT_EQ(gw.post_event(purchase_event("dlq-1", now_ms() / 1000)).status, 202);
  ASSERT_TRUE(wait_until([&] { return gw.state("dlq-1", "meta") == "failed"; }, 20s));

  // The CLI works on the spool file beside the running gateway.
  std::string config = "--config " + dir.path + "/fanout.toml";
  Output list = run_fanout("dlq list " + config, gw.env());
  EXPECT_EQ(list.code, 0);
  EXPECT_NE(list.out.find("\"event_id\":\"dlq-1\""), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("\"destination\":\"meta\""), std::string::npos) << list.out;
  EXPECT_EQ(run_fanout("dlq list " + config + " --destination tiktok", gw.env()).out, "");

  box.clear_faults();  // the platform problem is fixed
  Output replay = run_fanout("dlq replay " + config + " --destination meta --event-id dlq-1", gw.env());
  EXPECT_EQ(replay.code, 0);
  EXPECT_NE(replay.out.find("\"replayed\":1"), std::string::npos) << replay.out;
  // The running gateway notices the replay and delivers, without a restart.
  EXPECT_TRUE(wait_until([&] { return gw.state("dlq-1", "meta") == "delivered"; }, 20s));
  EXPECT_EQ(box.event_counts("meta")["dlq-1"], 1);
  EXPECT_EQ(run_fanout("dlq list " + config, gw.env()).out, "");
  EXPECT_EQ(gw.terminate(), 0);
}

}  // namespace
}  // namespace fanout::itest
